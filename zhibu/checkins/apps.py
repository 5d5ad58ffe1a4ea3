from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "zhibu.checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        from zhibu.checkins import checks  # noqa: F401
