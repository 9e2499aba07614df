"""Every read of 一传到底, starting from the user's scope (or, for an inbox, from their own person).

Progress is one GROUP BY per view on the recipients table alone, by (child organisation, level):
``substr(org_path, 1, len(node) + 4)`` names the children of the node, ``level_id`` is copied at
sending; both tables are folded from it, whatever the number of recipients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from zongheng.core import sqlcache
from zongheng.core.access import in_scope, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Level, Org

from .actions import pending_q
from .models import Notice, NoticeRecipient, NoticeStatus, RecipientList

STEP = 4
STATES = {
    "all": ("全部", Q()),
    "unread": ("未读", Q(read_at__isnull=True)),
    "read": ("已读", Q(read_at__isnull=False)),
    "unacked": ("未回执", Q(acked_at__isnull=True)),
    "acked": ("已回执", Q(acked_at__isnull=False)),
}


# ---------------------------------------------------------------- inbox (self-service)


def inbox(user: Any, state: str = "") -> QuerySet[NoticeRecipient]:
    """The notices sent to the user's own person (withdrawn ones leave the inbox)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return NoticeRecipient.objects.none()
    qs = NoticeRecipient.objects.filter(person_id=person_id, notice__status=NoticeStatus.SENT)
    if state == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif state == "pending":
        qs = qs.filter(Q(notice__needs_ack=True, acked_at__isnull=True) | Q(notice__needs_ack=False,
                                                                           read_at__isnull=True))
    return qs.select_related("notice", "notice__sender_org").order_by("-notice__sent_at", "-pk")


def my_recipient(user: Any, notice_pk: int) -> NoticeRecipient:
    """The user's own row of one notice; no person → 403; not theirs (or withdrawn) → 404."""
    if not getattr(user, "person_id", None):
        raise PermissionDenied("您的账号未关联人员，没有收到的通知")
    row = inbox(user).filter(notice_id=notice_pk).first()
    if row is None:
        raise Http404
    return row


def unread_count(user: Any) -> int:
    """The header's badge and 今日数据's figure: the user's unread notices (its SQL compiled once, ``sqlcache``)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return 0
    return sqlcache.count("notices.unread", user, lambda: NoticeRecipient.objects.filter(
        person_id=person_id, read_at__isnull=True, notice__status=NoticeStatus.SENT))


# ---------------------------------------------------------------- sent notices and progress


def sent_in_scope(user: Any, month: str = "") -> QuerySet[Notice]:
    qs = Notice.objects.restrict(user, Perm.NOTICE_VIEW).select_related("sender_org")
    if month:
        try:
            year, mon = (int(x) for x in month.split("-"))
            start = dt.date(year, mon, 1)
        except ValueError:
            return qs.none()
        qs = qs.filter(sent_at__date__gte=start, sent_at__date__lt=(start + dt.timedelta(days=32)).replace(day=1))
    return qs


def counts_for(notice_ids: list[int]) -> dict[int, Tally]:
    """Recipients, read and acknowledged of each notice of a page: one GROUP BY."""
    out = {pk: Tally() for pk in notice_ids}
    for r in (NoticeRecipient.objects.filter(notice_id__in=notice_ids).values("notice_id")
              .annotate(total=Count("pk"), read=Count("read_at"), acked=Count("acked_at")).order_by()):
        out[r["notice_id"]] = _tally(r)
    return out


def may_view_all(user: Any, notice: Notice) -> bool:
    """The sender, or notice.view over the sender organisation: the whole progress."""
    return notice.sender_id == getattr(user, "pk", None) or in_scope(user, Perm.NOTICE_VIEW, notice.org_path)


def may_send(user: Any, notice: Notice) -> bool:
    return in_scope(user, Perm.NOTICE_SEND, notice.org_path)


def viewable(user: Any, notice_pk: int, org_pk: Any = None) -> tuple[Notice, Org]:
    """(notice, node) for the progress pages, or 404.

    Who sees what: the sender and whoever holds notice.view over the sender organisation see the
    whole notice from any node below the sender; a level below (notice.view over part of the
    audience, e.g. a community secretary reading a district notice's warning) sees the part of its
    own subtree. Drafts only their sender and the sender organisation's viewers.
    """
    notice = Notice.objects.select_related("sender_org", "sender_org__level").filter(pk=notice_pk).first()
    if notice is None:
        raise Http404
    whole = may_view_all(user, notice)
    nodes = Org.objects.filter(path__startswith=notice.org_path).select_related("level")
    if org_pk not in (None, ""):
        try:
            node = nodes.filter(pk=int(org_pk)).first()
        except (TypeError, ValueError):
            node = None
        if node is None or not (whole or in_scope(user, Perm.NOTICE_VIEW, node.path)):
            raise Http404
        if not whole and not _reached(notice, node.path):
            raise Http404
        return notice, node
    if whole:
        return notice, notice.sender_org
    if notice.status == NoticeStatus.DRAFT:
        raise Http404
    for path in scope_paths(user, Perm.NOTICE_VIEW):
        if path.startswith(notice.org_path) and _reached(notice, path):
            node = nodes.filter(path=path).first()
            if node is not None:
                return notice, node
    raise Http404


def _reached(notice: Notice, path: str) -> bool:
    return NoticeRecipient.objects.filter(notice=notice, org_path__startswith=path).exists()


@dataclass
class Tally:
    total: int = 0
    read: int = 0
    acked: int = 0

    @property
    def unread(self) -> int:
        return self.total - self.read

    @property
    def unacked(self) -> int:
        return self.total - self.acked

    def rate(self, part: int) -> str:
        return f"{part * 100 / self.total:.1f}%" if self.total else "—"

    @property
    def read_rate(self) -> str:
        return self.rate(self.read)

    @property
    def ack_rate(self) -> str:
        return self.rate(self.acked)


@dataclass
class ProgressRow:
    label: str
    tally: Tally
    org: Org | None = None  # a child organisation (drill down), None for the node's own members
    level: Level | None = None


@dataclass
class Progress:
    node: Org
    total: Tally = field(default_factory=Tally)
    by_org: list[ProgressRow] = field(default_factory=list)
    by_level: list[ProgressRow] = field(default_factory=list)


def _tally(row: dict[str, Any]) -> Tally:
    return Tally(total=row["total"], read=row["read"], acked=row["acked"])


def progress(notice: Notice, node: Org) -> Progress:
    """Counts under ``node`` per child organisation and per level: ONE GROUP BY (child prefix, level)
    over the recipients, folded both ways in Python (children × levels is small), plus the names."""
    under = NoticeRecipient.objects.filter(notice=notice, org_path__startswith=node.path)
    counts = {"total": Count("pk"), "read": Count("read_at"), "acked": Count("acked_at")}
    grouped = list(under.annotate(prefix=Substr("org_path", 1, len(node.path) + STEP)).values("prefix", "level_id")
                   .annotate(**counts).order_by())
    by_prefix: dict[str, Tally] = {}
    by_level: dict[int | None, Tally] = {}
    out = Progress(node=node)
    for g in grouped:
        for tally in (by_prefix.setdefault(g["prefix"], Tally()), by_level.setdefault(g["level_id"], Tally()),
                      out.total):
            tally.total += g["total"]
            tally.read += g["read"]
            tally.acked += g["acked"]
    children = {o.path: o for o in Org.objects.filter(path__in=list(by_prefix)).select_related("level")}
    for prefix in sorted(by_prefix):
        tally = by_prefix[prefix]
        if prefix == node.path:
            out.by_org.insert(0, ProgressRow(f"{node.name}（本级）", tally))
        else:
            child = children.get(prefix)
            out.by_org.append(ProgressRow(child.name if child else prefix, tally, org=child))
    levels: dict[int | None, Level] = {lv.pk: lv for lv in Level.objects.all()}
    rows = [ProgressRow(levels[pk].name if pk in levels else "未知层级", tally, level=levels.get(pk))
            for pk, tally in by_level.items()]
    out.by_level = sorted(rows, key=lambda r: (r.level.rank if r.level else 999, r.label))
    return out


def rows(notice: Notice, node: Org, state: str = "all", level: str = "", *,
         direct: bool = False) -> QuerySet[NoticeRecipient]:
    """The recipients a figure counts: under ``node`` (``direct``: of the node itself), in ``state``,
    optionally of one level (id)."""
    q = STATES.get(state, STATES["all"])[1]
    if state == "pending":
        q = pending_q(notice)
    qs = NoticeRecipient.objects.filter(notice=notice, org_path__startswith=node.path).filter(q)
    if direct:
        qs = qs.filter(org_path=node.path)
    if level:
        qs = qs.filter(level_id=int(level)) if str(level).isdigit() else qs.none()
    return qs.select_related("person", "org").order_by("org_path", "person__name", "pk")


# ---------------------------------------------------------------- saved lists (保存的名单)

PEOPLE_LIMIT = 20


def lists_in_scope(user: Any) -> QuerySet[RecipientList]:
    """The saved lists owned by organisations where the user holds notice.send, with how many
    organisations and people each names (one query for a page)."""
    return (RecipientList.objects.restrict(user, Perm.NOTICE_SEND).select_related("owner_org")
            .annotate(n_orgs=Count("orgs", distinct=True), n_persons=Count("persons", distinct=True))
            .order_by("name", "id"))


def list_for(user: Any, pk: int) -> RecipientList:
    """One saved list to change: no notice.send anywhere → 403; not in scope (or missing) → 404."""
    from zongheng.core.access import require

    require(user, Perm.NOTICE_SEND)
    found = RecipientList.objects.restrict(user, Perm.NOTICE_SEND).select_related("owner_org").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def people_under(owner_org: Org, q: str, *, exclude: list[int] | None = None,
                 limit: int = PEOPLE_LIMIT) -> tuple[list[Any], int]:
    """People of ``owner_org``'s subtree whose name contains every typed word (or whose id is ``q``),
    at most ``limit``, and how many match. Two queries at most."""
    from zongheng.orgs.models import Person

    qs = Person.objects.filter(org_path__startswith=owner_org.path)
    words = q.split()[:5]
    if words:
        match = Q()
        for w in words:
            match &= Q(name__icontains=w[:40])
        qs = qs.filter(match)
    if exclude:
        qs = qs.exclude(pk__in=exclude)
    found = list(qs.select_related("org").order_by("name", "pk")[:limit])
    total = len(found) if len(found) < limit else qs.count()
    return found, total
