"""民心零距离 for residents: raise a demand, track it by its code, rate the answer — no account.

Three short steps (what and where → grid and category → contact and photos); before the
last one the resident sees open demands of the same grid that look alike and can add
themselves to one instead. Tracking pages show only what a resident should see: no phone
numbers, no staff names, no internal notes; a wrong code answers 404. Pages that carry a
code send a Referer only to this site (so CSRF checks still work), are not cached, and a
wrong code in the URL is not logged.
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
from .actions_public import client_key, do_follow_public, do_submit_public
from .choices import OPEN_STATUSES, Status
from .forms_public import ContactForm, RateForm, ReopenForm, TrackForm, WhatForm, WhereForm
from .models import Category, Demand, DemandEvent, DemandFollower

# ---------------------------------------------------------------- plain words


def _status_text(demand: Demand) -> str:
    org = demand.org.name
    texts: dict[str, str] = {
        Status.RECEIVED: "已收到，正在安排办理单位",
        Status.ASSIGNED: f"已交给{org}，等待接单",
        Status.ACCEPTED: f"{org}已接单，正在安排办理",
        Status.IN_PROGRESS: f"{org}正在办理",
        Status.ANSWERED: "已经答复，请您评价",
        Status.RATED: "您已评价",
        Status.CLOSED: "已办结",
        Status.REJECTED: "不予受理",
        Status.MERGED: "已与相同的诉求合并办理",
    }
    return texts.get(demand.status, demand.get_status_display())


_EVENT_TEXT = {
    "receive": "诉求已受理",
    "assign": "交给{org}办理",
    "return": "重新安排办理单位",
    "accept": "{org}接单",
    "start": "{org}开始办理",
    "answer": "{org}答复",
    "escalate": "上报{org}协调办理",
    "whistle": "{org}召集相关单位共同办理",
    "report": "相关单位到场办理",
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
        Step(e.at, _EVENT_TEXT.get(e.action, "办理").format(org=e.org.name),
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
    header = getattr(settings, "DEMAND_CLIENT_IP_HEADER", "")  # e.g. HTTP_X_REAL_IP, set by the trusted proxy
    address = (request.META.get(header, "") if header else "") or request.META.get("REMOTE_ADDR", "")
    return client_key(address.split(",")[0].strip())


def _render_step(request: HttpRequest, step: str, form: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, f"demands/public_new_{step}.html", {"form": form, "step": step, **extra}, status=status)


def _where_initial(data: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    grid = suggest.suggest_grid(data["address"])
    category = suggest.suggest_category(data["description"]) or Category.objects.filter(code="other").first()
    initial = {"description": data["description"], "address": data["address"],
               "grid": grid.pk if grid else "", "category": category.pk if category else None}
    return initial, grid


def _similar(form: WhereForm) -> list[Demand]:
    d = form.cleaned_data
    return suggest.similar_open(d["grid"], d["category"], d["description"])


def _excerpts(demands: list[Demand]) -> list[dict[str, Any]]:
    return [{"ref": d.ref, "status": d.get_status_display(), "category": d.category.name,
             "excerpt": suggest.excerpt(d.description), "received_at": d.received_at} for d in demands]


def _done(request: HttpRequest, code: str, demand: Demand, *, followed: bool) -> HttpResponse:
    url = reverse("demands:track_code", kwargs={"code": code})
    return _private(render(request, "demands/public_done.html",
                           {"code": code, "ref": demand.ref, "followed": followed, "track_url": url}))


# ---------------------------------------------------------------- new demand


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """One thing per page: what and where → grid and category → (similar demands) → contact and photos."""
    if request.method != "POST":
        return _render_step(request, "what", WhatForm())
    back = request.POST.get("back", "")
    if back in ("what", "where"):
        form_class = WhatForm if back == "what" else WhereForm
        return _render_step(request, back, form_class(initial=request.POST.dict()))
    step = request.POST.get("step", "what")
    if step == "where":
        return _step_where(request)
    if step == "contact":
        return _step_contact(request)
    if step == "send":
        return _step_send(request)
    form = WhatForm(request.POST)
    if not form.is_valid():
        return _render_step(request, "what", form, status=400)
    initial, grid = _where_initial(form.cleaned_data)
    return _render_step(request, "where", WhereForm(initial=initial), suggested=grid)


def _carry(form: WhereForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {"description": d["description"], "address": d["address"], "grid": d["grid"].pk,
            "category": d["category"].pk}


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
                            grid=form.cleaned_data["grid"])
    return _render_step(request, "send", ContactForm(initial=_carry(form)))


def _step_contact(request: HttpRequest) -> HttpResponse:
    """From the similar page: join one of them (phone only) or go on with a new demand."""
    form = WhereForm(request.POST)
    if not form.is_valid():
        return _render_step(request, "where", form, status=400)
    target = _target(form, request.POST.get("follow", ""))
    extra: dict[str, Any] = {"follow": _excerpts([target])[0]} if target else {}
    return _render_step(request, "send", ContactForm(initial=_carry(form)), **extra)


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
        return _render_step(request, "send", form, status=400, **extra)
    return _done(request, code, demand, followed=False)


# ---------------------------------------------------------------- tracking


def _follower(code: str) -> DemandFollower | None:
    code = (code or "").strip()
    if not code or len(code) > 64:
        return None
    return DemandFollower.objects.select_related("demand__category", "demand__org").filter(code=code).first()


def _missing(request: HttpRequest, form: TrackForm | None = None) -> HttpResponse:
    response = render(request, "demands/public_track_missing.html", {"form": form or TrackForm()}, status=404)
    response._has_been_logged = True  # type: ignore[attr-defined]  # keep the tried code out of the request log
    return _private(response)


def _can_reopen(demand: Demand, now: dt.datetime) -> bool:
    return (demand.status in (Status.ANSWERED, Status.RATED) and demand.answered_at is not None
            and now - demand.answered_at <= dt.timedelta(days=settings.DEMAND_REOPEN_DAYS))


def _status_page(request: HttpRequest, follower: DemandFollower, *, notice: str = "", error: str = "",
                 rate_form: RateForm | None = None, reopen_form: ReopenForm | None = None,
                 status: int = 200) -> HttpResponse:
    demand = follower.demand
    events = list(DemandEvent.objects.filter(demand_id=demand.pk).select_related("org").order_by("seq"))
    now = timezone.now()
    context = {
        "demand": demand, "code": follower.code, "status_text": _status_text(demand),
        "timeline": _timeline(events), "notice": notice, "error": error,
        "is_open": demand.status in OPEN_STATUSES,
        "can_rate": demand.status == Status.ANSWERED,
        "can_reopen": _can_reopen(demand, now),
        "reopen_days": settings.DEMAND_REOPEN_DAYS,
        "rate_form": rate_form or RateForm(initial={"code": follower.code}),
        "reopen_form": reopen_form or ReopenForm(initial={"code": follower.code}),
        "stars": range(1, 6),
    }
    return _private(render(request, "demands/public_track.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Enter the code (sent by POST, so it stays out of addresses and logs) and see the demand."""
    if request.method != "POST":
        return _private(render(request, "demands/public_track_form.html", {"form": TrackForm()}))
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _private(render(request, "demands/public_track_form.html", {"form": form}, status=400))
    follower = _follower(form.cleaned_data["code"])
    if follower is None:
        return _missing(request, form)
    return _status_page(request, follower)


@require_http_methods(["GET", "HEAD"])
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    """The same status page from a saved link."""
    follower = _follower(code)
    return _missing(request) if follower is None else _status_page(request, follower)


def _resident_post(request: HttpRequest, form_class: Any, form_name: str, act: Any, notice: str) -> HttpResponse:
    """A resident's POST on a demand, by tracking code: check the form, call ``act(code, data)``,
    and show the status page again (with the form's errors, the refusal, or ``notice``)."""
    if not request.POST.get("code"):
        return redirect("demands:track")
    form = form_class(request.POST)
    follower = _follower(request.POST["code"])
    if follower is None:
        return _missing(request)
    if not form.is_valid():
        return _status_page(request, follower, **{form_name: form}, status=400)
    try:
        act(follower.code, form.cleaned_data)
    except ActionError as e:
        return _status_page(request, _follower(follower.code) or follower, error=str(e), status=400)
    return _status_page(request, _follower(follower.code) or follower, notice=notice)


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
