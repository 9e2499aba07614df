"""Activities' pages as their users see them: the organiser's list (filters, paged, exported, constant
queries), the form, the activity with its sign-ups (phones masked), publishing and cancelling, the attendance
sheet, the figures opening their rows; a member's own page and sign-up from a phone; another organisation's
organiser and a member it is not open to get 404; the public sign-up page of a resident without an account."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.members.factories_activities import after, make_activity, make_world, plain_member, soon
from zongheng.members import actions_activities as actions
from zongheng.members import hooks_activities as hooks
from zongheng.members.choices import ActivityState, SignUpState
from zongheng.members.models import Activity, PointEntry, SignUp

PHONE = "13912345678"


@pytest.fixture
def w(tree):
    return make_world(tree)


def _rows(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content))
    return list(wb.active.iter_rows(values_only=True))


def _text(response) -> str:
    return response.content.decode()


def _main(response) -> str:
    """The page's content (the CSRF token in the page head differs from one response to the next)."""
    text = _text(response)
    return text[text.index("<main"):text.index("</main>")]


# ---------------------------------------------------------------- the list


def test_the_list_shows_activities_in_scope_with_filters(client, w):
    mine = make_activity(w.secretary, w.community, title="社区义诊")
    draft = make_activity(w.secretary, w.community, publish=False, title="读书会草稿")
    theirs = make_activity(w.other_secretary, w.other_community, title="外社区活动")
    client.force_login(w.secretary)
    url = reverse("members:activities")
    html = _text(client.get(url))
    assert mine.title in html and draft.title in html and theirs.title not in html
    html = _text(client.get(url, {"state": "draft"}))
    assert draft.title in html and mine.title not in html
    assert mine.title not in _text(client.get(url, {"when": "past"}))
    assert mine.title in _text(client.get(url, {"when": "upcoming"}))
    assert mine.title not in _text(client.get(url, {"org": w.other_community.pk}))  # out of scope: nothing
    assert mine.title in _text(client.get(url, {"org": w.community.pk}))
    assert mine.title not in _text(client.get(url, {"org": w.community.pk, "exact": "1", "kind": "team"}))
    assert "没有符合条件的活动" in _text(client.get(url, {"state": "bogus"}))


def test_a_member_without_the_right_is_sent_to_their_own_page(client, w):
    client.force_login(w.member)
    response = client.get(reverse("members:activities"))
    assert response.status_code == 302 and response["Location"] == reverse("members:my_activities")
    assert client.get(reverse("members:activities_export")).status_code == 403


def _fill(w, n):
    for i in range(n):
        a = make_activity(w.secretary, w.community if i % 2 else w.tree.grids[0], capacity=10)
        actions.do_sign_up(plain_member(w.tree.grids[0]), a)
        actions.do_add_resident(w.secretary, a, "居民", "")


def test_the_list_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.secretary)
    url = reverse("members:activities")
    _fill(w, 2)
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url, {"org": w.community.pk})
    _fill(w, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"org": w.community.pk}).status_code == 200


def test_the_list_exports_what_it_shows(client, w):
    a = make_activity(w.secretary, w.community, title="=cmd 注入", capacity=8)
    make_activity(w.other_secretary, w.other_community, title="外社区活动")
    client.force_login(w.secretary)
    rows = _rows(client.get(reverse("members:activities_export")))
    assert rows[0][:3] == ("活动名称", "活动类型", "组织单位")
    assert [r[0] for r in rows[1:]] == ["'=cmd 注入"]  # formula defused; nothing out of scope
    assert rows[1][7] == 8 and rows[1][11] == a.get_state_display()


# ---------------------------------------------------------------- the form and the organiser's actions


def _form(org, **kw):
    start = soon(5)
    data = {"org": org.pk, "kind": "volunteer", "title": "清理楼道", "place": "3栋", "description": "",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": start.replace(hour=11).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "", "open_to_residents": "on"}
    data.update(kw)
    return data


def test_the_form_creates_an_activity_of_an_organisation_in_scope(client, w):
    client.force_login(w.secretary)
    url = reverse("members:activity_new")
    assert client.get(url).status_code == 200
    html = _text(client.post(url, _form(w.other_community)))
    assert "组织单位不存在或不在您的管辖范围内" in html and not Activity.objects.exists()
    html = _text(client.post(url, _form(w.community, ends_at=soon(4).strftime("%Y-%m-%dT%H:%M"))))
    assert "结束时间不能早于开始时间" in html and not Activity.objects.exists()
    html = _text(client.post(url, _form(w.community, team=str(w.team.pk), kind="team")))
    assert "不属于" in html and not Activity.objects.exists()
    response = client.post(url, _form(w.community, publish="on"))
    a = Activity.objects.get()
    assert response["Location"] == reverse("members:activity", args=[a.pk])
    assert (a.state, a.org, a.capacity, a.open_to_residents) == (ActivityState.PUBLISHED, w.community, None, True)
    assert client.get(reverse("members:activity_edit", args=[a.pk])).status_code == 302  # published: no edit


def test_publishing_and_cancelling_from_the_page_and_a_stale_tab(client, w):
    a = make_activity(w.secretary, w.community, publish=False)
    client.force_login(w.secretary)
    url = reverse("members:activity_transition", args=[a.pk])
    client.post(url, {"state": "published", "from_state": "draft"})
    assert Activity.objects.get(pk=a.pk).state == ActivityState.PUBLISHED
    response = client.post(url, {"state": "published", "from_state": "draft"}, follow=True)
    assert "状态已变为" in _text(response)
    response = client.post(url, {"state": "cancelled", "from_state": "published", "reason": ""}, follow=True)
    assert "请填写取消原因" in _text(response) and Activity.objects.get(pk=a.pk).state == ActivityState.PUBLISHED
    actions.do_sign_up(w.member, a)
    client.post(url, {"state": "cancelled", "from_state": "published", "reason": "场地维修，改期另行通知"})
    assert Activity.objects.get(pk=a.pk).state == ActivityState.CANCELLED
    # The member reads the reason on their own page.
    client.force_login(w.member)
    html = _text(client.get(reverse("members:my_activities")))
    assert "活动已取消" in html and "场地维修，改期另行通知" in html


def test_another_organisations_organiser_gets_404(client, w):
    a = make_activity(w.secretary, w.community)
    s = actions.do_sign_up(w.member, a)
    client.force_login(w.other_secretary)
    for name in ("members:activity", "members:activity_edit", "members:activity_attendance",
                 "members:activity_roster"):
        assert client.get(reverse(name, args=[a.pk])).status_code == 404, name
    for name in ("members:activity_transition", "members:activity_resident"):
        assert client.post(reverse(name, args=[a.pk]), {"state": "cancelled", "from_state": "published",
                                                        "reason": "x", "name": "x"}).status_code == 404
    assert client.post(reverse("members:signup_cancel", args=[s.pk])).status_code == 404
    assert Activity.objects.get(pk=a.pk).state == ActivityState.PUBLISHED
    assert SignUp.objects.get(pk=s.pk).state == SignUpState.SIGNED


# ---------------------------------------------------------------- a member on a phone


def test_a_member_signs_up_from_their_own_page_and_cancels(client, w):
    a = make_activity(w.secretary, w.community, capacity=3, title="重阳节敬老")
    make_activity(w.other_secretary, w.other_community, title="外社区活动")
    client.force_login(w.member)
    mine_url = reverse("members:my_activities")
    html = _text(client.get(mine_url))
    assert a.title in html and "外社区活动" not in html and "我要报名" in html
    response = client.post(reverse("members:activity_signup", args=[a.pk]), {"back": "mine"})
    assert response["Location"] == mine_url
    s = SignUp.objects.get(activity=a, person=w.member.person)
    html = _text(client.get(mine_url))
    assert "已报名" in html and "取消报名" in html
    response = client.post(reverse("members:activity_signup", args=[a.pk]), follow=True)
    assert "您已报名该活动" in _text(response) and Activity.objects.get(pk=a.pk).signed == 1
    client.post(reverse("members:signup_cancel", args=[s.pk]))
    assert SignUp.objects.get(pk=s.pk).state == SignUpState.CANCELLED and Activity.objects.get(pk=a.pk).signed == 0
    # The member's landing page shows the section.
    html = _text(client.get(reverse("members:me")))
    assert "可以报名" in html and mine_url in html


def test_a_member_cannot_reach_an_activity_not_open_to_them(client, w):
    theirs = make_activity(w.other_secretary, w.other_community)
    draft = make_activity(w.secretary, w.community, publish=False)
    client.force_login(w.member)
    for a in (theirs, draft):
        assert client.get(reverse("members:activity", args=[a.pk])).status_code == 404
        assert client.post(reverse("members:activity_signup", args=[a.pk])).status_code == 404
    assert not SignUp.objects.exists()
    assert client.get(reverse("members:activity_attendance", args=[theirs.pk])).status_code == 403  # no right
    # An account without a person record has nothing to sign up with.
    from tests.factories import make_user

    client.force_login(make_user(None))
    assert client.post(reverse("members:activity_signup", args=[theirs.pk])).status_code == 403


def test_the_detail_page_shows_the_member_their_own_state_not_the_list(client, w):
    a = make_activity(w.secretary, w.community)
    actions.do_add_resident(w.secretary, a, "李阿姨", PHONE)
    actions.do_sign_up(w.member2, a)
    client.force_login(w.member)
    html = _text(client.get(reverse("members:activity", args=[a.pk])))
    assert "我要报名" in html and "报名名单" not in html and "李阿姨" not in html
    assert w.member2.person.name not in html


# ---------------------------------------------------------------- phones never unmasked


def test_a_residents_phone_is_never_shown_in_full(client, w):
    a = make_activity(w.secretary, w.community)
    s = actions.do_add_resident(w.secretary, a, "李阿姨", PHONE)
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timezone.timedelta(hours=1))
    client.force_login(w.secretary)
    pages = [client.get(reverse("members:activity", args=[a.pk])),
             client.get(reverse("members:activity_signups")),
             client.get(reverse("members:activity_attendance", args=[a.pk])),
             client.get(reverse("api:list_member_activity_signups", kwargs={"id": a.pk}))]
    for response in pages:
        text = _text(response)
        assert response.status_code == 200 and PHONE not in text and "139****5678" in text
    for response in (client.get(reverse("members:activity_roster", args=[a.pk])),
                     client.get(reverse("members:activity_signups_export"))):
        cells = [str(c) for row in _rows(response) for c in row]
        assert PHONE not in cells and "139****5678" in cells
    from zongheng.core.models import AuditLog

    assert not any(PHONE in str(log.after) + str(log.before) for log in AuditLog.objects.all())
    assert s.phone_masked == "139****5678"


# ---------------------------------------------------------------- attendance


def test_the_attendance_sheet_confirms_awards_and_corrects(client, w):
    a = make_activity(w.secretary, w.community)
    s1, s2 = actions.do_sign_up(w.member, a), actions.do_sign_up(w.member2, a)
    client.force_login(w.secretary)
    url = reverse("members:activity_attendance", args=[a.pk])
    assert "开始后才能确认出勤" in _text(client.get(url))
    a.starts_at, a.ends_at = timezone.now() - timezone.timedelta(hours=3), timezone.now() - timezone.timedelta(hours=1)
    a.save()
    html = _text(client.post(url, {f"mark-{s1.pk}": "1"}))
    assert "还有 1 人未确认" in html and not PointEntry.objects.exists()
    response = client.post(url, {f"mark-{s1.pk}": "1", f"mark-{s2.pk}": "0", "walkin_name": ["王伯", ""],
                                 "walkin_phone": ["", ""]})
    assert response["Location"] == reverse("members:activity", args=[a.pk])
    a.refresh_from_db()
    assert a.state == ActivityState.HELD
    assert PointEntry.objects.filter(person=w.member.person).count() == 1
    assert not PointEntry.objects.filter(person=w.member2.person).exists()
    assert SignUp.objects.filter(activity=a, walk_in=True, name="王伯", attended=True).exists()
    client.post(url, {f"mark-{s1.pk}": "0"})  # corrected: absent
    assert sum(PointEntry.objects.filter(person=w.member.person).values_list("points", flat=True)) == 0
    html = _text(client.get(reverse("members:activity", args=[a.pk])))
    assert "修改出勤" in html and "已确认出勤" in html


def test_the_rest_present_button_marks_the_unmarked(client, w):
    a = make_activity(w.secretary, w.community)
    s1, s2 = actions.do_sign_up(w.member, a), actions.do_sign_up(w.member2, a)
    client.force_login(w.secretary)
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timezone.timedelta(hours=2))
    client.post(reverse("members:activity_attendance", args=[a.pk]), {f"mark-{s2.pk}": "0", "all": "1"})
    assert dict(SignUp.objects.filter(activity=a).values_list("pk", "attended")) == {s1.pk: True, s2.pk: False}


def test_the_to_do_lists_ended_activities_awaiting_attendance_for_their_organisers(w):
    ended = make_activity(w.secretary, w.community, title="已结束的活动")
    make_activity(w.secretary, w.community, title="未开始的活动", starts_at=soon(10))
    theirs = make_activity(w.other_secretary, w.other_community, title="外社区已结束")
    later = after(ended, 5)
    todos = hooks.awaiting(w.secretary, later)
    assert [t.title.split("（")[0] for t in todos] == ["已结束的活动"]
    assert todos[0].url == reverse("members:activity_attendance", args=[ended.pk])
    assert not hooks.awaiting(w.member, later) and theirs.title not in str(hooks.awaiting(w.secretary, later))
    actions.do_confirm_attendance(w.secretary, ended, {}, now=later)
    assert not hooks.awaiting(w.secretary, later)


# ---------------------------------------------------------------- figures


def test_each_figure_opens_rows_as_many_as_it_counts(client, w):
    for org in (w.community, w.tree.grids[0]):
        a = make_activity(w.secretary, org)
        ss = [actions.do_sign_up(w.member, a), actions.do_add_resident(w.secretary, a, "居民甲", ""),
              actions.do_add_resident(w.secretary, a, "居民乙", "")]
        actions.do_confirm_attendance(w.secretary, a, {ss[0].pk: True, ss[1].pk: True, ss[2].pk: False},
                                      [{"name": "现场"}], now=after(a))
    client.force_login(w.secretary)
    year = timezone.localtime(a.starts_at).year
    html = _text(client.get(reverse("members:activity_figures"), {"year": year}))
    links = re.findall(r'<a href="([^"]+)">([\d,]+)(?: 场| 人次)?</a>', html)
    assert links
    for href, shown in links:
        href = href.replace("&amp;", "&")
        page = _text(client.get(href))
        count = re.search(r"共 (\d+) (?:项活动|条)", page)
        assert count and int(count.group(1)) == int(shown.replace(",", "")), href
    hub = _text(client.get(reverse("members:home")))
    assert "服务群众" in hub


def test_the_figures_and_lists_keep_to_the_scope(client, w):
    a = make_activity(w.other_secretary, w.other_community)
    r = actions.do_add_resident(w.other_secretary, a, "外社区居民", "")
    actions.do_confirm_attendance(w.other_secretary, a, {r.pk: True}, now=after(a))
    client.force_login(w.secretary)
    html = _text(client.get(reverse("members:activity_signups"), {"attended": "1"}))
    assert "外社区居民" not in html and "共 0 条" in html
    assert "外社区居民" not in _text(client.get(reverse("members:activity_signups"),
                                             {"org": w.other_community.pk}))


# ---------------------------------------------------------------- residents online


def test_a_resident_signs_up_online_without_an_account(client, w):
    a = make_activity(w.secretary, w.community, capacity=2)
    url = reverse("members:activity_public", args=[a.pk])
    html = _text(client.get(url))
    assert a.title in html and "提交报名" in html
    response = client.post(url, {"name": "张大爷", "phone": PHONE})
    assert response.status_code == 200 and "报名已收到" in _text(response) and PHONE not in _text(response)
    assert response["Cache-Control"] == "no-store"
    s = SignUp.objects.get(activity=a)
    assert (s.name, s.phone_masked, s.is_member, s.person) == ("张大爷", "139****5678", False, None)
    # The same phone again: the same answer, nothing written (no telling whether a number is on the list).
    again = client.post(url, {"name": "别人", "phone": PHONE})
    assert _main(again) == _main(response) and SignUp.objects.filter(activity=a).count() == 1
    html = _text(client.post(url, {"name": "李", "phone": "123"}))
    assert "手机号码格式不正确" in html
    actions.do_add_resident(w.secretary, a, "王", "")
    assert "报名人数已满" in _text(client.get(url))
    html = _text(client.post(url, {"name": "赵", "phone": "13700000000"}))
    assert "报名人数已满" in html and Activity.objects.get(pk=a.pk).signed == 2


def test_the_public_page_answers_404_for_what_is_not_open_to_residents(client, w):
    for a in (make_activity(w.secretary, w.community, publish=False),
              make_activity(w.secretary, w.community, open_to_residents=False),
              make_activity(w.secretary, w.community, starts_at=timezone.now() - timezone.timedelta(hours=1))):
        url = reverse("members:activity_public", args=[a.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "张", "phone": PHONE}).status_code == 404
    assert not SignUp.objects.exists()


def test_the_public_page_needs_the_csrf_token_and_is_rate_limited(w, settings):
    settings.ACTIVITY_PUBLIC_PER_HOUR = 2
    a = make_activity(w.secretary, w.community)
    url = reverse("members:activity_public", args=[a.pk])
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url, {"name": "张", "phone": PHONE}).status_code == 403
    client = Client()
    for i in range(2):
        assert "报名已收到" in _text(client.post(url, {"name": f"居民{i}", "phone": f"1370000000{i}"}))
    html = _text(client.post(url, {"name": "第三位", "phone": "13700000009"}))
    assert "一小时内已经提交了 2 次" in html
    assert SignUp.objects.filter(activity=a).count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")  # another client has its own count
    assert "报名已收到" in _text(other.post(url, {"name": "第三位", "phone": "13700000009"}))


def test_the_activity_page_and_a_members_pages_run_constant_queries(client, w, django_assert_max_num_queries):
    a = make_activity(w.secretary, w.community)
    actions.do_sign_up(w.member2, a)
    actions.do_add_resident(w.secretary, a, "居民", PHONE)
    pages = [(w.secretary, reverse("members:activity", args=[a.pk])),
             (w.secretary, reverse("members:activity_figures")),
             (w.secretary, reverse("members:activity_signups")),
             (w.secretary, reverse("members:home")),
             (w.member, reverse("members:my_activities")),
             (w.member, reverse("members:me"))]
    small = []
    for user, url in pages:
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(40) as counted:
            assert client.get(url).status_code == 200
        small.append(len(counted.captured_queries))
    for i in range(8):  # more sign-ups, more activities open to the member and more of their own sign-ups
        actions.do_sign_up(plain_member(w.tree.grids[i % 2]), a)
        actions.do_add_resident(w.secretary, a, f"居民{i}", "")
        other = make_activity(w.secretary, w.community if i % 2 else w.functional)
        if i % 3 == 0:
            actions.do_sign_up(w.member, other)
    for (user, url), before in zip(pages, small, strict=True):
        client.force_login(user)
        with django_assert_max_num_queries(before):
            assert client.get(url).status_code == 200, url


def test_the_attendance_sheet_runs_constant_queries(client, w, django_assert_max_num_queries):
    def ended(n):
        a = make_activity(w.secretary, w.community)
        for i in range(n):
            actions.do_sign_up(plain_member(w.tree.grids[i % 2]), a)
            actions.do_add_resident(w.secretary, a, f"居民{i}", PHONE[:-2] + f"{i:02d}")
        Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timezone.timedelta(hours=2))
        return reverse("members:activity_attendance", args=[a.pk])

    client.force_login(w.secretary)
    small, large = ended(2), ended(12)
    client.get(small)
    with django_assert_max_num_queries(30) as counted:
        assert "是否出勤" in _text(client.get(small))
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert _text(client.get(large)).count("是否出勤") == 24
