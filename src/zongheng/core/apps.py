from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zongheng.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from . import collation  # noqa: F401 — registers the pinyin collation on SQLite connections
