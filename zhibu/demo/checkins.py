"""Demo 报到 at the district's 党员报到处: accepted ones over the past half year, some in the
secretaries' inboxes, some waiting for the station staff, some pending; and members' station visits.

Everything goes through the services, as it would from the pages; only the times are moved into the
past afterwards, so that the figures have months to show."""

import datetime
import random

from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.checkins import services
from zhibu.checkins.models import CheckIn, StationDay, StationVisit
from zhibu.core.identity import id_check_char
from zhibu.registry.models import Member, Organization
from zhibu.stations.models import Station

ACCEPTED = 30
IN_EACH_INBOX = 3
WAITING = 3
VISITORS = 120


class CheckinDemo:
    def __init__(self, admin, inboxes: list[Organization], seed: str):
        self.admin, self.inboxes = admin, inboxes
        self.rng = random.Random(f"{seed}:checkins")
        self.now = timezone.now()
        self.points = list(Station.objects.filter(is_checkin_point=True).order_by("pk"))
        self.hub = self.points[0]

    def build(self) -> int:
        inbox_count = IN_EACH_INBOX * len(self.inboxes)
        members = self._members(ACCEPTED + inbox_count + WAITING + 1)
        accepted, members = members[:ACCEPTED], members[ACCEPTED:]
        for member in accepted:
            checkin = self._verified(member, self.rng.choice(self.points))
            services.accept(self.admin, checkin)
            self._age(checkin, days=self.rng.randint(1, 180))
        for index, member in enumerate(members[:inbox_count]):
            organization = self.inboxes[index % len(self.inboxes)]
            checkin = self._verified(member, self.rng.choice(self.points))
            if checkin.routed_to_id != organization.pk:
                services.redirect(self.admin, checkin, organization, "在辖区内从事快递配送")
            self._age(checkin, hours=self.rng.randint(2, 72))
        for member in members[inbox_count : inbox_count + WAITING]:
            self._submitted(member, self.hub)
        for member in members[inbox_count + WAITING :]:
            self._pending(member)
        courier = User.objects.filter(username="courier").first()
        if courier is not None:
            services.submit_from_account(courier, self.hub)
        self._visits()
        return CheckIn.objects.count()

    def _members(self, count: int) -> list[Member]:
        """Mobile members: the ones who report in at stations, and the seed's count of them stays."""
        ids = list(Member.objects.filter(is_mobile=True).order_by("pk").values_list("pk", flat=True)[:5000])
        chosen = self.rng.sample(ids, min(count, len(ids)))
        by_pk = Member.objects.in_bulk(chosen)
        return [by_pk[pk] for pk in chosen]

    def _claim(self, member: Member, name: str | None = None, id_number: str | None = None) -> services.Claim:
        phone = member.phone or f"139{self.rng.randint(10000000, 99999999)}"
        return services.Claim(name=name or member.name, id_number=id_number or member.id_number, phone=phone)

    def _submitted(self, member: Member, station: Station, **claim) -> CheckIn:
        return services.submit_from_form(station, self._claim(member, **claim)).checkin

    def _verified(self, member: Member, station: Station) -> CheckIn:
        checkin = self._submitted(member, station)
        return services.verify(self.admin, checkin)

    def _pending(self, member: Member) -> None:
        """A name typed with a wrong character, and an ID number nobody is registered with."""
        wrong_name = member.name[:-1] + ("伟" if member.name[-1] != "伟" else "强")
        services.verify(self.admin, self._submitted(member, self.hub, name=wrong_name))
        first17 = "44030619800101" + f"{self.rng.randint(0, 999):03d}"
        services.verify(
            self.admin, self._submitted(member, self.points[-1], id_number=first17 + id_check_char(first17))
        )

    def _age(self, checkin: CheckIn, days: int = 0, hours: int = 0) -> None:
        moved = self.now - datetime.timedelta(days=days, hours=hours)
        CheckIn.objects.filter(pk=checkin.pk).update(
            submitted_at=moved,
            verified_at=moved + datetime.timedelta(minutes=5),
            decided_at=moved + datetime.timedelta(days=1) if checkin.decided_at else None,
        )

    def _visits(self) -> None:
        """Members who pressed “I am here” at rest stations over the past month, and the daily counts."""
        stations = list(Station.objects.filter(kind="rest_station").order_by("pk"))
        visits = [
            StationVisit(
                station=self.rng.choice(stations),
                member=member,
                at=self.now - datetime.timedelta(days=self.rng.randint(0, 29), minutes=self.rng.randint(0, 600)),
            )
            for member in self._members(VISITORS)
            for _count in range(self.rng.randint(1, 4))
        ]
        StationVisit.objects.bulk_create(visits)
        counts: dict[tuple[int, datetime.date], int] = {}
        for visit in visits:
            key = (visit.station.pk, timezone.localdate(visit.at))
            counts[key] = counts.get(key, 0) + 1
        StationDay.objects.bulk_create(
            StationDay(station_id=station, day=day, visits=number) for (station, day), number in counts.items()
        )
