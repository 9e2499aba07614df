from django.apps import AppConfig


class CobuildConfig(AppConfig):
    name = "zongheng.cobuild"
    label = "cobuild"
    verbose_name = "一横：共驻共建"

    def ready(self) -> None:
        from .hooks import register

        register()
