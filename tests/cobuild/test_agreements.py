"""Claim agreements (项目认领书): created by a street or community with any member unit, moved only along
the transition table, refused in Chinese when stale or out of scope; listed in scope with filters and an
.xlsx export, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.cobuild.factories_agreements import make_agreement, make_item, make_unit, make_world
from zongheng.cobuild import actions_agreements as actions
from zongheng.cobuild.choices import AGREEMENT_TRANSITIONS, AgreementState, ItemState
from zongheng.cobuild.models import Agreement
from zongheng.cobuild.resolve import resolve_any_unit, resolve_side_org
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog


@pytest.fixture
def w(tree):
    return make_world(tree)


def test_a_community_signs_an_agreement_with_a_unit_of_another_street(w):
    a = make_agreement(w.secretary, w.community, w.other_unit)
    assert (a.org_path, a.unit_path) == (w.community.path, w.other_unit.org_path)
    assert AuditLog.objects.filter(action="cobuild.agreement_create", object_id=str(a.pk)).exists()
    # Both sides see it: the community by its side, the other unit's liaison by theirs.
    for user in (w.secretary, w.other_liaison, w.street):
        assert Agreement.objects.restrict(user).filter(pk=a.pk).exists()
    assert not Agreement.objects.restrict(w.liaison).filter(pk=a.pk).exists()


def test_the_side_must_be_in_the_signers_scope_and_forged_ids_get_one_message(w):
    with pytest.raises(ActionError) as out_of_scope:
        resolve_side_org(w.secretary, w.other_community.pk)
    with pytest.raises(ActionError) as missing:
        resolve_side_org(w.secretary, 10**12)
    assert out_of_scope.value.message == missing.value.message
    with pytest.raises(ActionError, match="找不到该驻区单位"):
        resolve_any_unit("abc")
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        make_agreement(w.secretary, w.other_community, w.unit)
    assert not Agreement.objects.exists()


def test_the_create_page_accepts_a_community_and_a_unit_picked_by_their_nodes(client, w):
    client.force_login(w.secretary)
    url = reverse("cobuild:agreement_new")
    assert client.get(url).status_code == 200
    data = {"org": w.community.pk, "unit": w.other_unit.org_id, "title": "2018年度认领书", "signed_on": "2018-03-01",
            "starts_on": "2018-03-01", "ends_on": "2018-12-31", "state": "active"}
    response = client.post(url, data)
    a = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cobuild:agreement", args=[a.pk])
    assert a.unit == w.other_unit
    # A forged side: the same Chinese message, nothing written.
    response = client.post(url, data | {"org": w.other_community.pk, "title": "伪造"})
    assert "街道或社区不存在或不在您的管辖范围内" in response.content.decode()
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize("start", list(AgreementState.values))
def test_transitions_follow_the_table_and_others_are_refused_in_chinese(w, start):
    a = make_agreement(w.secretary, w.community, w.unit, state=AgreementState.DRAFT)
    Agreement.objects.filter(pk=a.pk).update(state=start)
    for target in AgreementState.values:
        a.refresh_from_db()
        if target in AGREEMENT_TRANSITIONS[start]:
            moved = actions.do_transition_agreement(w.secretary, a, target, expected_version=a.version)
            assert moved.state == target
            Agreement.objects.filter(pk=a.pk).update(state=start)
        else:
            with pytest.raises(ActionError, match="不能改为"):
                actions.do_transition_agreement(w.secretary, a, target, expected_version=a.version)
            a.refresh_from_db()
            assert a.state == start


def test_a_stale_version_is_refused_and_nothing_changes(w):
    a = make_agreement(w.secretary, w.community, w.unit, state=AgreementState.DRAFT)
    read = a.version
    actions.do_update_agreement(w.secretary, a, {"title": "改名"}, expected_version=read)
    with pytest.raises(ActionError, match="已被他人更新"):
        actions.do_transition_agreement(w.secretary, a, AgreementState.ACTIVE, expected_version=read)
    a.refresh_from_db()
    assert a.state == AgreementState.DRAFT and a.title == "改名"


def test_done_needs_every_item_finished(w):
    a = make_agreement(w.secretary, w.community, w.unit)
    item = make_item(w.secretary, a, dt.date(2018, 6, 30))
    with pytest.raises(ActionError, match="1 个认领项目未完成"):
        actions.do_transition_agreement(w.secretary, a, AgreementState.DONE, expected_version=a.version)
    actions.do_drop_item(w.secretary, item, "单位搬迁", expected_version=item.version)
    assert actions.do_transition_agreement(w.secretary, a, AgreementState.DONE).state == AgreementState.DONE


def test_the_unit_side_cannot_change_the_agreement(w, client):
    a = make_agreement(w.secretary, w.community, w.unit)
    with pytest.raises(ActionError):
        actions.do_transition_agreement(w.liaison, a, AgreementState.ENDED)
    client.force_login(w.liaison)
    assert client.get(reverse("cobuild:agreement", args=[a.pk])).status_code == 200
    assert client.post(reverse("cobuild:agreement_transition", args=[a.pk]),
                       {"state": "ended", "version": a.version}).status_code == 403
    a.refresh_from_db()
    assert a.state == AgreementState.ACTIVE


def test_the_transition_button_refuses_a_stale_page(client, w):
    a = make_agreement(w.secretary, w.community, w.unit)
    client.force_login(w.secretary)
    url = reverse("cobuild:agreement_transition", args=[a.pk])
    response = client.post(url, {"state": "done", "version": a.version + 1}, follow=True)
    assert "已被他人更新" in response.content.decode()
    response = client.post(url, {"state": "draft", "version": a.version}, follow=True)
    assert "不能改为“草拟”" in response.content.decode()
    a.refresh_from_db()
    assert a.state == AgreementState.ACTIVE


def test_the_page_shows_the_items_and_their_counts(client, w):
    a = make_agreement(w.secretary, w.community, w.unit)
    items = [make_item(w.secretary, a, dt.date(2018, 6, 1) + dt.timedelta(days=i)) for i in range(3)]
    client.force_login(w.secretary)
    html = client.get(reverse("cobuild:agreement", args=[a.pk])).content.decode()
    for item in items:
        assert item.title in html
    assert f"{a.items.count()} 个" in html
    assert a.items.filter(state=ItemState.DONE).count() == 0


def test_the_list_filters_by_state_and_year_and_stays_in_scope(client, w):
    mine = make_agreement(w.secretary, w.community, w.unit, signed_on=dt.date(2018, 3, 1))
    old = make_agreement(w.secretary, w.community, w.unit, signed_on=dt.date(2017, 3, 1), state=AgreementState.DRAFT)
    theirs = make_agreement(w.other_secretary, w.other_community, w.other_unit)
    client.force_login(w.secretary)
    url = reverse("cobuild:agreements")
    html = client.get(url).content.decode()
    assert mine.title in html and old.title in html and theirs.title not in html
    html = client.get(url, {"year": "2018"}).content.decode()
    assert mine.title in html and old.title not in html
    html = client.get(url, {"state": "draft"}).content.decode()
    assert old.title in html and mine.title not in html
    assert client.get(url, {"state": "bogus"}).status_code == 200


def test_the_export_holds_the_filtered_rows_in_scope(client, w):
    make_agreement(w.secretary, w.community, w.unit, signed_on=dt.date(2018, 3, 1))
    make_agreement(w.secretary, w.community, w.unit, signed_on=dt.date(2017, 3, 1))
    make_agreement(w.other_secretary, w.other_community, w.other_unit)
    client.force_login(w.secretary)
    response = client.get(reverse("cobuild:agreements_export"), {"year": "2018"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    expected = Agreement.objects.restrict(w.secretary).filter(signed_on__year=2018).count()
    assert len(rows) - 1 == expected
    assert rows[1][2] == w.unit.name


def _fill(w, n):
    for _ in range(n):
        a = make_agreement(w.secretary, w.community, make_unit(w.community))
        make_item(w.secretary, a, dt.date(2018, 6, 30))


def test_the_list_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.secretary)
    url = reverse("cobuild:agreements")
    _fill(w, 2)
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    _fill(w, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_pickers_offer_sides_in_scope_and_any_unit(client, w):
    client.force_login(w.secretary)
    url = reverse("cobuild:agr_pick")
    sides = client.get(url, {"field": "org"}).content.decode()
    assert w.community.name in sides and w.other_community.name not in sides
    units = client.get(url, {"field": "unit"}).content.decode()
    assert w.unit.name in units and w.other_unit.name in units  # a unit of any street may sign
    assert client.get(url, {"field": "bogus"}).status_code == 404
    client.force_login(w.liaison)
    assert client.get(url, {"field": "unit"}).status_code == 403
