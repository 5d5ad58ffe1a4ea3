"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py)."""

from zhibu.core.tests.matrix import Case

CASES: dict[str, Case] = {}


def prepare(world) -> None:
    """Records the cases need, added to the matrix's world."""
