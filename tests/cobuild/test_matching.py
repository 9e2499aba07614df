"""Matching proposes resources for a need (and needs for a resource) of the same kind, nearest first, never
beyond what is left; accepting a proposal makes a match and a 资源联享 item in an active agreement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from tests.cobuild.factories_lists import make_need, make_resource, make_unit
from tests.factories import user_with_post
from zongheng.cobuild import matching
from zongheng.cobuild.actions_lists import AGREEMENT_TITLE, do_accept_match, do_close_need
from zongheng.cobuild.choices import AgreementState, ItemKind, NeedState
from zongheng.cobuild.models import Agreement, AgreementItem, Match, Need, Resource
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role


@pytest.fixture
def dept(tree):
    return user_with_post(tree.district, Role.SECRETARY, "district_secretary")


@pytest.fixture
def secretary(tree):
    return user_with_post(tree.communities[0], Role.SECRETARY, "community_secretary")


@pytest.fixture
def places(tree, dept):
    """Units in the need's community, in another community of its street, in the other street."""
    here = make_unit(tree.communities[0], name="本社区单位")
    street = make_unit(tree.communities[1], name="同街道单位")
    far = make_unit(tree.communities[2], name="外街道单位")
    return here, street, far


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_proposals_are_of_the_same_kind_nearest_first_with_their_reason(tree, dept, secretary, places):
    here, street, far = places
    r_far = make_resource(dept, far, "venue", 500, "外街道礼堂")
    r_street = make_resource(dept, street, "venue", 80, "同街道活动室")
    r_here = make_resource(dept, here, "venue", 120, "本社区会议室", idle=True)
    make_resource(dept, here, "funds", 10000, "本社区资金")  # another kind: never proposed
    need = make_need(secretary, tree.communities[0], "venue", 100, "老年活动场地")

    proposals = matching.proposals_for_need(need)

    assert [p.resource for p in proposals] == [r_here, r_street, r_far]
    assert [p.quantity for p in proposals] == [100, 80, 100]  # min(need lacks, resource has left)
    assert proposals[0].reason == "同类资源·同一社区·剩余 120 平方米·闲置资源"
    assert proposals[1].reason == "同类资源·同一街道·剩余 80 平方米"
    assert proposals[2].reason == "同类资源·同在本区·剩余 500 平方米"


def test_used_up_inactive_and_already_matched_resources_are_not_proposed(tree, dept, secretary, places):
    here, _, _ = places
    full = make_resource(dept, here, "volunteers", 10)
    stopped = make_resource(dept, here, "volunteers", 10, active=False)
    open_ = make_resource(dept, here, "volunteers", 30)
    first = make_need(secretary, tree.communities[0], "volunteers", 10)
    do_accept_match(secretary, first, full)
    need = make_need(secretary, tree.communities[0], "volunteers", 50)
    do_accept_match(secretary, need, open_, quantity=5)

    proposed = [p.resource for p in matching.proposals_for_need(_fresh(need))]

    assert full not in proposed and stopped not in proposed and open_ not in proposed


def test_a_need_met_in_part_is_proposed_only_what_it_still_lacks(tree, dept, secretary, places):
    here, street, _ = places
    a = make_resource(dept, here, "funds", 30000)
    b = make_resource(dept, street, "funds", 100000)
    need = make_need(secretary, tree.communities[0], "funds", 50000)
    do_accept_match(secretary, need, a)

    (proposal,) = matching.proposals_for_need(_fresh(need))

    assert proposal.resource == b and proposal.quantity == 50000 - 30000


def test_accepting_makes_a_match_an_item_and_an_agreement_and_consumes_capacity(tree, dept, secretary, places):
    here, _, _ = places
    resource = make_resource(dept, here, "venue", 120, "会议室")
    need = make_need(secretary, tree.communities[0], "venue", 100, "活动场地")

    match = do_accept_match(secretary, need, resource, today=dt.date(2018, 5, 1))

    assert match.quantity == 100 and match.reason.startswith("同类资源·同一社区")
    item = AgreementItem.objects.select_related("agreement").get(pk=match.item_id)
    assert item.kind == ItemKind.SHARED_RESOURCES
    assert item.agreement.org == tree.communities[0] and item.agreement.unit == here
    assert item.agreement.state == AgreementState.ACTIVE and item.agreement.title == AGREEMENT_TITLE
    assert (item.org_path, item.unit_path) == (tree.communities[0].path, here.org_path)
    assert _fresh(resource).used == 100
    assert _fresh(need).state == NeedState.MATCHED
    assert AuditLog.objects.filter(action="cobuild.match_accept", object_id=str(match.pk)).exists()


def test_an_existing_active_agreement_takes_the_item(tree, dept, secretary, places):
    here, _, _ = places
    signed = Agreement.objects.create(org=tree.communities[0], org_path=tree.communities[0].path, unit=here,
                                      unit_path=here.org_path, title="2018年项目认领书", signed_on=dt.date(2018, 1, 5),
                                      starts_on=dt.date(2018, 1, 5), ends_on=dt.date(2018, 12, 31))
    resource = make_resource(dept, here, "skills", 10)
    need = make_need(secretary, tree.communities[0], "skills", 4)

    match = do_accept_match(secretary, need, resource)

    assert match.item.agreement == signed
    assert Agreement.objects.filter(org=tree.communities[0], unit=here).count() == 1
    assert _fresh(need).state == NeedState.MATCHED and _fresh(resource).used == 4


def test_a_partial_match_leaves_the_need_open(tree, dept, secretary, places):
    here, _, _ = places
    resource = make_resource(dept, here, "goods", 30)
    need = make_need(secretary, tree.communities[0], "goods", 100)

    match = do_accept_match(secretary, need, resource)

    assert match.quantity == 30
    assert _fresh(need).state == NeedState.OPEN and _fresh(resource).used == 30


@pytest.mark.parametrize("case", ["again", "too_much", "closed", "other_kind", "inactive"])
def test_refused_accepts_change_nothing(tree, dept, secretary, places, case):
    here, _, _ = places
    resource = make_resource(dept, here, "venue", 50, active=case != "inactive")
    need = make_need(secretary, tree.communities[0], "goods" if case == "other_kind" else "venue", 100)
    if case == "again":
        do_accept_match(secretary, need, resource, quantity=10)
    if case == "closed":
        do_close_need(secretary, need)
    before = (Match.objects.count(), AgreementItem.objects.count(), _fresh(resource).used, _fresh(need).state)

    with pytest.raises(ActionError) as refused:
        do_accept_match(secretary, _fresh(need), resource, quantity=60 if case == "too_much" else None)

    assert refused.value.message  # a Chinese sentence
    assert (Match.objects.count(), AgreementItem.objects.count(), _fresh(resource).used,
            _fresh(need).state) == before


def test_a_cadre_outside_the_need_community_cannot_accept(tree, dept, secretary, places):
    here, _, _ = places
    other = user_with_post(tree.communities[2], Role.SECRETARY)
    resource = make_resource(dept, here, "venue", 50)
    need = make_need(secretary, tree.communities[0], "venue", 10)

    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        do_accept_match(other, need, resource)
    assert not Match.objects.exists() and _fresh(resource).used == 0


def test_proposals_for_a_resource_are_open_needs_nearest_first(tree, dept, secretary, places):
    here, _, _ = places
    resource = make_resource(dept, here, "volunteers", 40)
    far = make_need(dept, tree.communities[3], "volunteers", 10, "外街道需求")
    near = make_need(dept, tree.communities[1], "volunteers", 60, "同街道需求")
    own = make_need(secretary, tree.communities[0], "volunteers", 5, "本社区需求")
    closed = make_need(secretary, tree.communities[0], "volunteers", 5)
    do_close_need(secretary, closed)
    make_need(secretary, tree.communities[0], "funds", 5)

    proposals = matching.proposals_for_resource(resource)

    assert [p.need for p in proposals] == [own, near, far]
    assert [p.quantity for p in proposals] == [5, 40, 10]


def test_a_street_resource_is_same_street_for_its_communities(tree, dept, secretary):
    unit = make_unit(tree.streets[0], name="街道层面单位")
    resource = make_resource(dept, unit, "venue", 300)
    need = make_need(secretary, tree.communities[0], "venue", 100)

    (proposal,) = matching.proposals_for_need(need)

    assert proposal.resource == resource and proposal.tier == 1
    assert matching.proposals_for_resource(_fresh(resource))[0].reason.startswith("同类资源·同一街道")


def test_proposals_cost_the_same_queries_whatever_the_number_of_resources(
        tree, dept, secretary, places, django_assert_max_num_queries):
    here, street, far = places
    need = make_need(secretary, tree.communities[0], "venue", 100)
    make_resource(dept, here, "venue", 10)
    need = _fresh(need)
    with django_assert_max_num_queries(2):
        few = matching.proposals_for_need(need)
    for i in range(15):
        make_resource(dept, [here, street, far][i % 3], "venue", 10 + i)
    with django_assert_max_num_queries(2):
        many = matching.proposals_for_need(need)
    assert len(few) == 1 and len(many) == 16
    resource = Resource.objects.select_related("place__level").get(pk=many[0].resource.pk)
    for i in range(10):
        make_need(dept, tree.communities[i % 4], "venue", 5 + i)
    with django_assert_max_num_queries(1):
        assert len(matching.proposals_for_resource(resource)) == 11


def test_used_always_equals_the_sum_of_its_matches(tree, dept, secretary, places):
    here, street, _ = places
    make_resource(dept, here, "funds", 1000)
    make_resource(dept, street, "funds", 700)
    for q in (300, 900, 600):
        need = make_need(secretary, tree.communities[0], "funds", q)
        for p in matching.proposals_for_need(need):
            do_accept_match(secretary, _fresh(need), p.resource)
            need = _fresh(need)
            if need.state != NeedState.OPEN:
                break
    for r in Resource.objects.all():
        assert r.used == (Match.objects.filter(resource=r).aggregate(s=Sum("quantity"))["s"] or 0) <= r.capacity
    for n in Need.objects.all():
        met = Match.objects.filter(need=n).aggregate(s=Sum("quantity"))["s"] or 0
        assert met <= n.quantity and (n.state == NeedState.MATCHED) == (met == n.quantity)
