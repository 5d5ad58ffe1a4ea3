"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

The records are branch-a1's: a launched campaign "A1 学习用书" with a delivery to 张晓明 (sent) and
to 李娜, and a draft "A1 红色包裹"; mobile-a's "流动党员红色包裹" has a parcel for the courier. The member's one tap is tried on 张晓明's delivery: only the
editors of branch-a1 may confirm it, the courier (王强) may not."""

from zhibu.core.tests.matrix import A1_EDIT, A1_VIEW, REGISTRY_EDITORS, REGISTRY_READERS, SEE_A1, SIGNED_IN, Case


def launched(w):
    return [w.a1_campaign.pk]


def draft(w):
    return [w.a1_draft.pk]


def zhang(w):
    return [w.zhang_delivery.pk]


def send_body(w):
    return {"tracking_number": "SF1234567890", "sent_on": w.today.isoformat()}


def bulk_body(w):
    return {"delivery": [w.li_delivery.pk], f"tracking-{w.li_delivery.pk}": "SF0000000002", "sent_on": w.today}


CASES: dict[str, Case] = {
    "materials:index": Case(allowed=REGISTRY_READERS, denied=403, marker=("A1 学习用书", SEE_A1)),
    "materials:create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "materials:detail": Case(args=launched, **A1_VIEW),
    "materials:edit": Case(args=draft, **A1_EDIT),
    "materials:launch": Case(args=draft, method="post", ok=302, **A1_EDIT),
    "materials:close": Case(args=launched, method="post", ok=302, **A1_EDIT),
    "materials:discard": Case(args=draft, method="post", ok=302, **A1_EDIT),
    "materials:deliveries": Case(allowed=REGISTRY_READERS, denied=403, marker=("张晓明", SEE_A1)),
    # Readers get 403 for a row they see; 404 for one outside their scope.
    "materials:bulk_send": Case(method="post", body=bulk_body, ok=302, **A1_EDIT),
    "materials:delivery": Case(args=zhang, **A1_VIEW),
    "materials:send": Case(args=zhang, method="post", body=send_body, ok=302, **A1_EDIT),
    "materials:receive": Case(args=zhang, method="post", ok=302, **A1_EDIT),
    "materials:mine": Case(allowed=SIGNED_IN, marker=("流动党员红色包裹", {"courier"})),
}


def prepare(world) -> None:
    import datetime

    from django.utils import timezone

    from zhibu.materials import services
    from zhibu.materials.models import Delivery

    admin = world.root_user
    world.today = timezone.localdate()
    world.a1_campaign = services.create_campaign(
        admin, services.CampaignInput(world.branch_a1, "A1 学习用书", "学习读本", mobile_only=False)
    )
    services.launch(admin, world.a1_campaign, at=timezone.now() - datetime.timedelta(days=3))
    world.zhang_delivery = Delivery.objects.get(campaign=world.a1_campaign, member=world.zhang)
    world.li_delivery = Delivery.objects.get(campaign=world.a1_campaign, member=world.li)
    services.mark_sent(admin, world.zhang_delivery, "SF9999999999")
    for_mobile = services.create_campaign(
        admin, services.CampaignInput(world.mobile_a, "流动党员红色包裹", "党章\n党徽", mobile_only=True)
    )
    services.launch(admin, for_mobile)
    world.a1_draft = services.create_campaign(
        admin, services.CampaignInput(world.branch_a1, "A1 红色包裹", "党章", mobile_only=False)
    )
