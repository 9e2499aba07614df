"""A role grants only what it holds (issue 12, item 1).

A community secretary could make themselves 审计员 or 组织部干部 on their own community
through ``POST /api/v1/posts`` and the post page, then read the whole district's audit log.
Now the action refuses any role whose permissions the granter does not hold on that
organisation, and 组织部干部 / 审计员 come only from the organisation department at the root
or a superuser. The full who-may-grant-what table is in ``tests/test_permission_matrix.py``.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_person, make_post, make_user, user_with_post
from zongheng.accounts.actions import do_create_token
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.actions import do_create_post, do_end_post
from zongheng.orgs.models import Post

API = "/api/v1"


def bearer(user) -> Client:  # type: ignore[no-untyped-def]
    _, key = do_create_token(user, "测试令牌")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _post_body(person, org, role, **extra):  # type: ignore[no-untyped-def]
    return json.dumps({"person": person.pk, "role": role, "org": org.pk, "starts_on": "2018-03-01", **extra})


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ORG_DEPT])
def test_a_community_secretary_cannot_make_themselves_district_wide_through_the_api(tree, role):
    community = tree.communities[0]
    secretary = user_with_post(community, Role.SECRETARY)
    api = bearer(secretary)
    before = (Post.objects.count(), AuditLog.objects.count())

    response = api.post(f"{API}/posts", data=_post_body(secretary.person, community, role),
                                      content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == f"“{Role(role).label}”只能由区委组织部（顶层组织）或系统管理员任免"
    assert (Post.objects.count(), AuditLog.objects.count()) == before
    # And so the audit log stays closed to them.
    client = Client()
    client.force_login(secretary)
    assert client.get(reverse("core:audit")).status_code == 403


def test_the_post_page_offers_only_the_roles_the_user_may_grant_and_refuses_the_others(client, tree):
    community = tree.communities[0]
    secretary = user_with_post(community, Role.SECRETARY)
    client.force_login(secretary)
    url = reverse("orgs:post_create", args=[community.pk])

    offered = [value for value, _ in client.get(url).context["form"].fields["role"].choices]

    assert offered == [Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER, Role.SECRETARY_ASSISTANT,
                       Role.GRID_LEADER, Role.HOUSEHOLD_HEAD, Role.LIAISON]
    before = Post.objects.count()
    response = client.post(url, {"person": secretary.person.pk, "role": Role.AUDITOR, "starts_on": "2018-03-01"})
    assert response.status_code == 200
    assert "您不能任免该职务" in response.content.decode()
    assert Post.objects.count() == before


def test_a_deputy_secretary_cannot_appoint_a_secretary_who_could_move_organisations(tree):
    community = tree.communities[0]
    deputy = user_with_post(community, Role.DEPUTY_SECRETARY)
    person = make_person(community)
    with pytest.raises(ActionError, match="只能任免权限不超过您在该组织所拥有权限的职务"):
        do_create_post(deputy, {"person": person, "role": Role.SECRETARY, "org": community,
                                "starts_on": "2018-03-01"})
    post = do_create_post(deputy, {"person": person, "role": Role.COMMITTEE_MEMBER, "org": community,
                                   "starts_on": "2018-03-01"})
    assert post.pk


def test_only_the_organisation_department_at_the_root_or_a_superuser_assigns_auditors(tree):
    community = tree.communities[0]
    street_dept = user_with_post(tree.streets[0], Role.ORG_DEPT)  # 组织部干部, but below the root
    root_dept = user_with_post(tree.district, Role.ORG_DEPT)
    superuser = make_user(None, "root", is_superuser=True)
    person = make_person(community)
    data = {"person": person, "org": community, "starts_on": "2018-03-01"}

    with pytest.raises(ActionError, match="只能由区委组织部"):
        do_create_post(street_dept, data | {"role": Role.AUDITOR})
    assert do_create_post(root_dept, data | {"role": Role.AUDITOR}).role == Role.AUDITOR
    assert do_create_post(superuser, data | {"role": Role.ORG_DEPT}).role == Role.ORG_DEPT


def test_a_secretary_cannot_end_a_post_they_could_not_grant(tree):
    community = tree.communities[0]
    secretary = user_with_post(community, Role.SECRETARY)
    auditor_post = make_post(make_person(community), community, Role.AUDITOR)
    with pytest.raises(ActionError, match="只能由区委组织部"):
        do_end_post(secretary, auditor_post)
    auditor_post.refresh_from_db()
    assert auditor_post.ends_on is None
