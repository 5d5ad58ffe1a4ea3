"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

The record is 张晓明's outflow from branch-a1, lost contact, with a finding task given to the
branch secretary."""

from zhibu.core.tests.matrix import A1_EDIT, A1_VIEW, EDIT_A1, REGISTRY_EDITORS, REGISTRY_READERS, SIGNED_IN, Case


def record(w):
    return [w.outflow.pk]


def task(w):
    return [w.finding_task.pk]


CASES: dict[str, Case] = {
    "mobility:index": Case(allowed=REGISTRY_READERS, denied=403, marker=("张晓明", A1_VIEW["allowed"])),
    "mobility:inflow": Case(allowed=REGISTRY_EDITORS, denied=403),
    "mobility:outflow": Case(args=lambda w: [w.zhang.pk], **A1_EDIT),
    "mobility:detail": Case(args=record, **A1_VIEW),
    "mobility:edit": Case(args=record, **A1_EDIT),
    "mobility:lost": Case(args=record, method="post", ok=302, **A1_EDIT),
    "mobility:end": Case(args=record, method="post", ok=302, **A1_EDIT),
    "mobility:reveal": Case(args=record, method="post", allowed=EDIT_A1, visible={"city"}),
    "mobility:task_open": Case(args=record, method="post", ok=302, **A1_EDIT),
    "mobility:poster": Case(args=record, **A1_VIEW),
    "mobility:tasks": Case(allowed=SIGNED_IN, marker=("张晓明", {"secretary"})),
    "mobility:task": Case(args=task, **A1_VIEW),
    # The cadre it is given to (the secretary) and the editors of the branch; a reader may not.
    "mobility:attempt": Case(args=task, method="post", **A1_EDIT),
    "mobility:task_close": Case(args=task, method="post", ok=302, **A1_EDIT),
}


def prepare(world) -> None:
    import datetime

    from django.utils import timezone

    from zhibu.mobility import services

    admin = world.root_user
    since = timezone.localdate() - datetime.timedelta(days=90)
    world.outflow = services.register_outflow(
        admin, world.zhang, services.Whereabouts(since=since, reach_phone="13800138000")
    )
    services.mark_lost(admin, world.outflow, timezone.localdate())
    world.finding_task = services.open_finding_task(admin, world.outflow, world.users["secretary"])
