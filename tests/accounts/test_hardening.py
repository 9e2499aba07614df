"""Issue 12, item 6: the account and deployment hardening that is not a page of its own."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_person, make_user
from zongheng.accounts.actions import do_create_token

PASSWORD = "pw-Secret-123"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def person(tree):
    return make_person(tree.communities[0])


def test_changing_the_password_asks_for_the_current_one(client, person):
    user = make_user(person, "changer")
    client.force_login(user)
    new = "Brand-New-pass-2026"
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": "not-the-password", "new_password1": new, "new_password2": new})
    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def _must_change(person, username):
    user = make_user(person, username)
    user.must_change_password, user.is_demo = True, False
    user.save(update_fields=["must_change_password", "is_demo"])
    return user


def test_a_token_of_an_account_on_its_initial_password_is_refused_until_it_is_changed(client, person):
    user = _must_change(person, "fresh")
    _, key = do_create_token(user, "脚本")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    response = client.get("/api/v1/people", **auth)
    assert response.status_code == 403
    assert "修改初始密码" in response.json()["detail"]
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    assert client.get("/api/v1/people", **auth).status_code == 200


def test_a_session_on_its_initial_password_gets_no_api_either(client, person):
    client.force_login(_must_change(person, "fresh2"))
    response = client.get("/api/v1/people")
    assert response.status_code == 403
    assert "修改初始密码" in response.json()["detail"]


def test_open311_api_key_of_an_account_on_its_initial_password_is_refused(client, person):
    user = _must_change(person, "fresh3")
    _, key = do_create_token(user, "open311")
    response = client.get("/open311/v2/requests.json", {"api_key": key})
    assert response.status_code == 403
    assert "修改初始密码" in response.content.decode()


def test_a_declared_body_over_the_cap_is_refused_in_chinese_before_it_is_read(client, person):
    client.force_login(make_user(person, "uploader"))
    with override_settings(UPLOAD_MAX_BYTES=1000):
        response = client.post(reverse("orgs:import"),
                               {"file": SimpleUploadedFile("big.xlsx", b"x" * 5000)})
    assert response.status_code == 413
    assert "上传的内容过大" in response.content.decode()


def test_a_streamed_file_over_the_cap_stops_the_upload(rf, person):
    from django.core.exceptions import RequestDataTooBig

    from zongheng.core.uploads import LimitedUploadHandler

    handler = LimitedUploadHandler()
    with override_settings(UPLOAD_MAX_BYTES=1000):
        handler.receive_data_chunk(b"x" * 600, 0)
        with pytest.raises(RequestDataTooBig):
            handler.receive_data_chunk(b"x" * 600, 600)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file only exists on SQLite")
def test_the_var_folder_is_private(settings):
    mode = stat.S_IMODE(os.stat(settings.VAR_DIR).st_mode)
    assert mode == 0o700


def _production_check(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ZONGHENG_", "DJANGO_"))}
    base.update({"DJANGO_SETTINGS_MODULE": "zongheng.settings.production", "DJANGO_ALLOWED_HOSTS": "x.example.org",
                 "PYTHONPATH": str(ROOT / "src"), **env})
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=base,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_production_refuses_to_start_in_test_mode_without_keys():
    result = _production_check(ZONGHENG_TESTING="1")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_demo_keys_even_when_given():
    from zongheng.settings.base import _DEV_FIELD_KEY, _DEV_SECRET

    result = _production_check(DJANGO_SECRET_KEY=_DEV_SECRET, ZONGHENG_FIELD_KEY=_DEV_FIELD_KEY)
    assert result.returncode != 0
    assert "演示密钥" in result.stderr
    real_field_key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY="
    ok = _production_check(DJANGO_SECRET_KEY="x" * 60, ZONGHENG_FIELD_KEY=real_field_key)
    assert ok.returncode == 0, ok.stderr


def test_demo_mode_is_not_debug_mode():
    result = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        env={**{k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG"}},
             "DJANGO_SETTINGS_MODULE": "zongheng.settings.base", "ZONGHENG_DEMO": "1", "PYTHONPATH": str(ROOT / "src")},
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr
