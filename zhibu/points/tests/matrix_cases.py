"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

Branch-a1 has points on, its ranking shown and a rule for meetings; 张晓明 has points there. Its
settings are read by its readers and changed by its editors; its ranking is for its readers and
its own members (none of the personas but the secretary's branch's readers)."""

from zhibu.core.tests.matrix import A1_EDIT, A1_VIEW, REGISTRY_READERS, SEE_A1, SIGNED_IN, Case


def org(w):
    return [w.branch_a1.pk]


CASES: dict[str, Case] = {
    "points:index": Case(allowed=REGISTRY_READERS, denied=403, marker=("A 公司第一党支部", SEE_A1)),
    "points:mine": Case(allowed=SIGNED_IN, marker=('id="points-off"', {"courier"})),
    "points:settings": Case(args=org, **A1_VIEW),
    "points:policy_remove": Case(args=org, method="post", ok=302, **A1_EDIT),
    "points:rule": Case(
        args=org, method="post", body=lambda w: {"kind": "meeting_attended", "points": "3"}, ok=302, **A1_EDIT
    ),
    "points:rule_remove": Case(args=lambda w: [w.branch_a1.pk, "meeting_attended"], method="post", ok=302, **A1_EDIT),
    "points:ranking": Case(args=org, **A1_VIEW, marker=("张晓明", SEE_A1)),
    "api-1.0.0:my_points": Case(allowed=SIGNED_IN, api=True),
    "api-1.0.0:my_entries": Case(allowed=SIGNED_IN, api=True),
}


def prepare(world) -> None:
    from zhibu.points import services

    services.set_policy(world.root_user, world.branch_a1, is_enabled=True, show_ranking=True)
    services.set_rule(world.root_user, world.branch_a1, services.RuleInput("meeting_attended", 5))
    services.award(world.zhang, "meeting_attended", "meeting:matrix")
