"""The demo district reproduces the article's 迎江区 (2018) for any seed, deterministically.

The scale-1 build takes seconds, so it is built once per seed for the whole module, inside a
transaction that is rolled back at the end (each test runs in its own savepoint inside it).
"""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.urls import reverse

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core import crypto
from zongheng.core.masking import validate_id_number, validate_phone
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs import demo, selectors
from zongheng.orgs.choices import Bond, MemberType, OrgKind
from zongheng.orgs.models import ActivityTeam, LinkedHousehold, Org, Person, Post

SEEDS = [7, 2018]


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def built(request, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            result = demo.build(seed=request.param)
            result.seed = request.param  # type: ignore[attr-defined]
        yield result  # tests still need the db fixture: each runs in a savepoint inside the module's transaction


def regular(level: str) -> int:
    return Org.objects.filter(level__code=level, kind=OrgKind.REGULAR).count()


def test_the_district_has_the_article_shape(built, db):
    district = Org.objects.get(code="340802")
    assert district.name == "迎江区" and district.depth == 1
    streets = Org.objects.filter(level__code="street").order_by("code")
    assert [s.name for s in streets] == [name for name, _ in demo.STREETS]
    assert demo.STREETS[0][0] == "宜城路街道" and demo.STREETS[-1][0] == "滨江街道"
    assert [s.code for s in streets] == [f"340802{i:03d}" for i in range(1, 7)]
    assert sorted(Org.objects.filter(level__code="township").values_list("name", flat=True)) == ["长风乡", "龙狮桥乡"]
    assert regular("community") == 31
    assert regular("village") == 16
    assert regular("grid") == 264
    assert regular("household") == 1357
    assert Org.objects.filter(kind=OrgKind.TEMP_BRANCH).count() == 64
    assert Org.objects.filter(kind=OrgKind.TEMP_GROUP).count() == 156
    # Communities only under streets, villages only under townships, grids under either.
    for community in Org.objects.filter(level__code="community", kind=OrgKind.REGULAR):
        assert Org.objects.get(path=community.path[:-4]).level.code == "street"
    for village in Org.objects.filter(level__code="village", kind=OrgKind.REGULAR):
        assert Org.objects.get(path=village.path[:-4]).level.code == "township"
    parents = {g.path[:-4] for g in Org.objects.filter(level__code="grid", kind=OrgKind.REGULAR)}
    assert Org.objects.filter(path__in=parents).exclude(level__code__in=["community", "village"]).count() == 0
    assert len(parents) == 47


def test_named_communities_sit_where_public_sources_put_them(built, db):
    assert Org.objects.get(name="东正社区").code == "340802004005"
    assert Org.objects.get(name="程家墩社区").code == "340802003003"
    assert Org.objects.get(name="秦潭湖社区").code == "340802006003"
    for name in ("先锋社区", "地质社区", "炮营山社区"):
        assert Org.objects.get(name=name).level.code == "community"
    xianfeng = Org.objects.get(name="先锋社区")
    assert Org.objects.filter(path__startswith=xianfeng.path, level__code="household").count() == 86


def test_the_tree_paths_are_consistent(built, db):
    orgs = list(Org.objects.only("path", "depth", "numchild"))
    paths = {o.path for o in orgs}
    assert all(o.depth * 4 == len(o.path) and (o.depth == 1 or o.path[:-4] in paths) for o in orgs)
    numchild = Counter(o.path[:-4] for o in Org.objects.filter(depth__gt=1).only("path"))
    assert all(o.numchild == numchild.get(o.path, 0) for o in Org.objects.only("path", "numchild"))
    assert not Person.objects.exclude(org_path=F("org__path")).exists()
    registered = Person.objects.filter(registered_org__isnull=False)
    assert not registered.exclude(registered_path=F("registered_org__path")).exists()
    assert not Person.objects.filter(registered_org__isnull=True).exclude(registered_path="").exists()


def test_every_central_household_links_five_to_fifteen_households(built, db):
    per = Org.objects.filter(level__code="household").annotate(n=Count("linked_households"))
    assert per.count() == 1357
    assert all(5 <= o.n <= 15 for o in per)
    assert LinkedHousehold.objects.count() == sum(o.n for o in per)


def test_temporary_organisations_serve_a_front_line_opened_in_2017_or_2018(built, db):
    temps = Org.objects.filter(kind__in=[OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP]).select_related("level")
    assert all(t.purpose and t.opened_on and t.opened_on.year in (2017, 2018) for t in temps)
    assert all(t.closed_on is None or t.closed_on >= t.opened_on for t in temps)
    assert any(t.closed_on for t in temps) and any(t.closed_on is None for t in temps)
    assert {t.purpose for t in temps} >= {"project", "demolition", "flood"}
    hosts = Org.objects.filter(path__in={t.path[:-4] for t in temps})
    assert set(hosts.values_list("level__code", flat=True)) <= {"street", "township", "community", "village"}


def test_functional_organisations_draw_residents_into_activity_teams(built, db):
    functional = Org.objects.filter(kind=OrgKind.FUNCTIONAL)
    assert functional.count() >= 20
    assert set(functional.values_list("bond", flat=True)) == {b.value for b in Bond}
    names = list(functional.values_list("name", flat=True))
    for word in ("布贴剪纸", "书画", "根雕"):
        assert any(word in n for n in names)
    dizhi = Org.objects.get(name="地质社区")
    assert functional.filter(name__contains="同心缘", path__startswith=dizhi.path).exists()
    teams = ActivityTeam.objects.annotate(n=Count("participants"))
    assert teams.count() >= 30
    assert all(t.n > 0 for t in teams)
    assert not Person.objects.filter(teams__isnull=False, is_party_member=True).exists()


def test_the_tree_s_article_figures_are_computed_from_the_records_for_2018(built, db):
    """一张网's tree figures (``net.article``) of the district for 2018 fall in the article's ranges: 264 grids,
    1,357 central households, 64 temporary branches and 156 temporary groups set up since 2017, 20多 functional
    organisations, 30多 teams, 31 secretary assistants sent down in 2018."""
    from django.utils import timezone

    from zongheng.net import article

    district = Org.objects.get(code="340802")
    figures = [f for f in article.FIGURES if f.code.startswith("tree.")]
    assert len(figures) == 7
    values = {f.code: article.value(f, district.path, 2018, timezone.now()) for f in figures}
    assert [f.code for f in figures if not f.low <= values[f.code] <= f.high] == []  # type: ignore[operator]
    assert (values["tree.temp_branches_set_up"], values["tree.temp_groups_set_up"]) == (64, 156)
    assert values["tree.assistants_sent"] == 31
    assert values["tree.functional"] == Org.objects.filter(kind=OrgKind.FUNCTIONAL).count()
    assert values["tree.teams"] == ActivityTeam.objects.count()


def test_about_twenty_thousand_members_of_every_type_spread_over_the_levels(built, db):
    members = Person.objects.filter(is_party_member=True)
    assert 19_000 <= members.count() <= 21_000
    assert set(members.values_list("member_type", flat=True)) == {t.value for t in MemberType}
    levels = set(members.values_list("org__level__code", flat=True))
    assert levels >= {"district", "street", "community", "village", "grid", "household"}
    residents = Person.objects.filter(is_party_member=False)
    assert residents.exists() and not residents.exclude(member_type="").exists()


def test_dual_registered_members_report_to_a_residential_community_other_than_their_own(built, db):
    dongzheng = Org.objects.get(name="东正社区")
    assert Person.objects.filter(registered_org=dongzheng).count() >= 200
    assert Person.objects.filter(org_path__startswith=dongzheng.path, is_party_member=True).count() == 194
    registered = Person.objects.filter(registered_org__isnull=False).select_related("registered_org__level")
    assert registered.exclude(registered_org=dongzheng).count() > 100
    for p in registered:
        assert p.registered_org.level.code == "community"
        assert not p.org_path.startswith(p.registered_path)


def test_every_unit_has_its_cadres_and_every_community_a_secretary_assistant(built, db):
    def holders(level: str, role: str) -> set[int]:
        return set(Post.objects.filter(org__level__code=level, org__kind=OrgKind.REGULAR, role=role)
                   .values_list("org_id", flat=True))

    for level in ("street", "township", "community", "village"):
        assert holders(level, Role.SECRETARY) == set(
            Org.objects.filter(level__code=level, kind=OrgKind.REGULAR).values_list("pk", flat=True))
    assert len(holders("grid", Role.GRID_LEADER)) == 264
    assert len(holders("household", Role.HOUSEHOLD_HEAD)) == 1357
    assistants = Post.objects.filter(role=Role.SECRETARY_ASSISTANT).select_related("org", "sent_from")
    assert assistants.count() == 31
    assert {a.org_id for a in assistants} == set(
        Org.objects.filter(level__code="community", kind=OrgKind.REGULAR).values_list("pk", flat=True))
    assert all(a.sent_from.path == a.org.path[:-4] and a.sent_from.level.code == "street" for a in assistants)
    # A central household is named after its head, who is managed by it.
    heads = Post.objects.filter(role=Role.HOUSEHOLD_HEAD).select_related("person", "org")[:50]
    assert all(h.org.name == f"{h.person.name}党员中心户" and h.person.org_id == h.org_id for h in heads)


def test_child_counts_at_the_district_equal_direct_counts_for_each_street(built, db):
    district = Org.objects.get(code="340802")
    counts = selectors.child_counts(district)
    children = list(selectors.children_of(district))
    assert len(children) == 8
    for child in children:
        below = Org.objects.filter(path__startswith=child.path).exclude(pk=child.pk)
        expected: Counter[str] = Counter()
        for org in below.select_related("level"):
            expected[org.level.code if org.kind == OrgKind.REGULAR else org.kind] += 1
        expected["members"] = Person.objects.filter(org_path__startswith=child.path, is_party_member=True).count()
        expected["registered_out"] = Person.objects.filter(
            org_path__startswith=child.path, is_party_member=True, registered_org__isnull=False).count()
        shown = {k: v for k, v in counts[child.path].items() if v}
        assert shown == {k: v for k, v in expected.items() if v}, child.name
    assert sum(c.get("grid", 0) for p, c in counts.items() if p != district.path) == 264
    assert sum(c.get("household", 0) for p, c in counts.items() if p != district.path) == 1357


def test_phone_and_id_numbers_are_valid_unique_and_stored_encrypted(built, db):
    people = list(Person.objects.values("phone_enc", "phone_masked", "id_enc", "id_masked", "id_hash"))
    assert len({p["id_hash"] for p in people}) == len(people)
    phones = [crypto.decrypt(p["phone_enc"]) for p in people]
    assert len(set(phones)) == len(phones)
    assert all(validate_phone(ph) is None for ph in phones)
    for p in random.Random(0).sample(people, 300):
        number = crypto.decrypt(p["id_enc"])
        assert validate_id_number(number) is None
        assert p["id_masked"] == number[:6] + "*" * 10 + number[-2:]
        assert p["id_hash"] == crypto.blind_index(number)
        assert number not in p["id_enc"]


def test_nobody_named_in_the_article_gets_an_invented_record(built, db):
    assert not Person.objects.filter(name__in=demo.REAL_NAMES).exists()
    for name in demo.REAL_NAMES:
        assert not Org.objects.filter(name__contains=name).exists()


def test_the_same_seed_builds_the_same_district(built, db, monkeypatch):
    # Rebuilt in memory only; encryption (random nonces, and slow) is left out.
    monkeypatch.setattr(demo, "_apply_numbers", lambda person, phone, id_number: None)
    again = demo._Builder(built.seed, 1, 2018, lambda _m: None)
    _, copies = again.tree()
    again.people_and_posts(copies)
    stored_orgs = list(Org.objects.order_by("path").values_list("path", "name"))
    assert sorted((o.path, o.name) for o in again.orgs) == stored_orgs
    stored = list(Person.objects.order_by("id").values_list("name", "org_path", "birth_year"))
    assert [(p.name, p.org_path, p.birth_year) for p in again.people] == stored
    other_seed = next(seed for seed in SEEDS if seed != built.seed)
    other = demo._Builder(other_seed, 1, 2018, lambda _m: None)
    other.tree()
    assert [o.name for o in other.orgs if o.level.code == "household"] != [
        o.name for o in again.orgs if o.level.code == "household"]


def test_a_city_of_several_districts_gets_unique_paths_and_codes(db):
    builder = demo._Builder(1, 2, 2018, lambda _m: None)
    root, copies = builder.tree()
    assert root.name == "安庆市" and root.level.code == "city" and root.numchild == 2
    assert [c[0].name for c in copies] == ["迎江区", "迎江区-2"]
    paths = [o.path for o in builder.orgs]
    assert len(set(paths)) == len(paths)
    codes = [o.code for o in builder.orgs if o.code]
    assert len(set(codes)) == len(codes)
    assert sum(1 for o in builder.orgs if o.level.code == "grid" and o.kind == OrgKind.REGULAR) == 2 * 264


def test_the_build_is_audited_as_one_record(built, db):
    record = AuditLog.objects.get(action="demo.build")
    assert record.after["seed"] == built.seed and record.after["grid"] == 264


def test_demo_accounts_are_ready_to_use_and_listed(built, db):
    users = User.objects.filter(is_demo=True)
    # The liaison accounts are made with their units by the co-building demo (tests/cobuild/test_demo.py).
    accounts = [a for a in demo.DEMO_ACCOUNTS if a["role"] != Role.LIAISON]
    assert sorted(users.values_list("username", flat=True)) == sorted(a["username"] for a in accounts)
    for user in users:
        assert user.check_password(demo.DEMO_PASSWORD) and not user.must_change_password and user.person_id
    member = users.get(username="member")
    assert not Post.objects.filter(person=member.person).exists() and member.person.is_party_member
    out = io.StringIO()
    call_command("demo", "--accounts", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_PASSWORD in text
    for account in accounts:
        assert account["username"] in text


@pytest.mark.parametrize("username", ["district", "street", "community", "grid", "household", "assistant"])
def test_each_demo_account_logs_in_and_sees_exactly_its_subtree(built, db, client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(username=username)
    spec = next(a for a in demo.DEMO_ACCOUNTS if a["username"] == username)
    post = Post.objects.select_related("org").get(person=user.person, role=spec["role"])
    expected = Person.objects.filter(
        Q(org_path__startswith=post.org.path) | Q(registered_path__startswith=post.org.path) | Q(pk=user.person_id))
    response = client.get(reverse("orgs:people"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == expected.count()
    api = client.get("/api/v1/people", {"limit": 1})
    if api.status_code != 404:
        assert api.json()["count"] == expected.count()


def test_the_community_secretary_cannot_reach_another_community(built, db, client):
    client.post(reverse("accounts:login"), {"username": "community", "password": demo.DEMO_PASSWORD})
    xianfeng = Org.objects.get(name="先锋社区")
    elsewhere = Person.objects.exclude(org_path__startswith=xianfeng.path).exclude(
        registered_path__startswith=xianfeng.path).first()
    assert client.get(reverse("orgs:person", args=[elsewhere.pk])).status_code == 404
    other = Org.objects.get(name="东正社区")
    assert client.get(reverse("orgs:org", args=[other.pk])).status_code == 404


def test_the_member_account_sees_only_its_own_record(built, db, client):
    client.post(reverse("accounts:login"), {"username": "member", "password": demo.DEMO_PASSWORD})
    member = User.objects.get(username="member")
    response = client.get(reverse("orgs:people"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].object_list] == [member.person_id]


def test_a_second_run_with_if_empty_keeps_the_data(built, db):
    before = Person.objects.count()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "保留" in out.getvalue()
    assert Person.objects.count() == before


def test_reset_removes_the_demo_data_but_keeps_superusers(built, db):
    admin = User.objects.create_superuser("admin", password="x-Secret-12345")
    cache.set("net.figures:old-district", {"tree.grids": 264})  # a snapshot counted on the data going away
    demo.reset()
    assert cache.get("net.figures:old-district") is None
    assert not Org.objects.exists() and not Person.objects.exists() and not Post.objects.exists()
    assert User.objects.filter(pk=admin.pk).exists()
    assert not User.objects.filter(is_demo=True, is_active=True).exists()
