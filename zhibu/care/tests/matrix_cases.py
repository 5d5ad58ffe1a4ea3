"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

Pairing and contacts: 王强 (the courier, a mobile member of mobile-a) is paired with the cadre
persona, who logged a talk today; mobile-a has its own talk rule. mobile-a is read by the admin,
city, industry and the cadre, and changed by the admin and industry only."""

from django.utils import timezone

from zhibu.core.tests.matrix import REGISTRY_READERS, SIGNED_IN, Case

SEE_MOBILE_A = {"admin", "city", "industry", "cadre"}
EDIT_MOBILE_A = {"admin", "industry"}
MOBILE_A_EDIT = dict(allowed=EDIT_MOBILE_A, visible=SEE_MOBILE_A - EDIT_MOBILE_A)


def mobile_a(w):
    return [w.mobile_a.pk]


def wang(w):
    return [w.wang.pk]


def contact_body(w):
    fields = {"kind": "talk", "on": str(timezone.localdate()), "channel": "phone", "summary": "谈了近况"}
    return {f"contact-{w.wang.pk}-{name}": value for name, value in fields.items()}


CASES: dict[str, Case] = {
    "care:mine": Case(allowed=SIGNED_IN, marker=("王强", {"cadre"})),
    "care:branches": Case(allowed=REGISTRY_READERS, ok=302, denied=403),
    "care:branch": Case(args=mobile_a, allowed=SEE_MOBILE_A, marker=("王强", SEE_MOBILE_A)),
    "care:branch_due": Case(args=mobile_a, allowed=SEE_MOBILE_A),
    "care:pair": Case(
        args=mobile_a,
        method="post",
        body=lambda w: {"member": w.wang.pk, "cadre": w.users["industry"].pk},
        ok=302,
        **MOBILE_A_EDIT,
    ),
    "care:policy": Case(args=mobile_a, allowed=SEE_MOBILE_A),
    "care:rules": Case(args=mobile_a, allowed=SEE_MOBILE_A),
    "care:rule_remove": Case(args=lambda w: [w.mobile_a.pk, w.care_rule.pk], method="post", ok=302, **MOBILE_A_EDIT),
    "care:pairing_end": Case(
        args=lambda w: [w.pairing.pk],
        method="post",
        body=lambda w: {"reason": "other", "on": str(timezone.localdate())},
        ok=302,
        **MOBILE_A_EDIT,
    ),
    "care:member": Case(args=wang, allowed=SEE_MOBILE_A),
    # The paired cadre and the editors of mobile-a log contacts; the city may read but not log.
    "care:log_contact": Case(
        args=wang, method="post", body=contact_body, ok=302, allowed=EDIT_MOBILE_A | {"cadre"}, visible={"city"}
    ),
    "care:cadre": Case(args=lambda w: [w.users["cadre"].pk], allowed=SEE_MOBILE_A),
}


def prepare(world) -> None:
    import datetime

    from zhibu.care import services

    admin, cadre = world.root_user, world.users["cadre"]
    today = timezone.localdate()
    world.pairing = services.pair(admin, world.mobile_a, world.wang, cadre, today - datetime.timedelta(days=30))
    services.log_contact(cadre, world.wang, services.ContactInput("talk", today, "phone", "谈了近况"))
    world.care_rule = services.set_rule(admin, world.mobile_a, services.RuleInput("talk", "mobile", 60))
