"""Every write of pairings, contacts, care policies and contact rules: one typed function each,
one transaction, permission checked first, audited. The daily reminders are sent from here too."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from zhibu.care.bottomlines import kept
from zhibu.care.models import CarePolicy, Contact, ContactReminder, ContactRule, Pairing
from zhibu.care.timeline import DueItem, Timeline, due_horizon
from zhibu.core import audit
from zhibu.core.privacy import has_personal_number
from zhibu.core.scope import Capability, SystemActor
from zhibu.notifications.backends import Notice
from zhibu.notifications.services import notify
from zhibu.registry.choices import Standing
from zhibu.registry.models import Member, Organization

MAX_MEMBERS_PER_CADRE = 50
REMINDER_INTERVAL = datetime.timedelta(days=7)


def default_members_per_cadre() -> int:
    return settings.ZHIBU_MEMBERS_PER_CADRE


def _require(actor, org: Organization, message: str | None = None) -> None:
    if not actor.scope.covers(org.path, Capability.EDIT):
        raise PermissionDenied(message or _("You may only change the care work of your organisations."))


def members_per_cadre(org: Organization) -> int:
    """The ratio in force: the nearest policy on the organisation or above, else the default."""
    policy = (
        CarePolicy.objects.filter(organization__path__in=org.lineage_paths).order_by("-organization__depth").first()
    )
    return policy.members_per_cadre if policy else default_members_per_cadre()


def open_pairing_count(cadre) -> int:
    return Pairing.objects.filter(cadre=cadre, ended_on=None).count()


def covers_member(org: Organization, member: Member) -> bool:
    """The organisation holds the member's record in its subtree, or the member takes part in it
    (or in an organisation below it)."""
    if member.home_org.path.startswith(org.path):
        return True
    return member.activity_orgs.filter(path__startswith=org.path).exists()


# Policy and rules


@transaction.atomic
def set_policy(actor, org: Organization, members: int) -> CarePolicy:
    _require(actor, org)
    if not 1 <= members <= MAX_MEMBERS_PER_CADRE:
        raise ValidationError(
            {"members_per_cadre": [_("Give a number from 1 to %(max)s.") % {"max": MAX_MEMBERS_PER_CADRE}]}
        )
    policy = CarePolicy.objects.filter(organization=org).first()
    before = policy.members_per_cadre if policy else None
    policy = policy or CarePolicy(organization=org)
    policy.members_per_cadre = members
    policy.save()
    audit.record(
        actor,
        audit.Action.CREATE if before is None else audit.Action.UPDATE,
        policy,
        org=org,
        changes={"members_per_cadre": [before, members]},
    )
    return policy


@dataclass
class RuleInput:
    kind: str
    audience: str
    interval_days: int
    is_active: bool = True


@transaction.atomic
def set_rule(actor, org: Organization, data: RuleInput) -> ContactRule:
    """The organisation's own rule for a kind and audience, replacing the inherited one below it."""
    _require(actor, org)
    rule = ContactRule.objects.filter(organization=org, kind=data.kind, audience=data.audience).first()
    before = {"interval_days": rule.interval_days, "is_active": rule.is_active} if rule else {}
    rule = rule or ContactRule(organization=org, kind=data.kind, audience=data.audience)
    rule.interval_days, rule.is_active = data.interval_days, data.is_active
    if not 1 <= data.interval_days <= 3650:
        raise ValidationError({"interval_days": [_("Give a number of days from 1 to 3650.")]})
    rule.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    rule.save()
    after = {"interval_days": rule.interval_days, "is_active": rule.is_active}
    audit.record(
        actor,
        audit.Action.UPDATE if before else audit.Action.CREATE,
        rule,
        org=org,
        changes={"kind": rule.kind, "audience": rule.audience, **audit.diff(before, after)},
    )
    return rule


@transaction.atomic
def remove_rule(actor, rule: ContactRule) -> None:
    """The organisation's own rule goes; the inherited one applies again."""
    if rule.organization is None:
        raise PermissionDenied(_("The platform's default rules are changed by organisations' own rules."))
    _require(actor, rule.organization)
    audit.record(
        actor,
        audit.Action.DELETE,
        rule,
        org=rule.organization,
        changes={"kind": rule.kind, "audience": rule.audience, "interval_days": rule.interval_days},
    )
    rule.delete()


# Pairing


def _check_cadre(org: Organization, member: Member, cadre) -> None:
    if not cadre.is_active or not cadre.scope.covers(org.path, Capability.VIEW):
        raise ValidationError({"cadre": [_("Choose a cadre whose account covers %(org)s.") % {"org": org.name}]})
    if cadre.member_id == member.pk:
        raise ValidationError({"cadre": [_("A member cannot be paired with themselves.")]})


def _check_ratio(org: Organization, cadre) -> None:
    limit = members_per_cadre(org)
    count = open_pairing_count(cadre)
    if count >= limit:
        raise ValidationError(
            {
                "cadre": [
                    _(
                        "%(cadre)s already looks after %(count)s members: %(org)s allows at most "
                        "%(limit)s mobile members per cadre."
                    )
                    % {"cadre": cadre, "count": count, "org": org.name, "limit": limit}
                ]
            }
        )


def _pairing_state(pairing: Pairing) -> dict:
    return {
        "cadre": pairing.cadre.get_username(),
        "member": pairing.member_id,
        "started_on": str(pairing.started_on),
        "ended_on": str(pairing.ended_on) if pairing.ended_on else None,
        "end_reason": pairing.end_reason,
    }


def _close(actor, pairing: Pairing, reason: str, ended_on: datetime.date) -> None:
    before = _pairing_state(pairing)
    pairing.ended_on, pairing.end_reason = ended_on, reason
    pairing.save(update_fields=["ended_on", "end_reason"])
    audit.record(
        actor,
        audit.Action.UPDATE,
        pairing,
        org=pairing.organization,
        changes=audit.diff(before, _pairing_state(pairing)),
    )


@transaction.atomic
def pair(actor, org: Organization, member: Member, cadre, started_on: datetime.date | None = None) -> Pairing:
    """结对: the cadre looks after the member from `started_on` (today). A member already paired is
    reassigned: the open pairing ends that day as "given to another cadre", and the history stays."""
    _require(actor, org)
    started_on = started_on or timezone.localdate()
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": [_("The date lies in the future.")]})
    if not covers_member(org, member):
        raise ValidationError(
            {"member": [_("%(name)s is neither registered in nor taking part in %(org)s.") % _names(member, org)]}
        )
    if not member.is_mobile or member.standing != Standing.NORMAL:
        raise ValidationError({"member": [_("Only mobile members in normal standing are paired.")]})
    _check_cadre(org, member, cadre)
    current = (
        Pairing.objects.select_for_update()
        .select_related("organization", "cadre")
        .filter(member=member, ended_on=None)
        .first()
    )
    if current is not None:
        if current.cadre_id == cadre.pk:
            raise ValidationError({"cadre": [_("%(name)s is already paired with this cadre.") % _names(member, org)]})
        _require(actor, current.organization)
        if started_on < current.started_on:
            raise ValidationError({"started_on": [_("The new pairing cannot start before the current one.")]})
    _check_ratio(org, cadre)
    if current is not None:
        _close(actor, current, Pairing.EndReason.REASSIGNED, started_on)
    pairing = Pairing.objects.create(
        cadre=cadre, member=member, organization=org, started_on=started_on, created_by=_account(actor)
    )
    audit.record(actor, audit.Action.CREATE, pairing, org=org, changes=audit.diff({}, _pairing_state(pairing)))
    return pairing


@transaction.atomic
def end_pairing(actor, pairing: Pairing, reason: str, ended_on: datetime.date | None = None) -> Pairing:
    _require(actor, pairing.organization)
    ended_on = ended_on or timezone.localdate()
    if not pairing.is_open:
        raise ValidationError(_("This pairing has ended already."))
    if reason not in Pairing.EndReason.values:
        raise ValidationError({"reason": [_("Choose why the pairing ends.")]})
    if ended_on > timezone.localdate() or ended_on < pairing.started_on:
        raise ValidationError({"ended_on": [_("Give a date between the start of the pairing and today.")]})
    _close(actor, pairing, reason, ended_on)
    return pairing


def _account(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _names(member: Member, org: Organization) -> dict:
    return {"name": member.name, "org": org.name}


# Contacts


@dataclass
class ContactInput:
    kind: str
    on: datetime.date
    channel: str
    summary: str
    next_step: str = ""


NO_NUMBERS = gettext_lazy("Leave ID and phone numbers out of the contact log.")


def open_pairing(member: Member) -> Pairing | None:
    return Pairing.objects.select_related("organization", "cadre").filter(member=member, ended_on=None).first()


def may_log_contact(actor, member: Member, pairing: Pairing | None) -> bool:
    """The paired cadre, or someone who may change the pairing's (or the home branch's) records."""
    if pairing is not None and pairing.cadre_id == actor.pk:
        return True
    return actor.scope.covers((pairing.organization if pairing else member.home_org).path, Capability.EDIT)


def _check_contact(data: ContactInput, pairing: Pairing | None) -> None:
    errors: dict[str, list[str]] = {}
    if data.on > timezone.localdate():
        errors["on"] = [_("The date lies in the future.")]
    elif pairing is not None and data.on < pairing.started_on:
        errors["on"] = [
            _("The pairing began on %(date)s: give a date from then on.") % {"date": pairing.started_on.isoformat()}
        ]
    for name in ("summary", "next_step"):
        if has_personal_number(getattr(data, name)):
            errors[name] = [str(NO_NUMBERS)]
    if not data.summary.strip():
        errors["summary"] = [_("Write a short summary of the contact.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def log_contact(actor, member: Member, data: ContactInput) -> tuple[Contact, bool]:
    """A talk, visit or other contact with the member, by the actor. The same contact entered twice
    (same member, cadre, kind and day: a double tap, a retry) is recorded once: the existing one
    comes back with `created` False."""
    pairing = open_pairing(member)
    if not may_log_contact(actor, member, pairing):
        raise PermissionDenied(
            _("Only the paired cadre or the organisation's secretary may log contacts for this member.")
        )
    _check_contact(data, pairing)
    existing = Contact.objects.filter(member=member, cadre=actor, kind=data.kind, on=data.on).first()
    if existing is not None:
        return existing, False
    contact = Contact(
        member=member,
        cadre=actor,
        pairing=pairing,
        organization=pairing.organization if pairing else member.home_org,
        kind=data.kind,
        on=data.on,
        channel=data.channel,
        summary=data.summary.strip(),
        next_step=data.next_step.strip(),
    )
    contact.full_clean(exclude=["member", "cadre", "pairing", "organization"], validate_constraints=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # entered at the same moment from another tab
        return Contact.objects.get(member=member, cadre=actor, kind=data.kind, on=data.on), False
    audit.record(
        actor,
        audit.Action.CREATE,
        contact,
        org=contact.organization,
        changes={"member": member.pk, "kind": contact.kind, "on": str(contact.on), "channel": contact.channel},
    )
    kept.refresh([member.pk], [contact.on.year])
    return contact, True


# Reminders

REMINDER_ACTOR = SystemActor("care_reminders")


def send_contact_reminders(today: datetime.date | None = None) -> int:
    """Tell each cadre whom to contact this week: every item due within a week or overdue, at most
    one reminder per pairing and rule a week. Returns the number of items reminded of."""
    today = today or timezone.localdate()
    now = timezone.now()
    timeline = Timeline.load()
    due = timeline.annotate(
        Pairing.objects.filter(ended_on=None).select_related("member", "organization", "cadre")
    ).filter(next_due__lte=due_horizon(today))
    recent = set(
        ContactReminder.objects.filter(pairing__ended_on=None, sent_at__gt=now - REMINDER_INTERVAL).values_list(
            "pairing_id", "rule_id"
        )
    )
    by_cadre: dict[int, list[DueItem]] = defaultdict(list)
    for pairing in due.iterator(chunk_size=500):
        for item in timeline.items(pairing, today):
            if item.is_soon and (pairing.pk, item.rule.pk) not in recent:
                by_cadre[pairing.cadre_id].append(item)
    with transaction.atomic():
        for items in by_cadre.values():
            _remind(items[0].pairing.cadre, items, now)
    return sum(len(items) for items in by_cadre.values())


def _remind(cadre, items: list[DueItem], now) -> None:
    ContactReminder.objects.bulk_create(
        ContactReminder(pairing=item.pairing, rule=item.rule, due_on=item.due_on, sent_at=now) for item in items
    )
    with translation.override(settings.LANGUAGE_CODE):
        notify([cadre], _reminder_notice(items))


def _reminder_notice(items: list[DueItem]) -> Notice:
    overdue = sum(item.is_overdue for item in items)
    subject = ngettext("%(count)s contact to make this week", "%(count)s contacts to make this week", len(items)) % {
        "count": len(items)
    }
    if overdue:
        subject += _(" (%(overdue)s overdue)") % {"overdue": overdue}
    lines = [
        _("%(name)s: %(kind)s, due %(date)s")
        % {
            "name": item.pairing.member.name,
            "kind": item.kind_label,
            "date": item.due_on.isoformat(),
        }
        for item in items
    ]
    return Notice(subject=subject, body="\n".join(lines), url=reverse("care:mine"))
