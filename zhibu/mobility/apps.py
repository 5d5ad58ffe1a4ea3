from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "zhibu.mobility"
    label = "mobility"
