from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "zongheng.members"
    label = "members"
    verbose_name = "我是党员我带头"

    def ready(self) -> None:
        from .hooks import register

        register()
