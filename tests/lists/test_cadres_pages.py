"""Pages, API and export of the cadre records: the month's stars show names and organisations only (a public
honour), each citation linking to its record only when the viewer may open it; the lists run a constant number of
queries; a person's record opens to viewers in scope and to the person themselves, 404 to others; the forms of
组织部 find a person and their front-line work on demand and refuse a bad citation in Chinese; the API lists and
creates stars and promotions with the same rules; the year's .xlsx holds exactly the records in the viewer's
scope."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import build_tree, make_person, module_transaction
from tests.lists.factories_cadres import key, make_world, star
from zongheng.lists.models import CadreStar, Citation, Promotion


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = make_world(build_tree())
            star(world.dept, world.a, "2018-07", [world.work[k] for k in ("t1", "campaign", "task", "demand")])
            star(world.dept, world.c, "2018-07", [world.work["t3"]])
            member = world.member.person
            own = CadreStar.objects.create(person=member, org=member.org, org_path=member.org_path,
                                           month=dt.date(2018, 8, 1), deeds="带头巡堤", selected_at=dt.datetime(
                                               2018, 9, 1, tzinfo=dt.UTC))
            Citation.objects.create(star=own, kind="campaign", campaign=world.work["campaign"], label="2018年防汛值守")
            yield world


def _page(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def test_the_months_stars_show_names_and_organisations_and_link_only_what_the_viewer_may_open(client, w, db):
    body = _page(client, w.viewer, "lists:cadre_stars", month="2018-07").content.decode()
    assert w.a.name in body and w.a.org.name in body and w.c.name not in body  # community 2 is not theirs
    assert w.a.phone_masked not in body and w.a.id_masked not in body
    assert reverse("orgs:org", args=[w.work["t1"].pk]) in body  # the branch below their community
    body = _page(client, w.dept, "lists:cadre_stars", month="2018-07").content.decode()
    assert w.a.name in body and w.c.name in body


def test_a_citation_the_viewer_may_not_open_is_shown_without_a_link(client, w, db):
    client.force_login(w.member)  # their own record: the campaign is not theirs to open
    body = client.get(reverse("lists:cadre_person", args=[w.member.person_id])).content.decode()
    assert "2018年防汛值守" in body and reverse("members:campaign", args=[w.work["campaign"].pk]) not in body
    assert reverse("lists:cadre_stars") not in body  # nor a list they may not read


def test_the_lists_run_a_constant_number_of_queries(client, w, db, django_assert_max_num_queries):
    client.force_login(w.dept)
    url = reverse("lists:cadre_stars")
    client.get(url, {"month": "2018-07"})
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"month": "2018-07"})
    people = [make_person(w.a.org) for _ in range(12)]
    stars = CadreStar.objects.bulk_create([
        CadreStar(person=p, org=p.org, org_path=p.org_path, month=dt.date(2018, 7, 1), deeds="一线",
                  selected_at=dt.datetime(2018, 8, 1, tzinfo=dt.UTC)) for p in people])
    Citation.objects.bulk_create([Citation(star=s, kind=k, label="x", **{f: o})
                                  for s in stars for k, f, o in (("temp_org", "temp_org", w.work["t1"]),
                                                                 ("task", "task", w.work["task"]),
                                                                 ("demand", "demand", w.work["demand"]))])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"month": "2018-07"}).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("lists:cadre_promotions"), {"year": "2018"}).status_code == 200


def test_a_persons_record_opens_to_viewers_in_scope_and_to_the_person_and_404_to_others(client, w, db):
    url = reverse("lists:cadre_person", args=[w.a.pk])
    client.force_login(w.viewer)
    assert client.get(url).status_code == 200
    client.force_login(w.other_viewer)
    assert client.get(url).status_code == 404
    client.force_login(w.member)
    assert client.get(url).status_code == 404
    assert client.get(reverse("lists:cadre_person", args=[w.member.person_id])).status_code == 200


def test_the_star_form_finds_the_person_and_their_work_on_demand_and_saves_the_star(client, w, db):
    client.force_login(w.dept)
    found = client.get(reverse("lists:cadre_pick_people"), {"person_q": "乙干"}).content.decode()
    assert w.b.name in found and w.a.name not in found
    work = client.get(reverse("lists:cadre_pick_work"), {"person": w.b.pk, "month": "2018-06"}).content.decode()
    assert key(w.work["t2"]) in work and key(w.work["t1"]) not in work
    response = client.post(reverse("lists:cadre_star_new"), {"person": w.b.pk, "month": "2018-06",
                                                             "deeds": "征迁一线", "work": [key(w.work["t2"])]})
    assert response.status_code == 302
    assert CadreStar.objects.filter(person=w.b, month=dt.date(2018, 6, 1)).exists()


def test_the_star_form_refuses_another_persons_work_in_chinese(client, w, db):
    client.force_login(w.dept)
    before = CadreStar.objects.count()
    response = client.post(reverse("lists:cadre_star_new"), {"person": w.b.pk, "month": "2018-05",
                                                             "deeds": "征迁一线", "work": [key(w.work["t1"])]})
    assert response.status_code == 200 and "不是该干部本人的工作" in response.content.decode()
    assert CadreStar.objects.count() == before


def test_the_promotion_form_records_a_promotion(client, w, db):
    client.force_login(w.dept)
    response = client.post(reverse("lists:cadre_promotion_new"), {
        "person": w.c.pk, "promoted_on": "2018-11-02", "from_post": "临时党支部书记", "to_post": "社区党委副书记",
        "reason": "防汛一线", "work": [key(w.work["t3"])]})
    assert response.status_code == 302
    assert Promotion.objects.filter(person=w.c, to_post="社区党委副书记").exists()


def test_the_api_lists_and_creates_stars_with_the_same_rules(client, w, db):
    client.force_login(w.dept)
    url = reverse("api:list_stars")
    listed = client.get(url, {"month": "2018-07"}).json()
    assert {i["person"]["id"] for i in listed["items"]} == set(
        CadreStar.objects.filter(month=dt.date(2018, 7, 1)).values_list("person_id", flat=True))
    body = {"person": w.a.pk, "month": "2018-10", "deeds": "项目一线", "work": [key(w.work["t1"])]}
    created = client.post(url, json.dumps(body), content_type="application/json")
    assert created.status_code == 201 and created.json()["cited"][0]["id"] == w.work["t1"].pk
    forged = client.post(url, json.dumps(body | {"month": "2018-09", "work": ["temp_org:123456789"]}),
                         content_type="application/json")
    assert forged.status_code == 400 and not CadreStar.objects.filter(person=w.a, month=dt.date(2018, 9, 1)).exists()
    work = client.get(reverse("api:person_work", args=[w.a.pk]), {"start": "2018-01-01", "end": "2018-12-31"})
    assert {x["key"] for x in work.json()} == {key(w.work[k]) for k in ("t1", "task", "demand", "campaign")}
    client.force_login(w.viewer)  # list.view, not cadre.record
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 403


def test_the_years_export_holds_exactly_the_records_in_the_viewers_scope(client, w, db):
    for user in (w.viewer, w.dept):
        client.force_login(user)
        response = client.get(reverse("lists:cadre_export"), {"year": "2018"})
        sheet = load_workbook(io.BytesIO(response.content))["月度干部之星"]
        names = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
        expected = sorted(CadreStar.objects.filter(month__year=2018).filter(
            org_path__startswith=user.person.org.path if user is w.viewer else "").values_list("person__name",
                                                                                               flat=True))
        assert names == expected


def test_the_hub_shows_the_latest_stars(client, w, db):
    body = _page(client, w.viewer, "lists:home").content.decode()
    latest = CadreStar.objects.filter(org_path__startswith=w.a.org_path).order_by("-month").first()
    assert "干部使用在一线" in body and latest is not None and latest.person.name in body
