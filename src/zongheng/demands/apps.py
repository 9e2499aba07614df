from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "zongheng.demands"
    label = "demands"
    verbose_name = "民心零距离：居民诉求"

    def ready(self) -> None:
        from .hooks import register

        register()

        from .logredact import install

        install()  # tracking codes and api_key values never reach a log line
