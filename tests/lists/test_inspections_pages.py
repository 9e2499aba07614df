"""The inspections' pages and API as people use them: the organiser sets a round up with pickers loaded on demand;
a target sees its own target, findings and items only (another target's answer 404, like a missing one); the
owner reports with an evidence file served only in scope; the organiser verifies; lists run a constant number of
queries; the ledger and the round's report hold exactly the rows the viewer may read."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import build_tree, module_transaction
from tests.lists.factories_inspections import make_world, record
from zongheng.lists.choices_inspections import RectState
from zongheng.lists.models_inspections import InspectionRound, InspectionTarget, InspectionTeam, Rectification


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = make_world(build_tree())
            for i in range(3):
                record(world, i, items=2)
            yield world


def _api(client, method: str, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def test_the_organiser_sets_up_a_round_with_pickers_loaded_on_demand(client, w, db):
    client.force_login(w.dept)
    response = client.post(reverse("lists:inspection_new"), {
        "org": w.tree.streets[1].pk, "year": 2018, "period": "下半年", "title": "第2街道下半年巡查",
        "focus": "基层党组织建设", "starts_on": "2018-09-01", "ends_on": "2018-10-01"})
    rnd = InspectionRound.objects.get(title="第2街道下半年巡查")
    assert response.status_code == 302 and rnd.org_id == w.tree.streets[1].pk
    name = w.sec[2].person.name  # a person of the organising street
    people = client.get(reverse("lists:inspection_people", args=[rnd.pk]), {"field": "leader", "person_q": name})
    assert name in people.content.decode()
    outside = client.get(reverse("lists:inspection_people", args=[rnd.pk]), {"field": "leader", "person_q": "巡查组"})
    assert "巡查组长" not in outside.content.decode()  # a person of the district, outside the street
    leader = w.sec[2].person_id
    assert client.post(reverse("lists:inspection_team_new", args=[rnd.pk]),
                       {"name": "一组", "leader": leader}).status_code == 302
    team = InspectionTeam.objects.get(round=rnd)
    picked = client.get(reverse("lists:inspection_target_pick", args=[rnd.pk]), {"pick_q": "社区"})
    assert w.tree.communities[3].name in picked.content.decode()
    assert w.tree.communities[0].name not in picked.content.decode()  # another street: not the organiser's
    refused = client.post(reverse("lists:inspection_target_new", args=[team.pk]), {"org": w.tree.communities[0].pk})
    assert refused.status_code == 400 and "不存在或不在您的管辖范围内" in refused.content.decode()
    assert client.post(reverse("lists:inspection_target_new", args=[team.pk]),
                       {"org": w.tree.communities[3].pk}).status_code == 302
    assert InspectionTarget.objects.filter(round=rnd).count() == 1


def test_a_target_sees_its_own_target_and_items_only(client, w, db):
    client.force_login(w.sec[0])
    page = client.get(reverse("lists:inspection", args=[w.rnd.pk])).content.decode()
    assert w.targets[0].org.name in page and w.targets[1].org.name not in page
    assert client.get(reverse("lists:inspection_target", args=[w.targets[1].pk])).status_code == 404
    other = Rectification.objects.filter(target=w.targets[1]).first()
    assert client.get(reverse("lists:inspection_rect", args=[other.pk])).status_code == 404
    assert _api(client, "get", reverse("api:get_rectification", kwargs={"id": other.pk})).status_code == 404
    ledger = client.get(reverse("lists:inspection_rects")).content.decode()
    mine = Rectification.objects.filter(target=w.targets[0]).count()
    assert f"共 {mine} 项" in ledger
    ids = {i["id"] for i in _api(client, "get", reverse("api:list_rectifications")).json()["items"]}
    assert ids == set(Rectification.objects.filter(target=w.targets[0]).values_list("pk", flat=True))
    targets = _api(client, "get", reverse("api:list_inspection_targets", kwargs={"id": w.rnd.pk})).json()
    assert [t["id"] for t in targets] == [w.targets[0].pk]


def test_the_level_above_sees_its_targets_and_a_stranger_round_is_404(client, w, db):
    client.force_login(w.street)
    page = client.get(reverse("lists:inspection", args=[w.rnd.pk])).content.decode()
    assert w.targets[0].org.name in page and w.targets[1].org.name in page
    assert w.targets[2].org.name not in page  # the other street's community
    client.force_login(w.sec[2])
    rnd = InspectionRound.objects.create(org=w.tree.streets[0], org_path=w.tree.streets[0].path, year=2018,
                                         period="专项", title="第1街道专项巡查", focus="x",
                                         starts_on=dt.date(2018, 1, 1), ends_on=dt.date(2018, 2, 1),
                                         state="preparing", state_since=w.rnd.state_since)
    assert client.get(reverse("lists:inspection", args=[rnd.pk])).status_code == 404
    assert _api(client, "get", reverse("api:get_inspection", kwargs={"id": rnd.pk})).status_code == 404


def test_the_owner_reports_with_evidence_served_only_in_scope_and_the_organiser_closes_it(client, w, db):
    rect = Rectification.objects.filter(target=w.targets[0], state=RectState.PENDING).first()
    client.force_login(w.sec[0])
    page = client.get(reverse("lists:inspection_rect", args=[rect.pk])).content.decode()
    assert "提交整改报告" in page and "销号" not in page.split("<h2>整改报告</h2>")[0].split("报告整改情况")[-1]
    upload = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n fake", content_type="image/png")
    response = client.post(reverse("lists:inspection_rect_report", args=[rect.pk]),
                           {"text": "已整改到位", "evidence": [upload]})
    assert response.status_code == 302
    evidence = rect.reports.get().files.get()
    served = client.get(reverse("lists:inspection_evidence", args=[evidence.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content).endswith(b"fake")
    client.force_login(w.sec[1])
    assert client.get(reverse("lists:inspection_evidence", args=[evidence.pk])).status_code == 404
    client.force_login(w.dept)
    assert "核验" in client.get(reverse("lists:inspection_rect", args=[rect.pk])).content.decode()
    body = _api(client, "post", reverse("api:verify_rectification", kwargs={"id": rect.pk}), {"move": "accept"})
    assert body.status_code == 200 and body.json()["state"] == RectState.CLOSED
    again = _api(client, "post", reverse("api:verify_rectification", kwargs={"id": rect.pk}), {"move": "return",
                                                                                            "note": "再看"})
    assert again.status_code == 400 and "已销号" in again.json()["detail"]


def test_a_report_by_api_is_refused_to_another_target_and_accepted_from_the_owner(client, w, db):
    rect = Rectification.objects.filter(target=w.targets[1], state=RectState.PENDING).first()
    client.force_login(w.member)  # list.view only, in the first community: this item is not theirs
    assert _api(client, "post", reverse("api:report_rectification", kwargs={"id": rect.pk}),
                {"text": "x"}).status_code == 404
    client.force_login(w.sec[1])
    ok = _api(client, "post", reverse("api:report_rectification", kwargs={"id": rect.pk}), {"text": "已整改"})
    assert ok.status_code == 200 and ok.json()["state"] == RectState.REPORTED
    assert _api(client, "post", reverse("api:report_rectification", kwargs={"id": rect.pk}),
                {"text": "\x00"}).status_code == 422


@pytest.mark.parametrize("who", ["dept", "leader", "sec0"])
def test_lists_run_a_constant_number_of_queries(client, w, db, django_assert_max_num_queries, who):
    user = {"dept": w.dept, "leader": w.leader, "sec0": w.sec[0]}[who]
    client.force_login(user)
    urls = [reverse("lists:inspections"), reverse("lists:inspection_rects"), reverse("lists:inspection", args=[
        w.rnd.pk]), reverse("api:list_rectifications"), reverse("api:list_inspections")]
    if who != "leader":  # the hub is the task list's: a team member without list.view reaches the pages directly
        urls.append(reverse("lists:home"))
    counts = {}
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(60) as few:
            client.get(url)
        counts[url] = len(few.captured_queries)
    for i in range(3):
        record(w, i, items=3)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_the_ledger_and_the_round_report_hold_exactly_the_viewers_rows(client, w, db):
    from docx import Document

    client.force_login(w.sec[1])
    sheet = load_workbook(io.BytesIO(client.get(reverse("lists:inspection_rects_export")).content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = Rectification.objects.filter(target=w.targets[1])
    assert sorted(r[3] for r in rows) == sorted(expected.values_list("title", flat=True))
    assert {r[4] for r in rows} == {w.targets[1].org.name}
    doc = Document(io.BytesIO(client.get(reverse("lists:inspection_docx", args=[w.rnd.pk])).content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert w.targets[1].org.name in text and w.targets[0].org.name not in text
    assert f"整改事项 {expected.count()} 项" in text
