from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "zhibu.learning"
    label = "learning"
