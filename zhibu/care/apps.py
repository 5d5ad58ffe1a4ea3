from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "zhibu.care"
    label = "care"
