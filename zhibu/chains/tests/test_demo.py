"""The demo's learning chain: led by the secretary's branch of an express company, about 80 of the
industry's grassroots organisations brought in, past sessions with attendance named from each
organisation, a shared reading each, and figures that match the records."""

import io
import zipfile
from io import StringIO

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.chains import queries
from zhibu.chains.models import Attendee, Chain, Reply
from zhibu.registry.choices import BRANCH_KINDS, OrganizationKind
from zhibu.registry.models import Organization


def test_the_demo_chain_crosses_the_industry_and_counts_its_organisations(db):
    with override_settings(DEBUG=True):
        call_command("seed_demo", "--members", "300", stdout=StringIO(), stderr=StringIO())
    chain = Chain.objects.select_related("lead").get()
    secretary = User.objects.get(username="secretary")
    assert secretary.grants.get().organization == chain.lead
    assert chain.lead.kind in BRANCH_KINDS
    industry = Organization.objects.get(kind=OrganizationKind.INDUSTRY_COMMITTEE, path__in=chain.lead.lineage_paths)
    grassroots = Organization.objects.filter(path__startswith=industry.path, kind__in=BRANCH_KINDS).count()
    participants = chain.memberships.select_related("organization")
    assert participants.count() == min(80, grassroots - 1)
    companies = {row.organization.path[: len(industry.path) + 4] for row in participants}
    assert len(companies) > 2  # across the companies, not the lead's subtree

    sessions = list(chain.sessions.order_by("starts_at"))
    past = [session for session in sessions if session.starts_at < timezone.now()]
    assert len(past) == 4 and len(sessions) == 5
    assert all(session.materials.count() == 1 for session in past)
    reading = past[0].materials.get()
    with zipfile.ZipFile(io.BytesIO(reading.file.read())) as package:
        assert "word/document.xml" in package.namelist()
        assert "快递员" in package.read("word/document.xml").decode()
    upcoming = sessions[-1]
    assert not upcoming.attendees.exists()
    assert upcoming.invitations.filter(reply=Reply.PENDING).exists()

    totals = queries.totals(chain)
    rows = Attendee.objects.filter(session__chain=chain)
    assert totals.sessions_held == 4
    assert totals.organizations == rows.values("organization").distinct().count() > 10
    assert totals.members == rows.values("member").distinct().count() < rows.count()
    assert rows.values("organization").distinct().count() <= participants.count()
    courier = User.objects.get(username="courier")
    assert rows.filter(member=courier.member).count() == 2
    assert queries.my_sessions(courier).filter(attended=True).count() == 2
