"""The task list's pages: the hub, the list, a piece's page, the forms — rendered for real users; out-of-scope
pieces and reports answer 404; a lead cadre without a post reaches exactly the tasks they lead; list pages keep
a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import make_person
from tests.lists.factories_tasks import at, make_task, make_world, milestone, report
from zongheng.core.landing import landing_url
from zongheng.lists import actions_tasks as actions
from zongheng.lists.models import ProgressReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(tree):
    return make_world(tree)


def test_the_hub_shows_the_whole_lists_progress_and_status_counts_to_the_district(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 3, 31))
    actions.do_meet_milestone(w.community, m, {"done_on": dt.date(2026, 3, 1), "evidence": "纪要"})
    client.force_login(w.force)
    page = client.get(reverse("lists:home")).content.decode()
    assert "2026年城市基层党建工作重点任务清单" in page and "全清单加权进度" in page
    assert "66.7%" in page  # task1 (weight 2) done through its only leaf, task2 not: 2/3
    assert "未制定路线图" in page and f"{reverse('lists:tasks')}?year=2026&amp;status=done&amp;leaf=1" in page


def test_the_hub_links_the_exports_and_only_the_department_the_import(client, w):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    tl = w.task1.task_list
    client.force_login(w.community)
    page = client.get(reverse("lists:home")).content.decode()
    for name in ("lists:export_xlsx", "lists:export_annual_docx", "lists:export_reports_docx"):
        assert reverse(name, args=[tl.pk]) in page
    assert reverse("lists:import") not in page
    assert client.get(reverse("lists:export_xlsx", args=[tl.pk])).status_code == 200
    client.force_login(user_with_post(w.tree.district, Role.ORG_DEPT))
    page = client.get(reverse("lists:home")).content.decode()
    assert reverse("lists:import") in page and reverse("lists:import_template") in page


def test_the_hub_shows_a_community_its_own_share(client, w):
    client.force_login(w.community)
    page = client.get(reverse("lists:home")).content.decode()
    assert "本单位承担任务的加权进度" in page and "全清单加权进度" not in page


def test_the_task_list_shows_only_pieces_in_scope_top_level_first(client, w):
    client.force_login(w.street)
    page = client.get(reverse("lists:tasks")).content.decode()
    assert w.street_piece.title in page and w.community_piece.code in page
    assert f'href="{reverse("lists:task", args=[w.task2.pk])}"' not in page
    client.force_login(w.force)
    page = client.get(reverse("lists:tasks")).content.decode()
    assert page.index(">1<") < page.index(">2<") < page.index(">1.1<")


def test_the_task_list_filters_by_status_category_and_org(client, w):
    milestone(w.community, w.community_piece, dt.date(2026, 1, 31))  # overdue by today
    client.force_login(w.force)
    page = client.get(reverse("lists:tasks"), {"status": "overdue"}).content.decode()
    assert "共 3 项" in page  # the community piece, and the pieces above it take its worst status
    page = client.get(reverse("lists:tasks"), {"status": "overdue", "leaf": "1"}).content.decode()
    assert "共 1 项" in page  # what the hub counts: the pieces not split further
    page = client.get(reverse("lists:tasks"), {"category": "服务群众"}).content.decode()
    assert "共 1 项" in page
    page = client.get(reverse("lists:tasks"), {"org": w.tree.streets[0].pk}).content.decode()
    assert "共 2 项" in page


def test_a_pieces_page_shows_plan_timetable_pledge_children_reports_and_review(client, w):
    milestone(w.street, w.street_piece, dt.date(2026, 8, 31), title="建成示范点")
    report(w.street, w.street_piece, dt.date(2026, 5, 1), problems="经费不足")
    actions.do_update_plan(w.street, w.street_piece, {"goal": "三年全覆盖", "pledge_text": "保证完成"})
    client.force_login(w.street)
    page = client.get(reverse("lists:task", args=[w.street_piece.pk])).content.decode()
    expected = ("三年全覆盖", "建成示范点", "保证完成", w.tree.communities[0].name, "2026年5月", "待审核", "分解给下级")
    for text in expected:
        assert text in page, text


def test_out_of_scope_pieces_and_reports_answer_404(client, w):
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    client.force_login(w.other_community)
    assert client.get(reverse("lists:task", args=[w.community_piece.pk])).status_code == 404
    assert client.get(reverse("lists:report", args=[r.pk])).status_code == 404
    assert client.get(reverse("lists:task", args=[w.task1.pk])).status_code == 404


def test_a_lead_cadre_without_a_post_reaches_exactly_the_tasks_they_lead(client, w):
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    assert landing_url(w.lead) in (reverse("core:todo"), reverse("lists:home"))
    from zongheng.core.landing import workbench_url

    assert workbench_url(w.lead) == reverse("lists:home")
    client.force_login(w.lead)
    home = client.get(reverse("lists:home")).content.decode()
    assert "我领衔的任务" in home and w.task1.title in home and w.task2.title not in home
    assert "我领衔的任务进度" in home and "本单位" not in home
    assert f'href="{reverse("lists:home")}"' in home  # the nav entry
    page = client.get(reverse("lists:tasks")).content.decode()
    assert "共 3 项" in page and w.community_piece.code in page
    for piece in (w.task1, w.street_piece, w.community_piece):
        assert client.get(reverse("lists:task", args=[piece.pk])).status_code == 200
    assert client.get(reverse("lists:task", args=[w.task2.pk])).status_code == 404
    assert client.get(reverse("lists:report", args=[r.pk])).status_code == 200
    client.post(reverse("lists:report_review", args=[r.pk]), {"result": "accepted"})
    assert ProgressReport.objects.get(pk=r.pk).result == "accepted"


def test_users_without_the_list_nor_a_led_task_are_told_in_chinese(client, w):
    client.force_login(w.grid_leader)
    response = client.get(reverse("lists:home"))
    assert response.status_code == 403 and "领衔" in response.content.decode()
    todo = client.get(reverse("core:todo")).content.decode()
    assert f'href="{reverse("lists:home")}"' not in todo  # no nav entry that would only refuse them


def test_filing_and_reviewing_a_report_through_the_pages(client, w):
    client.force_login(w.community)
    response = client.post(reverse("lists:report_new", args=[w.community_piece.pk]),
                           {"month": "2026-05", "done": "召开推进会"})
    r = ProgressReport.objects.get()
    assert response.status_code == 302 and r.done == "召开推进会"
    again = client.post(reverse("lists:report_new", args=[w.community_piece.pk]), {"month": "2026-05", "done": "x"})
    assert "不能重复报送" in again.content.decode()
    client.force_login(w.street)
    page = client.get(reverse("lists:report", args=[r.pk])).content.decode()
    assert "提交审核" in page
    client.post(reverse("lists:report_review", args=[r.pk]), {"result": "returned", "note": "请补充照片"})
    r.refresh_from_db()
    assert r.result == "returned" and r.review_note == "请补充照片"
    client.force_login(w.community)
    page = client.get(reverse("lists:report_edit", args=[r.pk])).content.decode()
    assert "退回理由：请补充照片" in page


def test_the_forms_render_for_who_may_use_them(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    client.force_login(w.community)
    for name, pk in (("task_plan", w.community_piece.pk), ("milestone_new", w.community_piece.pk),
                     ("milestone_edit", m.pk), ("milestone_meet", m.pk), ("report_new", w.community_piece.pk),
                     ("task_split", w.community_piece.pk)):
        assert client.get(reverse(f"lists:{name}", args=[pk])).status_code == 200, name
    assert client.get(reverse("lists:task_annual", args=[w.community_piece.pk])).status_code == 403
    client.force_login(w.force)
    assert client.get(reverse("lists:review_quarter_new", args=[w.task_list.pk])).status_code == 200
    response = client.post(reverse("lists:review_quarter_new", args=[w.task_list.pk]), {
        "quarter": "2", "held_on": "2026-06-01", "summary": "调度", f"remark_{w.task1.pk}": "加快"})
    assert response.status_code == 302
    assert "加快" in client.get(response["Location"]).content.decode()


def test_list_pages_keep_a_constant_number_of_queries(client, w):
    client.force_login(w.force)
    client.get(reverse("lists:tasks"))

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("lists:tasks")).status_code == 200
            assert client.get(reverse("lists:home")).status_code == 200
            assert client.get(reverse("lists:task", args=[w.task1.pk])).status_code == 200
            assert client.get("/api/v1/lists/tasks").status_code == 200
            assert client.get("/api/v1/lists/reports").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    lead = make_person(w.tree.district)
    for i in range(12):
        t = make_task(w.task_list, w.tree.district, lead=lead if i % 2 else None)
        piece = actions.do_split_task(w.force, t, {"org": w.tree.streets[i % 2], "weight": 2})
        milestone(w.force, t, dt.date(2026, 4, 30))
        report(w.street if i % 2 == 0 else w.force, piece, dt.date(2026, 5, 1), now=at(dt.date(2026, 6, 1)))
    assert count() <= before


def test_a_milestone_is_met_through_the_page_with_an_evidence_file(client, w, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    client.force_login(w.community)
    response = client.post(reverse("lists:milestone_meet", args=[m.pk]), {
        "done_on": "2026-06-01", "evidence": "签到表和照片",
        "evidence_file": SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 test", content_type="application/pdf")})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.done_on == dt.date(2026, 6, 1) and m.evidence == "签到表和照片" and m.evidence_file.name
    page = client.get(reverse("lists:task", args=[w.community_piece.pk])).content.decode()
    assert "签到表和照片" in page and reverse("lists:milestone_evidence", args=[m.pk]) in page
    served = client.get(reverse("lists:milestone_evidence", args=[m.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"%PDF-1.4 test"
    client.force_login(w.other_community)
    assert client.get(reverse("lists:milestone_evidence", args=[m.pk])).status_code == 404


def test_evidence_that_is_not_a_document_or_an_image_is_refused_and_nothing_is_written(client, w, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    client.force_login(w.community)
    response = client.post(reverse("lists:milestone_meet", args=[m.pk]), {
        "done_on": "2026-06-01", "evidence": "签到表",
        "evidence_file": SimpleUploadedFile("签到表.html", b"<script>alert(1)</script>", content_type="text/html")})
    assert response.status_code == 200 and "佐证附件须为 PDF、图片、Word 或 Excel 文件" in response.content.decode()
    m.refresh_from_db()
    assert m.done_on is None and not m.evidence_file and not list(tmp_path.rglob("*.html"))


def test_reports_waiting_for_review_are_on_the_reviewers_todo_list_only(w):
    from zongheng.lists.hooks_tasks import reports_waiting

    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    now = at(dt.date(2026, 6, 16))
    assert [t.url for t in reports_waiting(w.street, now)] == [reverse("lists:report", args=[r.pk])]
    assert len(reports_waiting(w.force, now)) == 1 and len(reports_waiting(w.lead, now)) == 1
    assert reports_waiting(w.community, now) == [] and reports_waiting(w.lead2, now) == []
    assert reports_waiting(w.other_community, now) == []
    actions.do_review_report(w.street, r, {"result": "accepted"})
    assert reports_waiting(w.force, now) == []


def test_plan_and_pledge_take_their_signed_attachments_and_a_signer_among_the_carriers_cadres(client, w, settings,
                                                                                           tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zongheng.lists.models import Task

    settings.MEDIA_ROOT = tmp_path
    piece = w.community_piece
    signer = w.community.person  # the community's secretary holds a post there
    client.force_login(w.community)
    form = client.get(reverse("lists:task_plan", args=[piece.pk])).content.decode()
    assert f'<option value="{signer.pk}">' in form and 'enctype="multipart/form-data"' in form
    outsider = w.other_community.person
    response = client.post(reverse("lists:task_plan", args=[piece.pk]), {"pledge_by": outsider.pk})
    assert response.status_code == 200 and Task.objects.get(pk=piece.pk).pledge_by_id is None  # not offered
    response = client.post(reverse("lists:task_plan", args=[piece.pk]), {
        "goal": "三年全覆盖", "pledge_by": signer.pk, "pledge_on": "2026-03-01", "pledge_text": "保证完成",
        "plan_file": SimpleUploadedFile("计划书.docx", b"PK plan", content_type="application/octet-stream"),
        "pledge_file": SimpleUploadedFile("责任状.pdf", b"%PDF pledge", content_type="application/pdf")})
    assert response.status_code == 302
    task = Task.objects.get(pk=piece.pk)
    assert task.pledge_by_id == signer.pk and task.plan_file.name and task.pledge_file.name
    page = client.get(reverse("lists:task", args=[piece.pk])).content.decode()
    assert signer.name in page and reverse("lists:task_file", args=[piece.pk, "pledge"]) in page
    served = client.get(reverse("lists:task_file", args=[piece.pk, "pledge"]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"%PDF pledge"
    assert client.get(reverse("lists:task_file", args=[piece.pk, "other"])).status_code == 404
    client.force_login(w.other_community)
    assert client.get(reverse("lists:task_file", args=[piece.pk, "plan"])).status_code == 404
    client.force_login(w.community)
    response = client.post(reverse("lists:task_plan", args=[piece.pk]), {
        "pledge_file": SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")})
    assert "责任状附件须为 PDF、图片、Word 或 Excel 文件" in response.content.decode()
    assert Task.objects.get(pk=piece.pk).pledge_file.name == task.pledge_file.name
