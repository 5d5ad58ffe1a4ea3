"""The bottom-lines URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py): figures of
branch-a1 for those who may read it; outside the scope the organisation does not exist (404)."""

from zhibu.core.tests.matrix import A1_VIEW, REGISTRY_READERS, Case


def a1(w):
    return [w.branch_a1.pk]


CASES: dict[str, Case] = {
    "bottom_lines:index": Case(allowed=REGISTRY_READERS),
    "bottom_lines:missing": Case(args=lambda w: [w.branch_a1.pk, "found"], **A1_VIEW),
    "bottom_lines:export": Case(args=a1, **A1_VIEW),
    "api-1.0.0:bottom_lines": Case(args=a1, **A1_VIEW, api=True),
}


def prepare(world) -> None:
    """The figures need no records of their own: a branch without mobile members has figures too."""
