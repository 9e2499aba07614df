"""Every write of activities (活动), their sign-ups (报名) and attendance (出勤确认).

Views and the API resolve references through the scoped lookups (``selectors_activities.resolve_*``), then
call one of these. Each runs in a transaction, writes its audit record and refuses in Chinese
(``ActionError``) with nothing written.

Who may do what:
- an activity is organised (created, edited while a draft, published, cancelled, its residents added and its
  attendance confirmed) by whoever holds ``member.change`` over its organisation (``org_path``);
- a person signs up themselves (``request.user.person``, never by a right) for a published activity that has
  not started and is open to them (``Activity.objects.open_to``); a resident only where the activity takes
  residents; they cancel their own sign-up before the start.

Capacity: ``Activity.signed`` counts live sign-ups (walk-ins added at the attendance are not sign-ups). A
sign-up raises it with one conditional UPDATE (``signed < capacity``) in the sign-up's transaction, so two
people taking the last place at once get one place between them (PostgreSQL re-checks the condition on the
row the first one committed); the database's check constraint ``activity_within_capacity`` stands behind it,
and the unique constraint ``signup_once_per_person`` stops a double sign-up.

States move only along ``TRANSITIONS``; a page or the API sends the state it read (``from_state``) and a
stale one is refused. ``held`` is reached only by confirming attendance: each attended member's points are
awarded then (``points.award``, once per sign-up), and a mark changed to absent takes them back
(``points.revoke``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from zongheng.cobuild.actions_agreements import clean_text
from zongheng.core import audit, crypto
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.masking import mask_phone, normalize_phone, validate_phone
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org, Person

from . import points
from .choices import ActivityKind, ActivityState, Deed, SignUpState
from .models import Activity, SignUp

ACTIVITY_FIELDS = ["org", "team", "kind", "title", "place", "starts_at", "ends_at", "capacity", "open_to_residents",
                   "state", "cancel_reason"]
SIGNUP_FIELDS = ["activity", "person", "name", "phone_masked", "is_member", "state", "attended", "walk_in"]

# The one table of the activity workflow: from a state, the states it may move to and the verb a page shows.
# ``held`` is reached only through ``do_confirm_attendance`` (it needs the marks).
TRANSITIONS: dict[str, dict[str, str]] = {
    ActivityState.DRAFT: {ActivityState.PUBLISHED: "发布", ActivityState.CANCELLED: "取消"},
    ActivityState.PUBLISHED: {ActivityState.CANCELLED: "取消", ActivityState.HELD: "确认出勤"},
    ActivityState.CANCELLED: {},
    ActivityState.HELD: {},
}
STATE_NAMES = dict(ActivityState.choices)
MAX_CAPACITY = 100_000
MAX_DAYS = 31  # an activity runs at most a month
MAX_MARKS = 5_000


def _actor(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def day_of(activity: Activity) -> dt.date:
    """The activity's date (local time): the date its deeds are booked on."""
    return timezone.localtime(activity.starts_at).date()


def _required(value: Any, limit: int, label: str) -> str:
    text = clean_text(value, limit, label)
    if not text:
        raise ActionError(f"请填写{label}")
    return text


# ---------------------------------------------------------------- who may


def may_organise(user: Any, activity: Activity) -> bool:
    """member.change over the activity's organisation."""
    return user is not None and in_scope(user, Perm.MEMBER_CHANGE, activity.org_path)


def _check_organiser(user: Any, activity: Activity) -> None:
    if user is not None and not may_organise(user, activity):
        raise ActionError("您不能组织该活动：须由活动所属组织或其上级组织维护")


def allowed_states(activity: Activity) -> tuple[str, ...]:
    return tuple(TRANSITIONS.get(activity.state, {}))


def _check_from(activity: Activity, from_state: str | None) -> None:
    """A page or the API sends the state it read: a transition from any other state is stale."""
    if from_state is not None and from_state != activity.state:
        raise ActionError(f"该活动的状态已变为“{activity.get_state_display()}”，请刷新页面后重试")


# ---------------------------------------------------------------- activities


def _times(data: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts, dt.datetime):
        raise ActionError("请填写开始时间")
    if not isinstance(ends, dt.datetime):
        raise ActionError("请填写结束时间")
    starts = starts if timezone.is_aware(starts) else timezone.make_aware(starts)
    ends = ends if timezone.is_aware(ends) else timezone.make_aware(ends)
    if not 2000 <= starts.year <= 2100:
        raise ActionError("开始时间不在有效范围内")
    if ends < starts:
        raise ActionError("结束时间不能早于开始时间")
    if ends - starts > dt.timedelta(days=MAX_DAYS):
        raise ActionError(f"一次活动最长 {MAX_DAYS} 天")
    return starts, ends


def _capacity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError) as exc:
        raise ActionError("人数上限须为整数") from exc
    if not 1 <= n <= MAX_CAPACITY:
        raise ActionError(f"人数上限须在 1 到 {MAX_CAPACITY} 之间（不限人数请不填）")
    return n


def _org_and_team(user: Any, data: dict[str, Any]) -> tuple[Org, ActivityTeam | None]:
    """The organisation (resolved by the caller) and the team (resolved too): a team is its organisation's."""
    org: Org | None = data.get("org")
    team: ActivityTeam | None = data.get("team")
    if org is None and team is not None:
        org = team.org
    if org is None:
        raise ActionError("请选择组织单位")
    if user is not None and not in_scope(user, Perm.MEMBER_CHANGE, org.path):
        raise ActionError("组织单位不存在或不在您的管辖范围内")
    if team is not None and team.org_id != org.pk:
        raise ActionError(f"活动队伍“{team.name}”不属于{org.name}")
    return org, team


def _kind(data: dict[str, Any], org: Org, team: ActivityTeam | None) -> str:
    kind = data.get("kind") or (ActivityKind.TEAM if team is not None else
                                ActivityKind.FUNCTIONAL if org.kind == OrgKind.FUNCTIONAL else ActivityKind.OTHER)
    if kind not in ActivityKind.values:
        raise ActionError("请选择活动类型")
    if kind == ActivityKind.TEAM and team is None:
        raise ActionError("活动队伍活动须选择活动队伍")
    if kind == ActivityKind.FUNCTIONAL and org.kind != OrgKind.FUNCTIONAL:
        raise ActionError("功能型党组织活动须由功能型党组织开展")
    return kind


def _fill(a: Activity, data: dict[str, Any], org: Org, team: ActivityTeam | None) -> None:
    a.org, a.org_path, a.team = org, org.path, team
    a.kind = _kind(data, org, team)
    a.title = _required(data.get("title"), 100, "活动名称")
    a.description = clean_text(data.get("description"), 2000, "活动内容")
    a.place = _required(data.get("place"), 200, "地点")
    a.starts_at, a.ends_at = _times(data)
    a.capacity = _capacity(data.get("capacity"))
    a.open_to_residents = bool(data.get("open_to_residents", True))


@transaction.atomic
def do_create_activity(user: Any, data: dict[str, Any]) -> Activity:
    """新建活动 (a draft, or published at once with ``publish``): ``org`` (resolved, member.change), optional
    ``team`` of that organisation, kind, title, description, place, times, capacity (None: unlimited),
    whether residents may sign up."""
    org, team = _org_and_team(user, data)
    a = Activity(created_by=_actor(user))
    _fill(a, data, org, team)
    if data.get("publish"):
        a.state = ActivityState.PUBLISHED
    a.save()
    audit.record(user, "members.activity_create", a, after=audit.snapshot(a, ACTIVITY_FIELDS))
    return a


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update(of=("self",)).select_related("org", "team").get(pk=activity.pk)


@transaction.atomic
def do_update_activity(user: Any, activity: Activity, data: dict[str, Any]) -> Activity:
    """修改活动 while it is a draft (nobody has signed up yet). Keys absent from ``data`` keep their value."""
    a = _locked(activity)
    _check_organiser(user, a)
    if a.state != ActivityState.DRAFT:
        raise ActionError(f"活动{a.get_state_display()}，不能再修改（只能修改草稿）")
    before = audit.snapshot(a, ACTIVITY_FIELDS)
    current = {"org": a.org, "team": a.team, "kind": a.kind, "title": a.title, "description": a.description,
               "place": a.place, "starts_at": a.starts_at, "ends_at": a.ends_at, "capacity": a.capacity,
               "open_to_residents": a.open_to_residents}
    merged = current | {k: v for k, v in data.items() if k in current}
    if "org" in data and "team" not in data and merged["team"] is not None and merged["team"].org_id != merged[
            "org"].pk:
        merged["team"] = None  # moved to another organisation: the old team does not follow
    org, team = _org_and_team(user, merged)
    _fill(a, merged, org, team)
    a.save()
    audit.record(user, "members.activity_update", a, before=before, after=audit.snapshot(a, ACTIVITY_FIELDS))
    return a


@transaction.atomic
def do_transition(user: Any, activity: Activity, to_state: str, *, from_state: str | None = None,
                  reason: Any = "") -> Activity:
    """发布 (draft → published) or 取消 (draft/published → cancelled, with the reason the sign-ups read on their
    own page). ``held`` only through ``do_confirm_attendance``."""
    a = _locked(activity)
    _check_organiser(user, a)
    _check_from(a, from_state)
    if to_state not in STATE_NAMES:
        raise ActionError("未知的活动状态")
    if to_state not in allowed_states(a):
        raise ActionError(f"活动当前状态为“{a.get_state_display()}”，不能改为“{STATE_NAMES[to_state]}”")
    if to_state == ActivityState.HELD:
        raise ActionError("请在出勤确认页面逐一确认出勤")
    before = audit.snapshot(a, ACTIVITY_FIELDS)
    a.state = to_state
    if to_state == ActivityState.CANCELLED:
        a.cancel_reason = _required(reason, 200, "取消原因")
    a.save(update_fields=["state", "cancel_reason"])
    action = "members.activity_publish" if to_state == ActivityState.PUBLISHED else "members.activity_cancel"
    audit.record(user, action, a, before=before, after=audit.snapshot(a, ACTIVITY_FIELDS))
    return a


# ---------------------------------------------------------------- sign-ups


def _take_place(activity: Activity, now: dt.datetime) -> None:
    """One conditional UPDATE: raises ``signed`` only while the activity is published, not started and not
    full; else refuses with the reason (read after the update found nothing)."""
    taken = (Activity.objects.filter(pk=activity.pk, state=ActivityState.PUBLISHED, starts_at__gt=now)
             .filter(Q(capacity__isnull=True) | Q(signed__lt=F("capacity")))
             .update(signed=F("signed") + 1))
    if not taken:
        check_open(activity, now)
        raise ActionError("报名人数已满")  # filled between the read and the update


def check_open(activity: Activity, now: dt.datetime) -> None:
    """Refuses (with the reason) unless the activity takes sign-ups now: published, not started, not full."""
    fresh = Activity.objects.filter(pk=activity.pk).values("state", "starts_at", "capacity", "signed").first()
    if fresh is None:
        raise ActionError("活动不存在")
    if fresh["state"] == ActivityState.DRAFT:
        raise ActionError("该活动尚未发布，不能报名")
    if fresh["state"] != ActivityState.PUBLISHED:
        raise ActionError(f"该活动{STATE_NAMES[fresh['state']]}，不能报名")
    if fresh["starts_at"] <= now:
        raise ActionError("活动已经开始，不能再报名")
    if fresh["capacity"] is not None and fresh["signed"] >= fresh["capacity"]:
        raise ActionError(f"报名人数已满（{fresh['capacity']} 人）")


def _insert(signup: SignUp) -> SignUp:
    try:
        with transaction.atomic():
            signup.save()
    except IntegrityError as exc:  # signup_once_per_person: signed up already (perhaps a moment ago)
        raise ActionError("您已报名该活动" if signup.person_id else "该居民已报名该活动") from exc
    return signup


def _record_signup(user: Any, action: str, s: SignUp, activity: Activity, before: dict[str, Any] | None = None
                   ) -> None:
    audit.record(user, action, s, org_path=activity.org_path, object_repr=f"{s} · {activity.title}"[:255],
                 before=before, after=audit.snapshot(s, SIGNUP_FIELDS))


@transaction.atomic
def do_sign_up(user: Any, activity: Activity, *, now: dt.datetime | None = None) -> SignUp:
    """我要报名: the signed-in person signs up themselves. The caller found the activity through
    ``selectors_activities.open_activities`` (open to them); a resident only where residents are taken."""
    now = _now(now)
    person: Person | None = getattr(user, "person", None)
    if person is None:
        raise ActionError("您的账号没有关联人员信息，不能报名")
    if not Activity.objects.open_to(person).filter(pk=activity.pk).exists():
        raise ActionError("该活动不面向您所在的组织，不能报名")
    if not person.is_party_member and not activity.open_to_residents:
        raise ActionError("该活动只接受党员报名")
    if SignUp.objects.filter(activity=activity, person=person, state=SignUpState.SIGNED).exists():
        raise ActionError("您已报名该活动")
    _take_place(activity, now)
    s = _insert(SignUp(activity=activity, person=person, is_member=person.is_party_member))
    _record_signup(user, "members.signup", s, activity)
    return s


def clean_phone(value: Any, *, required: bool) -> str:
    phone = normalize_phone(str(value or ""))
    if not phone:
        if required:
            raise ActionError("请填写联系电话")
        return ""
    if message := validate_phone(phone):
        raise ActionError(message)
    return phone


def same_phone_signed(activity: Activity, phone: str) -> bool:
    """Is a live resident sign-up of this activity made with this phone? (the masked copy narrows the
    candidates; only those few are decrypted)"""
    candidates = SignUp.objects.filter(activity=activity, state=SignUpState.SIGNED, person__isnull=True,
                                       phone_masked=mask_phone(phone)).values_list("phone_enc", flat=True)
    return any(crypto.decrypt(enc) == phone for enc in candidates)


def _resident(activity: Activity, name: Any, phone: Any, *, phone_required: bool) -> SignUp:
    text = _required(name, 50, "姓名")
    number = clean_phone(phone, required=phone_required)
    if number and same_phone_signed(activity, number):
        raise ActionError("该电话已报名该活动")
    s = SignUp(activity=activity, name=text, is_member=False)
    if number:
        s.phone_enc, s.phone_masked = crypto.encrypt(number), mask_phone(number)
    return s


@transaction.atomic
def do_add_resident(user: Any, activity: Activity, name: Any, phone: Any, *, now: dt.datetime | None = None
                    ) -> SignUp:
    """代居民报名 (the organiser, before the start): a resident without an account — name and phone (the phone
    encrypted, only its masked copy shown). Counts against the capacity like any sign-up."""
    now = _now(now)
    _check_organiser(user, activity)
    if not activity.open_to_residents:
        raise ActionError("该活动只接受党员报名")
    s = _resident(activity, name, phone, phone_required=False)
    _take_place(activity, now)
    _insert(s)
    _record_signup(user, "members.signup_resident", s, activity)
    return s


PUBLIC_KIND = "activity"  # the per-client bucket of the public sign-up (demands.ClientHit.kind)


def public_limit() -> int:
    return int(getattr(settings, "ACTIVITY_PUBLIC_PER_HOUR", 5))


def _throttle(client: str, now: dt.datetime) -> None:
    """Counts one public sign-up of ``client`` (in the sign-up's transaction) or refuses it — the demands'
    public intake's mechanism (the client's bucket row locked, the hit added only below the limit, in the
    database so the limit holds across processes), with its own kind of hit."""
    from zongheng.demands.actions_public import _count_and_add, _lock_bucket

    _lock_bucket(client, now)
    if not _count_and_add(client, PUBLIC_KIND, now, public_limit()):
        raise ActionError(f"您在一小时内已经提交了 {public_limit()} 次报名，请过一会儿再试，或直接联系活动组织者。")


@transaction.atomic
def do_public_sign_up(activity: Activity, name: Any, phone: Any, client: str, *, now: dt.datetime | None = None
                      ) -> SignUp | None:
    """居民在线报名 (no account): name and phone, counted against the client's hourly limit. A phone already
    signed up for the activity is answered like a new sign-up and writes nothing (None): the page never tells
    a stranger whether a number is on the list."""
    now = _now(now)
    if not activity.open_to_residents:
        raise ActionError("该活动只接受党员报名")
    _throttle(client, now)
    text = _required(name, 50, "姓名")
    number = clean_phone(phone, required=True)
    check_open(activity, now)  # full or closed: the same answer whoever asks, before the phone is looked up
    if same_phone_signed(activity, number):
        return None
    s = SignUp(activity=activity, name=text, is_member=False, phone_enc=crypto.encrypt(number),
               phone_masked=mask_phone(number))
    _take_place(activity, now)
    _insert(s)
    _record_signup("居民", "members.signup_public", s, activity)
    return s


def may_cancel(user: Any, signup: SignUp) -> bool:
    """The person themselves, or the activity's organiser."""
    own = signup.person_id is not None and signup.person_id == getattr(user, "person_id", None)
    return own or may_organise(user, signup.activity)


@transaction.atomic
def do_cancel_sign_up(user: Any, signup: SignUp, *, now: dt.datetime | None = None) -> SignUp:
    """取消报名 before the start: by the person themselves (or the organiser); gives the place back."""
    now = _now(now)
    s = SignUp.objects.select_for_update(of=("self",)).select_related("activity").get(pk=signup.pk)
    if user is not None and not may_cancel(user, s):
        raise ActionError("只能取消本人的报名")
    if s.state != SignUpState.SIGNED:
        raise ActionError("该报名已取消")
    a = s.activity
    if a.starts_at <= now:
        raise ActionError("活动已经开始，不能再取消报名")
    if a.state != ActivityState.PUBLISHED:
        raise ActionError(f"该活动{a.get_state_display()}，不能取消报名")
    before = audit.snapshot(s, SIGNUP_FIELDS)
    s.state = SignUpState.CANCELLED
    s.save(update_fields=["state"])
    if not s.walk_in:
        Activity.objects.filter(pk=a.pk, signed__gt=0).update(signed=F("signed") - 1)
    _record_signup(user, "members.signup_cancel", s, a, before)
    return s


# ---------------------------------------------------------------- attendance (出勤确认)


def _source(signup: SignUp | int) -> str:
    return f"activity.signup:{signup if isinstance(signup, int) else signup.pk}"


@transaction.atomic
def do_confirm_attendance(user: Any, activity: Activity, marks: dict[int, bool],
                          walk_ins: list[dict[str, Any]] | None = None, *, now: dt.datetime | None = None
                          ) -> Activity:
    """出勤确认 after the event has started: ``marks`` {sign-up id: attended}; ``walk_ins`` [{name, phone}]
    residents who came without signing up (attended, not counted against the capacity).

    The first confirmation needs a mark for every live sign-up and makes the activity ``held``; later ones
    change single marks. Each member marked present earns the activity's points once (``points.award``);
    a member's mark changed to absent takes them back (``points.revoke``)."""
    now = _now(now)
    a = _locked(activity)
    _check_organiser(user, a)
    if a.state not in (ActivityState.PUBLISHED, ActivityState.HELD):
        raise ActionError(f"活动{a.get_state_display()}，不能确认出勤")
    if a.starts_at > now:
        raise ActionError("活动还没有开始，开始后才能确认出勤")
    if len(marks) > MAX_MARKS or len(walk_ins or []) > MAX_MARKS:
        raise ActionError(f"一次最多确认 {MAX_MARKS} 人")
    rows = {s.pk: s for s in SignUp.objects.select_for_update(of=("self",)).filter(activity=a, state=SignUpState.SIGNED)
            .select_related("person")}
    unknown = [pk for pk in marks if pk not in rows]
    if unknown:
        raise ActionError("有的报名记录不存在或已取消，请刷新页面后重试")
    for pk, value in marks.items():
        if not isinstance(value, bool):
            raise ActionError("出勤只能为“出勤”或“缺勤”")
        rows[pk].attended_new = value  # type: ignore[attr-defined]
    if a.state == ActivityState.PUBLISHED:
        missing = [s for s in rows.values() if s.attended is None and not hasattr(s, "attended_new")]
        if missing:
            raise ActionError(f"还有 {len(missing)} 人未确认是否出勤，请逐一选择“出勤”或“缺勤”")
    changed: list[SignUp] = []
    for s in rows.values():
        new = getattr(s, "attended_new", s.attended)
        if new != s.attended:
            s.attended_before = s.attended  # type: ignore[attr-defined]
            s.attended, s.confirmed_by = new, _actor(user)
            changed.append(s)
    if changed:
        SignUp.objects.bulk_update(changed, ["attended", "confirmed_by"])
    added = [_resident(a, w.get("name"), w.get("phone"), phone_required=False) for w in (walk_ins or [])]
    for s in added:
        s.walk_in, s.attended, s.confirmed_by = True, True, _actor(user)
    if added:
        SignUp.objects.bulk_create(added)
    before = audit.snapshot(a, ACTIVITY_FIELDS)
    first = a.state == ActivityState.PUBLISHED
    if first:
        a.state, a.confirmed_at = ActivityState.HELD, now
        a.save(update_fields=["state", "confirmed_at"])
    day = day_of(a)
    for s in changed:
        if not (s.is_member and s.person_id):
            continue
        if s.attended:
            points.award(s.person_id, Deed.ACTIVITY, _source(s), day, by=_actor(user), note=a.title[:100])
        elif s.attended_before:  # type: ignore[attr-defined]
            points.revoke(s.person_id, _source(s), by=_actor(user), note=f"出勤更正为缺勤：{a.title}"[:200])
    present = SignUp.objects.filter(activity=a, state=SignUpState.SIGNED, attended=True).count()
    audit.record(user, "members.activity_attendance", a, before=before, after=audit.snapshot(a, ACTIVITY_FIELDS) | {
        "changed": len(changed), "walk_ins": len(added), "attended": present})
    return a
