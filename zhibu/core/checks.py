"""Refuse to serve without the production secrets (settings leave a missing one empty)."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


def missing_secrets() -> list[str]:
    return [name for name in settings.SECRET_NAMES if not getattr(settings, name)]


@register(Tags.security, deploy=True)
def secrets_are_set(app_configs, **kwargs):
    return [
        Error(
            f"{name} is not set",
            hint="Set it in the environment; see the README's configuration table.",
            id="zhibu.E001",
        )
        for name in missing_secrets()
    ]


def require_secrets() -> None:
    missing = missing_secrets()
    if missing:
        raise ImproperlyConfigured(f"set {', '.join(missing)} in the environment before serving zhibu")
