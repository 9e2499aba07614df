from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "zongheng.notices"
    label = "notices"
    verbose_name = "一传到底：通知与回执"

    def ready(self) -> None:
        from .hooks import register

        register()
