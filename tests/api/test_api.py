"""The JSON API answers with the same scope, masking and audit as the pages.

Permission matrix: anonymous → 401, no right → 403, out of scope → 404, in scope → 200.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import make_person, make_post, make_user, user_with_post, valid_id_number
from zongheng.accounts.actions import do_create_token, do_revoke_token
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.models import Org, Person, Post

API = "/api/v1"


def bearer(user: Any) -> Client:
    _, key = do_create_token(user, "测试令牌")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def district_cadre(tree):
    return user_with_post(tree.district, Role.ORG_DEPT)


@pytest.fixture
def secretary(tree):
    """Secretary of the first community."""
    return user_with_post(tree.communities[0], Role.SECRETARY)


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize("method,url", [
    ("get", "/orgs"), ("get", "/orgs/tree"), ("get", "/people"), ("get", "/posts"), ("post", "/people"),
    ("post", "/posts"),
])
def test_an_anonymous_caller_gets_401_with_a_chinese_explanation(tree, method, url):
    response = getattr(Client(), method)(API + url, content_type="application/json")
    assert response.status_code == 401
    assert "登录" in response.json()["detail"]


def test_a_token_opens_the_api_and_a_revoked_token_does_not(tree, district_cadre):
    token, key = do_create_token(district_cadre, "脚本")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"{API}/orgs").status_code == 200

    do_revoke_token(district_cadre, token)
    assert client.get(f"{API}/orgs").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(tree, district_cadre):
    client = bearer(district_cadre)
    district_cadre.is_active = False
    district_cadre.save()
    assert client.get(f"{API}/orgs").status_code == 401


def test_a_made_up_token_is_refused(tree):
    client = Client(HTTP_AUTHORIZATION="Bearer zh_" + secrets.token_urlsafe(32))
    assert client.get(f"{API}/people").status_code == 401


def test_the_logged_in_session_opens_the_api(tree, secretary):
    client = Client()
    client.force_login(secretary)
    response = client.get(f"{API}/people")
    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_a_session_write_needs_the_csrf_token(tree, secretary):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary)
    body = {"name": "张三", "gender": "M", "org": tree.grids[0].pk}
    before = Person.objects.count()

    refused = client.post(f"{API}/people", body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    csrf = secrets.token_hex(16)
    client.cookies["csrftoken"] = csrf
    accepted = client.post(f"{API}/people", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201
    assert Person.objects.count() == before + 1


def test_the_openapi_schema_is_published(tree):
    schema = Client().get(f"{API}/openapi.json").json()
    assert schema["info"]["title"] == "纵横 API"
    assert f"{API}/people/{{id}}/reveal" in schema["paths"]


# ---------------------------------------------------------------- rights and scope


@pytest.mark.parametrize("url", ["/orgs", "/orgs/tree", "/posts"])
def test_an_auditor_has_no_right_to_the_registers(tree, url):
    auditor = user_with_post(tree.district, Role.AUDITOR)
    response = bearer(auditor).get(API + url)
    assert response.status_code == 403
    assert response.json()["detail"] == "您没有此项权限"


def test_an_auditor_sees_only_their_own_person_record_and_cannot_write(tree):
    auditor = user_with_post(tree.district, Role.AUDITOR)
    make_person(tree.grids[0])
    client = bearer(auditor)
    people = client.get(f"{API}/people").json()
    assert [p["id"] for p in people["items"]] == [auditor.person_id]
    created = client.post(f"{API}/people", {"name": "张三", "gender": "M", "org": tree.district.pk},
                          content_type="application/json")
    assert created.status_code == 403
    reveal = client.post(f"{API}/people/{auditor.person_id}/reveal", {"field": "phone"},
                         content_type="application/json")
    assert reveal.status_code == 403


def test_a_grid_leader_may_not_appoint_or_reveal(tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    person = make_person(tree.grids[0])
    client = bearer(leader)
    appoint = {"person": person.pk, "role": "committee_member", "org": tree.grids[0].pk, "starts_on": "2024-01-01"}
    assert client.post(f"{API}/posts", appoint, content_type="application/json").status_code == 403
    reveal = client.post(f"{API}/people/{person.pk}/reveal", {"field": "phone"}, content_type="application/json")
    assert reveal.status_code == 403
    assert not AuditLog.objects.filter(action__startswith="person.reveal").exists()


def test_a_community_secretary_cannot_reach_another_communitys_rows(tree, secretary):
    other = tree.communities[1]
    stranger = make_person(tree.grids[2])  # a grid of the second community
    post = make_post(stranger, other, Role.COMMITTEE_MEMBER)
    client = bearer(secretary)

    for url in (f"/people/{stranger.pk}", f"/orgs/{other.pk}", f"/orgs/{other.pk}/children",
                f"/orgs/{other.pk}/subtree"):
        response = client.get(API + url)
        assert response.status_code == 404, url
        assert response.json()["detail"]
    assert client.patch(f"{API}/people/{stranger.pk}", {"name": "改名"}, content_type="application/json"
                        ).status_code == 404
    assert client.post(f"{API}/people/{stranger.pk}/reveal", {"field": "phone"}, content_type="application/json"
                       ).status_code == 404
    assert client.post(f"{API}/posts/{post.pk}/end", {}, content_type="application/json").status_code == 404
    assert post.pk not in [p["id"] for p in client.get(f"{API}/posts?limit=200").json()["items"]]
    assert Person.objects.get(pk=stranger.pk).name == stranger.name
    assert Post.objects.get(pk=post.pk).ends_on is None


def test_a_missing_id_looks_the_same_as_an_out_of_scope_one(tree, secretary):
    missing = Person.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    response = bearer(secretary).get(f"{API}/people/{missing}")
    assert response.status_code == 404


def test_lists_hold_exactly_the_rows_in_scope(tree, secretary):
    community = tree.communities[0]
    for org in (tree.grids[0], tree.grids[2], tree.households[1], tree.households[5]):
        make_person(org)
    visitor = make_person(tree.communities[3], registered_org=tree.grids[1])  # 双联双管, registered here
    make_post(make_person(tree.grids[3]), tree.grids[3], Role.GRID_LEADER)
    client = bearer(secretary)

    people = client.get(f"{API}/people?limit=200").json()
    expected = Person.objects.filter(
        Q(org_path__startswith=community.path) | Q(registered_path__startswith=community.path))
    assert people["count"] == expected.count()
    assert {p["id"] for p in people["items"]} == set(expected.values_list("pk", flat=True))
    assert visitor.pk in {p["id"] for p in people["items"]}

    orgs = client.get(f"{API}/orgs?limit=200").json()
    assert {o["id"] for o in orgs["items"]} == set(
        Org.objects.filter(path__startswith=community.path).values_list("pk", flat=True))
    assert orgs["count"] == len(orgs["items"])

    posts = client.get(f"{API}/posts?limit=200").json()
    assert {p["id"] for p in posts["items"]} == set(
        Post.objects.filter(org__path__startswith=community.path).values_list("pk", flat=True))


def test_the_tree_shows_the_scope_root_with_direct_children_and_counts(tree, secretary):
    community = tree.communities[0]
    make_person(tree.households[0])
    make_person(tree.grids[1])
    roots = bearer(secretary).get(f"{API}/orgs/tree").json()
    assert [r["id"] for r in roots] == [community.pk]
    children = roots[0]["children"]
    assert [c["id"] for c in children] == [g.pk for g in tree.grids[:2]]
    for child in children:
        grid = Org.objects.get(pk=child["id"])
        members = Person.objects.filter(org_path__startswith=grid.path, is_party_member=True).count()
        assert child["counts"].get("members", 0) == members
        assert child["counts"].get("household", 0) == Org.objects.filter(
            path__startswith=grid.path, depth__gt=grid.depth, level__code="household").count()
        assert child["parent_id"] == community.pk


def test_org_detail_and_subtree_follow_the_tree(tree, district_cadre):
    client = bearer(district_cadre)
    street = tree.streets[0]
    detail = client.get(f"{API}/orgs/{street.pk}").json()
    assert detail["level"] == "street" and detail["parent_id"] == tree.district.pk
    assert detail["counts"]["community"] == Org.objects.filter(
        path__startswith=street.path, level__code="community").count()

    subtree = client.get(f"{API}/orgs/{street.pk}/subtree?limit=200").json()
    assert subtree["count"] == Org.objects.filter(path__startswith=street.path, depth__gt=street.depth).count()
    shallow = client.get(f"{API}/orgs/{street.pk}/subtree?max_depth=1").json()
    assert {o["id"] for o in shallow["items"]} == {c.pk for c in Org.objects.filter(
        path__startswith=street.path, depth=street.depth + 1)}

    page = client.get(f"{API}/orgs/{street.pk}/subtree?limit=2&offset=2").json()
    assert [o["id"] for o in page["items"]] == [o["id"] for o in subtree["items"][2:4]]


def test_list_filters_narrow_the_rows(tree, district_cadre):
    client = bearer(district_cadre)
    grids = client.get(f"{API}/orgs?level=grid&limit=200").json()
    assert grids["count"] == Org.objects.filter(level__code="grid").count()
    children = client.get(f"{API}/orgs?parent={tree.district.pk}").json()
    assert {o["id"] for o in children["items"]} == {s.pk for s in tree.streets}

    retired = make_person(tree.grids[4], member_type="retired")
    make_person(tree.grids[4], member_type="employed")
    found = client.get(f"{API}/people?member_type=retired&org={tree.communities[2].pk}").json()
    assert [p["id"] for p in found["items"]] == [retired.pk]
    named = client.get(f"{API}/people", {"q": retired.name}).json()
    assert retired.pk in [p["id"] for p in named["items"]]


# ---------------------------------------------------------------- masking and reveal


def test_phone_and_id_numbers_only_ever_appear_masked(tree, district_cadre):
    phone, id_number = "13912345678", valid_id_number(777)
    person = make_person(tree.grids[0], phone=phone, id_number=id_number)
    client = bearer(district_cadre)
    for url in ("/people?limit=200", f"/people/{person.pk}", "/posts?limit=200"):
        text = client.get(API + url).content.decode()
        assert phone not in text and id_number not in text, url
    detail = client.get(f"{API}/people/{person.pk}").json()
    assert detail["phone_masked"] == "139****5678"
    assert detail["id_masked"].startswith("340802") and "*" in detail["id_masked"]
    assert "phone" not in detail and "id_number" not in detail


def test_reveal_returns_the_clear_number_and_is_audited(tree, secretary):
    person = make_person(tree.grids[0], phone="13700001111")
    response = bearer(secretary).post(f"{API}/people/{person.pk}/reveal", {"field": "phone"},
                                      content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"value": "13700001111"}
    log = AuditLog.objects.get(action="person.reveal.phone", object_id=str(person.pk))
    assert log.actor == secretary


# ---------------------------------------------------------------- writes


def _person_body(org: Org, **kw: Any) -> dict[str, Any]:
    return {"name": "李四", "gender": "F", "birth_year": 1975, "phone": "13811112222",
            "id_number": valid_id_number(555), "member_type": "retired", "org": org.pk} | kw


def test_creating_a_person_answers_masked_and_audits(tree, secretary):
    response = bearer(secretary).post(f"{API}/people", _person_body(tree.grids[0]), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["phone_masked"] == "138****2222" and "13811112222" not in response.content.decode()
    person = Person.objects.get(pk=body["id"])
    assert person.org == tree.grids[0] and person.org_path == tree.grids[0].path
    assert AuditLog.objects.filter(action="person.create", object_id=str(person.pk), actor=secretary).exists()


def test_a_bad_id_checksum_is_refused_in_chinese_and_nothing_is_created(tree, secretary):
    good = valid_id_number(556)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = Person.objects.count()
    response = bearer(secretary).post(f"{API}/people", _person_body(tree.grids[0], id_number=bad),
                                      content_type="application/json")
    assert response.status_code in (400, 422)
    assert "校验位" in str(response.json()["detail"])
    assert Person.objects.count() == before


def test_a_forged_org_outside_the_scope_is_refused_and_nothing_is_written(tree, secretary):
    client = bearer(secretary)
    before, logs = Person.objects.count(), AuditLog.objects.count()
    response = client.post(f"{API}/people", _person_body(tree.grids[2]), content_type="application/json")
    assert response.status_code == 400
    assert "管辖范围" in response.json()["detail"]
    assert Person.objects.count() == before

    mine = make_person(tree.grids[0])
    logs = AuditLog.objects.count()
    moved = client.patch(f"{API}/people/{mine.pk}", {"org": tree.grids[2].pk}, content_type="application/json")
    assert moved.status_code == 400
    assert Person.objects.get(pk=mine.pk).org_id == tree.grids[0].pk
    appoint = {"person": mine.pk, "role": "grid_leader", "org": tree.grids[2].pk, "starts_on": "2024-01-01"}
    assert client.post(f"{API}/posts", appoint, content_type="application/json").status_code == 400
    assert not Post.objects.filter(person=mine).exists()
    assert AuditLog.objects.count() == logs


def test_a_patch_changes_only_the_fields_sent(tree, secretary):
    person = make_person(tree.grids[0], phone="13600000001", birth_year=1960)
    response = bearer(secretary).patch(f"{API}/people/{person.pk}", {"name": "王五", "org": tree.grids[1].pk},
                                       content_type="application/json")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.name == "王五" and person.org == tree.grids[1] and person.birth_year == 1960
    assert person.phone_masked == "136****0001"
    assert AuditLog.objects.filter(action="person.update", object_id=str(person.pk)).exists()


def test_an_explicit_null_for_a_required_field_is_a_422(tree, secretary):
    person = make_person(tree.grids[0])
    response = bearer(secretary).patch(f"{API}/people/{person.pk}", {"name": None}, content_type="application/json")
    assert response.status_code == 422
    assert Person.objects.get(pk=person.pk).name == person.name


def test_appointing_and_ending_a_post(tree, secretary):
    person = make_person(tree.grids[1])
    client = bearer(secretary)
    created = client.post(f"{API}/posts", {"person": person.pk, "role": "grid_leader", "org": tree.grids[1].pk,
                                           "starts_on": "2024-03-01"}, content_type="application/json")
    assert created.status_code == 201
    post_id = created.json()["id"]
    assert created.json()["active"] is True

    ended = client.post(f"{API}/posts/{post_id}/end", {"ends_on": "2024-06-30"}, content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2024-06-30"
    again = client.post(f"{API}/posts/{post_id}/end", {}, content_type="application/json")
    assert again.status_code == 400 and again.json()["detail"] == "该职务已经结束"
    assert AuditLog.objects.filter(action="post.end", object_id=str(post_id)).count() == 1
    inactive = client.get(f"{API}/posts", {"active": "false", "person": person.pk}).json()
    assert [p["id"] for p in inactive["items"]] == [post_id]


def test_moving_a_grid_through_the_api(tree, district_cadre):
    grid, target = tree.grids[0], tree.communities[1]
    member = make_person(tree.households[0])
    response = bearer(district_cadre).post(f"{API}/orgs/{grid.pk}/move", {"new_parent": target.pk},
                                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["parent_id"] == target.pk
    assert Person.objects.get(pk=member.pk).org_path.startswith(Org.objects.get(pk=target.pk).path)
    assert AuditLog.objects.filter(action="org.move", object_id=str(grid.pk)).exists()


def test_a_refused_move_says_why_and_changes_nothing(tree, district_cadre):
    grid = tree.grids[0]
    response = bearer(district_cadre).post(f"{API}/orgs/{grid.pk}/move", {"new_parent": tree.households[0].pk},
                                           content_type="application/json")
    assert response.status_code == 400
    assert "下级" in response.json()["detail"]
    assert Org.objects.get(pk=grid.pk).path == grid.path


def test_a_community_secretary_cannot_move_into_another_street(tree, secretary):
    response = bearer(secretary).post(f"{API}/orgs/{tree.grids[0].pk}/move", {"new_parent": tree.communities[2].pk},
                                      content_type="application/json")
    assert response.status_code == 400
    assert Org.objects.get(pk=tree.grids[0].pk).path == tree.grids[0].path


# ---------------------------------------------------------------- query budgets


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [
    "/orgs?limit=200", "/people?limit=200", "/posts?limit=200", "/orgs/tree",
    "/orgs/{community}/children", "/orgs/{community}/subtree?limit=200", "/orgs/{community}",
])
def test_lists_run_the_same_number_of_queries_whatever_their_size(tree, district_cadre, url):
    client = bearer(district_cadre)
    url = API + url.format(community=tree.communities[0].pk)
    for grid in tree.grids[:2]:
        make_post(make_person(grid), grid, Role.GRID_LEADER)
    small = _queries(client, url)

    levels = tree.levels
    for community in tree.communities[:1]:
        for n in range(3):
            grid = Org.objects.add_child(Org.objects.get(pk=community.pk),
                                         instance=Org(name=f"加网格{n}", level=levels["grid"]))
            for _ in range(3):
                person = make_person(grid, registered_org=tree.communities[3])
                make_post(person, grid, Role.COMMITTEE_MEMBER)
    assert _queries(client, url) == small


def test_a_user_without_a_person_sees_nothing_but_is_not_an_error(tree):
    user = make_user(None)
    assert bearer(user).get(f"{API}/orgs").status_code == 403


def test_no_two_api_schemas_share_a_name():
    """OpenAPI components are keyed by class name: two modules' ``ProgressOut`` made one of them
    describe the other's responses (schemathesis found a resolution checked against the notices' one)."""
    import importlib
    import pkgutil

    from ninja import Schema

    import zongheng

    seen: dict[str, type] = {}
    for info in pkgutil.walk_packages(zongheng.__path__, "zongheng."):
        if not info.name.endswith(".api"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == info.name:
                other = seen.setdefault(value.__name__, value)
                assert other is value, f"{value.__name__} in {info.name} and {other.__module__}"


def test_no_two_api_schemas_share_a_name_so_each_route_documents_its_own_shape():
    """OpenAPI names a component by its class name: a second schema of the same name replaced the first, and
    routes answered against another module's shape (schemathesis caught /demands/figures so)."""
    from ninja import Schema

    import zongheng.api  # noqa: F401 — every router imported

    def subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in (direct, *subclasses(direct))]

    ours = {cls for cls in subclasses(Schema) if cls.__module__.startswith("zongheng.")}
    by_name: dict[str, list[str]] = {}
    for cls in ours:
        by_name.setdefault(cls.__name__, []).append(cls.__module__)
    assert {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1} == {}
