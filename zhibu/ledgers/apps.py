from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "zhibu.ledgers"
    label = "ledgers"
