from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zongheng.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from zongheng.core.audit_display import register_actions

        register_actions({"account.password_change": "修改密码", "token.create": "创建 API 令牌",
                          "token.revoke": "撤销 API 令牌"})
