"""民心零距离 for residents: raise a demand, track it by its code, rate the answer — no account.

Three short steps (what and where → grid and category → contact and photos); before the
last one the resident sees open demands of the same grid that look alike and can add
themselves to one instead. Tracking pages show only what a resident should see: no phone
numbers, no staff names, no internal notes; a wrong code answers 404. Pages that carry a
code send a Referer only to this site (so CSRF checks still work) and are not cached.

A tracking code never travels in a URL (so it lands in no access log, history or Referer):
the status page is reached only by POSTing the code (the "查看办理进度" button after
submitting posts it too). The old ``/demands/track/<code>/`` links answer with the empty
tracking form and do not look the code up. Failed lookups are counted per client; past
``DEMAND_TRACK_FAILS_PER_HOUR`` the client gets 429 for the rest of the hour.

Only the resident who raised a demand (the follower holding the demand's own code) may rate
it to a close or ask to redo it; a resident who joined it leaves their own rating, which
changes nothing (``actions.do_rate``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from zongheng.core.errors import ActionError

from . import actions, suggest
from .actions_public import (
    client_of,
    do_follow_public,
    do_submit_public,
    record_track_failure,
    track_blocked,
    track_limit,
)
from .choices import OPEN_STATUSES, Status
from .forms_public import UNKNOWN_GRID, ContactForm, RateForm, ReopenForm, TrackForm, WhatForm, WhereForm
from .models import Category, Demand, DemandEvent, DemandFollower

# ---------------------------------------------------------------- plain words


def _status_text(demand: Demand, submitter: bool = True, by: str = "") -> str:
    """The state in plain words, for the resident who raised the demand or for one who joined it.

    ``by``: the organisation that accepted or started it (``DemandEvent.by_org``), else the holder.
    """
    org = demand.org.name
    by = by or org
    texts: dict[str, str] = {
        Status.RECEIVED: "已收到，正在安排办理单位",
        Status.ASSIGNED: f"已交给{org}，等待接单",
        Status.ACCEPTED: f"{by}已接单，正在安排办理",
        Status.IN_PROGRESS: f"{by}正在办理",
        Status.ANSWERED: "已经答复，请您评价" if submitter else "已经答复，等待最初反映的居民评价",
        Status.RATED: "您已评价" if submitter else "最初反映的居民已评价",
        Status.CLOSED: "已办结",
        Status.REJECTED: "不予受理",
        Status.MERGED: "已与相同的诉求合并办理",
    }
    return texts.get(demand.status, demand.get_status_display())


# {org}: the holder after the step (where it was assigned or escalated to); {by}: the organisation
# of whoever acted (DemandEvent.by_org) — a community answering for its grid is credited, not the grid.
_EVENT_TEXT = {
    "receive": "诉求已受理",
    "assign": "交给{org}办理",
    "return": "重新安排办理单位",
    "accept": "{by}接单",
    "start": "{by}开始办理",
    "answer": "{by}答复",
    "escalate": "上报{org}协调办理",
    "whistle": "{by}召集相关单位共同办理",
    "report": "{by}到场办理",
    "reject": "不予受理",
    "merge": "与相同的诉求合并办理",
    "rate": "居民评价",
    "close": "办结",
    "reopen": "居民不满意，重新办理",
    "rating_timeout": "未评价，自动办结",
}
# Notes residents may read (the answer, the reason for not accepting, the resident's own reason);
# other notes are staff working notes.
_PUBLIC_NOTES = {"answer", "reject", "reopen"}


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    text: str
    note: str


def _timeline(events: list[DemandEvent]) -> list[Step]:
    return [
        Step(e.at, _EVENT_TEXT.get(e.action, "办理").format(org=e.org.name, by=(e.by_org or e.org).name),
             e.note if e.action in _PUBLIC_NOTES else "")
        for e in events
    ]


# ---------------------------------------------------------------- helpers


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with a tracking code: never cached, never sent as Referer to another site."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _client(request: HttpRequest) -> str:
    return client_of(request)  # the same bucket as Open311 (actions_public)


def _render_step(request: HttpRequest, step: str, form: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, f"demands/public_new_{step}.html", {"form": form, "step": step, **extra}, status=status)


def _chosen_grid(value: Any) -> Any:
    """The grid a "向本网格反映" link or a plaque's QR code chose (``?grid=<id>``), if it is an open grid."""
    text = str(value or "")
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return suggest.grids().filter(pk=int(text)).first()


def _where_initial(data: dict[str, Any], chosen: Any = None) -> tuple[dict[str, Any], Any, bool]:
    """(initial, suggested grid, whether the phone's position found it)."""
    at_point = suggest.grid_at_point(data.get("lat"), data.get("long"))
    grid = chosen or at_point or suggest.suggest_grid(data["address"])
    category = suggest.suggest_category(data["description"]) or Category.objects.filter(code="other").first()
    initial = {"description": data["description"], "address": data["address"],
               "lat": data.get("lat"), "long": data.get("long"),
               "grid": grid.pk if grid else "", "category": category.pk if category else None}
    return initial, grid, grid is not None and grid == at_point and chosen is None


def _receiver(form: WhereForm) -> Any:
    """Where the demand goes: the chosen grid, or for "我不清楚" the community (street …) that assigns it."""
    d = form.cleaned_data
    return d["grid"] if d["grid"] is not None else suggest.intake_org(d["address"])


def _similar(form: WhereForm) -> list[Demand]:
    d = form.cleaned_data
    place = _receiver(form)
    if place is None or (d["grid"] is None and place.level.code not in ("community", "village")):
        return []  # a resident who does not know the grid is shown look-alikes of one community at most
    return suggest.similar_open(place, d["category"], d["description"])


def _excerpts(demands: list[Demand]) -> list[dict[str, Any]]:
    """What a stranger sees of an open demand to recognise the same problem — and nothing more:
    category, grid, a short masked excerpt, status and date (no name, phone, address, answer or photo)."""
    return [{"ref": d.ref, "status": d.get_status_display(), "category": d.category.name,
             "excerpt": suggest.excerpt(d.description, 40), "received_at": d.received_at} for d in demands]


def _done(request: HttpRequest, code: str, demand: Demand, *, followed: bool) -> HttpResponse:
    # "查看办理进度" posts the code to the tracking page: the code never goes into a URL.
    return _private(render(request, "demands/public_done.html",
                           {"code": code, "ref": demand.ref, "followed": followed,
                            "track_url": reverse("demands:track")}))


# ---------------------------------------------------------------- new demand


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """One thing per page: what and where → grid and category → (similar demands) → contact and photos."""
    if request.method != "POST":
        chosen = _chosen_grid(request.GET.get("grid"))
        return _render_step(request, "what", WhatForm(), chosen=chosen)
    back = request.POST.get("back", "")
    if back in ("what", "where"):
        form_class = WhatForm if back == "what" else WhereForm
        return _render_step(request, back, form_class(initial=request.POST.dict()),
                            chosen=_chosen_grid(request.POST.get("grid")) if back == "what" else None)
    step = request.POST.get("step", "what")
    if step == "where":
        return _step_where(request)
    if step == "contact":
        return _step_contact(request)
    if step == "send":
        return _step_send(request)
    form = WhatForm(request.POST)
    chosen = _chosen_grid(request.POST.get("grid"))
    if not form.is_valid():
        return _render_step(request, "what", form, status=400, chosen=chosen)
    initial, grid, by_position = _where_initial(form.cleaned_data, chosen)
    return _render_step(request, "where", WhereForm(initial=initial), suggested=grid, chosen=chosen,
                        by_position=by_position)


def _carry(form: WhereForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {"description": d["description"], "address": d["address"], "lat": d.get("lat"), "long": d.get("long"),
            "grid": d["grid"].pk if d["grid"] is not None else UNKNOWN_GRID, "category": d["category"].pk}


def _target(form: WhereForm, ref: str) -> Demand | None:
    """The open demand the resident chose to join: only one of those the similar page offered."""
    return next((d for d in _similar(form) if d.ref == ref), None) if ref else None


def _step_where(request: HttpRequest) -> HttpResponse:
    form = WhereForm(request.POST)
    if not form.is_valid():
        return _render_step(request, "where", form, status=400)
    similar = _similar(form)
    if similar:
        return _render_step(request, "similar", WhereForm(initial=_carry(form)), similar=_excerpts(similar),
                            grid=_receiver(form))
    return _render_step(request, "send", ContactForm(initial=_carry(form)), receiver=_receiver(form))


def _step_contact(request: HttpRequest) -> HttpResponse:
    """From the similar page: join one of them (phone only) or go on with a new demand."""
    form = WhereForm(request.POST)
    if not form.is_valid():
        return _render_step(request, "where", form, status=400)
    target = _target(form, request.POST.get("follow", ""))
    extra: dict[str, Any] = {"follow": _excerpts([target])[0]} if target else {}
    return _render_step(request, "send", ContactForm(initial=_carry(form)), receiver=_receiver(form), **extra)


def _step_send(request: HttpRequest) -> HttpResponse:
    ref = request.POST.get("follow", "")
    # Joining an existing demand takes a phone number at most: no photos, no name.
    form = ContactForm(request.POST) if ref else ContactForm(request.POST, request.FILES)
    valid = form.is_valid()
    target = _target(form, ref) if valid and ref else None
    extra: dict[str, Any] = {"follow": _excerpts([target])[0]} if target else {}
    if not valid:
        return _render_step(request, "send", form, status=400, **extra)
    client = _client(request)
    try:
        if ref:
            if target is None:
                raise ActionError("这条诉求已经办理完毕，不能再加入，请返回提交新的诉求")
            code = do_follow_public(target, form.cleaned_data["phone"], client)
            return _done(request, code, target, followed=True)
        demand, code = do_submit_public(form.demand_data(), form.cleaned_data["photos"], client)
    except ActionError as e:
        form.add_error(None, str(e))
        # Where it would have gone, on the page shown again (computed only then: a sent demand does not need it).
        return _render_step(request, "send", form, status=400, receiver=_receiver(form), **extra)
    return _done(request, code, demand, followed=False)


# ---------------------------------------------------------------- tracking


def _follower(code: Any) -> DemandFollower | None:
    follower = actions.follower_by_code(code if isinstance(code, str) else "")
    if follower is None:
        return None
    return DemandFollower.objects.select_related("demand__category", "demand__org", "demand__grid").get(pk=follower.pk)


def _missing(request: HttpRequest, form: TrackForm | None = None) -> HttpResponse:
    record_track_failure(_client(request))
    response = render(request, "demands/public_track_missing.html", {"form": form or TrackForm()}, status=404)
    response._has_been_logged = True  # type: ignore[attr-defined]  # no "Not Found" log line for it
    return _private(response)


def _limited(request: HttpRequest) -> HttpResponse:
    limited = (f"一小时内输错查询码已超过 {track_limit()} 次，请一小时后再查询。"
               "如有急事，请联系所在社区或到民心驿站咨询。")
    return _private(render(request, "demands/public_track_form.html", {"form": TrackForm(), "limited": limited},
                           status=429))


def _can_reopen(demand: Demand, now: dt.datetime) -> bool:
    return (demand.status in (Status.ANSWERED, Status.RATED) and demand.answered_at is not None
            and now - demand.answered_at <= dt.timedelta(days=settings.DEMAND_REOPEN_DAYS))


def _status_page(request: HttpRequest, follower: DemandFollower, code: str, *, notice: str = "", error: str = "",
                 rate_form: RateForm | None = None, reopen_form: ReopenForm | None = None,
                 status: int = 200) -> HttpResponse:
    """The status page for the holder of ``code`` (the clear code only lives in this response's forms)."""
    demand = follower.demand
    events = list(DemandEvent.objects.filter(demand_id=demand.pk).select_related("org", "by_org").order_by("seq"))
    now = timezone.now()
    submitter = follower.is_submitter(demand)
    context = {
        "demand": demand,
        "status_text": _status_text(demand, submitter, next(
            ((e.by_org or e.org).name for e in reversed(events) if e.action in ("accept", "start")), "")),
        "timeline": _timeline(events), "notice": notice, "error": error,
        "answered_by": next(((e.by_org or e.org) for e in reversed(events) if e.action == "answer"), demand.org),
        # What the resident reported (issue 13); photos only for the resident who sent them.
        "thumbnails": _thumbnails(demand) if submitter else [],
        # A resident who joined sees the masked excerpt the similar step showed, not the submitter's words.
        "excerpt": "" if submitter else suggest.excerpt(demand.description, 40),
        "is_open": demand.status in OPEN_STATUSES,
        "submitter": submitter,
        "can_rate": demand.status == Status.ANSWERED if submitter else
        (demand.status in actions.FOLLOWER_RATABLE and demand.answered_at is not None and follower.rating is None),
        "can_reopen": submitter and _can_reopen(demand, now),
        "own_rating": demand.rating if submitter else follower.rating,
        "own_comment": demand.rating_comment if submitter else follower.rating_comment,
        "reopen_days": settings.DEMAND_REOPEN_DAYS,
        "rate_form": rate_form or RateForm(initial={"code": code}),
        "reopen_form": reopen_form or ReopenForm(initial={"code": code}),
        "stars": range(1, 6),
    }
    return _private(render(request, "demands/public_track.html", context, status=status))


def _thumbnails(demand: Demand) -> list[str]:
    from .photos import thumbnail_data_uri

    uris = (thumbnail_data_uri(p.image) for p in demand.photos.order_by("id")[:3])
    return [u for u in uris if u]


@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Enter the code (sent by POST, so it stays out of addresses and logs) and see the demand."""
    if request.method != "POST":
        return _private(render(request, "demands/public_track_form.html", {"form": TrackForm()}))
    if track_blocked(_client(request)):
        return _limited(request)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _private(render(request, "demands/public_track_form.html", {"form": form}, status=400))
    code = form.cleaned_data["code"].strip()
    follower = _follower(code)
    if follower is None:
        return _missing(request, form)
    return _status_page(request, follower, code)


@require_http_methods(["GET", "HEAD"])
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    """Old saved links (``/demands/track/<code>/``): the tracking form, without looking the code up.

    Codes no longer travel in URLs; the code in such a link is not used (it is masked in the
    request logs by ``logredact``), the resident types it into the form.
    """
    response = render(request, "demands/public_track_form.html", {"form": TrackForm(), "legacy_link": True})
    return _private(response)


def _resident_post(request: HttpRequest, form_class: Any, form_name: str, act: Any, notice: str) -> HttpResponse:
    """A resident's POST on a demand, by tracking code: check the form, call ``act(code, data)``,
    and show the status page again (with the form's errors, the refusal, or ``notice``)."""
    raw = request.POST.get("code", "")
    if not raw.strip():
        return redirect("demands:track")
    if track_blocked(_client(request)):
        return _limited(request)
    code = raw.strip()
    form = form_class(request.POST)
    follower = _follower(code)
    if follower is None:
        return _missing(request)
    if not form.is_valid():
        return _status_page(request, follower, code, **{form_name: form}, status=400)
    try:
        act(code, form.cleaned_data)
    except ActionError as e:
        return _status_page(request, _follower(code) or follower, code, error=str(e), status=400)
    return _status_page(request, _follower(code) or follower, code, notice=notice)


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """One tap on 1–5 stars (and an optional comment)."""
    return _resident_post(request, RateForm, "rate_form",
                          lambda code, data: actions.do_rate(code, data["rating"], data["comment"]), "感谢您的评价！")


@require_POST
def reopen(request: HttpRequest) -> HttpResponse:
    """不满意，要求重新办理: within the reopen window, with a reason."""
    return _resident_post(request, ReopenForm, "reopen_form",
                          lambda code, data: actions.do_reopen(code, data["reason"]),
                          "已要求重新办理，办理单位会尽快处理。")
