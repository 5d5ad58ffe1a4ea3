"""Every write of material campaigns and deliveries: one typed function each, one transaction, audited.

Who may act: the editors (Capability.EDIT) of the campaign's organisation run the campaign; a
delivery may be changed by the editors of the campaign's organisation or of the member's home
organisation; the member confirms their own receipt.
"""

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import DateTimeField, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.accounts.models import User
from zhibu.care.bottomlines import kept
from zhibu.core import audit, bulk
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.notifications.backends import Notice
from zhibu.notifications.services import notify
from zhibu.registry.models import Organization

TRACKING_NUMBER_RE = re.compile(r"^[A-Z0-9]{6,40}$")
CAMPAIGN_FIELDS = ("organization", "title", "contents", "mobile_only")


# Permissions


def can_run(actor, campaign: Campaign) -> bool:
    return actor.scope.covers(campaign.organization.path, Capability.EDIT)


def can_change(actor, delivery: Delivery) -> bool:
    """Editors of the member's home organisation or of the campaign's organisation."""
    paths = (delivery.member.home_org.path, delivery.campaign.organization.path)
    return any(actor.scope.covers(path, Capability.EDIT) for path in paths)


def _require_run(actor, campaign: Campaign) -> None:
    if not can_run(actor, campaign):
        raise PermissionDenied(_("You may only run the campaigns of your organisations."))


def _require_organization(actor, organization: Organization) -> None:
    if not actor.scope.covers(organization.path, Capability.EDIT):
        raise PermissionDenied(_("You may only run the campaigns of your organisations."))


def _require_change(actor, delivery: Delivery) -> None:
    if not can_change(actor, delivery):
        raise PermissionDenied(_("You may only change the deliveries of your organisations' members."))


def _require_open(campaign: Campaign) -> None:
    if campaign.state == Campaign.State.DRAFT:
        raise ValidationError(_("The campaign has not been launched yet."))
    if campaign.state == Campaign.State.CLOSED:
        raise ValidationError(_("The campaign is closed: its deliveries can no longer change."))


# Campaigns


@dataclass
class CampaignInput:
    organization: Organization
    title: str
    contents: str
    mobile_only: bool = True


def _campaign_state(campaign: Campaign) -> dict:
    state = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS if name != "organization"}
    return state | {"organization": campaign.organization_id, "state": campaign.state}


def _apply(campaign: Campaign, data: CampaignInput) -> None:
    campaign.organization = data.organization
    campaign.title = data.title.strip()
    campaign.contents = "\n".join(line.strip() for line in data.contents.strip().splitlines() if line.strip())
    campaign.mobile_only = data.mobile_only
    campaign.full_clean(exclude=["created_by"])


@transaction.atomic
def create_campaign(actor, data: CampaignInput) -> Campaign:
    """A draft: it can be changed until it is launched."""
    _require_organization(actor, data.organization)
    campaign = Campaign(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(campaign, data)
    campaign.save()
    audit.record(actor, audit.Action.CREATE, campaign, org=campaign.organization, changes=_campaign_state(campaign))
    return campaign


@transaction.atomic
def update_campaign(actor, campaign: Campaign, data: CampaignInput) -> Campaign:
    _require_run(actor, campaign)
    _require_organization(actor, data.organization)
    if campaign.state != Campaign.State.DRAFT:
        raise ValidationError(_("Only a draft can be changed; this campaign has been launched."))
    before = _campaign_state(campaign)
    _apply(campaign, data)
    campaign.save()
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        org=campaign.organization,
        changes=audit.diff(before, _campaign_state(campaign)),
    )
    return campaign


@transaction.atomic
def launch(actor, campaign: Campaign, at: datetime.datetime | None = None) -> int:
    """Writes one delivery per targeted member, in one INSERT … SELECT however large the subtree,
    and one audit event with the count. `at` back-dates the launch (the demo's past campaigns)."""
    _require_run(actor, campaign)
    at = at or timezone.now()
    if at > timezone.now():
        raise ValidationError(_("The date lies in the future."))
    # Claim the draft first, so that a second launch at the same time finds nothing to launch.
    claimed = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.DRAFT).update(
        state=Campaign.State.LAUNCHED, launched_at=at
    )
    if not claimed:
        raise ValidationError(_("This campaign has been launched already."))
    rows = campaign.targeted_members().values_list(
        Value(campaign.pk), "pk", Value(DeliveryState.PENDING), Value(""), Value(False), Value(at, DateTimeField())
    )
    count = bulk.insert_from_query(
        Delivery, ("campaign", "member", "state", "tracking_number", "handed_over", "updated_at"), rows
    )
    if count == 0:
        raise ValidationError(
            _("No member is targeted: the organisation has no members in normal standing to send to.")
        )
    campaign.state, campaign.launched_at = Campaign.State.LAUNCHED, at
    kept.parcels_on_their_way(campaign.deliveries.values("member_id"), kept.year_of(at))
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        org=campaign.organization,
        changes={"state": [Campaign.State.DRAFT, Campaign.State.LAUNCHED], "members": count},
    )
    return count


@transaction.atomic
def close(actor, campaign: Campaign) -> Campaign:
    """Nothing changes after closing: the figures stay as they are."""
    _require_run(actor, campaign)
    closed = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.LAUNCHED).update(
        state=Campaign.State.CLOSED, closed_at=timezone.now()
    )
    if not closed:
        raise ValidationError(_("Only a launched campaign can be closed."))
    before = campaign.state
    campaign.refresh_from_db(fields=["state", "closed_at"])
    audit.record(
        actor, audit.Action.UPDATE, campaign, org=campaign.organization, changes={"state": [before, campaign.state]}
    )
    return campaign


@transaction.atomic
def discard(actor, campaign: Campaign) -> None:
    """A draft that will not be launched."""
    _require_run(actor, campaign)
    if campaign.state != Campaign.State.DRAFT:
        raise ValidationError(_("Only a draft can be discarded."))
    audit.record(actor, audit.Action.DELETE, campaign, org=campaign.organization, changes=_campaign_state(campaign))
    campaign.delete()


# Sending


def normalise_tracking_number(text: str) -> str:
    """Full-width characters (typed with a Chinese input method) become plain ones; spaces go."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


def validate_tracking_number(text: str) -> str:
    number = normalise_tracking_number(text)
    if not TRACKING_NUMBER_RE.match(number):
        raise ValidationError(
            _("A tracking number has 6 to 40 letters and digits, with no other signs: “%(number)s” does not.")
            % {"number": (text or "").strip()[:50]}
        )
    return number


def _validate_day(day: datetime.date, campaign: Campaign, not_before: datetime.date | None = None) -> None:
    if day > timezone.localdate():
        raise ValidationError(_("The date lies in the future."))
    launched = timezone.localdate(campaign.launched_at)
    if day < launched:
        raise ValidationError(
            _("The date lies before the campaign was launched (%(day)s).") % {"day": launched.isoformat()}
        )
    if not_before and day < not_before:
        raise ValidationError(_("Receipt cannot come before the parcel was sent (%(day)s).") % {"day": not_before})


@dataclass
class Shipment:
    delivery: Delivery
    tracking_number: str
    sent_on: datetime.date | None = None


def _checked(actor, fresh: Delivery, shipment: Shipment) -> tuple[str, datetime.date]:
    """The normalised tracking number and day, or a ValidationError with the fields it names."""
    _require_change(actor, fresh)
    _require_open(fresh.campaign)
    if fresh.state == DeliveryState.RECEIVED:
        raise ValidationError(_("%(name)s has received the parcel already.") % {"name": fresh.member.name})
    errors: dict[str, list[str]] = {}
    number, day = "", shipment.sent_on or timezone.localdate()
    try:
        number = validate_tracking_number(shipment.tracking_number)
    except ValidationError as error:
        errors["tracking_number"] = error.messages
    try:
        _validate_day(day, fresh.campaign)
    except ValidationError as error:
        errors["sent_on"] = error.messages
    if errors:
        raise ValidationError(errors)
    return number, day


def _locked(deliveries) -> dict[int, Delivery]:
    """The rows as they are now, locked until the transaction ends."""
    pks = [delivery.pk for delivery in deliveries]
    fresh = (
        Delivery.objects.select_for_update().select_related("campaign__organization", "member__home_org").in_bulk(pks)
    )
    if len(fresh) != len(set(pks)):
        raise ValidationError(_("A delivery no longer exists."))
    return fresh


@transaction.atomic
def mark_sent(actor, delivery: Delivery, tracking_number: str, sent_on: datetime.date | None = None) -> Delivery:
    """待寄出 → 已寄出 and the member is told; a sent one gets its tracking number corrected."""
    mark_sent_many(actor, [Shipment(delivery, tracking_number, sent_on)], by_row=False)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def mark_sent_many(actor, shipments: list[Shipment], by_row: bool = True) -> int:
    """Every row is checked before any is written: one bad row writes nothing. With `by_row` the
    ValidationError names rows by delivery id ({"12": ["…"]}), otherwise it names the fields."""
    fresh = _locked(shipment.delivery for shipment in shipments)
    checked, errors = [], {}
    for shipment in shipments:
        row = fresh[shipment.delivery.pk]
        try:
            checked.append((row, *_checked(actor, row, shipment)))
        except ValidationError as error:
            if not by_row:
                raise
            errors[str(row.pk)] = error.messages
    if errors:
        raise ValidationError(errors)
    return _write_shipments(actor, checked)


def _write_shipments(actor, checked: list[tuple[Delivery, str, datetime.date]]) -> int:
    now, events, newly_sent = timezone.now(), [], []
    changed = []
    for row, number, day in checked:
        before = {"state": row.state, "tracking_number": row.tracking_number, "sent_on": row.sent_on}
        if row.state == DeliveryState.PENDING:
            newly_sent.append(row)
        row.state, row.tracking_number, row.sent_on, row.updated_at = DeliveryState.SENT, number, day, now
        after = {"state": row.state, "tracking_number": number, "sent_on": day}
        if before == after:
            continue
        changed.append(row)
        events.append(
            audit.build(actor, audit.Action.UPDATE, row, org=row.member.home_org_id, changes=audit.diff(before, after))
        )
    _update_each(changed, ["state", "tracking_number", "sent_on", "updated_at"])
    AuditEvent.objects.bulk_create(events, batch_size=bulk.BATCH)
    _notify_sent(newly_sent)
    return len(changed)


def _update_each(rows: list[Delivery], fields: list[str]) -> None:
    """One UPDATE statement run for every row (executemany): bulk_update's CASE expressions take
    seconds for a few thousand rows. Like bulk_update, it skips save() and signals."""
    connection = connections[Delivery.objects.db]
    quote = connection.ops.quote_name
    columns = [Delivery._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(Delivery._meta.db_table)} SET {assignments} WHERE {quote(Delivery._meta.pk.column)} = %s"  # noqa: S608 (names from the model)
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _notify_sent(deliveries: list[Delivery]) -> None:
    accounts: dict[int, list[User]] = {}
    members = [delivery.member_id for delivery in deliveries]
    for user in User.objects.filter(member_id__in=members, is_active=True):
        accounts.setdefault(user.member_id, []).append(user)
    for delivery in deliveries:
        if delivery.member_id not in accounts:
            continue
        details = {"campaign": delivery.campaign.title, "number": delivery.tracking_number}
        notice = Notice(
            subject=_("Your parcel of “%(campaign)s” is on its way") % details,
            body=_("Tracking number %(number)s. When it arrives, confirm receipt in one tap.") % details,
            url=reverse("materials:mine"),
        )
        notify(accounts[delivery.member_id], notice)


# Receiving


def may_confirm(actor, delivery: Delivery) -> bool:
    own_member = getattr(actor, "member_id", None)
    own = own_member is not None and own_member == delivery.member_id
    return own or can_change(actor, delivery)


def _receipt_day(actor, row: Delivery, received_on: datetime.date | None) -> tuple[datetime.date, bool]:
    """The day of receipt and whether the parcel was handed over in person, or a ValidationError."""
    _require_open(row.campaign)
    handed_over = row.state == DeliveryState.PENDING
    if handed_over and not can_change(actor, row):
        raise ValidationError(_("This parcel has not been sent yet."))
    day = received_on or timezone.localdate()
    try:
        _validate_day(day, row.campaign, row.sent_on)
    except ValidationError as error:
        raise ValidationError({"received_on": error.messages}) from None
    return day, handed_over


def _write_receipts(actor, checked: list[tuple[Delivery, datetime.date, bool]]) -> int:
    """Rows locked by `_locked` and checked by `_receipt_day`."""
    now, events = timezone.now(), []
    confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    for row, day, handed_over in checked:
        before = {"state": row.state, "received_on": None, "handed_over": False}
        row.state, row.received_on, row.handed_over = DeliveryState.RECEIVED, day, handed_over
        row.confirmed_by, row.updated_at = confirmed_by, now
        after = {"state": row.state, "received_on": day, "handed_over": handed_over}
        events.append(
            audit.build(actor, audit.Action.UPDATE, row, org=row.member.home_org_id, changes=audit.diff(before, after))
        )
    fields = ["state", "received_on", "handed_over", "confirmed_by", "updated_at"]
    _update_each([row for row, _day, _handed in checked], fields)
    AuditEvent.objects.bulk_create(events, batch_size=bulk.BATCH)
    _refresh_lines([row for row, _day, _handed in checked])
    return len(checked)


def _refresh_lines(received: list[Delivery]) -> None:
    """The materials line of the members whose parcels were received, in their campaigns' years."""
    by_year = defaultdict(set)
    for row in received:
        by_year[kept.year_of(row.campaign.launched_at)].add(row.member_id)
    for year, members in by_year.items():
        kept.refresh(members, [year])


@transaction.atomic
def confirm_receipt(actor, delivery: Delivery, received_on: datetime.date | None = None) -> bool:
    """已签收, by the member in one tap or by an editor for them. True if recorded now, False if it
    was confirmed already (the first confirmation stands). Only an editor confirms a parcel not
    marked sent: it was handed over in person."""
    if not may_confirm(actor, delivery):
        raise PermissionDenied(_("Only the member or a secretary of their organisation confirms receipt."))
    row = _locked([delivery])[delivery.pk]
    if row.state == DeliveryState.RECEIVED:
        return False
    day, handed_over = _receipt_day(actor, row, received_on)
    # Conditional, so that of two taps at the same moment only one is recorded, even where the
    # database does not lock the row.
    recorded = Delivery.objects.filter(pk=row.pk, state=row.state).update(
        state=DeliveryState.RECEIVED,
        received_on=day,
        handed_over=handed_over,
        confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
        updated_at=timezone.now(),
    )
    if recorded:
        changes = audit.diff(
            {"state": row.state, "received_on": None, "handed_over": False},
            {"state": DeliveryState.RECEIVED, "received_on": day, "handed_over": handed_over},
        )
        audit.record(actor, audit.Action.UPDATE, row, org=row.member.home_org, changes=changes)
        _refresh_lines([row])
    delivery.refresh_from_db()
    return bool(recorded)


@dataclass
class Receipt:
    delivery: Delivery
    received_on: datetime.date | None = None


@transaction.atomic
def confirm_many(actor, receipts: list[Receipt]) -> int:
    """A secretary records receipts for several members (a delivery round, a branch meeting). Every
    row is checked first; rows confirmed already are left as they are. Returns how many were
    recorded now; a ValidationError names rows by delivery id."""
    fresh = _locked(receipt.delivery for receipt in receipts)
    checked, errors = [], {}
    for receipt in receipts:
        row = fresh[receipt.delivery.pk]
        _require_change(actor, row)
        if row.state == DeliveryState.RECEIVED:
            continue
        try:
            checked.append((row, *_receipt_day(actor, row, receipt.received_on)))
        except ValidationError as error:
            errors[str(row.pk)] = error.messages
    if errors:
        raise ValidationError(errors)
    return _write_receipts(actor, checked)
