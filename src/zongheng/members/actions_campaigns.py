"""Every write of duty campaigns (认领): campaigns, their segments and shifts (one by one or generated in
bulk), the campaign's workflow (one table: ``CAMPAIGN_TRANSITIONS``), cloning for next year; a member's
claims (认领/退领), check-in and check-out (签到/签退) and the residents they brought along (带动群众).

Each ``do_*`` runs in a transaction, checks what it touches, writes the audit record and raises
``ActionError`` (Chinese) when refused — then nothing is written.

Claiming is correct under concurrency (PostgreSQL): in one transaction the member's ``Person`` row is locked
(``SELECT … FOR UPDATE``) so one member's claims and releases run one at a time; the campaign's row is read
``FOR SHARE`` (a close waits for the claims in flight, and a claim after it sees it closed); the member's live
claims are checked for an overlap; then ``Shift.claimed`` is raised by ONE conditional ``UPDATE … WHERE
claimed < capacity`` — no row updated means the shift is full — and the claim is inserted, the unique
constraint on a live claim per shift and person being the last guard. The database's check constraint
(``claimed <= capacity``) holds whatever happens. Release lowers the counter the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from . import points
from .choices import CampaignKind, CampaignState, Deed, DutyState
from .models import Campaign, Companion, DutyClaim, Segment, Shift, ancestor_paths

CAMPAIGN_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CampaignState.DRAFT: (CampaignState.OPEN,),
    CampaignState.OPEN: (CampaignState.CLOSED,),
    CampaignState.CLOSED: (),
}
TRANSITION_VERBS: dict[str, str] = {CampaignState.OPEN: "开放认领", CampaignState.CLOSED: "结束认领"}
STATE_NAMES = dict(CampaignState.choices)

CAMPAIGN_FIELDS = ["org", "kind", "title", "description", "starts_on", "ends_on", "state", "cloned_from"]
SEGMENT_FIELDS = ["name", "place", "order", "length_km"]
SHIFT_FIELDS = ["segment", "starts_at", "ends_at", "capacity"]

MAX_SEGMENTS = 500  # per campaign
MAX_SHIFTS = 50_000  # per campaign
MAX_GENERATED = 20_000  # shifts per generation
MAX_DAYS = 366
MAX_SLOTS = 6
MAX_CAPACITY = 100
MAX_COMPANIONS = 30
CHECK_IN_EARLY = dt.timedelta(minutes=30)  # a member may check in this long before the shift starts
CHECK_OUT_LATE = dt.timedelta(hours=2)  # … and check out until this long after it ends
COMPANIONS_LATE = dt.timedelta(days=3)  # residents brought along may be recorded until then


# ---------------------------------------------------------------- helpers


def _text(data: dict[str, Any], key: str, limit: int, label: str, *, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if "\x00" in value:
        raise ActionError(f"{label}含有不允许的字符")
    if required and not value:
        raise ActionError(f"请填写{label}")
    if len(value) > limit:
        raise ActionError(f"{label}不能超过 {limit} 字")
    return value


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise ActionError(f"请填写正确的{label}（如 2018-06-01）") from exc


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def span_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """"6月26日 08:00–20:00" (the end's date named when it is another day: "6月26日 20:00–次日 08:00")."""
    a, b = local(starts_at), local(ends_at)
    end = f"{b:%H:%M}" if a.date() == b.date() else (
        f"次日 {b:%H:%M}" if b.date() == a.date() + dt.timedelta(days=1) else f"{b.month}月{b.day}日 {b:%H:%M}")
    return f"{a.month}月{a.day}日 {a:%H:%M}–{end}"


def may_change(user: Any, campaign: Campaign) -> bool:
    """A cadre holding member.change over the campaign's organisation (street, community …)."""
    return in_scope(user, Perm.MEMBER_CHANGE, campaign.org_path)


def _check_change(user: Any, campaign: Campaign) -> None:
    if user is not None and not may_change(user, campaign):
        raise ActionError("该认领活动不在您的管辖范围内")


def _writable(campaign: Campaign) -> None:
    if campaign.state == CampaignState.CLOSED:
        raise ActionError("认领活动已结束，不能再修改")


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def allowed_states(campaign: Campaign) -> tuple[str, ...]:
    return CAMPAIGN_TRANSITIONS.get(campaign.state, ())


# ---------------------------------------------------------------- campaigns


def clean_campaign(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "title" in data:
        out["title"] = _text(data, "title", 100, "名称", required=True)
    if "description" in data:
        out["description"] = _text(data, "description", 2000, "说明")
    if "kind" in data:
        kind = str(data.get("kind") or CampaignKind.OTHER)
        if kind not in CampaignKind.values:
            raise ActionError("类型应为：" + "、".join(CampaignKind.labels))
        out["kind"] = kind
    for key, label in (("starts_on", "开始日期"), ("ends_on", "结束日期")):
        if key in data:
            out[key] = _date(data[key], label)
    return out


def _check_dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise ActionError("结束日期不能早于开始日期")
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise ActionError(f"一次认领活动不能超过 {MAX_DAYS} 天")


@transaction.atomic
def do_create_campaign(user: Any, data: dict[str, Any]) -> Campaign:
    """发起认领: a campaign of the organisation ``data['org']`` (resolved by the caller), in draft."""
    org: Org = data["org"]
    if user is not None and not in_scope(user, Perm.MEMBER_CHANGE, org.path):
        raise ActionError("所选组织不在您的管辖范围内")
    fields = clean_campaign({"kind": CampaignKind.OTHER, "description": ""} | data)
    if "title" not in fields or "starts_on" not in fields or "ends_on" not in fields:
        raise ActionError("请填写名称、开始日期和结束日期")
    _check_dates(fields["starts_on"], fields["ends_on"])
    campaign = Campaign.objects.create(org=org, org_path=org.path, state=CampaignState.DRAFT,
                                       created_by=user if getattr(user, "pk", None) else None, **fields)
    audit.record(user, "members.campaign_create", campaign, after=audit.snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def _shift_dates(campaign: Campaign) -> tuple[dt.date | None, dt.date | None]:
    first = Shift.objects.filter(campaign=campaign).order_by("starts_at").values_list("starts_at", flat=True).first()
    last = Shift.objects.filter(campaign=campaign).order_by("-starts_at").values_list("starts_at", flat=True).first()
    return (local(first).date() if first else None, local(last).date() if last else None)


@transaction.atomic
def do_update_campaign(user: Any, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Edits a draft or open campaign (name, kind, description, dates); its shifts must stay inside the dates."""
    c = _locked(campaign)
    _check_change(user, c)
    _writable(c)
    fields = clean_campaign({k: v for k, v in data.items() if k in ("title", "description", "kind", "starts_on",
                                                                     "ends_on")})
    before = audit.snapshot(c, CAMPAIGN_FIELDS)
    for key, value in fields.items():
        setattr(c, key, value)
    _check_dates(c.starts_on, c.ends_on)
    first, last = _shift_dates(c)
    if first is not None and last is not None and (first < c.starts_on or last > c.ends_on):
        raise ActionError(f"已有班次在 {first:%Y-%m-%d} 至 {last:%Y-%m-%d} 之间，起止日期须包含这些班次")
    c.save()
    after = audit.snapshot(c, CAMPAIGN_FIELDS)
    if after != before:
        audit.record(user, "members.campaign_update", c, before=before, after=after)
    return c


@transaction.atomic
def do_transition_campaign(user: Any, campaign: Campaign, to_state: str, *, from_state: str | None = None
                           ) -> Campaign:
    """Moves a campaign along ``CAMPAIGN_TRANSITIONS`` (筹备中 → 认领中 → 已结束). ``from_state``: the state
    the user saw; when the campaign has moved since, the request is stale and refused."""
    c = _locked(campaign)
    _check_change(user, c)
    if to_state not in STATE_NAMES:
        raise ActionError("未知的认领活动状态")
    if from_state is not None and from_state != c.state:
        raise ActionError(f"该认领活动已被他人更新，当前状态为“{c.get_state_display()}”，请刷新页面后重试")
    if to_state not in allowed_states(c):
        raise ActionError(f"认领活动当前状态为“{c.get_state_display()}”，不能改为“{STATE_NAMES[to_state]}”")
    if to_state == CampaignState.OPEN and not Shift.objects.filter(campaign=c).exists():
        raise ActionError("还没有班次，不能开放认领：请先生成段和班次")
    before = audit.snapshot(c, CAMPAIGN_FIELDS)
    c.state = to_state
    c.save(update_fields=["state"])
    audit.record(user, "members.campaign_transition", c, before=before, after=audit.snapshot(c, CAMPAIGN_FIELDS))
    return c


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def do_clone_campaign(user: Any, campaign: Campaign, *, starts_on: Any = None, title: str = "") -> Campaign:
    """复制为下一年: a new draft campaign with the same segments and shifts (capacities, no claims), its dates
    moved by one year — or so that it starts on ``starts_on``. Bulk inserts: a 110-segment levee with
    thousands of shifts copies in a few queries."""
    src = Campaign.objects.select_related("org").get(pk=campaign.pk)
    _check_change(user, src)
    if starts_on not in (None, ""):
        new_start = _date(starts_on, "开始日期")
        delta = new_start - src.starts_on

        def move_day(day: dt.date) -> dt.date:
            return day + delta
    else:
        move_day = _next_year
    new_title = (title or "").strip()
    if not new_title:
        old, new = str(src.starts_on.year), str(move_day(src.starts_on).year)
        new_title = src.title.replace(old, new) if old in src.title and old != new else f"{src.title}（复制）"
    if len(new_title) > 100 or "\x00" in new_title:
        raise ActionError("名称不能超过 100 字")
    copy = Campaign.objects.create(
        org=src.org, org_path=src.org_path, kind=src.kind, title=new_title, description=src.description,
        starts_on=move_day(src.starts_on), ends_on=move_day(src.ends_on), state=CampaignState.DRAFT,
        cloned_from=src, created_by=user if getattr(user, "pk", None) else None)
    segments = list(Segment.objects.filter(campaign=src).order_by("order", "id"))
    Segment.objects.bulk_create([Segment(campaign=copy, name=s.name, place=s.place, order=s.order,
                                         length_km=s.length_km) for s in segments])
    new_ids = dict(Segment.objects.filter(campaign=copy).values_list("name", "pk"))
    by_old = {s.pk: new_ids[s.name] for s in segments}

    def move(at: dt.datetime) -> dt.datetime:
        lt = local(at)
        return timezone.make_aware(dt.datetime.combine(move_day(lt.date()), lt.time().replace(tzinfo=None)))

    batch: list[Shift] = []
    for s in Shift.objects.filter(campaign=src).order_by("id").iterator(chunk_size=5000):
        batch.append(Shift(segment_id=by_old[s.segment_id], campaign=copy, starts_at=move(s.starts_at),
                           ends_at=move(s.ends_at), capacity=s.capacity))
        if len(batch) >= 5000:
            Shift.objects.bulk_create(batch)
            batch = []
    Shift.objects.bulk_create(batch)
    audit.record(user, "members.campaign_clone", copy, after=audit.snapshot(copy, CAMPAIGN_FIELDS)
                 | {"segments": len(segments)})
    return copy


# ---------------------------------------------------------------- generating segments and shifts

SLOT = re.compile(r"^(\d{1,2})[:：](\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2})[:：](\d{2})$")


def chainage(meters: int) -> str:
    """桩号: 12,500 m → "K12+500"."""
    return f"K{meters // 1000}+{meters % 1000:03d}"


def parse_slots(text: Any) -> list[tuple[dt.time, dt.time]]:
    """Daily shifts, one a line ("08:00-20:00", "20:00-08:00": an end not after the start is the next day)."""
    lines = text if isinstance(text, list | tuple) else str(text or "").replace("，", "\n").replace(",", "\n").split(
        "\n")
    slots: list[tuple[dt.time, dt.time]] = []
    for raw in lines:
        line = str(raw).strip()
        if not line:
            continue
        m = SLOT.match(line)
        if not m:
            raise ActionError(f"班次时间“{line[:20]}”格式不正确，应为“08:00-20:00”，每行一个")
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ActionError(f"班次时间“{line[:20]}”不是有效的时刻")
        slot = (dt.time(h1, m1), dt.time(0, 0) if h2 == 24 else dt.time(h2, m2))
        if slot in slots:
            raise ActionError(f"班次时间“{line[:20]}”重复")
        slots.append(slot)
    if len(slots) > MAX_SLOTS:
        raise ActionError(f"每天最多 {MAX_SLOTS} 个班次")
    return slots


def slot_bounds(day: dt.date, slot: tuple[dt.time, dt.time]) -> tuple[dt.datetime, dt.datetime]:
    start, end = slot
    starts_at = timezone.make_aware(dt.datetime.combine(day, start))
    end_day = day if end > start else day + dt.timedelta(days=1)
    return starts_at, timezone.make_aware(dt.datetime.combine(end_day, end))


def _km(value: Any, label: str) -> int:
    """Kilometres (up to three decimals) as whole metres."""
    try:
        km = Decimal(str(value if value not in (None, "") else "0").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(f"{label}应为数字（公里）") from exc
    if not km.is_finite() or km < 0 or km > 10_000:
        raise ActionError(f"{label}应在 0 到 10000 公里之间")
    return int((km * 1000).to_integral_value())


def metres_km(metres: int) -> Decimal:
    """Whole metres as kilometres with three decimals (``Segment.length_km``)."""
    return (Decimal(metres) / 1000).quantize(Decimal("0.001"))


def segment_names(data: dict[str, Any]) -> list[str]:
    """The names of the segments to add: ``mode`` "chainage" (a levee of ``total_km`` from ``start_km`` cut into
    ``step_km`` lengths, named by 桩号 "K0+000–K0+500"), "numbered" (``count`` posts named by ``pattern`` with
    ``{n}``: "第{n}岗") or "" (none)."""
    return list(segment_cuts(data))


def segment_cuts(data: dict[str, Any]) -> dict[str, Decimal | None]:
    """{name: length in km} of the segments to add (``segment_names``): a stretch cut by 桩号 has its length,
    a numbered post none."""
    mode = str(data.get("segment_mode") or "")
    if mode == "chainage":
        start, total, step = _km(data.get("start_km"), "起点桩号"), _km(data.get("total_km"), "总长度"), _km(
            data.get("step_km"), "每段长度")
        if total <= 0 or step <= 0:
            raise ActionError("请填写总长度和每段长度（公里，大于 0）")
        count = math.ceil(total / step)
        if count > MAX_SEGMENTS:
            raise ActionError(f"按此长度将分为 {count} 段，一次认领活动最多 {MAX_SEGMENTS} 段")
        out: dict[str, Decimal | None] = {}
        for i in range(count):
            a, b = start + i * step, min(start + (i + 1) * step, start + total)
            out[f"{chainage(a)}–{chainage(b)}"] = metres_km(b - a)
        return out
    if mode == "numbered":
        try:
            count = int(str(data.get("count") or "0").strip())
        except ValueError as exc:
            raise ActionError("段（岗）数应为整数") from exc
        if not 1 <= count <= MAX_SEGMENTS:
            raise ActionError(f"段（岗）数应在 1 到 {MAX_SEGMENTS} 之间")
        pattern = _text(data, "pattern", 80, "命名方式") or "第{n}岗"
        if "{n}" not in pattern:
            pattern += "{n}"
        return dict.fromkeys(pattern.replace("{n}", str(i + 1)) for i in range(count))
    if mode:
        raise ActionError("未知的分段方式")
    return {}


@transaction.atomic
def do_generate(user: Any, campaign: Campaign, data: dict[str, Any]) -> tuple[int, int]:
    """批量生成: segments (by 桩号 or numbered) and, for every segment of the campaign (or only the new ones),
    shifts each day from ``shifts_from`` to ``shifts_to`` at the daily ``slots`` with ``capacity`` each.
    Segments whose name exists and shifts that exist (same segment, start and end) are skipped, so running it
    twice adds nothing. Returns (segments added, shifts added)."""
    c = _locked(campaign)
    _check_change(user, c)
    _writable(c)
    cuts = segment_cuts(data)
    place = _text(data, "place", 200, "位置")
    existing = set(Segment.objects.filter(campaign=c).values_list("name", flat=True))
    new_names = [n for n in cuts if n not in existing]
    if len(existing) + len(new_names) > MAX_SEGMENTS:
        raise ActionError(f"一次认领活动最多 {MAX_SEGMENTS} 段（已有 {len(existing)} 段）")
    if any(len(n) > 100 for n in new_names):
        raise ActionError("段的名称不能超过 100 字")
    order = (Segment.objects.filter(campaign=c).order_by("-order").values_list("order", flat=True).first() or 0)
    Segment.objects.bulk_create([Segment(campaign=c, name=n, place=f"{place} {n}".strip() if place else "",
                                         order=order + i + 1, length_km=cuts[n]) for i, n in enumerate(new_names)])
    slots = parse_slots(data.get("slots"))
    added_shifts = 0
    if slots:
        first, last = _date(data.get("shifts_from"), "班次开始日期"), _date(data.get("shifts_to"), "班次结束日期")
        if last < first:
            raise ActionError("班次结束日期不能早于开始日期")
        if first < c.starts_on or last > c.ends_on:
            raise ActionError(f"班次日期须在认领活动的起止日期（{c.starts_on:%Y-%m-%d} 至 {c.ends_on:%Y-%m-%d}）之内")
        try:
            capacity = int(str(data.get("capacity") or "").strip())
        except ValueError as exc:
            raise ActionError("每班人数应为整数") from exc
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ActionError(f"每班人数应在 1 到 {MAX_CAPACITY} 之间")
        targets = Segment.objects.filter(campaign=c)
        if str(data.get("shift_segments") or "all") == "new":
            targets = targets.filter(name__in=new_names)
        segment_ids = list(targets.order_by("order", "id").values_list("pk", flat=True))
        days = (last - first).days + 1
        wanted = len(segment_ids) * days * len(slots)
        if wanted > MAX_GENERATED:
            raise ActionError(f"将生成 {wanted} 个班次，一次最多 {MAX_GENERATED} 个：请缩短日期或减少每天的班次")
        have = set(Shift.objects.filter(campaign=c).values_list("segment_id", "starts_at", "ends_at"))
        if len(have) + wanted > MAX_SHIFTS:
            raise ActionError(f"一次认领活动最多 {MAX_SHIFTS} 个班次（已有 {len(have)} 个）")
        rows = []
        for i in range(days):
            day = first + dt.timedelta(days=i)
            for slot in slots:
                starts_at, ends_at = slot_bounds(day, slot)
                for seg in segment_ids:
                    if (seg, starts_at, ends_at) not in have:
                        rows.append(Shift(segment_id=seg, campaign=c, starts_at=starts_at, ends_at=ends_at,
                                          capacity=capacity))
        Shift.objects.bulk_create(rows, batch_size=2000)
        added_shifts = len(rows)
    elif data.get("shifts_from") or data.get("shifts_to"):
        raise ActionError("请填写每天的班次时间，如“08:00-20:00”，每行一个")
    if not new_names and not added_shifts:
        raise ActionError("没有新增的段或班次：同名的段和相同时间的班次不会重复生成")
    audit.record(user, "members.campaign_generate", c, after={"segments": len(new_names), "shifts": added_shifts})
    return len(new_names), added_shifts


# ---------------------------------------------------------------- single segments and shifts


def _segment_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = _text(data, "name", 100, "段（岗）名称", required=True)
    if "place" in data:
        out["place"] = _text(data, "place", 200, "位置")
    if "order" in data and data["order"] not in (None, ""):
        try:
            out["order"] = int(data["order"])
        except (TypeError, ValueError) as exc:
            raise ActionError("次序应为整数") from exc
        if not 0 <= out["order"] <= 100_000:
            raise ActionError("次序应在 0 到 100000 之间")
    if "length_km" in data:
        value = data["length_km"]
        out["length_km"] = None if value in (None, "") else metres_km(_km(value, "长度"))
    return out


def _unique_name(campaign: Campaign, name: str, exclude: int | None = None) -> None:
    if Segment.objects.filter(campaign=campaign, name=name).exclude(pk=exclude or 0).exists():
        raise ActionError(f"本认领活动已有名为“{name}”的段（岗）")


@transaction.atomic
def do_add_segment(user: Any, campaign: Campaign, data: dict[str, Any]) -> Segment:
    c = _locked(campaign)
    _check_change(user, c)
    _writable(c)
    fields = _segment_fields({"place": ""} | data)
    if "name" not in fields:
        raise ActionError("请填写段（岗）名称")
    if Segment.objects.filter(campaign=c).count() >= MAX_SEGMENTS:
        raise ActionError(f"一次认领活动最多 {MAX_SEGMENTS} 段")
    _unique_name(c, fields["name"])
    if "order" not in fields:
        fields["order"] = (Segment.objects.filter(campaign=c).order_by("-order").values_list("order", flat=True)
                           .first() or 0) + 1
    segment = Segment.objects.create(campaign=c, **fields)
    audit.record(user, "members.segment_add", segment, after=audit.snapshot(segment, SEGMENT_FIELDS),
                 org_path=c.org_path)
    return segment


@transaction.atomic
def do_update_segment(user: Any, segment: Segment, data: dict[str, Any]) -> Segment:
    c = _locked(segment.campaign)
    _check_change(user, c)
    _writable(c)
    s = Segment.objects.select_for_update().get(pk=segment.pk)
    before = audit.snapshot(s, SEGMENT_FIELDS)
    for key, value in _segment_fields(data).items():
        setattr(s, key, value)
    _unique_name(c, s.name, exclude=s.pk)
    s.save()
    after = audit.snapshot(s, SEGMENT_FIELDS)
    if after != before:
        audit.record(user, "members.segment_update", s, before=before, after=after, org_path=c.org_path)
    return s


@transaction.atomic
def do_delete_segment(user: Any, segment: Segment) -> None:
    c = _locked(segment.campaign)
    _check_change(user, c)
    _writable(c)
    if DutyClaim.objects.filter(shift__segment_id=segment.pk).exists():
        raise ActionError("该段（岗）已有认领记录，不能删除")
    before = audit.snapshot(segment, SEGMENT_FIELDS)
    audit.record(user, "members.segment_delete", segment, before=before, org_path=c.org_path)
    Shift.objects.filter(segment_id=segment.pk).delete()
    Segment.objects.filter(pk=segment.pk).delete()


def _shift_times(data: dict[str, Any], campaign: Campaign) -> tuple[dt.datetime, dt.datetime]:
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
        raise ActionError("请填写班次的开始和结束时间")
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if ends_at <= starts_at:
        raise ActionError("班次结束时间须晚于开始时间")
    if ends_at - starts_at > dt.timedelta(hours=48):
        raise ActionError("一个班次不能超过 48 小时")
    day = local(starts_at).date()
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise ActionError(f"班次须在认领活动的起止日期（{campaign.starts_on:%Y-%m-%d} 至 "
                          f"{campaign.ends_on:%Y-%m-%d}）之内开始")
    return starts_at, ends_at


def _capacity(value: Any) -> int:
    try:
        capacity = int(value)
    except (TypeError, ValueError) as exc:
        raise ActionError("人数应为整数") from exc
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ActionError(f"人数应在 1 到 {MAX_CAPACITY} 之间")
    return capacity


@transaction.atomic
def do_add_shift(user: Any, segment: Segment, data: dict[str, Any]) -> Shift:
    c = _locked(segment.campaign)
    _check_change(user, c)
    _writable(c)
    if Shift.objects.filter(campaign=c).count() >= MAX_SHIFTS:
        raise ActionError(f"一次认领活动最多 {MAX_SHIFTS} 个班次")
    starts_at, ends_at = _shift_times(data, c)
    if Shift.objects.filter(segment=segment, starts_at=starts_at, ends_at=ends_at).exists():
        raise ActionError("该段（岗）已有相同时间的班次")
    shift = Shift.objects.create(segment=segment, campaign=c, starts_at=starts_at, ends_at=ends_at,
                                 capacity=_capacity(data.get("capacity")))
    audit.record(user, "members.shift_add", shift, after=audit.snapshot(shift, SHIFT_FIELDS), org_path=c.org_path)
    return shift


@transaction.atomic
def do_update_shift(user: Any, shift: Shift, data: dict[str, Any]) -> Shift:
    """Changes a shift's time or capacity. The capacity never goes below the live claims; the time changes only
    while nobody holds the shift (a member's overlaps were checked against the time they claimed)."""
    c = _locked(shift.campaign)
    _check_change(user, c)
    _writable(c)
    s = Shift.objects.select_for_update().get(pk=shift.pk)
    before = audit.snapshot(s, SHIFT_FIELDS)
    if "starts_at" in data or "ends_at" in data:
        starts_at, ends_at = _shift_times({"starts_at": s.starts_at, "ends_at": s.ends_at} | data, c)
        if (starts_at, ends_at) != (s.starts_at, s.ends_at):
            if s.claimed:
                raise ActionError(f"已有 {s.claimed} 人认领该班次，不能修改时间")
            s.starts_at, s.ends_at = starts_at, ends_at
    if "capacity" in data:
        capacity = _capacity(data["capacity"])
        if capacity < s.claimed:
            raise ActionError(f"已有 {s.claimed} 人认领该班次，人数不能少于 {s.claimed}")
        s.capacity = capacity
    s.save()
    after = audit.snapshot(s, SHIFT_FIELDS)
    if after != before:
        audit.record(user, "members.shift_update", s, before=before, after=after, org_path=c.org_path)
    return s


@transaction.atomic
def do_delete_shift(user: Any, shift: Shift) -> None:
    c = _locked(shift.campaign)
    _check_change(user, c)
    _writable(c)
    if DutyClaim.objects.filter(shift_id=shift.pk).exists():
        raise ActionError("该班次已有认领记录，不能删除")
    audit.record(user, "members.shift_delete", shift, before=audit.snapshot(shift, SHIFT_FIELDS),
                 org_path=c.org_path)
    Shift.objects.filter(pk=shift.pk).delete()


# ---------------------------------------------------------------- claiming (认领、退领)


def _member_pk(user: Any) -> int:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        raise ActionError("您的账号没有关联人员信息，不能认领值守")
    return int(person_id)


def _lock_member(user: Any) -> Person:
    """The member's own Person row, locked: one member's claims and releases run one at a time."""
    person = (Person.objects.select_for_update().only("pk", "is_party_member", "org_path", "registered_path")
              .filter(pk=_member_pk(user)).first())
    if person is None:
        raise ActionError("您的账号没有关联人员信息，不能认领值守")
    if not person.is_party_member:
        raise ActionError("只有党员可以认领值守班次")
    return person


def _campaign_row(campaign_id: int) -> tuple[str, str, str]:
    """(state, org_path, title) of the campaign, read ``FOR SHARE`` on PostgreSQL: a close waits for the
    claims in flight and a claim after it sees it closed. (SQLite serialises writers itself.)"""
    table = Campaign._meta.db_table
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state, org_path, title FROM {table} WHERE id = %s{lock}",  # noqa: S608 - our table
                       [campaign_id])
        row = cursor.fetchone()
    if row is None:
        raise ActionError("认领活动不存在")
    return str(row[0]), str(row[1]), str(row[2])


def _refuse_state(state: str, verb: str = "认领") -> None:
    if state == CampaignState.DRAFT:
        raise ActionError(f"该认领活动尚未开放，不能{verb}")
    if state == CampaignState.CLOSED:
        raise ActionError(f"该认领活动已结束，不能再{verb}")


SHIFT_ROW = (
    "SELECT s.*, g.name AS segment_name, c.state AS campaign_state, c.org_path AS campaign_path, "
    "c.title AS campaign_title FROM members_shift s JOIN members_segment g ON g.id = s.segment_id "
    "JOIN members_campaign c ON c.id = s.campaign_id WHERE s.id = %s")


def _shift_row(shift_id: int) -> Shift | None:
    """The shift with its segment's name and its campaign's state, path and title (``campaign_state`` …) in
    one query, the campaign's row read ``FOR SHARE`` on PostgreSQL (see ``_campaign_row``)."""
    lock = " FOR SHARE OF c" if connection.vendor == "postgresql" else ""
    return next(iter(Shift.objects.raw(SHIFT_ROW + lock, [shift_id])), None)


def do_claim(user: Any, shift: Shift, *, now: dt.datetime | None = None) -> DutyClaim:
    """认领: the signed-in member takes one place on ``shift``. Refused in Chinese when the campaign is not
    open (or not open to them), the shift has ended, they hold an overlapping shift (of any campaign), or the
    shift is full."""
    now = now or timezone.now()
    with transaction.atomic():
        person = _lock_member(user)
        s = _shift_row(shift.pk)
        if s is None:
            raise ActionError("该班次已被删除，请刷新页面")
        state, org_path, title = s.campaign_state, s.campaign_path, s.campaign_title  # type: ignore[attr-defined]
        segment_name = s.segment_name  # type: ignore[attr-defined]
        if org_path not in ancestor_paths(person.org_path, person.registered_path or ""):
            raise ActionError("该认领活动不面向您所在的组织")
        _refuse_state(state)
        if s.ends_at <= now:
            raise ActionError("该班次已结束，不能认领")
        clash = (DutyClaim.objects.filter(person_id=person.pk, state=DutyState.CLAIMED, starts_at__lt=s.ends_at,
                                          ends_at__gt=s.starts_at)
                 .select_related("shift__segment", "campaign").order_by("starts_at").first())
        if clash is not None:
            if clash.shift_id == s.pk:
                raise ActionError("您已认领该班次")
            raise ActionError(f"您已认领“{clash.campaign.title}”{clash.shift.segment.name} "
                              f"{span_text(clash.starts_at, clash.ends_at)}的班次，与该班次时间重叠")
        if not Shift.objects.filter(pk=s.pk, claimed__lt=F("capacity")).update(claimed=F("claimed") + 1):
            raise ActionError(f"该班次已认满（{s.capacity} 人），请选择其他班次")
        try:
            with transaction.atomic():
                claim = DutyClaim.objects.create(shift=s, campaign_id=s.campaign_id, person_id=person.pk,
                                                 starts_at=s.starts_at, ends_at=s.ends_at)
        except IntegrityError as exc:  # the unique live claim per shift and person: the last guard
            raise ActionError("您已认领该班次") from exc
        audit.record(user, "members.duty_claim", claim, org_path=org_path,
                     object_repr=f"{title} {segment_name} {span_text(s.starts_at, s.ends_at)}",
                     after={"shift": s.pk, "segment": segment_name, "starts_at": str(s.starts_at)})
    return claim


def _own_claim(person: Person, claim: DutyClaim) -> DutyClaim:
    c = (DutyClaim.objects.select_for_update(of=("self",)).select_related("shift__segment")
         .filter(pk=claim.pk, person_id=person.pk).first())
    if c is None:
        raise ActionError("认领记录不存在")
    return c


def do_release(user: Any, claim: DutyClaim, *, now: dt.datetime | None = None) -> DutyClaim:
    """退领: the member gives back a claimed shift before it starts; the place is free again."""
    now = now or timezone.now()
    with transaction.atomic():
        person = _lock_member(user)
        c = _own_claim(person, claim)
        if c.state != DutyState.CLAIMED:
            raise ActionError("该班次已退领")
        state, org_path, title = _campaign_row(c.campaign_id)
        _refuse_state(state, "退领")
        if c.starts_at <= now:
            raise ActionError("班次已开始，不能退领")
        c.state, c.released_at = DutyState.RELEASED, now
        c.save(update_fields=["state", "released_at"])
        Shift.objects.filter(pk=c.shift_id, claimed__gt=0).update(claimed=F("claimed") - 1)
        audit.record(user, "members.duty_release", c, org_path=org_path, object_repr=f"{title} {c.shift}",
                     after={"shift": c.shift_id, "state": DutyState.RELEASED})
    return c


# ---------------------------------------------------------------- on duty (签到、签退、带动群众)


def check_in_window(claim: DutyClaim) -> tuple[dt.datetime, dt.datetime]:
    return claim.starts_at - CHECK_IN_EARLY, claim.ends_at


def do_check_in(user: Any, claim: DutyClaim, *, now: dt.datetime | None = None) -> DutyClaim:
    """签到: within the shift (from 30 minutes before it starts until it ends), of an open campaign."""
    now = now or timezone.now()
    with transaction.atomic():
        person = _lock_member(user)
        c = _own_claim(person, claim)
        if c.state != DutyState.CLAIMED:
            raise ActionError("该班次已退领，不能签到")
        if c.checked_in_at is not None:
            raise ActionError("您已签到")
        state, org_path, title = _campaign_row(c.campaign_id)
        _refuse_state(state, "签到")
        opens, closes = check_in_window(c)
        if not opens <= now <= closes:
            raise ActionError(f"签到时间为班次开始前 30 分钟至班次结束（{span_text(c.starts_at, c.ends_at)}）")
        c.checked_in_at = now
        c.save(update_fields=["checked_in_at"])
        audit.record(user, "members.duty_check_in", c, org_path=org_path, object_repr=f"{title} {c.shift}",
                     after={"checked_in_at": str(now)})
    return c


def do_check_out(user: Any, claim: DutyClaim, *, now: dt.datetime | None = None) -> DutyClaim:
    """签退: after checking in, until two hours after the shift ends. The duty is then a confirmed deed: its
    points are awarded (``points.award``, once per claim)."""
    now = now or timezone.now()
    with transaction.atomic():
        person = _lock_member(user)
        c = _own_claim(person, claim)
        if c.state != DutyState.CLAIMED:
            raise ActionError("该班次已退领，不能签退")
        if c.checked_in_at is None:
            raise ActionError("请先签到")
        if c.checked_out_at is not None:
            raise ActionError("您已签退")
        if now < c.checked_in_at:
            raise ActionError("签退时间不能早于签到时间")
        if now > c.ends_at + CHECK_OUT_LATE:
            raise ActionError("已超过签退时限（班次结束后 2 小时），请联系组织说明")
        _, org_path, title = _campaign_row(c.campaign_id)
        c.checked_out_at = now
        c.save(update_fields=["checked_out_at"])
        audit.record(user, "members.duty_check_out", c, org_path=org_path, object_repr=f"{title} {c.shift}",
                     after={"checked_out_at": str(now)})
        points.award(person.pk, Deed.DUTY, f"duty.claim:{c.pk}", local(c.starts_at).date(), by=user,
                     note=f"{title} {c.shift.segment.name} {span_text(c.starts_at, c.ends_at)}"[:200])
    return c


COMPANION_SPLIT = re.compile(r"[，,、\t]")


def parse_companions(value: Any) -> list[tuple[str, str]]:
    """Residents brought along, one a line ("张三" or "张三，邻居"): (name, note) pairs."""
    lines = value if isinstance(value, list | tuple) else str(value or "").split("\n")
    out: list[tuple[str, str]] = []
    for raw in lines:
        line = str(raw).strip()
        if not line:
            continue
        if "\x00" in line:
            raise ActionError("姓名含有不允许的字符")
        head, _, tail = COMPANION_SPLIT.sub("\t", line, count=1).partition("\t")
        name, note = head.strip(), tail.strip()
        if not name:
            raise ActionError(f"“{line[:20]}”缺少姓名")
        if len(name) > 50:
            raise ActionError(f"姓名“{name[:20]}…”不能超过 50 字")
        if len(note) > 100:
            raise ActionError(f"“{name}”的说明不能超过 100 字")
        out.append((name, note))
    if len(out) > MAX_COMPANIONS:
        raise ActionError(f"一个班次最多登记 {MAX_COMPANIONS} 名群众")
    return out


def do_set_companions(user: Any, claim: DutyClaim, names: Any, *, now: dt.datetime | None = None
                      ) -> list[Companion]:
    """带动群众: the residents the member brought along on this shift (replaces the list; one line each).
    After checking in, until three days after the shift ends. The count is the rows, never typed."""
    now = now or timezone.now()
    pairs = parse_companions(names)
    with transaction.atomic():
        person = _lock_member(user)
        c = _own_claim(person, claim)
        if c.state != DutyState.CLAIMED or c.checked_in_at is None:
            raise ActionError("签到后才能登记带动的群众")
        if now > c.ends_at + COMPANIONS_LATE:
            raise ActionError("班次结束已超过 3 天，不能再登记带动的群众")
        _, org_path, title = _campaign_row(c.campaign_id)
        before = [x.name for x in c.companions.all()]
        Companion.objects.filter(claim=c).delete()
        rows = Companion.objects.bulk_create([Companion(claim=c, name=n, note=note) for n, note in pairs])
        if before != [n for n, _ in pairs]:
            audit.record(user, "members.duty_companions", c, org_path=org_path, object_repr=f"{title} {c.shift}",
                         before={"companions": before}, after={"companions": [n for n, _ in pairs]})
    return rows

