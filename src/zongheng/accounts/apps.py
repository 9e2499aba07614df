from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zongheng.accounts"
    label = "accounts"
    verbose_name = "账号"
