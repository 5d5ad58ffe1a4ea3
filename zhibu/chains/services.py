"""Every write of chain-led learning: one typed function each, one transaction, the permission
checked first, audited.

Who may act:
- the editors of the lead organisation run the chain: its participants, its sessions, the
  invitations and the shared materials;
- the editors of an invited organisation reply to its invitation;
- attendance is recorded by name by the editors of the invited organisation, or of an
  organisation below it for its own members (a branch of an invited company): each side names
  only members of its own registry. The host sees the counts.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.accounts.models import User
from zhibu.chains.models import Attendee, Chain, Invitation, Material, Mode, Participant, Reply, Session
from zhibu.core import audit
from zhibu.core.scope import Capability, Role
from zhibu.meetings import files
from zhibu.notifications.backends import Notice
from zhibu.notifications.services import notify
from zhibu.points import services as points
from zhibu.points.models import PointKind
from zhibu.registry.choices import BRANCH_KINDS, Standing
from zhibu.registry.models import Member, Organization

MAX_PARTICIPANTS_AT_ONCE = 1000
# Attendance can be recorded from this long before a session starts (people arrive early).
OPENS_BEFORE = datetime.timedelta(minutes=30)
SESSION_FIELDS = ("title", "starts_at", "ends_at", "mode", "place", "online_link", "agenda")


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# Permissions


def can_manage(actor, chain: Chain) -> bool:
    return actor.scope.covers(chain.lead.path, Capability.EDIT)


def can_reply(actor, invitation: Invitation) -> bool:
    return actor.scope.covers(invitation.organization.path, Capability.EDIT)


def can_record(actor, invitation: Invitation) -> bool:
    """The host, from its sign-in sheet; editors of the invited organisation, or of one below it."""
    if can_manage(actor, invitation.session.chain):
        return True
    path = invitation.organization.path
    if actor.scope.covers(path, Capability.EDIT):
        return True
    return any(prefix.startswith(path) for prefix in actor.scope.prefixes(Capability.EDIT))


def _require_manage(actor, chain: Chain) -> None:
    if not can_manage(actor, chain):
        raise PermissionDenied(_("Only the lead organisation's editors run this chain."))


def _require_lead(actor, lead: Organization) -> None:
    if not actor.scope.covers(lead.path, Capability.EDIT):
        raise PermissionDenied(_("You may only lead chains from your own organisations."))


# Chains


@dataclass
class ChainInput:
    lead: Organization
    name: str
    description: str = ""


def _chain_state(chain: Chain) -> dict:
    return {"lead": chain.lead_id, "name": chain.name, "description": chain.description}


def _apply_chain(chain: Chain, data: ChainInput) -> None:
    chain.lead, chain.name, chain.description = data.lead, data.name.strip(), data.description.strip()
    if not chain.name:
        raise ValidationError({"name": [_("Give the chain a name.")]})
    chain.full_clean(exclude=["created_by"])


@transaction.atomic
def create_chain(actor, data: ChainInput) -> Chain:
    _require_lead(actor, data.lead)
    chain = Chain(created_by=_user(actor))
    _apply_chain(chain, data)
    chain.save()
    audit.record(actor, audit.Action.CREATE, chain, org=chain.lead, changes=audit.created(_chain_state(chain)))
    return chain


@transaction.atomic
def update_chain(actor, chain: Chain, data: ChainInput) -> Chain:
    _require_manage(actor, chain)
    _require_lead(actor, data.lead)
    if data.lead.pk != chain.lead_id and chain.memberships.filter(organization=data.lead).exists():
        raise ValidationError({"lead": [_("That organisation takes part in the chain; remove it first.")]})
    before = _chain_state(chain)
    _apply_chain(chain, data)
    chain.save()
    audit.record(actor, audit.Action.UPDATE, chain, org=chain.lead, changes=audit.diff(before, _chain_state(chain)))
    return chain


# Participants


class Below:
    """Which organisations a pick adds: the one picked, its direct sub-organisations, or every
    grassroots organisation (branch) in its subtree."""

    ITSELF = "itself"
    CHILDREN = "children"
    BRANCHES = "branches"


def expand(organization: Organization, below: str) -> list[Organization]:
    if below == Below.CHILDREN:
        return list(Organization.objects.get_children(organization).filter(dissolved_on=None))
    if below == Below.BRANCHES:
        return list(
            Organization.objects.filter(
                path__startswith=organization.path, kind__in=BRANCH_KINDS, dissolved_on=None
            ).order_by("path")
        )
    return [organization]


@transaction.atomic
def add_participants(actor, chain: Chain, organizations: list[Organization]) -> int:
    """Brings organisations into the chain, wherever they are in the tree. The lead itself and
    organisations already in are left out. Returns how many were added."""
    _require_manage(actor, chain)
    if len(organizations) > MAX_PARTICIPANTS_AT_ONCE:
        raise ValidationError(_("Add at most %(max)s organisations at once.") % {"max": MAX_PARTICIPANTS_AT_ONCE})
    if any(not org.is_active for org in organizations):
        raise ValidationError(_("A dissolved organisation cannot take part."))
    present = set(chain.memberships.values_list("organization_id", flat=True))
    new = {org.pk for org in organizations} - present - {chain.lead_id}
    Participant.objects.bulk_create(
        Participant(chain=chain, organization_id=pk, added_by=_user(actor)) for pk in sorted(new)
    )
    if new:
        audit.record(actor, audit.Action.UPDATE, chain, org=chain.lead, changes={"participants_added": sorted(new)})
    return len(new)


@transaction.atomic
def remove_participant(actor, chain: Chain, organization: Organization) -> None:
    """The organisation leaves the chain; its past invitations and attendance stay in the figures."""
    _require_manage(actor, chain)
    deleted, _rows = Participant.objects.filter(chain=chain, organization=organization).delete()
    if not deleted:
        raise ValidationError(_("That organisation does not take part in this chain."))
    audit.record(actor, audit.Action.UPDATE, chain, org=chain.lead, changes={"participants_removed": [organization.pk]})


# Sessions


@dataclass
class SessionInput:
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str = Mode.IN_PLACE
    place: str = ""
    online_link: str = ""
    agenda: str = ""


def _session_state(session: Session) -> dict:
    return {name: getattr(session, name) for name in SESSION_FIELDS} | {"is_cancelled": session.is_cancelled}


def _apply_session(session: Session, data: SessionInput) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = [_("Give the session a title.")]
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = [_("The session must end after it starts.")]
    if data.mode == Mode.ONLINE and not data.online_link.strip():
        errors["online_link"] = [_("Give the link of the online session.")]
    if data.mode == Mode.IN_PLACE and not data.place.strip():
        errors["place"] = [_("Give the place where the session is held.")]
    if errors:
        raise ValidationError(errors)
    for name in SESSION_FIELDS:
        value = getattr(data, name)
        setattr(session, name, value.strip() if isinstance(value, str) else value)
    if session.mode == Mode.ONLINE:
        session.place = ""
    else:
        session.online_link = ""
    session.full_clean(exclude=["chain", "created_by"])


@transaction.atomic
def create_session(actor, chain: Chain, data: SessionInput) -> Session:
    _require_manage(actor, chain)
    session = Session(chain=chain, created_by=_user(actor))
    _apply_session(session, data)
    session.save()
    audit.record(actor, audit.Action.CREATE, session, org=chain.lead, changes=audit.created(_session_state(session)))
    return session


@transaction.atomic
def update_session(actor, session: Session, data: SessionInput) -> Session:
    _require_manage(actor, session.chain)
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    before = _session_state(session)
    _apply_session(session, data)
    session.save()
    changes = audit.diff(before, _session_state(session))
    audit.record(actor, audit.Action.UPDATE, session, org=session.chain.lead, changes=changes)
    if "starts_at" in changes or "place" in changes or "online_link" in changes:
        _tell(session, session.invitations.all(), _("Session changed: %(title)s") % {"title": session.title})
    return session


@transaction.atomic
def cancel_session(actor, session: Session) -> Session:
    """Only before anyone's attendance is recorded: a session held stays in the figures."""
    _require_manage(actor, session.chain)
    if session.is_cancelled:
        return session
    if session.attendees.exists():
        raise ValidationError(_("Attendance is recorded for this session: it was held and cannot be cancelled."))
    session.is_cancelled = True
    session.save(update_fields=["is_cancelled"])
    audit.record(actor, audit.Action.UPDATE, session, org=session.chain.lead, changes={"is_cancelled": [False, True]})
    _tell(session, session.invitations.all(), _("Session cancelled: %(title)s") % {"title": session.title})
    return session


# Invitations


def secretaries(organization_ids: list[int]) -> list[User]:
    """Who hears of an invitation: the accounts with a secretary's or administrator's grant on the
    organisation itself, and the account of its recorded secretary. Two queries however many."""
    granted = User.objects.filter(
        is_active=True,
        grants__organization_id__in=organization_ids,
        grants__role__in=[Role.SECRETARY, Role.ORG_ADMIN],
    )
    secretary_members = Organization.objects.filter(pk__in=organization_ids, secretary__isnull=False).values(
        "secretary_id"
    )
    recorded = User.objects.filter(is_active=True, member_id__in=secretary_members)
    return list(User.objects.filter(Q(pk__in=granted.values("pk")) | Q(pk__in=recorded.values("pk"))))


def _tell(session: Session, invitations, subject: str) -> None:
    when = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
    org_ids = list(invitations.values_list("organization_id", flat=True))
    if org_ids:
        notice = Notice(
            subject=subject,
            body=f"{session.chain.lead.name} · {session.title} · {when}",
            url=reverse("chains:session", args=[session.pk]),
        )
        notify(secretaries(org_ids), notice)


@transaction.atomic
def invite(actor, session: Session, organizations: list[Organization] | None = None) -> int:
    """Invites the chain's participants (all of them, or the ones given) not invited yet; their
    secretaries are told. Returns how many invitations were sent."""
    chain = session.chain
    _require_manage(actor, chain)
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    members = set(chain.memberships.values_list("organization_id", flat=True))
    wanted = members if organizations is None else {org.pk for org in organizations}
    if wanted - members:
        raise ValidationError(_("Only the chain's participant organisations can be invited."))
    new = sorted(wanted - set(session.invitations.values_list("organization_id", flat=True)))
    now = timezone.now()
    Invitation.objects.bulk_create(Invitation(session=session, organization_id=pk, sent_at=now) for pk in new)
    if new:
        audit.record(actor, audit.Action.UPDATE, session, org=chain.lead, changes={"invited": new})
        _tell(
            session,
            session.invitations.filter(organization_id__in=new),
            _("Invitation: %(title)s") % {"title": session.title},
        )
    return len(new)


@transaction.atomic
def reply(actor, invitation: Invitation, accept: bool) -> Invitation:
    """The invited organisation accepts or declines; it may change its mind until attendance is
    recorded for it."""
    if not can_reply(actor, invitation):
        raise PermissionDenied(_("Only the invited organisation's editors reply to its invitation."))
    if invitation.session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    answer = Reply.ACCEPTED if accept else Reply.DECLINED
    if answer == Reply.DECLINED and invitation.attendees.exists():
        raise ValidationError(_("Attendance is recorded for your organisation: the invitation cannot be declined."))
    before = invitation.reply
    invitation.reply, invitation.replied_at, invitation.replied_by = answer, timezone.now(), _user(actor)
    invitation.save(update_fields=["reply", "replied_at", "replied_by"])
    audit.record(
        actor, audit.Action.UPDATE, invitation, org=invitation.organization, changes={"reply": [before, answer]}
    )
    host = invitation.session.created_by
    if host is not None and before != answer:
        label = Reply(answer).label
        notify(
            [host],
            Notice(
                subject=f"{invitation.organization.name}: {label}",
                body=invitation.session.title,
                url=reverse("chains:session", args=[invitation.session_id]),
            ),
        )
    return invitation


# Attendance


def recordable_members(actor, invitation: Invitation):
    """The members the actor may name for this invitation: in normal standing, their record held
    in the invited organisation's subtree; for anyone but the host, also in the actor's own
    editing scope."""
    members = Member.objects.filter(home_org__path__startswith=invitation.organization.path, standing=Standing.NORMAL)
    if can_manage(actor, invitation.session.chain):
        return members
    return members.filter(actor.scope.q("home_org__path", Capability.EDIT))


@dataclass
class AttendanceChange:
    added: int
    removed: int


@transaction.atomic
def set_attendance(actor, invitation: Invitation, present: set[int], considered: set[int]) -> AttendanceChange:
    """Of the members `considered` (those shown on the page), the `present` ones attended, for
    this invitation; the others are taken back if they were recorded for it. Recording accepts a
    pending invitation. Every member is checked before anything is written."""
    if not can_record(actor, invitation):
        raise PermissionDenied(_("Only the host or the invited organisation records attendance."))
    session = invitation.session
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    if timezone.now() < session.starts_at - OPENS_BEFORE:
        raise ValidationError(_("Attendance can be recorded from 30 minutes before the session starts."))
    if present and invitation.reply == Reply.DECLINED:
        raise ValidationError(_("Your organisation declined this session: accept the invitation first."))
    present, considered = set(present), set(considered) | set(present)
    allowed = set(recordable_members(actor, invitation).filter(pk__in=considered).values_list("pk", flat=True))
    if present - allowed:
        raise ValidationError(_("Only members of the invited organisation in your registry can be named."))
    elsewhere = dict(
        Attendee.objects.filter(session=session, member_id__in=present)
        .exclude(invitation=invitation)
        .values_list("member__name", "organization__name")
    )
    if elsewhere:
        name, org = next(iter(elsewhere.items()))
        raise ValidationError(
            _("%(name)s is already recorded at this session with %(org)s.") % {"name": name, "org": org}
        )
    recorded = set(invitation.attendees.values_list("member_id", flat=True))
    added = sorted(present - recorded)
    removed = sorted((considered & allowed & recorded) - present)
    now = timezone.now()
    Attendee.objects.bulk_create(
        Attendee(
            session=session,
            invitation=invitation,
            organization_id=invitation.organization_id,
            member_id=pk,
            recorded_by=_user(actor),
            recorded_at=now,
        )
        for pk in added
    )
    if removed:
        Attendee.objects.filter(invitation=invitation, member_id__in=removed).delete()
    if added and invitation.reply == Reply.PENDING:
        invitation.reply, invitation.replied_at, invitation.replied_by = Reply.ACCEPTED, now, _user(actor)
        invitation.save(update_fields=["reply", "replied_at", "replied_by"])
    if added or removed:
        audit.record(
            actor,
            audit.Action.UPDATE,
            invitation,
            org=invitation.organization,
            changes={"attended": {"added": added, "taken_back": removed}},
        )
    points.award_many(added, PointKind.CHAIN_SESSION_ATTENDED, session, at=session.starts_at)
    return AttendanceChange(len(added), len(removed))


# Materials


@transaction.atomic
def add_material(actor, session: Session, upload) -> Material:
    """A file for the invited organisations, checked by size and by its first bytes (PDF, Word,
    Excel, JPEG or PNG), whatever its name says."""
    _require_manage(actor, session.chain)
    extension = files.check_upload(upload)
    material = Material(
        session=session, name=files.display_name(upload.name, extension), size=upload.size, uploaded_by=_user(actor)
    )
    upload.seek(0)
    material.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(upload.read()), save=False)
    material.save()
    audit.record(
        actor,
        audit.Action.CREATE,
        material,
        org=session.chain.lead,
        changes={"name": [None, material.name], "size": [None, material.size]},
    )
    return material


@transaction.atomic
def delete_material(actor, material: Material) -> None:
    _require_manage(actor, material.session.chain)
    audit.record(
        actor, audit.Action.DELETE, material, org=material.session.chain.lead, changes={"name": [material.name, None]}
    )
    stored, storage = material.file.name, material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(stored))
