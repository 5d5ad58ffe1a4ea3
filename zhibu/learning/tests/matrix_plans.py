"""Scope matrix cases of the learning plans pages.

The record: company-a's plan "一线员工自学计划" of 安全生产十讲 (world.course) for company-a's
front-line staff, the courier (王强) among them. Company-a's readers (admin, city, industry) see
it; its editors (admin, industry) change it; the courier finds it among their plans."""

from zhibu.core.tests.matrix import REGISTRY_EDITORS, REGISTRY_READERS, SIGNED_IN, Case
from zhibu.learning.tests.matrix_cases import COMPANY_A_READERS

PLAN_TITLE = "一线员工自学计划"
COMPANY_A_EDITORS = {"admin", "industry"}


def plan(w):
    return [w.plan.pk]


CASES: dict[str, Case] = {
    "learning:plans": Case(allowed=REGISTRY_READERS, denied=403, marker=(PLAN_TITLE, COMPANY_A_READERS)),
    "learning:plan": Case(args=plan, allowed=COMPANY_A_READERS),
    "learning:plan_create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "learning:plan_edit": Case(args=plan, allowed=COMPANY_A_EDITORS, visible={"city"}),
    "learning:plan_delete": Case(args=plan, method="post", ok=302, allowed=COMPANY_A_EDITORS, visible={"city"}),
    "learning:my_plans": Case(allowed=SIGNED_IN, marker=(PLAN_TITLE, {"courier"})),
}


def prepare(world) -> None:
    import datetime

    from django.utils import timezone

    from zhibu.learning import services_plans
    from zhibu.learning.models import PlanMode
    from zhibu.registry.choices import WorkRole
    from zhibu.registry.models import Member

    Member.objects.filter(pk=world.wang.pk).update(work_role=WorkRole.FRONTLINE)
    world.wang.refresh_from_db()
    today = timezone.localdate()
    world.plan = services_plans.create_plan(
        world.root_user,
        services_plans.PlanInput(
            organization=world.company_a,
            title=PLAN_TITLE,
            target_org=world.company_a,
            starts_on=today - datetime.timedelta(days=7),
            due_on=today + datetime.timedelta(days=23),
            courses=[world.course],
            mode=PlanMode.SELF,
            work_role=WorkRole.FRONTLINE,
        ),
    )
