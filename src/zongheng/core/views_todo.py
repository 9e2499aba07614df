"""我的待办 (the home of every signed-in person) and the warnings list (预警).

我的待办 gathers, for any signed-in user — a cadre, a member without a post, the auditor, an
account without a person record:

- the to-do list: the modules' items (``core.todo.todos_for``) and the open warnings addressed to
  the user — their person is responsible, or the warning lies on an organisation where they hold
  a post themselves — the most overdue first, each one click from where it is done;
- 下级预警: the open warnings of their subtree (``EarlyWarning.objects.restrict``), counted per
  rule and per child organisation of their scope in one grouped query (``GROUP BY substr(org_path)``),
  the children named through the tree's ``core.access.org_names`` provider;
- the figures of their scope (``core.todo.figures_for``), on a request of their own (``todo_figures``)
  that the home makes when the section scrolls into view.

A constant number of queries whatever the data size. The warnings list filters by rule, open or
cleared, and an organisation's subtree given as its path — accepted only inside the user's scope
(else 404, like a missing page) — paginates, counts per child organisation, and exports to .xlsx.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from . import sqlcache
from .access import _minimal, held_perms, org_names, post_paths, scope_paths, steplen
from .exports import xlsx_response
from .models import EarlyWarning, EarlyWarningQuerySet
from .todo import TODO_LIMIT, figures_for, span, todos_for
from .warnings import rule_label, rules

PER_PAGE = 50
_PATH = re.compile(r"^[0-9A-Za-z]{1,255}$")


# ---------------------------------------------------------------- reading warnings for a user


def rule_perms() -> list[str]:
    """The permissions the registered warning rules ask for (sorted, each once)."""
    return sorted({rule.perm for rule in rules()})


def warning_roots(user: Any) -> tuple[str, ...]:
    """The subtrees in which the user sees warnings through a permission (any rule's)."""
    return _minimal(p for perm in rule_perms() for p in scope_paths(user, perm))


def mine_q(user: Any) -> Q:
    """Warnings addressed to the user: their person is responsible, or the warning lies on an org where they
    hold a post that gives them its rule's permission (the part of ``visible`` on their own organisations, by
    equality: no subtree tests to compile or to run)."""
    q = Q(pk__in=[])
    if getattr(user, "person_id", None):
        q |= Q(person_id=user.person_id)
    perms = set(rule_perms())
    for path in post_paths(user):
        held = sorted(perms & held_perms(user, path))
        if held:
            q |= Q(org_path=path, perm__in=held)
    return q


def visible(user: Any) -> EarlyWarningQuerySet:
    return EarlyWarning.objects.restrict(user)


def my_open_warnings(user: Any) -> QuerySet[EarlyWarning]:
    if not (user and user.is_authenticated):
        return EarlyWarning.objects.none()
    return EarlyWarning.objects.open().filter(mine_q(user))


def late_text(due: dt.datetime | None, now: dt.datetime) -> str:
    """"已逾期 3 天" for a past deadline, "剩余 5 小时" for a coming one, "" for none."""
    if due is None:
        return ""
    return f"已逾期 {span(now - due)}" if due < now else f"剩余 {span(due - now)}"


def scope_org(user: Any, path: str) -> str:
    """An org path from a query string, accepted only inside the user's warning scope; else 404."""
    path = (path or "").strip()
    step = steplen()
    if not _PATH.match(path) or len(path) % step or not any(path.startswith(root) for root in warning_roots(user)):
        raise Http404
    return path


@dataclass
class Group:
    """The open warnings under one child organisation (or the scope's own organisation), per rule."""

    path: str
    name: str
    own: bool  # the scope's organisation itself (its own warnings, not its children's)
    total: int = 0
    by_rule: list[tuple[str, int, str]] = field(default_factory=list)  # (rule label, count, list url)
    url: str = ""


def child_counts(qs: QuerySet[EarlyWarning], roots: tuple[str, ...], base: dict[str, str] | None = None
                 ) -> list[Group]:
    """Counts of ``qs`` per rule and per child organisation of each root: one grouped query and one
    query for the names. Rows outside every root (addressed to the user only) form a group of their own."""
    step = steplen()
    base = base or {}
    target = reverse("core:warnings")
    whens = [When(org_path__startswith=root, then=Substr("org_path", 1, len(root) + step)) for root in roots]
    node = Case(*whens, default=Value(""), output_field=CharField()) if whens else Value("", output_field=CharField())
    rows = list(qs.annotate(node=node).values("node", "rule").annotate(n=Count("id")).order_by())
    names = org_names({row["node"] for row in rows if row["node"]} | set(roots))
    groups: dict[str, Group] = {}
    for row in sorted(rows, key=lambda r: (r["node"], r["rule"])):
        path = row["node"]
        group = groups.get(path)
        if group is None:
            own = path in roots
            label = names.get(path, "直接交办给我" if not path else path)
            if own:
                label = f"{label}（本级）"
            group = groups[path] = Group(path, label, own, url=_list_url(base, path, own, target))
        group.total += row["n"]
        link = _list_url(base | {"rule": row["rule"]}, path, group.own, target)
        group.by_rule.append((rule_label(row["rule"]), row["n"], link))
    return sorted(groups.values(), key=lambda g: (not g.own, g.path == "", g.path))


def _list_url(base: dict[str, str], path: str, own: bool, target: str) -> str:
    query = dict(base)
    if path:
        query["org"] = path
        if own:
            query["only"] = "1"
    else:
        query["mine"] = "1"
    return f"{target}?{urlencode(query)}"


# ---------------------------------------------------------------- 我的待办


@dataclass
class Item:
    kind: str
    title: str
    url: str
    due_at: dt.datetime | None
    when: str  # "已逾期 2 天" / "剩余 3 小时" / ""
    late: bool
    warning: bool

    @property
    def due(self) -> str:
        """The deadline in local time, "2026-11-28 18:00" (strftime: the template's date filter costs more)."""
        return _local(self.due_at) if self.due_at else ""

    def html(self) -> SafeString:
        """The item's line on 我的待办, every part escaped. Written as template variables, a list of 50 items was
        ~20,000 function calls of the page's ~110,000 (eight lookups an item)."""
        when = ""
        if self.when:
            due = f"期限 {self.due}，" if self.due_at else ""
            when = format_html('<br><span class="{}">{}{}</span>', "error" if self.late else "help", due, self.when)
        return format_html('<li class="card"><span class="badge">{}</span>\n    <a href="{}">{}</a>\n    {}</li>',
                           self.kind, self.url, self.title, when)


def todo_items(user: Any, now: dt.datetime) -> tuple[list[Item], bool]:
    """The to-do list: the modules' items and the user's own open warnings, the most overdue first."""
    items = [Item(t.kind, t.title, t.url, t.due_at, late_text(t.due_at, now), t.late(now), False)
             for t in todos_for(user, now)]
    warnings = list(my_open_warnings(user).order_by("due_at", "id")[:TODO_LIMIT + 1])
    more = len(warnings) > TODO_LIMIT
    user._todo_badge = min(len(warnings), TODO_LIMIT)  # the header badge counts these: no second query
    # A warning about something already on the list (the demand to accept is also 超时) is that item, late:
    # listed once, under the action that answers it.
    listed = {item.url for item in items}
    items += [Item(rule_label(w.rule), w.title, w.url, w.due_at, late_text(w.due_at, now), w.due_at < now, True)
              for w in warnings[:TODO_LIMIT] if w.url not in listed]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda item: item.due_at or far)
    return items, more


def badge_count(user: Any) -> int:
    """The header badge: the open warnings on the user themselves (late items they answer for).

    One count on an indexed table, its SQL compiled once per scope (``sqlcache``), so every page stays light; the
    full to-do list (every module's sources) is computed only on 我的待办 itself.
    """
    cached = getattr(user, "_todo_badge", None)  # 我的待办 has just read them (``todo_items``)
    if cached is not None:
        return cached
    perms = tuple(rule_perms())  # part of the SQL (``mine_q``), so part of the key
    return sqlcache.count(("core.todo_badge", perms), user, lambda: my_open_warnings(user)[:TODO_LIMIT])


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    """我的待办: every signed-in user's home."""
    from .landing import workbench_url

    user = request.user
    now = timezone.now()
    items, more = todo_items(user, now)
    roots = warning_roots(user)
    groups = child_counts(visible(user).open(), roots) if roots else []
    context = {
        "items": items, "more": more, "late": sum(1 for item in items if item.late),
        "groups": groups, "below_total": sum(g.total for g in groups), "roots": roots,
        "workbench": workbench_url(user),
        "mine_url": f"{reverse('core:warnings')}?mine=1",
    }
    return render(request, "core/todo.html", context)


@login_required
def todo_figures(request: HttpRequest) -> HttpResponse:
    """今日数据 of 我的待办: every module's figures of the user's scope, on their own request.

    They cost as many queries as the to-do list itself (a few per module), and they are the section
    people look at least: the home asks for them (htmx) only when the section scrolls into view. Without
    htmx (the home's plain link) the same figures come as a page of their own.
    """
    figures = figures_for(request.user, timezone.now())
    template = "core/_todo_figures.html" if getattr(request, "htmx", False) else "core/todo_figures.html"
    return render(request, template, {"figures": figures})


# ---------------------------------------------------------------- the warnings list


@dataclass
class Filters:
    rule: str = ""
    state: str = "open"  # open | cleared | all
    org: str = ""
    only: bool = False
    mine: bool = False

    def query(self) -> dict[str, str]:
        out = {"state": self.state}
        for name in ("rule", "org"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.only:
            out["only"] = "1"
        if self.mine:
            out["mine"] = "1"
        return out


def parse_filters(user: Any, params: Any) -> Filters:
    """The list's filters; an org outside the user's scope → 404 (like a missing page)."""
    codes = {rule.code for rule in rules()}
    rule = params.get("rule", "").strip()
    state = params.get("state", "open").strip()
    org = params.get("org", "").strip()
    return Filters(rule=rule if rule in codes else "", state=state if state in ("open", "cleared", "all") else "open",
                   org=scope_org(user, org) if org else "", only=params.get("only") == "1" and bool(org),
                   mine=params.get("mine") == "1")


def filtered(user: Any, f: Filters) -> EarlyWarningQuerySet:
    qs = visible(user)
    if f.state == "open":
        qs = qs.open()
    elif f.state == "cleared":
        qs = qs.filter(cleared_at__isnull=False)
    if f.rule:
        qs = qs.filter(rule=f.rule)
    if f.org:
        qs = qs.filter(org_path=f.org) if f.only else qs.filter(org_path__startswith=f.org)
    if f.mine:
        qs = qs.filter(mine_q(user))
    return qs


def _crumbs(user: Any, path: str) -> list[tuple[str, str]]:
    """(name, path) from the scope root down to ``path`` (one query)."""
    step = steplen()
    root = next((r for r in warning_roots(user) if path.startswith(r)), path)
    prefixes = [path[:i] for i in range(len(root), len(path) + 1, step)]
    names = org_names(prefixes)
    return [(names.get(p, p), p) for p in prefixes]


@login_required
def warnings_list(request: HttpRequest) -> HttpResponse:
    """预警: the warnings the user may see, filtered, paginated, counted per child organisation."""
    user = request.user
    now = timezone.now()
    f = parse_filters(user, request.GET)
    qs = filtered(user, f).order_by("due_at", "id") if f.state != "cleared" else filtered(user, f).order_by(
        "-cleared_at", "-id")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(w, rule_label(w.rule), late_text(w.due_at, w.cleared_at or now)) for w in page.object_list]
    count_roots = (f.org,) if f.org and not f.only else (() if f.org else warning_roots(user))
    base = {k: v for k, v in f.query().items() if k in ("state", "rule")}
    groups = child_counts(filtered(user, f), count_roots, base) if count_roots else []
    context = {
        "page": page, "rows": rows, "f": f, "rules": rules(), "groups": groups,
        "query": urlencode(f.query()), "crumbs": _crumbs(user, f.org) if f.org else [],
        "states": (("open", "未解除"), ("cleared", "已解除"), ("all", "全部")),
    }
    return render(request, "core/warnings.html", context)


@login_required
def warnings_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    f = parse_filters(user, request.GET)
    qs = filtered(user, f).order_by("due_at", "id")[:100_000]

    def rows() -> Iterator[tuple[Any, ...]]:
        for w in qs.iterator(chunk_size=2000):
            yield (rule_label(w.rule), w.title, w.org_name, _local(w.due_at), _local(w.opened_at),
                   _local(w.cleared_at) if w.cleared_at else "", "未解除" if w.is_open else "已解除",
                   late_text(w.due_at, w.cleared_at or now))

    headers = ["预警规则", "事由", "责任组织", "应完成时间", "预警时间", "解除时间", "状态", "逾期"]
    return xlsx_response("预警.xlsx", "预警", headers, rows())


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
