from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "zongheng.meetings"
    label = "meetings"
    verbose_name = "联席会议与组织生活"

    def ready(self) -> None:
        from .hooks import register

        register()
