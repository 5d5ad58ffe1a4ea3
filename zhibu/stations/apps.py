from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "zhibu.stations"
    label = "stations"
