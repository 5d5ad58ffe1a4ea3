import pytest
from django.core.exceptions import ImproperlyConfigured

from zhibu.core.checks import require_secrets, secrets_are_set


def test_missing_production_secrets_stop_serving(settings):
    settings.ZHIBU_FIELD_KEYS = ""
    assert [error.id for error in secrets_are_set(None)] == ["zhibu.E001"]
    with pytest.raises(ImproperlyConfigured, match="ZHIBU_FIELD_KEYS"):
        require_secrets()


def test_configured_secrets_pass():
    assert secrets_are_set(None) == []
    require_secrets()
