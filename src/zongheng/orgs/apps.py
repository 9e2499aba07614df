from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zongheng.orgs"
    label = "orgs"
    verbose_name = "一纵：组织、人员与职务"

    def ready(self) -> None:
        from .hooks import register

        register()
