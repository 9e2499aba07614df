"""Pages of the project list: the list (filters, constant queries), a project's page (history, only the moves
its viewer can make now, 404 out of scope), the create form (claim, apply, special with its lead), a move
from the page, brands named from evaluated projects, and the public brand pages that show residents only the
brand's text and its projects' titles, summaries and outcomes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.lists.factories_projects import advance, create, make_world
from zongheng.core.errors import ActionError
from zongheng.lists import actions_projects as actions
from zongheng.lists.choices import ProjectKind, ProjectState
from zongheng.lists.models import Brand, Project

pytestmark = pytest.mark.django_db


def _brand(w, projects, **kw):
    data = {"name": "阳光360", "slug": "yangguang-360", "summary": "社区为老服务，一年 360 天不打烊",
            "org": w.tree.streets[0], "projects": projects} | kw
    return actions.do_name_brand(w.dept, data)


def test_the_list_filters_by_kind_state_and_year(client, tree):
    w = make_world(tree)
    create(w.secretary, w.community, title="申报甲")
    create(w.secretary, w.community, kind=ProjectKind.CLAIMED, title="认领乙")
    advance(w, create(w.secretary, w.community, title="审核丙"), "reviewing")
    create(w.secretary, w.community, title="往年丁", year=2017)
    client.force_login(w.secretary)
    url = reverse("lists:projects")
    body = client.get(url).content.decode()
    assert all(t in body for t in ("申报甲", "认领乙", "审核丙", "往年丁"))
    body = client.get(url, {"kind": "claimed"}).content.decode()
    assert "认领乙" in body and "申报甲" not in body
    body = client.get(url, {"state": "reviewing"}).content.decode()
    assert "审核丙" in body and "申报甲" not in body
    body = client.get(url, {"year": "2017"}).content.decode()
    assert "往年丁" in body and "申报甲" not in body


def test_the_list_runs_a_constant_number_of_queries(client, tree, django_assert_max_num_queries):
    w = make_world(tree)
    client.force_login(w.secretary)
    create(w.secretary, w.community, kind=ProjectKind.CLAIMED)
    client.get(reverse("lists:projects"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("lists:projects"))
    for i in range(15):
        create(w.secretary, tree.grids[i % 2], kind=ProjectKind.CLAIMED if i % 2 else ProjectKind.APPLIED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("lists:projects")).status_code == 200


def test_a_project_out_of_scope_answers_404_like_a_missing_one(client, tree):
    w = make_world(tree)
    p = create(w.secretary, w.community)
    client.force_login(w.other_secretary)
    assert client.get(reverse("lists:project", args=[p.pk])).status_code == 404
    assert client.get(reverse("lists:project", args=[p.pk + 1000])).status_code == 404
    assert client.post(reverse("lists:project_move", args=[p.pk, "review"])).status_code == 404
    assert Project.objects.get(pk=p.pk).state == ProjectState.SUBMITTED


def test_a_projects_page_offers_only_the_moves_its_viewer_can_make_now(client, tree):
    w = make_world(tree)
    p = create(w.secretary, w.community, title="楼宇党建")
    client.force_login(w.secretary)
    body = client.get(reverse("lists:project", args=[p.pk])).content.decode()
    assert "楼宇党建" in body and "受理审核" not in body and "已提交" in body
    client.force_login(w.street_secretary)
    body = client.get(reverse("lists:project", args=[p.pk])).content.decode()
    assert reverse("lists:project_move", args=[p.pk, "review"]) in body
    assert reverse("lists:project_move", args=[p.pk, "approve"]) not in body


def test_a_reviewer_returns_a_project_from_its_page_with_a_reason(client, tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "reviewing")
    client.force_login(w.street_secretary)
    url = reverse("lists:project_move", args=[p.pk, "return"])
    client.post(url, {"note": ""})
    assert Project.objects.get(pk=p.pk).state == ProjectState.REVIEWING  # refused: no reason
    response = client.post(url, {"note": "请补充预算明细"}, follow=True)
    assert Project.objects.get(pk=p.pk).state == ProjectState.RETURNED
    assert "请补充预算明细" in response.content.decode()


def test_a_skipping_move_posted_by_hand_is_refused_in_chinese(client, tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "approved")
    client.force_login(w.secretary)
    response = client.post(reverse("lists:project_move", args=[p.pk, "complete"]), follow=True)
    assert "项目当前为「已立项」，不能直接「完成」" in response.content.decode()
    assert Project.objects.get(pk=p.pk).state == ProjectState.APPROVED


def test_a_secretary_claims_a_project_through_the_form(client, tree):
    w = make_world(tree)
    client.force_login(w.secretary)
    assert client.get(reverse("lists:project_new")).status_code == 200
    response = client.post(reverse("lists:project_new"), {
        "kind": "claimed", "org": w.community.pk, "year": 2018, "title": "红色物业", "summary": "物业服务融入党建",
        "budget": "8"})
    p = Project.objects.get(title="红色物业")
    assert response.status_code == 302 and p.secretary_id == w.secretary.person_id and p.budget == 8
    # an organisation outside the scope is refused by the same lookup
    response = client.post(reverse("lists:project_new"), {
        "kind": "applied", "org": tree.communities[2].pk, "year": 2018, "title": "越界", "summary": "x"})
    assert response.status_code == 200 and not Project.objects.filter(title="越界").exists()
    assert "不存在或不在您的管辖范围内" in response.content.decode()


def test_the_department_sets_a_special_project_led_by_a_standing_committee_member(client, tree):
    w = make_world(tree)
    client.force_login(w.dept)
    body = client.get(reverse("lists:project_new")).content.decode()
    assert "常委甲" in body
    client.post(reverse("lists:project_new"), {
        "kind": "special", "org": tree.streets[0].pk, "year": 2018, "title": "楼宇党建全覆盖", "summary": "专题",
        "lead": w.standing.pk})
    p = Project.objects.get(title="楼宇党建全覆盖")
    assert p.kind == ProjectKind.SPECIAL and p.lead_id == w.standing.pk


def test_the_org_picker_lists_only_the_users_organisations(client, tree):
    w = make_world(tree)
    client.force_login(w.secretary)
    body = client.get(reverse("lists:project_org_pick"), {"pick_q": "社区"}).content.decode()
    assert w.community.name in body and tree.communities[2].name not in body


def test_an_evaluated_project_is_no_longer_edited(client, tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "completed")
    client.force_login(w.secretary)
    client.post(reverse("lists:project_edit", args=[p.pk]), {
        "title": p.title, "summary": p.summary, "budget": "20", "outcome": "建成党群服务站 3 个"})
    assert Project.objects.get(pk=p.pk).outcome == "建成党群服务站 3 个"
    actions.do_move(w.street_secretary, Project.objects.get(pk=p.pk), "evaluate", "好")
    assert client.get(reverse("lists:project_edit", args=[p.pk])).status_code == 403


# ---------------------------------------------------------------- brands


def test_a_brand_names_only_evaluated_projects_in_scope(tree):
    w = make_world(tree)
    done = advance(w, create(w.secretary, w.community), "evaluated")
    running = advance(w, create(w.secretary, w.community), "in_progress")
    with pytest.raises(ActionError, match="已评估"):
        _brand(w, [running])
    with pytest.raises(ActionError, match="网址标识"):
        _brand(w, [done], slug="阳光")
    with pytest.raises(ActionError):
        actions.do_name_brand(w.secretary, {"name": "x", "slug": "x", "summary": "x", "org": w.community,
                                            "projects": [done]})
    brand = _brand(w, [done])
    assert list(brand.projects.all()) == [done] and Brand.objects.count() == 1
    with pytest.raises(ActionError, match="已有名为"):
        _brand(w, [done], slug="other")


def test_the_brand_form_names_a_brand(client, tree):
    w = make_world(tree)
    done = advance(w, create(w.secretary, w.community, title="常青藤"), "evaluated")
    client.force_login(w.dept)
    assert "常青藤" in client.get(reverse("lists:brand_new")).content.decode()
    response = client.post(reverse("lists:brand_new"), {
        "name": "常青藤志愿服务", "slug": "changqingteng", "org": w.community.pk, "summary": "志愿服务品牌",
        "projects": [done.pk]})
    assert response.status_code == 302
    brand = Brand.objects.get(slug="changqingteng")
    assert client.get(reverse("lists:brand_edit", args=[brand.pk])).status_code == 200


def test_the_public_brand_page_shows_what_it_did_and_nothing_internal(client, tree, django_assert_max_num_queries):
    w = make_world(tree)
    p = create(w.secretary, w.community, kind=ProjectKind.CLAIMED, title="楼宇党建示范点", budget="88.8")
    p = advance(w, p, "completed")
    actions.do_update_project(w.secretary, p, {"outcome": "入驻企业党组织 12 个"})
    p = actions.do_move(w.street_secretary, p, "evaluate", "内部评估意见不公开")
    _brand(w, [p], name="楼宇党建示范基地", slug="louyu")
    url = reverse("lists:brand", args=["louyu"])
    with django_assert_max_num_queries(4):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert all(t in body for t in ("楼宇党建示范基地", "楼宇党建示范点", "入驻企业党组织 12 个",
                                   "在商务楼宇建立党群服务站", tree.streets[0].name))
    assert "88.8" not in body and "内部评估意见不公开" not in body
    assert w.secretary.person.name not in body
    assert client.get(reverse("lists:brand", args=["missing"])).status_code == 404
    index = client.get(reverse("lists:brands")).content.decode()
    assert "楼宇党建示范基地" in index and url in index


def test_a_projects_page_runs_a_constant_number_of_queries_whatever_its_history(client, tree,
                                                                               django_assert_max_num_queries):
    w = make_world(tree)
    short = create(w.secretary, w.community)
    long = advance(w, create(w.secretary, w.community), "evaluated")
    client.force_login(w.street_secretary)
    client.get(reverse("lists:project", args=[short.pk]))
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("lists:project", args=[short.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("lists:project", args=[long.pk])).content.decode()
    assert "评估" in body and "已评估" in body


def test_the_department_may_pick_the_district_for_a_special_project_only(client, tree):
    w = make_world(tree)
    client.force_login(w.dept)
    body = client.get(reverse("lists:project_org_pick"), {"pick_q": tree.district.name}).content.decode()
    assert f'value="{tree.district.pk}"' in body
    base = {"org": tree.district.pk, "year": 2018, "summary": "专题", "lead": w.standing.pk}
    client.post(reverse("lists:project_new"), base | {"kind": "applied", "title": "区级申报"})
    assert not Project.objects.filter(title="区级申报").exists()
    client.post(reverse("lists:project_new"), base | {"kind": "special", "title": "区级专题"})
    assert Project.objects.get(title="区级专题").org_id == tree.district.pk


def test_the_hub_counts_the_years_projects_in_scope_by_wheel_and_state_and_opens_their_rows(client, tree):
    w = make_world(tree)
    create(w.secretary, w.community, title="申报甲")
    create(w.secretary, w.community, kind=ProjectKind.CLAIMED, title="认领乙")
    advance(w, create(w.secretary, w.community, title="审核丙"), "reviewing")
    create(w.other_secretary, w.tree.communities[2], title="别处丁")  # another street's: not the secretary's
    client.force_login(w.secretary)
    body = client.get(reverse("lists:home"), {"year": 2018}).content.decode()
    base = reverse("lists:projects")
    assert f'<a href="{base}?year=2018">3 个项目</a>' in body
    assert f'href="{base}?year=2018&amp;kind=applied">2 个' in body
    assert f'href="{base}?year=2018&amp;kind=claimed">1 个' in body
    assert f'href="{base}?year=2018&amp;state=reviewing">1<' in body
    assert f'href="{base}?year=2018&amp;state=submitted">2<' in body
    listed = client.get(base, {"year": 2018, "state": "submitted"}).content.decode()
    assert "申报甲" in listed and "认领乙" in listed and "审核丙" not in listed and "别处丁" not in listed
    client.force_login(w.street_secretary)  # the street above sees the community's three
    body = client.get(reverse("lists:home"), {"year": 2018}).content.decode()
    assert f'<a href="{base}?year=2018">3 个项目</a>' in body


def test_editing_a_brand_keeps_its_projects_even_beyond_the_200_offered(client, tree):
    import datetime as dt

    from django.utils import timezone

    w = make_world(tree)
    old = advance(w, create(w.secretary, w.community, title="老项目", year=2017), "evaluated")
    brand = _brand(w, [old], org=w.community)
    now = timezone.now() - dt.timedelta(days=1)
    Project.objects.bulk_create([Project(kind=ProjectKind.APPLIED, org=w.community, org_path=w.community.path,
                                         year=2019, title=f"新项目{i:03d}", summary="x", state=ProjectState.EVALUATED,
                                         state_since=now) for i in range(200)])
    client.force_login(w.dept)
    form = client.get(reverse("lists:brand_edit", args=[brand.pk])).content.decode()
    assert "老项目" in form and "新项目199" in form
    response = client.post(reverse("lists:brand_edit", args=[brand.pk]), {
        "name": brand.name, "slug": brand.slug, "org": w.community.pk, "summary": "改过的简介", "projects": [old.pk]})
    assert response.status_code == 302
    assert list(Brand.objects.get(pk=brand.pk).projects.values_list("pk", flat=True)) == [old.pk]


def test_the_list_exports_its_filtered_rows_in_scope_to_xlsx(client, tree, django_assert_max_num_queries):
    import io

    from openpyxl import load_workbook

    w = make_world(tree)
    create(w.secretary, w.community, title="申报甲")
    create(w.secretary, w.community, kind=ProjectKind.CLAIMED, title="认领乙")
    create(w.other_secretary, w.tree.communities[2], title="别处丁")
    client.force_login(w.secretary)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("lists:projects_export"), {"kind": "claimed"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    titles = [r[2] for r in rows[1:] if r[2]]
    assert titles == ["认领乙"] and "书记认领" in rows[-1] and w.secretary.person.name in rows[-1]
    every = load_workbook(io.BytesIO(client.get(reverse("lists:projects_export")).content)).active
    titles = {r[2] for r in every.iter_rows(values_only=True)}
    assert {"申报甲", "认领乙"} <= titles and "别处丁" not in titles
    assert reverse("lists:projects_export") in client.get(reverse("lists:projects")).content.decode()
