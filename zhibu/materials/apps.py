from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "zhibu.materials"
    label = "materials"
