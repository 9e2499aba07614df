"""Login lockout, password hashing, idle timeout and the first-login password change."""

import time

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_person, make_user
from zongheng.accounts.models import User
from zongheng.core.models import AuditLog
from zongheng.settings import base as base_settings

PASSWORD = "pw-Secret-123"


def login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.fixture
def person(tree):
    return make_person(tree.communities[0])


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, person):
    make_user(person, "locked")
    for _ in range(5):
        response = login(client, "locked", "wrong-password")
    assert "_auth_user_id" not in client.session
    response = login(client, "locked")
    assert "_auth_user_id" not in client.session
    assert "锁定" in response.content.decode()


def test_four_wrong_passwords_still_let_the_owner_in(client, person):
    make_user(person, "typo")
    for _ in range(4):
        login(client, "typo", "wrong-password")
    response = login(client, "typo")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_wrong_password_is_answered_in_chinese(client, person):
    make_user(person, "someone")
    response = login(client, "someone", "nope")
    assert "用户名或密码不正确" in response.content.decode()


def test_passwords_are_hashed_with_argon2_in_every_deployment(person):
    assert base_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=base_settings.PASSWORD_HASHERS):
        user = make_user(person, "hashed")
        assert User.objects.get(pk=user.pk).password.startswith("argon2$")


@override_settings(SESSION_IDLE_SECONDS=1800)
def test_a_session_idle_for_more_than_thirty_minutes_is_logged_out(client, person):
    make_user(person, "idle")
    login(client, "idle")
    assert client.get(reverse("accounts:profile")).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 1801
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@override_settings(SESSION_IDLE_SECONDS=1800)
def test_a_session_used_within_thirty_minutes_stays_open(client, person):
    make_user(person, "busy")
    login(client, "busy")
    session = client.session
    session["last_seen"] = int(time.time()) - 1700
    session.save()
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.session["last_seen"] >= int(time.time()) - 5  # the request restarted the idle clock


def test_pages_within_a_minute_of_the_last_do_not_write_the_session_again(client, person):
    """The idle clock is kept to the minute: a page opened seconds after the last reads the session and
    writes nothing (no UPDATE of django_session on every request)."""
    make_user(person, "quick")
    login(client, "quick")
    client.get(reverse("accounts:profile"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("accounts:profile")).status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]


def test_a_new_account_must_change_its_initial_password_before_anything_else(client, person):
    make_user(person, "newbie", must_change=True)
    login(client, "newbie")
    response = client.get(reverse("orgs:people"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "A-much-better-pass-42",
         "new_password2": "A-much-better-pass-42"},
    )
    assert response.status_code == 302
    assert not User.objects.get(username="newbie").must_change_password
    assert AuditLog.objects.filter(action="account.password_change", object_repr="newbie").exists()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_weak_new_password_is_refused_in_chinese_and_nothing_changes(client, person):
    make_user(person, "weak", must_change=True)
    login(client, "weak")
    response = client.post(reverse("accounts:password_change"), {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert User.objects.get(username="weak").must_change_password


def test_demo_accounts_are_not_forced_to_change_their_password(client, person):
    make_user(person, "demo", must_change=True, is_demo=True)
    login(client, "demo")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("orgs:people"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
