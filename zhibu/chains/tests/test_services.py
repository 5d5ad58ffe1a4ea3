"""Chain-led learning through the services: participants across the tree, sessions, invitations
that reach the participants' secretaries, replies, attendance by name from each organisation's own
registry, shared materials checked by their bytes, and figures that match the records."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhibu.chains import queries, services
from zhibu.chains.models import Attendee, Invitation, Material, Reply
from zhibu.chains.tests.conftest import invitation_of, session_input
from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.notifications.models import Notification
from zhibu.points import services as points
from zhibu.points.models import PointKind, PointsEntry
from zhibu.registry.choices import OrganizationKind


def record(actor, invitation, *members):
    ids = {member.pk for member in members}
    return services.set_attendance(actor, invitation, ids, ids)


def test_participants_cross_the_tree_and_the_lead_is_left_out(world, chain):
    added = services.add_participants(world.root_user, chain, [world.branch_a1, world.branch_b1, world.company_b])
    assert added == 1  # the lead itself and branch-b1 (in already) are left out
    names = set(chain.memberships.values_list("organization__name", flat=True))
    assert names == {"B 公司党支部", "A 公司流动党员党支部", "B 快递公司党委"}
    # "Every grassroots organisation below" an industry committee: its companies' branches.
    branches = services.expand(world.industry, services.Below.BRANCHES)
    assert {org.code for org in branches} == {"branch-a1", "mobile-a", "branch-b1"}
    assert {org.code for org in services.expand(world.industry, services.Below.CHILDREN)} == {"company-a", "company-b"}
    with pytest.raises(PermissionDenied):
        services.add_participants(world.users["secretary2"], chain, [world.company_a])
    services.remove_participant(world.users["secretary"], chain, world.company_b)
    assert not chain.memberships.filter(organization=world.company_b).exists()


def test_only_the_leads_editors_run_the_chain(world, chain):
    for username in ("secretary2", "city", "cadre", "courier"):
        with pytest.raises(PermissionDenied):
            services.create_session(world.users[username], chain, session_input())
    with pytest.raises(PermissionDenied):
        services.create_chain(world.users["secretary"], services.ChainInput(world.branch_b1, "别人的链"))
    session = services.create_session(world.users["secretary"], chain, session_input())
    assert AuditEvent.objects.filter(object_type="chains.session", object_id=str(session.pk)).exists()


def test_bad_session_input_is_refused_with_a_message(world, chain):
    starts = timezone.now()
    cases = [
        (session_input(ends_at=starts - datetime.timedelta(hours=1), starts_at=starts), "ends_at"),
        (session_input(place=""), "place"),
        (session_input(mode="online", place="", online_link=""), "online_link"),
        (session_input(title="  "), "title"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            services.create_session(world.root_user, chain, data)
        assert field in error.value.message_dict
    assert not chain.sessions.exists()


def test_invitations_reach_the_participants_secretaries(world, chain, django_capture_on_commit_callbacks):
    world.branch_b1.secretary = world.zhao  # the recorded secretary has an account too
    world.branch_b1.save()
    zhao_account = world.user("zhao", "member", world.branch_b1, member=world.zhao)
    session = services.create_session(world.root_user, chain, session_input())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite(world.users["secretary"], session, [world.branch_b1]) == 1
    told = set(Notification.objects.filter(subject__contains="链上党课").values_list("recipient__username", flat=True))
    assert told == {"secretary2", zhao_account.username}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invite(world.users["secretary"], session) == 1  # the rest: mobile-a
        assert services.invite(world.users["secretary"], session) == 0
    assert Invitation.objects.filter(session=session).count() == 2
    with pytest.raises(ValidationError):
        services.invite(world.root_user, session, [world.company_b])  # not a participant


def test_participants_reply_and_may_change_their_mind(world, session):
    b1 = invitation_of(session, world.branch_b1)
    with pytest.raises(PermissionDenied):
        services.reply(world.users["secretary"], b1, True)  # the host does not answer for them
    services.reply(world.users["secretary2"], b1, False)
    services.reply(world.users["secretary2"], b1, True)
    b1.refresh_from_db()
    assert (b1.reply, b1.replied_by.username) == (Reply.ACCEPTED, "secretary2")
    record(world.users["secretary2"], b1, world.zhao)
    with pytest.raises(ValidationError, match="cannot be declined"):
        services.reply(world.users["secretary2"], b1, False)


def test_attendance_is_named_from_the_participants_own_registry(world, session):
    b1 = invitation_of(session, world.branch_b1)
    mobile = invitation_of(session, world.mobile_a)
    # A participant names only its own members (the host may name any participant's: below).
    with pytest.raises(PermissionDenied):
        record(world.users["cadre"], b1, world.zhao)
    with pytest.raises(ValidationError):
        record(world.users["secretary2"], b1, world.zhang)
    with pytest.raises(PermissionDenied):
        record(world.users["secretary2"], mobile, world.wang)
    change = record(world.users["secretary2"], b1, world.zhao)
    assert (change.added, change.removed) == (1, 0)
    b1.refresh_from_db()
    assert b1.reply == Reply.ACCEPTED  # recording accepts a pending invitation
    # Unticking takes back; a member shown but not recorded changes nothing.
    change = services.set_attendance(world.users["secretary2"], b1, set(), {world.zhao.pk})
    assert (change.added, change.removed) == (0, 1)
    assert not Attendee.objects.exists()


def test_an_editor_below_an_invited_company_names_its_own_members(world, chain):
    services.add_participants(world.root_user, chain, [world.company_b])
    session = services.create_session(world.root_user, chain, session_input())
    services.invite(world.root_user, session, [world.company_b])
    company = invitation_of(session, world.company_b)
    assert services.can_record(world.users["secretary2"], company)
    assert not services.can_reply(world.users["secretary2"], company)
    record(world.users["secretary2"], company, world.zhao)
    assert Attendee.objects.get().organization == world.company_b


def test_the_host_records_each_participants_attendance_from_its_sign_in_sheet(world, chain):
    services.add_participants(world.root_user, chain, [world.company_b])
    session = services.create_session(world.root_user, chain, session_input())
    services.invite(world.root_user, session, [world.company_b])
    company = invitation_of(session, world.company_b)
    host = world.users["secretary"]  # edits branch-a1, the lead, and nothing of company B
    assert services.can_record(host, company) and not services.can_reply(host, company)
    assert set(services.recordable_members(host, company)) == {world.zhao}
    record(host, company, world.zhao)
    attendee = Attendee.objects.get()
    assert (attendee.member, attendee.organization) == (world.zhao, world.company_b)
    assert queries.totals(chain) == queries.Totals(sessions_held=1, organizations=1, members=1)
    with pytest.raises(ValidationError):  # only the invited organisation's members
        record(host, company, world.zhang)
    with pytest.raises(PermissionDenied):
        record(world.users["cadre"], company, world.zhao)


def test_a_member_counts_once_per_session(world, chain):
    services.add_participants(world.root_user, chain, [world.company_b])
    session = services.create_session(world.root_user, chain, session_input())
    services.invite(world.root_user, session)
    record(world.root_user, invitation_of(session, world.branch_b1), world.zhao)
    with pytest.raises(ValidationError, match="already recorded"):
        record(world.root_user, invitation_of(session, world.company_b), world.zhao)


def test_attendance_waits_for_the_session_and_stops_at_cancelling(world, chain):
    later = session_input(starts_at=timezone.now() + datetime.timedelta(days=2))
    later.ends_at = later.starts_at + datetime.timedelta(hours=1)
    upcoming = services.create_session(world.root_user, chain, later)
    services.invite(world.root_user, upcoming)
    with pytest.raises(ValidationError, match="30 minutes"):
        record(world.users["secretary2"], invitation_of(upcoming, world.branch_b1), world.zhao)
    services.reply(world.users["secretary2"], invitation_of(upcoming, world.branch_b1), False)
    services.cancel_session(world.users["secretary"], upcoming)
    with pytest.raises(ValidationError, match="cancelled"):
        services.reply(world.users["secretary2"], invitation_of(upcoming, world.branch_b1), True)


def test_a_session_held_cannot_be_cancelled(world, session):
    record(world.root_user, invitation_of(session, world.branch_b1), world.zhao)
    with pytest.raises(ValidationError, match="held"):
        services.cancel_session(world.root_user, session)


def test_declined_organisations_record_nobody_until_they_accept(world, session):
    b1 = invitation_of(session, world.branch_b1)
    services.reply(world.users["secretary2"], b1, False)
    with pytest.raises(ValidationError, match="accept the invitation first"):
        record(world.users["secretary2"], b1, world.zhao)


def test_the_three_figures_match_the_records(world, chain):
    """Distinct organisations and members over the period, not sums over the sessions."""
    admin = world.root_user
    extra = world.add_member("孙倩", make_id_number("440305", "19920202", 77), world.branch_b1)
    first = services.create_session(admin, chain, session_input(title="一月"))
    second = services.create_session(
        admin, chain, session_input(title="二月", starts_at=first.starts_at - datetime.timedelta(days=40))
    )
    never = services.create_session(admin, chain, session_input(title="无人出席"))
    for one in (first, second, never):
        services.invite(admin, one)
    record(admin, invitation_of(first, world.branch_b1), world.zhao, extra)
    record(admin, invitation_of(first, world.mobile_a), world.wang)
    record(admin, invitation_of(second, world.branch_b1), world.zhao)

    totals = queries.totals(chain)
    assert (totals.sessions_held, totals.organizations, totals.members) == (2, 2, 3)
    rows = Attendee.objects.filter(session__chain=chain)
    assert totals.members == rows.values("member").distinct().count()
    assert totals.organizations == rows.values("organization").distinct().count()
    per_session = queries.session_figures([first.pk, second.pk, never.pk])
    assert (per_session[first.pk].organizations, per_session[first.pk].members) == (2, 3)
    assert (per_session[second.pk].organizations, per_session[second.pk].members) == (1, 1)
    assert (per_session[never.pk].invited, per_session[never.pk].members) == (2, 0)
    months = queries.by_month(chain)
    assert sum(month.totals.sessions_held for month in months) == 2
    assert sum(month.totals.members for month in months) == 4  # distinct within each month only
    orgs = {row.organization.code: row for row in queries.by_organization(chain)}
    assert (orgs["branch-b1"].attended, orgs["branch-b1"].members, orgs["branch-b1"].invited) == (2, 2, 3)
    assert (orgs["mobile-a"].attended, orgs["mobile-a"].members) == (1, 1)
    year = timezone.localtime(first.starts_at).year
    assert queries.totals(chain, year + 1).members == 0


def test_who_sees_what(world, session):
    chain = session.chain
    for username in ("admin", "city", "industry", "secretary", "secretary2", "cadre"):
        assert queries.chains(world.users[username]).filter(pk=chain.pk).exists(), username
        assert queries.sessions(world.users[username]).filter(pk=session.pk).exists(), username
    for username in ("station", "courier", "nobody"):
        assert not queries.chains(world.users[username]).exists(), username
    # A participant sees only its own invitation; the host sees them all.
    assert queries.invitations(world.users["secretary2"], session).count() == 1
    assert queries.invitations(world.users["secretary"], session).count() == 2
    # Members see the sessions their organisation (or one above it) is invited to.
    assert list(queries.my_sessions(world.users["courier"])) == [session]
    assert queries.my_sessions(world.users["secretary"]).count() == 0


def test_a_sessions_materials_are_checked_by_their_bytes(world, session):
    fake = SimpleUploadedFile("讲义.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.add_material(world.root_user, session, fake)
    assert "Attach a PDF" in " ".join(error.value.messages)
    empty = SimpleUploadedFile("空.pdf", b"", content_type="application/pdf")
    with pytest.raises(ValidationError, match="empty"):
        services.add_material(world.root_user, session, empty)
    png = SimpleUploadedFile("slides.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, content_type="application/pdf")
    material = services.add_material(world.users["secretary"], session, png)
    assert material.name == "slides.png" and material.file.name.endswith(".png")
    with pytest.raises(PermissionDenied):
        services.add_material(world.users["secretary2"], session, png)
    services.delete_material(world.users["secretary"], material)
    assert not Material.objects.exists()


def test_attending_a_session_earns_points_where_they_are_on(world, session):
    points.set_policy(world.root_user, world.company_b, is_enabled=True)
    points.set_rule(world.root_user, world.company_b, points.RuleInput(PointKind.CHAIN_SESSION_ATTENDED, 4))
    record(world.users["secretary2"], invitation_of(session, world.branch_b1), world.zhao)
    record(world.root_user, invitation_of(session, world.mobile_a), world.wang)  # company-a: points off
    entry = PointsEntry.objects.get()
    assert (entry.member, entry.points, entry.source_key) == (world.zhao, 4, f"chains.session:{session.pk}")


def test_organisations_kinds_do_not_limit_participation(world, chain):
    assert world.industry.kind == OrganizationKind.INDUSTRY_COMMITTEE
    assert services.add_participants(world.root_user, chain, [world.industry, world.city]) == 2
