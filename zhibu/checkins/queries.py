"""Reads of 报到 and station visits, always through the actor's scope.

A 报到 is seen by the organisation it was routed to, by the staff of its station, by the member's
home branch, and by the member."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from zhibu.checkins.models import CheckIn, CheckInState, StationDay, StationVisit
from zhibu.core.scope import Capability
from zhibu.stations import queries as station_queries
from zhibu.stations.models import Station


def checkins(actor) -> QuerySet[CheckIn]:
    scope = actor.scope
    seen = (
        scope.q("routed_to__path", Capability.VIEW)
        | scope.q("station__organization__path", Capability.STATION)
        | scope.q("station__organization__path", Capability.EDIT)
        | scope.q("member__home_org__path", Capability.VIEW)
    )
    if scope.self_member_id is not None:
        seen |= Q(member_id=scope.self_member_id)
    return CheckIn.objects.filter(seen).select_related("station", "member", "routed_to")


def inbox(actor) -> QuerySet[CheckIn]:
    """报到 waiting for a decision by an organisation the actor may change."""
    return (
        CheckIn.objects.filter(actor.scope.q("routed_to__path", Capability.EDIT), state=CheckInState.ROUTED)
        .select_related("station", "member", "member__home_org", "routed_to")
        .order_by("submitted_at", "id")
    )


def desk(actor) -> QuerySet[Station]:
    """The 党员报到处 the actor runs, with how many 报到 wait at each."""
    waiting = Q(checkins__state__in=(CheckInState.SUBMITTED, CheckInState.PENDING))
    return (
        station_queries.editable_stations(actor)
        .filter(is_checkin_point=True, is_active=True)
        .annotate(waiting=Count("checkins", filter=waiting))
        .order_by("-waiting", "name")
    )


def waiting_at(station: Station) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(station=station, state__in=(CheckInState.SUBMITTED, CheckInState.PENDING)).order_by(
        "submitted_at", "id"
    )


def own(user) -> QuerySet[CheckIn]:
    if user.member_id is None:
        return CheckIn.objects.none()
    return CheckIn.objects.filter(member_id=user.member_id).select_related("station", "routed_to")


def own_visits(user) -> QuerySet[StationVisit]:
    if user.member_id is None:
        return StationVisit.objects.none()
    return StationVisit.objects.filter(member_id=user.member_id).select_related("station")


# Figures


@dataclass
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def q(self) -> Q:
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tz)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tz)
        return Q(submitted_at__gte=start, submitted_at__lt=end)


@dataclass
class Figures:
    total: int
    by_state: list[dict]
    by_station: list[dict]
    by_organization: list[dict]
    by_month: list[dict]


def figures(actor, period: Period, limit: int = 20) -> Figures:
    """报到 counts in the period, each row carrying the key that filters the list behind it."""
    within = checkins(actor).filter(period.q)
    by_state = list(within.values("state").annotate(count=Count("id")).order_by("state"))
    by_station = list(
        within.values("station", "station__name")
        .annotate(count=Count("id"))
        .order_by("-count", "station__name")[:limit]
    )
    by_organization = list(
        within.exclude(routed_to=None)
        .values("routed_to", "routed_to__name")
        .annotate(count=Count("id"))
        .order_by("-count", "routed_to__name")[:limit]
    )
    by_month = list(
        within.annotate(month=TruncMonth("submitted_at")).values("month").annotate(count=Count("id")).order_by("month")
    )
    return Figures(
        total=sum(row["count"] for row in by_state),
        by_state=by_state,
        by_station=by_station,
        by_organization=by_organization,
        by_month=by_month,
    )


def visits_by_day(actor, period: Period, limit: int = 20) -> list[dict]:
    """Visit counts of the stations the actor runs (anyone's visits, nobody named)."""
    stations = station_queries.editable_stations(actor)
    return list(
        StationDay.objects.filter(station__in=stations, day__range=(period.start, period.end))
        .values("station", "station__name")
        .annotate(visits=Sum("visits"))
        .order_by("-visits", "station__name")[:limit]
    )
