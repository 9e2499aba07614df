"""The permission matrix: every page and API route, for four kinds of visitor.

anonymous → login (401 on the API); no right → 403; in scope → 200; out of scope → 404.
A route missing from ROUTES fails ``test_every_route_is_in_the_matrix``, so a new page
cannot ship without its row.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import Tree, build_tree, make_person, make_post, make_user, module_transaction, user_with_post
from zongheng.accounts.actions import do_create_token
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, ImportJob, Level, LinkedHousehold, Org

# Later modules add their rows from their own test package: ``tests/<module>/matrix.py`` defines
# ``objects(community, grid, owner) -> dict`` (rows inside ``community``, made for ``owner``, a community
# secretary there), ``routes(Route) -> list[Route]`` and optionally ``BODIES`` / ``SHARED_PATH`` dicts.
MODULE_MATRICES = [importlib.import_module(f"tests.{name}.matrix")
                   for name in ("meetings", "notices", "core", "cobuild", "members", "lists", "net")
                   if (Path(__file__).parent / name / "matrix.py").exists()]


@dataclass
class World:
    tree: Tree
    holder: Any  # community secretary of communities[0]
    auditor: Any
    stranger: Any  # logged in, no person, no post
    inside: dict[str, Any]
    outside: dict[str, Any]
    dept: Any = None  # 组织部干部 of the district: holds demand.configure (district-wide configuration)


def _objects(tree: Tree, community_index: int, owner: Any) -> dict[str, Any]:
    community = tree.communities[community_index]
    grid = tree.grids[community_index * 2]
    person = make_person(grid)
    post = make_post(person, grid, Role.GRID_LEADER)
    job = ImportJob.objects.create(created_by=owner, org=community, file_name="x.xlsx", status="failed")
    token, _ = do_create_token(owner, "t")
    functional = Org.objects.add_child(community, instance=Org(
        name=f"{community.name}书画党支部", level=tree.levels["grid"], kind=OrgKind.FUNCTIONAL, bond="interest"))
    team = ActivityTeam.objects.create(org=functional, name="书画社")
    team.participants.add(person)
    central = tree.households[community_index * 2]
    linked = LinkedHousehold.objects.create(central=central, address="幸福里1号")
    from zongheng.orgs.models import PlaqueJob

    plaque_job = PlaqueJob.objects.create(org=community, layout="a4", requested_by=owner, base_url="http://testserver",
                                          status=PlaqueJob.DONE, total=2, pdf=b"%PDF-1.4 test")
    objects = {"org": community, "grid": grid, "person": person, "post": post, "job": job, "token": token,
               "plaque_job": plaque_job,
               "functional": functional, "team": team, "central": central, "linked": linked}
    objects.update(_workbench_objects(community, grid, owner))
    for module in MODULE_MATRICES:
        objects.update(module.objects(community, grid, owner))
    return objects


def _workbench_objects(community: Org, grid: Org, owner: Any) -> dict[str, Any]:
    """A demand (with a photo), a 民心驿站 and a 每月一听 session in ``community``."""
    from django.core.files.base import ContentFile

    from zongheng.demands.actions import do_submit_demand
    from zongheng.demands.models import Category, DemandPhoto, ListeningSession, Station

    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                        "urgency": "normal", "description": "路灯不亮", "address": "幸福里",
                                        "grid": grid})
    photo = DemandPhoto(demand=demand)
    photo.image.save("lamp.jpg", ContentFile(b"\xff\xd8\xff\xe0 fake jpeg"), save=True)
    station = Station.objects.create(org=community, name=f"{community.name}民心驿站")
    session = ListeningSession.objects.create(org=community, held_on="2018-03-05", place="活动室", created_by=owner)
    return {"demand": demand, "photo": photo, "station": station, "session": session}


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The world is built once for the module (the ~1,500 rows below only read it), inside a transaction rolled
    back when the module ends; each test runs in a savepoint inside it (``world`` asks for ``db``), so what a
    test writes — a session, an audit record, a refused write that slipped through — is gone before the next."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            tree = build_tree()
            holder = user_with_post(tree.communities[0], Role.SECRETARY, "holder")
            other = user_with_post(tree.communities[2], Role.SECRETARY, "other")
            auditor = user_with_post(tree.district, Role.AUDITOR, "auditor")
            stranger = make_user(None, "stranger")
            world = World(tree, holder, auditor, stranger, _objects(tree, 0, holder), _objects(tree, 2, other))
            world.dept = user_with_post(tree.district, Role.ORG_DEPT, "dept")
            _config_objects(world)
        yield world


@pytest.fixture
def world(shared_world, db) -> World:  # type: ignore[no-untyped-def]
    return shared_world


def _config_objects(world: World) -> None:
    """District-wide configuration rows (the same objects inside and outside: they belong to no org)."""
    import datetime as dt

    from zongheng.demands.models import CalendarDay, Category

    category = Category.objects.order_by("id").first()
    day, _ = CalendarDay.objects.get_or_create(date=dt.date(2026, 10, 1), defaults={"is_workday": False})
    for objects in (world.inside, world.outside):
        objects.update({"category": category, "rule": category.rules.first(), "calendar_day": day})


K = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: K | None = None  # object → URL kwargs (in scope and out of scope)
    method: str = "get"
    api: bool = False
    public: bool = False  # no login needed
    any_user: bool = False  # every logged-in user may use it (no "no right" row)
    holder: str = "holder"  # who is "in scope": holder, auditor or dept
    # District-wide configuration rows belong to no org: there is no "out of scope" (no 404 row); whoever
    # holds the right anywhere may change every row, everybody else gets 403 (test_users_without_the_right...).
    district_wide: bool = False
    self_service: bool = False  # anyone with a person record may list/see their own (so only "stranger" lacks it)
    in_scope: int | None = 200  # None: a write, exercised by its own behaviour tests


def org(o):
    return {"pk": o["org"].pk}


ROUTES = [
    Route("home", public=True), Route("healthz", public=True), Route("display", public=True, in_scope=302),
    Route("accounts:login", public=True),
    Route("start", any_user=True, in_scope=302),  # after login: redirects to the role's page
    Route("orgs:directory", public=True),
    Route("orgs:directory_org", lambda o: {"pk": o["grid"].pk}, public=True),
    Route("orgs:grid_plaque", lambda o: {"pk": o["grid"].pk}, public=True),  # what the directory shows
    Route("orgs:org_plaques", org),  # every grid below, for org.view in scope (test_plaques)
    Route("orgs:plaque_job", lambda o: {"pk": o["plaque_job"].pk}),  # own jobs only
    Route("orgs:plaque_job_status", lambda o: {"pk": o["plaque_job"].pk}),
    Route("orgs:plaque_job_pdf", lambda o: {"pk": o["plaque_job"].pk}),
    Route("demands:submit", public=True),
    Route("demands:track", public=True),
    Route("demands:track_code", lambda o: {"code": "an-old-saved-link"}, public=True),  # the form, no lookup
    Route("demands:rate", method="post", public=True, in_scope=302),  # no code: back to the tracking form
    Route("demands:reopen", method="post", public=True, in_scope=302),
    Route("accounts:logout", method="post", public=True, in_scope=302),
    Route("accounts:password_change", any_user=True),
    Route("accounts:profile", any_user=True),
    Route("accounts:token_revoke", lambda o: {"pk": o["token"].pk}, method="post", any_user=True, in_scope=None),
    Route("core:audit", holder="auditor"),
    Route("core:audit_export", holder="auditor"),
    Route("orgs:tree"),
    Route("orgs:org", org),
    Route("orgs:org_export", org),
    Route("orgs:org_create", org),
    Route("orgs:org_edit", lambda o: {"pk": o["grid"].pk}),
    Route("orgs:org_move", lambda o: {"pk": o["grid"].pk}),
    Route("orgs:post_create", org),
    Route("orgs:post_end", lambda o: {"pk": o["post"].pk}, method="post", in_scope=None),
    Route("orgs:people", self_service=True),
    Route("orgs:people_export", self_service=True),
    Route("orgs:person_create"),
    Route("orgs:person", lambda o: {"pk": o["person"].pk}, self_service=True),
    Route("orgs:person_edit", lambda o: {"pk": o["person"].pk}),
    Route("orgs:person_reveal", lambda o: {"pk": o["person"].pk, "field": "phone"}, method="post"),
    Route("orgs:import"),
    Route("orgs:import_template"),
    Route("orgs:import_job", lambda o: {"pk": o["job"].pk}),
    Route("orgs:import_status", lambda o: {"pk": o["job"].pk}),
    Route("orgs:import_errors", lambda o: {"pk": o["job"].pk}),
    Route("orgs:import_refused", lambda o: {"pk": o["job"].pk}),
    Route("orgs:import_options", lambda o: {"pk": o["job"].pk}, method="post", in_scope=None),
    Route("orgs:import_confirm", lambda o: {"pk": o["job"].pk}, method="post", in_scope=None),
    Route("orgs:import_discard", lambda o: {"pk": o["job"].pk}, method="post", in_scope=None),
    Route("orgs:people_export_edit"),
    Route("orgs:team_create", lambda o: {"pk": o["functional"].pk}),
    Route("orgs:team", lambda o: {"pk": o["team"].pk}),
    Route("orgs:team_export", lambda o: {"pk": o["team"].pk}),
    Route("orgs:team_edit", lambda o: {"pk": o["team"].pk}),
    Route("orgs:team_delete", lambda o: {"pk": o["team"].pk}, method="post", in_scope=None),
    Route("orgs:team_participant_add", lambda o: {"pk": o["team"].pk}),
    Route("orgs:team_resident_create", lambda o: {"pk": o["team"].pk}),
    Route("orgs:team_participant_remove", lambda o: {"pk": o["team"].pk, "person_pk": o["person"].pk},
          method="post", in_scope=None),
    Route("orgs:household_create", lambda o: {"pk": o["central"].pk}),
    Route("orgs:households_export", lambda o: {"pk": o["central"].pk}),
    Route("orgs:household_edit", lambda o: {"pk": o["linked"].pk}),
    Route("orgs:household_delete", lambda o: {"pk": o["linked"].pk}, method="post", in_scope=None),
    Route("api:openapi-json", api=True, public=True),
    Route("api:openapi-view", api=True, public=True),
    Route("api:api-root", api=True, public=True, in_scope=None),  # ninja's index: no data, 404 without DEBUG
    Route("api:list_orgs", api=True),
    Route("api:org_tree", api=True),
    Route("api:get_org", lambda o: {"id": o["org"].pk}, api=True),
    Route("api:org_children", lambda o: {"id": o["org"].pk}, api=True),
    Route("api:org_subtree", lambda o: {"id": o["org"].pk}, api=True),
    Route("api:move_org", lambda o: {"id": o["grid"].pk}, method="post", api=True, in_scope=None),
    Route("api:list_people", self_service=True, api=True),
    Route("api:get_person", lambda o: {"id": o["person"].pk}, api=True, self_service=True),
    Route("api:update_person", lambda o: {"id": o["person"].pk}, method="patch", api=True, in_scope=None),
    Route("api:reveal_person", lambda o: {"id": o["person"].pk}, method="post", api=True),
    Route("api:list_posts", api=True),
    Route("api:end_post", lambda o: {"id": o["post"].pk}, method="post", api=True, in_scope=None),
    Route("api:list_teams", lambda o: {"id": o["functional"].pk}, api=True),
    Route("api:create_team", lambda o: {"id": o["functional"].pk}, method="post", api=True, in_scope=None),
    Route("api:get_team", lambda o: {"id": o["team"].pk}, api=True),
    Route("api:update_team", lambda o: {"id": o["team"].pk}, method="patch", api=True, in_scope=None),
    Route("api:delete_team", lambda o: {"id": o["team"].pk}, method="delete", api=True, in_scope=None),
    Route("api:add_team_participant", lambda o: {"id": o["team"].pk, "person_id": o["person"].pk},
          method="post", api=True, in_scope=None),
    Route("api:remove_team_participant", lambda o: {"id": o["team"].pk, "person_id": o["person"].pk},
          method="delete", api=True, in_scope=None),
    Route("api:list_households", lambda o: {"id": o["central"].pk}, api=True),
    Route("demands:queue"),
    Route("demands:export"),
    Route("demands:bulk_assign", method="post", in_scope=None),
    Route("demands:pick"),  # the bulk-assign picker (htmx)
    Route("demands:reveal_phone", lambda o: {"pk": o["demand"].pk}, method="post", in_scope=None),  # 回访: test_codes
    Route("demands:pick_for", lambda o: {"pk": o["demand"].pk, "kind": "whistle"}),
    Route("demands:detail", lambda o: {"pk": o["demand"].pk}),
    Route("demands:act", lambda o: {"pk": o["demand"].pk, "action": "accept"}, method="post", in_scope=None),
    Route("demands:photo", lambda o: {"pk": o["demand"].pk, "photo_pk": o["photo"].pk}),
    Route("demands:staff_create"),
    Route("demands:stations"),
    Route("demands:listening"),
    Route("demands:listening_detail", lambda o: {"pk": o["session"].pk}),
    Route("demands:notifications", any_user=True),
    Route("demands:notifications_read", method="post", any_user=True, in_scope=None),
    Route("api:create_household", lambda o: {"id": o["central"].pk}, method="post", api=True, in_scope=None),
    Route("api:update_household", lambda o: {"id": o["linked"].pk}, method="patch", api=True, in_scope=None),
    Route("api:delete_household", lambda o: {"id": o["linked"].pk}, method="delete", api=True, in_scope=None),
    Route("demands:figures"),
    Route("demands:figures_export"),
    Route("demands:figures_list"),
    Route("api:list_demands", api=True),
    Route("api:demand_figures", api=True),
    Route("api:get_demand", lambda o: {"id": o["demand"].pk}, api=True),
    Route("api:demand_transition", lambda o: {"id": o["demand"].pk}, method="post", api=True, in_scope=None),
    Route("open311:discovery", lambda o: {"fmt": "json"}, public=True),
    Route("open311:services", lambda o: {"fmt": "xml"}, public=True),
    Route("open311:service", lambda o: {"fmt": "json", "code": "sanitation"}, public=True),
    Route("open311:requests", lambda o: {"fmt": "json"}, public=True),
    Route("open311:request", lambda o: {"fmt": "xml", "ref": o["demand"].ref}, public=True),
    # 诉求配置 (demands/views_config.py): demand.configure, held by the district organisation department only.
    Route("demands:config", holder="dept"),
    Route("demands:config_category_create", holder="dept"),
    Route("demands:config_category_edit", lambda o: {"pk": o["category"].pk}, holder="dept", district_wide=True),
    Route("demands:config_rule_edit", lambda o: {"pk": o["rule"].pk}, holder="dept", district_wide=True),
    Route("demands:config_calendar", holder="dept"),
    Route("demands:config_calendar_delete", lambda o: {"pk": o["calendar_day"].pk}, method="post", holder="dept",
          district_wide=True, in_scope=None),
]
for _module in MODULE_MATRICES:
    ROUTES += _module.routes(Route)
# Operations that share a path with a GET row above (same URL, other method).
SHARED_PATH = {"api:create_person": "api:list_people", "api:create_post": "api:list_posts"}
SHARED_PATH["api:create_demand"] = "api:list_demands"
for _module in MODULE_MATRICES:
    SHARED_PATH.update(getattr(_module, "SHARED_PATH", {}))
BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "api:reveal_person": lambda o: {"field": "phone"},
    "api:move_org": lambda o: {"new_parent": o["org"].pk},
    "api:create_team": lambda o: {"name": "新队伍"},
    "api:create_household": lambda o: {"address": "幸福里2号"},
    "api:demand_transition": lambda o: {"action": "accept"},
}
for _module in MODULE_MATRICES:
    BODIES.update(getattr(_module, "BODIES", {}))


def _names(patterns: list[Any], ns: str = "") -> set[str]:
    out: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            out |= _names(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern) and p.name:
            out.add(ns + p.name)
    return out


def test_every_route_is_in_the_matrix():
    covered = {r.name for r in ROUTES} | set(SHARED_PATH)
    missing = _names(get_resolver().url_patterns) - covered
    assert not missing, f"routes without a row in the permission matrix: {sorted(missing)}"


def _call(client: Any, route: Route, objects: dict[str, Any] | None) -> Any:
    kwargs = route.kwargs(objects) if route.kwargs and objects is not None else {}
    url = reverse(route.name, kwargs=kwargs)
    if route.api and route.method != "get":
        body = BODIES[route.name](objects or {}) if route.name in BODIES else {}
        return getattr(client, route.method)(url, data=json.dumps(body), content_type="application/json")
    return getattr(client, route.method)(url)


ids = [r.name for r in ROUTES]


@pytest.mark.parametrize("route", ROUTES, ids=ids)
def test_anonymous_visitors_are_sent_to_login(client, world, route):
    response = _call(client, route, world.inside)
    if route.public:
        assert response.status_code < 400 or route.name == "api:api-root"
    elif route.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.public and not r.any_user], ids=lambda r: r.name)
def test_users_without_the_right_are_refused(client, world, route):
    others = [] if route.self_service else [world.auditor if route.holder != "auditor" else world.holder]
    if route.holder == "dept":  # the community secretary holds every demand right but configuration
        others.append(world.holder)
    for user in [world.stranger, *others]:
        client.force_login(user)
        assert _call(client, route, world.inside).status_code == 403, user.username


@pytest.mark.parametrize("route", [r for r in ROUTES if r.in_scope is not None and not r.public],
                         ids=lambda r: r.name)
def test_users_in_scope_are_served(client, world, route):
    client.force_login(getattr(world, route.holder))
    assert _call(client, route, world.inside).status_code == route.in_scope


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kwargs is not None and not r.public and not r.district_wide],
                         ids=lambda r: r.name)
def test_rows_out_of_scope_answer_404(client, world, route):
    client.force_login(getattr(world, route.holder))
    assert _call(client, route, world.outside).status_code == 404


# ---------------------------------------------------------------- who may grant what (issue 12)
# A role grants only what it holds: the roles each granter may assign (and end) on a community in
# their scope. 组织部干部 and 审计员 only by the organisation department at the root (or a superuser).
# Rows: the granter's role and where it is held; columns: every role. Read it as the policy.
R = Role
_MANAGERS = [R.SECRETARY, R.DEPUTY_SECRETARY, R.COMMITTEE_MEMBER, R.SECRETARY_ASSISTANT, R.GRID_LEADER,
             R.HOUSEHOLD_HEAD, R.LIAISON]
GRANTS: dict[tuple[str, str], set[str]] = {
    (R.ORG_DEPT, "district"): set(R.values),
    (R.ORG_DEPT, "street"): set(_MANAGERS),  # below the root: never 组织部干部 nor 审计员
    (R.SECRETARY, "district"): set(_MANAGERS),
    (R.SECRETARY, "community"): set(_MANAGERS),
    (R.DEPUTY_SECRETARY, "community"): set(_MANAGERS) - {R.SECRETARY},  # a secretary may move orgs
    (R.COMMITTEE_MEMBER, "community"): set(),
    (R.SECRETARY_ASSISTANT, "community"): set(),
    (R.GRID_LEADER, "community"): set(),
    (R.HOUSEHOLD_HEAD, "community"): set(),
    (R.LIAISON, "community"): set(),
    (R.AUDITOR, "district"): set(),
}


def test_the_grant_table_names_every_role():
    assert {role for role, _ in GRANTS} == set(R.values)


@pytest.mark.parametrize("granter,where", list(GRANTS), ids=[f"{r}@{w}" for r, w in GRANTS])
def test_who_may_grant_what(tree, granter, where):
    """Every role against every role, through the one action (do_create_post) the page and the API call."""
    from zongheng.core.access import roles_grantable_on
    from zongheng.core.errors import ActionError
    from zongheng.orgs.actions import do_create_post

    community, street = tree.communities[0], tree.streets[0]
    held_on = {"district": tree.district, "street": street, "community": community}[where]
    user = user_with_post(held_on, granter)
    expected = GRANTS[(granter, where)]
    assert set(roles_grantable_on(user, community.path)) == expected
    # A liaison is appointed on a stationed unit's node (a child of the community), never on the community.
    unit = Org.objects.add_child(community, instance=Org(name="某驻区单位", level=Level.objects.get(code="unit")))
    for role in R.values:
        person = make_person(community)
        data = {"person": person, "role": role, "org": unit if role == R.LIAISON else community,
                "starts_on": "2018-03-01",
                "sent_from": street if role == R.SECRETARY_ASSISTANT else None}
        if role in expected:
            assert do_create_post(user, data).role == role
        else:
            with pytest.raises(ActionError):
                do_create_post(user, data)
