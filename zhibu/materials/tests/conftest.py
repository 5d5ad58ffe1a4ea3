import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English: the Chinese catalogue comes later."""
    with translation.override("en"):
        yield
