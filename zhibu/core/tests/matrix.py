"""The vocabulary of the scope matrix (zhibu/core/tests/test_scope_matrix.py): personas, who can
do what, and a Case per URL. Each app with pages lists its own cases in `tests/matrix_cases.py`
(CASES, and prepare(world) for the records they need), and the matrix gathers them."""

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = (
    "anonymous",
    "nobody",
    "admin",
    "city",
    "industry",
    "secretary",
    "secretary2",
    "cadre",
    "station",
    "courier",
)
SEE_A1 = {"admin", "city", "industry", "secretary"}  # may read branch-a1
EDIT_A1 = {"admin", "industry", "secretary"}  # may change branch-a1 and reveal its personal data
REGISTRY_READERS = {"admin", "city", "industry", "secretary", "secretary2", "cadre"}  # hold the view capability
REGISTRY_EDITORS = {"admin", "industry", "secretary", "secretary2"}
SIGNED_IN = set(PERSONAS) - {"anonymous"}


@dataclass
class Case:
    args: Callable = lambda w: []
    method: str = "get"
    body: Callable | None = None
    allowed: set = field(default_factory=set)
    ok: int = 200
    # Answer of a signed-in persona outside `allowed`; `visible` personas get 403 instead of 404.
    denied: int = 404
    visible: set = field(default_factory=set)
    # (text, personas who see it): for lists, which answer 200 to everyone but differ in content.
    marker: tuple[str, set] | None = None
    api: bool = False
    overrides: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.overrides:
            return self.overrides[persona]
        if persona in self.allowed:
            return self.ok
        if persona == "anonymous":
            return 401 if self.api else 302
        return 403 if persona in self.visible else self.denied


A1_VIEW = dict(allowed=SEE_A1)
A1_EDIT = dict(allowed=EDIT_A1, visible={"city"})
PUBLIC = dict(allowed=set(PERSONAS))
