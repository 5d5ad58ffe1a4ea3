"""Every write of points: an organisation's policy and earning rules (its editors only, one
transaction each, audited), and `award` / `award_many`, which other apps call after a member did
something that earns points. Nothing here takes points away, and there is no function that could.

The contract of `award` for the apps that call it:

    award(member, kind, source, *, at=None, units=1, note="") -> PointsEntry | None

- `member`: the registry Member who did it; `kind`: a PointKind value (an unknown kind is a
  programming error: ValueError).
- `source`: the event, either a saved model instance (a Meeting, a Lesson, a contest attempt …:
  its content type and id are kept and the key is "app_label.model:pk") or a string key of the
  caller's own making (at most 200 characters). A member earns points of a kind for a source once:
  calling again (a retry, a second completion of the same lesson) returns the first entry and
  writes nothing.
- `at`: when it happened (default now); the caps count the local day and month of `at`.
- `units`: how many of the kind's unit it was (hours of volunteer service); points = rule × units.
- It finds the policy in force through the member's home organisation (the nearest policy on its
  lineage). Points off there, no rule for the kind, or a cap already reached: nothing is written
  and None comes back. Under a cap the member gets what is left of it.
- Call it inside the caller's transaction, after the event is saved: it runs in a savepoint, so a
  rolled-back event leaves no points. It never raises for the member's or policy's state.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhibu.core import audit
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Capability
from zhibu.points.models import MAX_CAP, MAX_POINTS_PER_EVENT, EarningRule, PointKind, PointsEntry, PointsPolicy
from zhibu.registry.models import Member, Organization

AWARDER = "points"  # the name the audit trail gives the automatic awards
MAX_UNITS = 24


def _require(actor, org: Organization) -> None:
    if not actor.scope.covers(org.path, Capability.EDIT):
        raise PermissionDenied(_("You may only change the points of your organisations."))


# Policies and rules


def policy_for(org: Organization) -> PointsPolicy | None:
    """The policy in force for the organisation: its own, else the nearest ancestor's, else None
    (points off)."""
    return (
        PointsPolicy.objects.select_related("organization")
        .filter(organization__path__in=org.lineage_paths)
        .order_by("-organization__depth")
        .first()
    )


def _policy_state(policy: PointsPolicy) -> dict:
    return {"is_enabled": policy.is_enabled, "show_ranking": policy.show_ranking}


def _rule_state(rule: EarningRule) -> dict:
    return {"points": rule.points, "cap_per_day": rule.cap_per_day, "cap_per_month": rule.cap_per_month}


def _own_policy(actor, org: Organization) -> PointsPolicy:
    """The organisation's own policy; created on first use as a copy of the one it inherited (its
    switches and its rules), so that taking a policy of its own changes nothing by itself."""
    policy = PointsPolicy.objects.filter(organization=org).first()
    if policy is not None:
        return policy
    inherited = policy_for(org)
    policy = PointsPolicy.objects.create(
        organization=org,
        is_enabled=inherited.is_enabled if inherited else False,
        show_ranking=inherited.show_ranking if inherited else False,
        updated_by=actor if getattr(actor, "pk", None) else None,
    )
    copied = [
        EarningRule(policy=policy, kind=rule.kind, points=rule.points, cap_per_day=rule.cap_per_day,
                    cap_per_month=rule.cap_per_month)
        for rule in (inherited.rules.all() if inherited else [])
    ]  # fmt: skip
    EarningRule.objects.bulk_create(copied)
    changes = audit.created(_policy_state(policy))
    if inherited:
        changes["copied_from"] = inherited.organization_id
    audit.record(actor, audit.Action.CREATE, policy, org=org, changes=changes)
    return policy


@transaction.atomic
def set_policy(actor, org: Organization, *, is_enabled: bool, show_ranking: bool = False) -> PointsPolicy:
    """Points on or off for the organisation's subtree, and whether its members see a ranking."""
    _require(actor, org)
    policy = _own_policy(actor, org)
    before = _policy_state(policy)
    policy.is_enabled, policy.show_ranking = bool(is_enabled), bool(show_ranking)
    policy.updated_by = actor if getattr(actor, "pk", None) else None
    policy.save()
    changes = audit.diff(before, _policy_state(policy))
    if changes:
        audit.record(actor, audit.Action.UPDATE, policy, org=org, changes=changes)
    return policy


@transaction.atomic
def remove_policy(actor, org: Organization) -> None:
    """The organisation's own policy and rules go; the policy above it applies again. The points
    already awarded stay in the members' ledgers."""
    _require(actor, org)
    policy = PointsPolicy.objects.filter(organization=org).first()
    if policy is None:
        raise ValidationError(_("This organisation has no policy of its own."))
    audit.record(actor, audit.Action.DELETE, policy, org=org, changes=audit.diff(_policy_state(policy), {}))
    policy.delete()


@dataclass
class RuleInput:
    kind: str
    points: int
    cap_per_day: int | None = None
    cap_per_month: int | None = None


def _validate_rule(data: RuleInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in PointKind.values:
        errors["kind"] = [_("Choose what earns the points from the list.")]
    if not isinstance(data.points, int) or not 1 <= data.points <= MAX_POINTS_PER_EVENT:
        errors["points"] = [_("Give a number of points from 1 to %(max)s.") % {"max": MAX_POINTS_PER_EVENT}]
    for name in ("cap_per_day", "cap_per_month"):
        cap = getattr(data, name)
        if cap is not None and (not isinstance(cap, int) or not 1 <= cap <= MAX_CAP):
            errors[name] = [_("A cap is a number from 1 to %(max)s, or empty for none.") % {"max": MAX_CAP}]
    if (
        "cap_per_day" not in errors
        and "cap_per_month" not in errors
        and data.cap_per_day is not None
        and data.cap_per_month is not None
        and data.cap_per_month < data.cap_per_day
    ):
        errors["cap_per_month"] = [_("The monthly cap cannot be below the daily cap.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def set_rule(actor, org: Organization, data: RuleInput) -> EarningRule:
    """What a kind of event earns under the organisation's own policy (taken on first use)."""
    _require(actor, org)
    _validate_rule(data)
    policy = _own_policy(actor, org)
    rule = EarningRule.objects.filter(policy=policy, kind=data.kind).first()
    before = _rule_state(rule) if rule else {}
    rule = rule or EarningRule(policy=policy, kind=data.kind)
    rule.points, rule.cap_per_day, rule.cap_per_month = data.points, data.cap_per_day, data.cap_per_month
    rule.save()
    audit.record(
        actor,
        audit.Action.UPDATE if before else audit.Action.CREATE,
        rule,
        org=org,
        changes={"kind": rule.kind, **audit.diff(before, _rule_state(rule))},
    )
    return rule


@transaction.atomic
def remove_rule(actor, org: Organization, kind: str) -> None:
    """The kind earns nothing more under this organisation's policy; what was earned stays."""
    _require(actor, org)
    rule = EarningRule.objects.filter(policy__organization=org, kind=kind).first()
    if rule is None:
        raise ValidationError(_("This organisation has no rule for that."))
    audit.record(actor, audit.Action.DELETE, rule, org=org, changes={"kind": kind, **audit.diff(_rule_state(rule), {})})
    rule.delete()


# Awarding


def source_key(source: models.Model | str) -> str:
    if isinstance(source, models.Model):
        return f"{source._meta.label_lower}:{source.pk}"
    key = str(source).strip()
    if not key or len(key) > 200:
        raise ValueError("a points source key has 1 to 200 characters")
    return key


def _local_span(at: datetime.datetime, unit: str) -> tuple[datetime.datetime, datetime.datetime]:
    local = timezone.localtime(at)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "month":
        start = start.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
    else:
        end = start + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    # Through naive dates, so that a change of UTC offset inside the span is respected.
    return (
        timezone.make_aware(start.replace(tzinfo=None), tz),
        timezone.make_aware(end.replace(tzinfo=None), tz),
    )


def _nearest_policies(home_paths: set[str]) -> dict[str, PointsPolicy]:
    """For each home organisation path, the enabled policy in force there (none when off)."""
    lineage = {
        path[:end] for path in home_paths for end in range(Organization.steplen, len(path) + 1, Organization.steplen)
    }
    policies = {
        policy.organization.path: policy
        for policy in PointsPolicy.objects.select_related("organization")
        .filter(organization__path__in=lineage)
        .prefetch_related("rules")
    }
    found = {}
    for path in home_paths:
        nearest = max((p for p in policies if path.startswith(p)), key=len, default=None)
        if nearest is not None and policies[nearest].is_enabled:
            found[path] = policies[nearest]
    return found


def _earned(member_ids: list[int], kind: str, policy_org_id: int, span) -> dict[int, int]:
    rows = (
        PointsEntry.objects.filter(
            member_id__in=member_ids, kind=kind, organization_id=policy_org_id, at__gte=span[0], at__lt=span[1]
        )
        .values_list("member_id")
        .annotate(total=Sum("points"))
    )
    return dict(rows)


def award_many(
    members: Iterable[Member | int],
    kind: str,
    source: models.Model | str,
    *,
    at: datetime.datetime | None = None,
    units: int = 1,
    note: str = "",
) -> list[PointsEntry]:
    """`award` for several members and one event (a roll call): a fixed number of queries however
    many members. Returns the entries written now (members counted before are left out)."""
    return _award(members, kind, source, at=at, units=units, note=note)[0]


def _award(members, kind, source, *, at, units, note) -> tuple[list[PointsEntry], set[int]]:
    """The entries written now, and the members for whom this event was counted before."""
    if kind not in PointKind.values:
        raise ValueError(f"unknown kind of points: {kind!r}")
    if not 1 <= units <= MAX_UNITS:
        raise ValueError(f"units must be from 1 to {MAX_UNITS}")
    ids = sorted({member if isinstance(member, int) else member.pk for member in members})
    key = source_key(source)
    if not ids or not PointsPolicy.objects.filter(is_enabled=True).exists():
        return [], set()  # points are off everywhere: one query, so the hooks cost nothing by default
    with transaction.atomic():
        return _award_members(ids, kind, source, key, at or timezone.now(), units, note)


def _award_members(ids, kind, source, key, at, units, note) -> tuple[list[PointsEntry], set[int]]:
    homes = dict(Member.objects.filter(pk__in=ids).values_list("pk", "home_org__path"))
    policies = _nearest_policies(set(homes.values()))
    rules = {}
    for member_id, path in homes.items():
        policy = policies.get(path)
        rule = next((rule for rule in policy.rules.all() if rule.kind == kind), None) if policy else None
        if rule is not None:
            rules[member_id] = (policy, rule)
    if not rules:
        return [], set()
    # One award at a time per member, so that two events at once cannot both pass a cap.
    list(Member.objects.select_for_update().filter(pk__in=list(rules)).values_list("pk", flat=True))
    counted = set(
        PointsEntry.objects.filter(member_id__in=list(rules), kind=kind, source_key=key).values_list(
            "member_id", flat=True
        )
    )
    by_policy: dict[int, list[int]] = {}
    for member_id, (policy, _rule) in rules.items():
        if member_id not in counted:
            by_policy.setdefault(policy.pk, []).append(member_id)
    source_type = ContentType.objects.get_for_model(source) if isinstance(source, models.Model) else None
    entries = []
    for member_ids in by_policy.values():
        policy, rule = rules[member_ids[0]]
        left = {member_id: rule.points * units for member_id in member_ids}
        for cap, unit in ((rule.cap_per_day, "day"), (rule.cap_per_month, "month")):
            if cap is None:
                continue
            earned = _earned(member_ids, kind, policy.organization_id, _local_span(at, unit))
            left = {member_id: min(points, cap - earned.get(member_id, 0)) for member_id, points in left.items()}
        entries += [
            PointsEntry(
                member_id=member_id,
                organization_id=policy.organization_id,
                kind=kind,
                points=points,
                source_type=source_type,
                source_id=source.pk if source_type else None,
                source_key=key,
                at=at,
                note=note[:200],
            )
            for member_id, points in left.items()
            if points > 0
        ]
    if not entries:
        return [], counted
    try:
        with transaction.atomic():
            PointsEntry.objects.bulk_create(entries)
    except IntegrityError:  # the same event counted at the same moment elsewhere: keep the first
        return [], counted | {entry.member_id for entry in entries}
    AuditEvent.objects.bulk_create(
        audit.build(
            None,
            audit.Action.CREATE,
            entry,
            org=entry.organization_id,
            changes={"member": [None, entry.member_id], "kind": [None, kind], "points": [None, entry.points]},
            object_repr=f"{kind} · {key} · +{entry.points}",
            actor_name=AWARDER,
        )
        for entry in entries
    )
    return entries, counted


def award(
    member: Member,
    kind: str,
    source: models.Model | str,
    *,
    at: datetime.datetime | None = None,
    units: int = 1,
    note: str = "",
) -> PointsEntry | None:
    """Points for one member and one event; see the module's docstring for the contract. Returns
    the entry written now, the earlier entry when this event was counted before, or None."""
    written, counted = _award([member], kind, source, at=at, units=units, note=note)
    if written:
        return written[0]
    if member.pk in counted:
        return PointsEntry.objects.filter(member_id=member.pk, kind=kind, source_key=source_key(source)).first()
    return None
