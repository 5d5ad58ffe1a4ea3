"""Demo material campaigns (书要发到) over the past year, through the audited services:

- the express-industry committee's spring 红色包裹 to all its mobile members, nearly all received,
  then closed;
- its autumn 红色包裹, under way: most parcels sent, many received, some branches lagging behind,
  and the courier's own parcel sent and waiting for the one-tap confirmation;
- a study-book campaign of the secretary's branch to all its members, just started, some handed
  over in person at the branch;
- next spring's 红色包裹, a draft with its preview count.
"""

import datetime
import random
from collections import defaultdict

from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.materials import services
from zhibu.materials.models import Campaign, Delivery, DeliveryState
from zhibu.registry.choices import OrganizationKind
from zhibu.registry.models import Organization

RED_PARCEL = "党章\n党徽\n《习近平新时代中国特色社会主义思想学习纲要》\n致流动党员的一封信"
STUDY_BOOKS = "《中国共产党章程》学习读本\n《党员教育培训读本》\n党员学习笔记本"
CARRIERS = ("SF", "YT", "ZTO", "JD", "YD")
LAGGING_SHARE = 0.15  # branches that have sent far fewer parcels than the others


class MaterialsDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:materials")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.industry = Organization.objects.filter(kind=OrganizationKind.INDUSTRY_COMMITTEE).order_by("path").first()
        self.secretary_branch = self._persona_org("secretary")
        courier = User.objects.filter(username="courier").first()
        self.courier_member_id = courier.member_id if courier else None

    def build(self) -> int:
        if self.industry is not None:
            spring = self._launched(self.industry, "春季红色包裹", RED_PARCEL, mobile_only=True, days_ago=300)
            self._progress(spring, sent=0.97, received=0.95, lagging_sent=0.9)
            services.close(self.admin, spring)
            autumn = self._launched(self.industry, "秋季红色包裹", RED_PARCEL, mobile_only=True, days_ago=75)
            self._progress(autumn, sent=0.9, received=0.7, lagging_sent=0.3)
            self._courier_waits(autumn)
            self._draft(self.industry, "新春红色包裹", RED_PARCEL, mobile_only=True)
        if self.secretary_branch is not None:
            books = self._launched(self.secretary_branch, "学习用书", STUDY_BOOKS, mobile_only=False, days_ago=20)
            self._progress(books, sent=0.6, received=0.3, lagging_sent=0.6, handed_over=0.15)
        return Delivery.objects.count()

    @staticmethod
    def _persona_org(username: str) -> Organization | None:
        user = User.objects.filter(username=username).first()
        grant = user and user.grants.exclude(organization=None).select_related("organization").first()
        return grant.organization if grant else None

    def _title(self, days_ago: int, name: str) -> str:
        return f"{(self.today - datetime.timedelta(days=days_ago)).year}年{name}"

    def _draft(self, organization: Organization, name: str, contents: str, mobile_only: bool) -> Campaign:
        data = services.CampaignInput(organization, self._title(0, name), contents, mobile_only)
        return services.create_campaign(self.admin, data)

    def _launched(self, organization, name: str, contents: str, mobile_only: bool, days_ago: int) -> Campaign:
        data = services.CampaignInput(organization, self._title(days_ago, name), contents, mobile_only)
        campaign = services.create_campaign(self.admin, data)
        services.launch(self.admin, campaign, at=self.now - datetime.timedelta(days=days_ago))
        return campaign

    def _progress(
        self, campaign: Campaign, sent: float, received: float, lagging_sent: float, handed_over: float = 0.0
    ) -> None:
        """Per branch: most parcels sent (far fewer in the lagging branches), many of those received."""
        by_branch: dict[int, list[Delivery]] = defaultdict(list)
        found = Delivery.objects.filter(campaign=campaign).select_related("member__home_org", "campaign__organization")
        for delivery in found.order_by("pk"):
            by_branch[delivery.member.home_org_id].append(delivery)
        launched_on = timezone.localdate(campaign.launched_at)
        branches = sorted(by_branch)
        # Lagging among the larger branches, where a gap shows in the figures.
        larger = sorted(branches, key=lambda pk: -len(by_branch[pk]))[: max(1, len(branches) // 2)]
        lagging = set(self.rng.sample(larger, min(len(larger), max(1, round(LAGGING_SHARE * len(branches))))))
        for branch in branches:
            deliveries = by_branch[branch]
            rate = lagging_sent if branch in lagging else sent
            shipped = [d for d in deliveries if self.rng.random() < rate and d.member_id != self.courier_member_id]
            in_person = [d for d in deliveries if d not in shipped and self.rng.random() < handed_over]
            self._ship(shipped, launched_on)
            receipts = [self._receipt(d, d.sent_on) for d in shipped if self.rng.random() < received]
            receipts += [self._receipt(d, launched_on) for d in in_person]
            if receipts:
                services.confirm_many(self.admin, receipts)

    def _ship(self, deliveries: list[Delivery], launched_on: datetime.date) -> None:
        span = max(0, min(14, (self.today - launched_on).days))
        shipments = [
            services.Shipment(
                delivery, self._tracking_number(), launched_on + datetime.timedelta(days=self.rng.randint(0, span))
            )
            for delivery in deliveries
        ]
        if shipments:
            services.mark_sent_many(self.admin, shipments)
        for shipment in shipments:
            shipment.delivery.sent_on = shipment.sent_on

    def _receipt(self, delivery: Delivery, after: datetime.date) -> services.Receipt:
        latest = max(0, (self.today - after).days)
        return services.Receipt(delivery, after + datetime.timedelta(days=min(latest, self.rng.randint(2, 10))))

    def _courier_waits(self, campaign: Campaign) -> None:
        """The courier's parcel is on its way, for the one-tap confirmation."""
        delivery = (
            Delivery.objects.filter(campaign=campaign, member_id=self.courier_member_id, state=DeliveryState.PENDING)
            .select_related("member__home_org", "campaign__organization")
            .first()
        )
        if delivery is not None:
            services.mark_sent(self.admin, delivery, self._tracking_number(), self.today - datetime.timedelta(days=2))

    def _tracking_number(self) -> str:
        return f"{self.rng.choice(CARRIERS)}{self.rng.randrange(10**11, 10**12)}"
