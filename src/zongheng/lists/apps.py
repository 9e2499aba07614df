from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "zongheng.lists"
    label = "lists"
    verbose_name = "一清单"

    def ready(self) -> None:
        from .hooks import register

        register()
