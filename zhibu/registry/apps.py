from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "zhibu.registry"
    label = "registry"
