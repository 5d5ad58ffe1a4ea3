from django.apps import AppConfig


class ContestsConfig(AppConfig):
    name = "zhibu.contests"
    label = "contests"
