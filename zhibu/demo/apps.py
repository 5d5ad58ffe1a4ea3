from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhibu.demo"
    label = "demo"
