import pytest
from django.utils import translation

from zhibu.meetings.tests.conftest import assembly, online  # noqa: F401 (fixtures used here too)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English: the Chinese catalogue comes later."""
    with translation.override("en"):
        yield
