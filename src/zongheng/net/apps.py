from django.apps import AppConfig


class NetConfig(AppConfig):
    name = "zongheng.net"
    label = "net"
    verbose_name = "一张网"

    def ready(self) -> None:
        from .hooks import register

        register()
