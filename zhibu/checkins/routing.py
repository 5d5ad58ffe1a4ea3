"""Which organisation a verified 报到 goes to. The rules are tried in the order of the setting
CHECKIN_ROUTING; the first that finds an organisation wins, and the station's own is the last resort."""

from collections.abc import Callable

from django.conf import settings

from zhibu.registry.models import Member, Organization
from zhibu.stations.models import Station


def employer_organization(member: Member, station: Station) -> Organization | None:
    """The most specific organisation set up in the member's employer (两新组织 party organisation)."""
    if member.employer_id is None:
        return None
    return Organization.objects.filter(units=member.employer_id).order_by("-depth", "path").first()


def place_organization(member: Member, station: Station) -> Organization | None:
    return station.place_organization


def station_organization(member: Member, station: Station) -> Organization | None:
    return station.organization


RULES: dict[str, Callable[[Member, Station], Organization | None]] = {
    "employer": employer_organization,
    "place": place_organization,
    "station": station_organization,
}


def route(member: Member, station: Station) -> tuple[Organization, str]:
    for name in settings.CHECKIN_ROUTING:
        organization = RULES[name](member, station)
        if organization is not None:
            return organization, name
    return station.organization, "station"
