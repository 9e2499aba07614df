from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError

from .models import ApiToken, User


@transaction.atomic
def do_change_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(user, "account.password_change", user, object_repr=user.username)


@transaction.atomic
def do_create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Creates an API token; the clear key is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ActionError("请填写令牌名称")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name[:80], prefix=key[3:11], key_hash=ApiToken.hash_key(key))
    audit.record(user, "token.create", token)
    return token, key


@transaction.atomic
def do_revoke_token(user: Any, token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise ActionError("该令牌已撤销")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(user, "token.revoke", token)
