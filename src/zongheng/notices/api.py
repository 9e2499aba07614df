"""一传到底 in the JSON API (tag 通知): my notices (read, 回执), notices sent in scope, their progress,
sending, reminding and withdrawing.

Same doors as the pages: my notices need only a person (self-service); the rest ``require`` the
right (403 when held nowhere) and read through ``Notice.objects.restrict`` / ``selectors.viewable``
(out of scope → 404). Every id in a body goes through ``notices.resolve`` (a forged id → 400, nothing
written). Phones never appear.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import require
from zongheng.core.permissions import Perm
from zongheng.orgs.api import LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _page, _ref, _user

from . import actions, resolve, selectors
from .models import Notice, NoticeRecipient

router = Router(tags=["通知"])


class TallyOut(Schema):
    total: int = Field(description="接收人数")
    read: int
    acked: int = Field(description="已回执人数")


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    status: str
    needs_ack: bool
    due_at: dt.datetime | None
    sent_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    sender_org: OrgRef
    audience: dict[str, Any] = Field(description="发送时选择的范围（组织、层级、职务、名单），仅供展示")
    remind_interval_hours: int
    attachments: list[str] = Field(description="附件文件名")


class SentOut(NoticeOut):
    tally: TallyOut


class SentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SentOut]


class MyNoticeOut(Schema):
    id: int = Field(description="通知 id")
    title: str
    body: str
    sender_org: OrgRef
    sent_at: dt.datetime | None
    needs_ack: bool
    due_at: dt.datetime | None
    read_at: dt.datetime | None
    acked_at: dt.datetime | None
    reply: str
    reminded: bool = Field(description="已被催办")


class MyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MyNoticeOut]


class ProgressRowOut(Schema):
    label: str
    org: OrgRef | None = Field(None, description="下级组织（可下钻）；为空表示本级直属")
    level: str | None = Field(None, description="层级代码")
    tally: TallyOut


class ProgressOut(Schema):
    notice: int
    node: OrgRef
    total: TallyOut
    by_org: list[ProgressRowOut]
    by_level: list[ProgressRowOut]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class SendIn(Schema):
    title: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
    body: Annotated[str, Field(max_length=20000, pattern=NO_NUL)] = ""
    sender_org: Id = Field(description="发文组织 id（须持有发送通知权限）")
    orgs: list[Id] = Field([], max_length=200, description="接收组织 id（含其下级），须在发文组织之下")
    levels: list[Annotated[str, Field(max_length=32, pattern=r"^[a-z_]+$")]] = Field([], max_length=20)
    roles: list[Annotated[str, Field(max_length=32, pattern=r"^[a-z_]+$")]] = Field([], max_length=20)
    saved_list: Id | None = Field(None, description="保存的名单 id")
    needs_ack: bool = True
    due_at: dt.datetime | None = Field(None, description="回执截止时间（需要回执时必填）")
    remind_interval_hours: int = Field(24, ge=1, le=720)
    send: bool = Field(True, description="false 时只保存草稿")


class AckIn(Schema):
    reply: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""


class RemindIn(Schema):
    org: Id | None = Field(None, description="催办该组织及其下级；默认发文组织")


class RemindOut(Schema):
    reminded: int
    skipped: int = Field(description="间隔内已催办过、本次跳过的人数")


class ListIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
    owner_org: Id = Field(description="所属组织 id（须持有发送通知权限）")
    orgs: list[Id] = Field([], max_length=500, description="组织 id（含其下级），须在所属组织之下")
    persons: list[Id] = Field([], max_length=5000, description="人员 id，须在所属组织之下")


class ListOut(Schema):
    id: int
    name: str
    owner_org: OrgRef
    orgs: list[OrgRef]
    persons: int = Field(description="名单中直接列出的人数")


class ListPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ListOut]


def _list(x: Any) -> dict[str, Any]:
    persons = x.n_persons if hasattr(x, "n_persons") else x.persons.count()
    return {"id": x.pk, "name": x.name, "owner_org": _ref(x.owner_org), "orgs": [_ref(o) for o in x.orgs.all()],
            "persons": persons}


def _tally(t: selectors.Tally) -> dict[str, int]:
    return {"total": t.total, "read": t.read, "acked": t.acked}


def _notice(n: Notice) -> dict[str, Any]:
    return {"id": n.pk, "title": n.title, "body": n.body, "status": n.status, "needs_ack": n.needs_ack,
            "due_at": n.due_at, "sent_at": n.sent_at, "withdrawn_at": n.withdrawn_at, "sender_org": _ref(n.sender_org),
            "audience": n.audience, "remind_interval_hours": n.remind_interval_hours,
            "attachments": [a.name for a in n.attachments.all()]}


def _mine(r: NoticeRecipient) -> dict[str, Any]:
    n = r.notice
    return {"id": n.pk, "title": n.title, "body": n.body, "sender_org": _ref(n.sender_org), "sent_at": n.sent_at,
            "needs_ack": n.needs_ack, "due_at": n.due_at, "read_at": r.read_at, "acked_at": r.acked_at,
            "reply": r.reply, "reminded": bool(r.remind_count)}


def _self(user: Any) -> None:
    if not getattr(user, "person_id", None):
        raise PermissionDenied("您的账号未关联人员，没有收到的通知")


# ---------------------------------------------------------------- my notices


@router.get("/notices/mine", response={200: MyPage, **LIST}, summary="我的通知（发给我的、未撤回的）")
def list_my_notices(request: HttpRequest, state: str = Query("", pattern=r"^(|unread|pending)$",
                                                              description="unread 未读；pending 待阅读或回执"),
                    limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    _self(user)
    return _page(selectors.inbox(user, state), limit, offset, _mine)


@router.get("/notices/mine/{id}", response={200: MyNoticeOut, **ONE}, summary="我的一条通知（不改变已读状态）")
def get_my_notice(request: HttpRequest, id: int = PathId) -> Any:
    return _mine(selectors.my_recipient(_user(request), id))


@router.post("/notices/mine/{id}/read", response={200: MyNoticeOut, **WRITE}, summary="标为已读")
def mark_notice_read(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    row = selectors.my_recipient(user, id)
    actions.do_mark_read(user, row)
    return _mine(row)


@router.post("/notices/mine/{id}/ack", response={200: MyNoticeOut, **WRITE}, summary="回执（可附 200 字以内留言）")
def acknowledge_notice(request: HttpRequest, payload: AckIn, id: int = PathId) -> Any:
    user = _user(request)
    row = selectors.my_recipient(user, id)
    actions.do_acknowledge(user, row, payload.reply)
    return _mine(selectors.my_recipient(user, id))


# ---------------------------------------------------------------- sent notices


@router.get("/notices", response={200: SentPage, **LIST}, summary="管辖范围内发出的通知及其阅读、回执人数")
def list_notices(request: HttpRequest, month: str = Query("", pattern=r"^(|\d{4}-\d{2})$", description="2026-11"),
                 limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.NOTICE_VIEW)
    qs = selectors.sent_in_scope(user, month).prefetch_related("attachments")
    items = list(qs[offset:offset + limit])
    counts = selectors.counts_for([n.pk for n in items])
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_notice(n) | {"tally": _tally(counts[n.pk])} for n in items]}


@router.post("/notices", response={200: SentOut, **WRITE}, summary="起草并发送通知（send=false 时只保存草稿）")
def send_notice(request: HttpRequest, payload: SendIn) -> Any:
    user = _user(request)
    require(user, Perm.NOTICE_SEND)
    sender_org = resolve.resolve_sender_org(user, payload.sender_org)
    audience = actions.Audience(orgs=tuple(resolve.resolve_targets(user, sender_org, payload.orgs)),
                                levels=tuple(resolve.resolve_levels(payload.levels)),
                                roles=tuple(resolve.resolve_roles(payload.roles)),
                                saved=resolve.resolve_list(user, payload.saved_list))
    notice = actions.do_create_notice(
        user, {"title": payload.title, "body": payload.body, "sender_org": sender_org, "needs_ack": payload.needs_ack,
               "due_at": payload.due_at, "remind_interval_hours": payload.remind_interval_hours},
        audience, send=payload.send)
    return _notice(notice) | {"tally": _tally(selectors.counts_for([notice.pk])[notice.pk])}


# ---------------------------------------------------------------- saved lists (保存的名单)


@router.get("/notices/lists", response={200: ListPage, **LIST}, summary="保存的名单（可发送通知的范围内）")
def list_recipient_lists(request: HttpRequest, limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.NOTICE_SEND)
    return _page(selectors.lists_in_scope(user).prefetch_related("orgs"), limit, offset, _list)


def _resolved_list(user: Any, payload: ListIn) -> tuple[Any, list[Any], list[Any]]:
    owner = resolve.resolve_owner_org(user, payload.owner_org)
    return owner, resolve.resolve_targets(user, owner, payload.orgs, label="组织"), \
        resolve.resolve_people(owner, payload.persons)


def _one_list(user: Any, id: int) -> Any:
    return selectors.lists_in_scope(user).prefetch_related("orgs").get(pk=selectors.list_for(user, id).pk)


@router.post("/notices/lists", response={200: ListOut, **WRITE}, summary="新建保存的名单")
def create_recipient_list(request: HttpRequest, payload: ListIn) -> Any:
    user = _user(request)
    require(user, Perm.NOTICE_SEND)
    owner, orgs, people = _resolved_list(user, payload)
    return _list(_one_list(user, actions.do_create_list(user, owner, payload.name, orgs, people).pk))


@router.get("/notices/lists/{id}", response={200: ListOut, **ONE}, summary="一份保存的名单")
def get_recipient_list(request: HttpRequest, id: int = PathId) -> Any:
    return _list(_one_list(_user(request), id))


@router.put("/notices/lists/{id}", response={200: ListOut, **WRITE},
            summary="修改保存的名单（名称、所属组织、组织和人员整体替换）")
def update_recipient_list(request: HttpRequest, payload: ListIn, id: int = PathId) -> Any:
    user = _user(request)
    saved = selectors.list_for(user, id)
    owner, orgs, people = _resolved_list(user, payload)
    actions.do_update_list(user, saved, owner, payload.name, orgs, people)
    return _list(_one_list(user, saved.pk))


@router.delete("/notices/lists/{id}", response={204: None, **WRITE}, summary="删除保存的名单（已发出的通知不受影响）")
def delete_recipient_list(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    actions.do_delete_list(user, selectors.list_for(user, id))
    return Status(204, None)


@router.get("/notices/{id}", response={200: SentOut, **ONE}, summary="一条发出的通知")
def get_notice(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.NOTICE_VIEW)
    notice = get_object_or_404(Notice.objects.restrict(user).select_related("sender_org"), pk=id)
    return _notice(notice) | {"tally": _tally(selectors.counts_for([notice.pk])[notice.pk])}


@router.get("/notices/{id}/progress", response={200: ProgressOut, **ONE}, summary="阅读与回执进度：按层级、按下级组织")
def notice_progress(request: HttpRequest, id: int = PathId,
                    org: int | None = Query(None, ge=1, le=MAX_ID, description="下钻到该组织；默认发文组织")) -> Any:
    user = _user(request)
    require(user, Perm.NOTICE_VIEW)
    notice, node = selectors.viewable(user, id, org)
    data = selectors.progress(notice, node)
    return {
        "notice": notice.pk, "node": _ref(node), "total": _tally(data.total),
        "by_org": [{"label": r.label, "org": _ref(r.org), "tally": _tally(r.tally)} for r in data.by_org],
        "by_level": [{"label": r.label, "level": r.level.code if r.level else None, "tally": _tally(r.tally)}
                     for r in data.by_level],
    }


def _sender_side(request: HttpRequest, id: int, org: int | None = None) -> tuple[Any, Notice, Any]:
    user = _user(request)
    require(user, Perm.NOTICE_SEND)
    notice, node = selectors.viewable(user, id, org)
    if not selectors.may_send(user, notice):
        raise PermissionDenied("只有发文组织可以催办或撤回该通知")
    return user, notice, node


@router.post("/notices/{id}/remind", response={200: RemindOut, **WRITE},
             summary="一键催办未阅读或未回执的人（间隔内不重复催办）")
def remind_notice(request: HttpRequest, payload: RemindIn, id: int = PathId) -> Any:
    user, notice, node = _sender_side(request, id, payload.org)
    done = actions.do_remind(user, notice, node)
    return {"reminded": done.reminded, "skipped": done.skipped}


@router.post("/notices/{id}/withdraw", response={200: SentOut, **WRITE}, summary="撤回通知（记录保留）")
def withdraw_notice(request: HttpRequest, id: int = PathId) -> Any:
    user, notice, _ = _sender_side(request, id)
    notice = actions.do_withdraw_notice(user, notice)
    return _notice(notice) | {"tally": _tally(selectors.counts_for([notice.pk])[notice.pk])}



