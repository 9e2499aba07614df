from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class WithPerson(UserManager["User"]):
    """Users with their person in the same query: the default manager (``Meta.default_manager_name``), so the
    session's user — ``ModelBackend.get_user`` reads it through ``_default_manager`` — comes with the name every
    page's header shows (``display_name``), one query fewer on every signed-in request. ``User.objects`` stays
    plain."""

    def get_queryset(self) -> models.QuerySet[User]:
        return super().get_queryset().select_related("person")


class User(AbstractUser):
    """A login. Its scope comes from the posts of the person it belongs to."""

    person = models.OneToOneField(
        "orgs.Person", verbose_name="人员", null=True, blank=True,
        on_delete=models.PROTECT, related_name="user",
    )
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    is_demo = models.BooleanField("演示账号", default=False)

    with_person: ClassVar[WithPerson] = WithPerson()  # ``objects``, plain, is AbstractUser's

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        default_manager_name = "with_person"

    def display_name(self) -> str:
        return self.person.name if self.person_id and self.person else self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=80)
    prefix = models.CharField("前缀", max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "zh_" + secrets.token_urlsafe(32)
