"""The demo's mobility records: every state, through the audited services, and the personas'
share of them (the cadre's mobile-member branch and finding tasks, the secretary's branch)."""

from io import StringIO

from django.core.management import call_command
from django.test import override_settings

from zhibu.accounts.models import User
from zhibu.core.models import AuditEvent
from zhibu.mobility import queries
from zhibu.mobility.models import Direction, FindingAttempt, FindingTask, Mobility


def test_the_demo_has_every_state_the_six_month_rule_and_work_for_the_personas(db):
    output = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=output, stderr=StringIO())
    records = Mobility.objects.all()
    assert {record.state for record in records} == {"registered", "reported", "lost", "returned", "transferred"}
    assert f"{records.count()} mobility records" in output.getvalue()
    assert records.filter(state="reported", direction=Direction.OUTFLOW, paired_with__direction="inflow").exists()
    created = set(AuditEvent.objects.filter(object_type="mobility.mobility", action="create").values_list("object_id"))
    assert created == {(str(pk),) for pk in records.values_list("pk", flat=True)}  # everything audited

    secretary, cadre = User.objects.get(username="secretary"), User.objects.get(username="cadre")
    assert {record.state for record in queries.records(secretary)} >= {"returned", "transferred"}
    assert {record.state for record in queries.records(cadre)} >= {"registered", "reported", "lost"}
    reported_elsewhere = queries.unrecorded_absences(cadre).filter(mobility__direction=Direction.INFLOW)
    assert reported_elsewhere.exists()  # the six-month rule, beyond members merely marked mobile
    tasks = FindingTask.objects.filter(assigned_to=cadre, state=FindingTask.State.OPEN)
    assert tasks.exists() and FindingAttempt.objects.filter(task__in=tasks).count() == 2 * tasks.count()
    assert all(case.days > 0 for case in queries.lost_cases(cadre))
