from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Post

from .actions import do_change_password, do_create_token, do_revoke_token
from .models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续 5 次错误后账号将被锁定 1 小时。",
        "inactive": "该账号已停用。",
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        ctx = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from zongheng.orgs.demo import DEMO_ACCOUNTS

            ctx["demo_accounts"] = DEMO_ACCOUNTS
            ctx["demo_password"] = _demo_password()
            # Counted from the records, at most DEMO_SUMMARY_SECONDS old: an anonymous page must not count a
            # city's two million people on every visit (520 ms at scale 100, bench/README.md session 12).
            ctx["demo_summary"] = cache.get_or_set("accounts.demo_summary", _demo_summary, DEMO_SUMMARY_SECONDS)
        return ctx


DEMO_SUMMARY_SECONDS = 300


def _demo_summary() -> list[str]:
    from zongheng.demands.demo import summary as demands_summary
    from zongheng.orgs.demo import login_summary as tree_summary

    return tree_summary() + demands_summary()


def _demo_password() -> str:
    from zongheng.orgs.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


class CurrentPasswordChangeForm(PasswordChangeForm):
    error_messages = {**PasswordChangeForm.error_messages, "password_incorrect": "当前密码不正确，请重新输入。"}

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "当前密码"


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    # The current password is asked even at the forced first change: a session left open
    # (or stolen) must not be enough to take the account over.
    form = CurrentPasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        do_change_password(user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改。")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    new_key = None
    if request.method == "POST":
        try:
            _, new_key = do_create_token(user, request.POST.get("name", ""))
        except ActionError as exc:
            messages.error(request, exc.message)
    posts = []
    if user.person_id:
        posts = list(Post.objects.filter(person_id=user.person_id).active().select_related("org"))
        for post in posts:  # the organisation is a link only where its page opens (an auditor's does not)
            post.can_open = in_scope(user, Perm.ORG_VIEW, post.org.path)  # type: ignore[attr-defined]
    tokens = user.api_tokens.filter(revoked_at__isnull=True)
    return render(request, "accounts/profile.html", {"posts": posts, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=pk)  # type: ignore[union-attr]
    try:
        do_revoke_token(request.user, token)
        messages.success(request, "令牌已撤销。")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:profile")
