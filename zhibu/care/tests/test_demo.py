"""The demo's pairings and contacts: the cadre persona's three members (one overdue, one due this
week), branches that keep to the timeline and branches that fall short, members never contacted,
nobody over the ratio, and nothing that breaks the services' rules."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.care import queries
from zhibu.care.models import Contact, Pairing
from zhibu.care.tests.helpers import ensure_default_rules
from zhibu.core.models import AuditEvent
from zhibu.core.privacy import PERSONAL_NUMBER_RE
from zhibu.registry.models import Organization


def test_the_demo_pairs_the_mobile_members_and_writes_a_year_of_contacts(db):
    ensure_default_rules()
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=StringIO(), stderr=StringIO())
    assert Contact.objects.exists()  # the seed writes the care demo
    admin = User.objects.get(username="admin")

    cadre = User.objects.get(username="cadre")
    rows = queries.my_members(cadre)
    assert len(rows) == 3
    first = [row.next_item for row in rows]
    assert first[0].is_overdue and first[1].is_soon and not first[1].is_overdue and not first[2].is_soon

    open_pairings = Pairing.objects.filter(ended_on=None)
    loads = User.objects.annotate(n=Count("pairings", filter=Q(pairings__ended_on=None))).filter(n__gt=0)
    assert max(loads.values_list("n", flat=True)) <= 3
    assert Pairing.objects.filter(end_reason=Pairing.EndReason.REASSIGNED).exists()  # some history
    never = open_pairings.exclude(member__contacts__isnull=False)
    assert never.exists() and never.count() < open_pairings.count() / 2
    summaries = " ".join(Contact.objects.values_list("summary", flat=True))
    assert not PERSONAL_NUMBER_RE.search(summaries)
    assert not Contact.objects.filter(Q(on__lt=F("pairing__started_on")) | Q(on__gt=timezone.localdate())).exists()
    # Branches differ: the share of paired members overdue is not the same everywhere.
    due = {pairing.pk for pairing in queries.branch_due(admin, Organization.objects.get_root_nodes().first())[1]}
    assert 0 < len(due) < open_pairings.count()
    assert AuditEvent.objects.filter(action="import", object_repr="demo care contacts").exists()
