from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhibu.core"
    label = "core"

    def ready(self):
        from zhibu.core import checks  # noqa: F401 - registers the system checks
