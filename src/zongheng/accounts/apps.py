from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zongheng.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from zongheng.core.audit_display import register_actions

        from .middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="zongheng.accounts.idle_clock")

        register_actions({"account.password_change": "修改密码", "token.create": "创建 API 令牌",
                          "token.revoke": "撤销 API 令牌"})
