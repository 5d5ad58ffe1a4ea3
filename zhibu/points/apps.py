from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "zhibu.points"
    label = "points"
