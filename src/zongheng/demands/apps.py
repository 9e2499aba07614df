from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "zongheng.demands"
    label = "demands"
    verbose_name = "民心零距离：居民诉求"
