from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "zhibu.chains"
    label = "chains"
