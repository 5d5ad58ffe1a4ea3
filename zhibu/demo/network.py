"""The demo's service network at the scale of one district (宝安区): a hub, a centre per street,
community stations, 暖蜂驿站 and 暖蜂商户, and a red-education base, with their hours and amenities.

Coordinates are GCJ-02, as a map app in China gives them. Everything is deterministic."""

import datetime
import random
from decimal import Decimal

from zhibu.demo import data
from zhibu.registry.models import Organization, Region
from zhibu.stations import services
from zhibu.stations.models import Amenity, Station, StationKind, StationLevel

DISTRICT = "440306"
ROADS = (
    "宝安大道",
    "新湖路",
    "创业路",
    "前进路",
    "建安路",
    "航城大道",
    "福永大道",
    "沙井路",
    "松福大道",
    "石岩路",
    "兴业路",
    "宝民路",
)
COMMUNITIES = ("上合", "新乐", "海城", "黄田", "凤凰", "白石厦", "和平", "壆岗", "上星", "潭头", "塘下涌", "浪心")
SHOPS = ("便利店", "面馆", "药店", "手机维修店", "快餐店")

ALL_DAY = {"always_open": True}
OFFICE_HOURS = {"opens_at": datetime.time(9), "closes_at": datetime.time(18), "open_days": "123456"}
REST_HOURS = {"opens_at": datetime.time(7), "closes_at": datetime.time(22)}
LATE_HOURS = {"opens_at": datetime.time(10), "closes_at": datetime.time(2), "hours_note": "夜间营业至次日凌晨 2 点"}
MUSEUM_HOURS = {
    "opens_at": datetime.time(9),
    "closes_at": datetime.time(17),
    "open_days": "234567",
    "hours_note": "周一闭馆",
}

CENTRE_AMENITIES = (
    "water",
    "hot_meal",
    "charging",
    "rest",
    "toilet",
    "reading",
    "wifi",
    "air_conditioning",
    "first_aid",
)
REST_AMENITIES = ("water", "hot_meal", "charging", "rest", "toilet", "umbrella", "first_aid", "parking")
SHOP_AMENITIES = ("water", "charging", "toilet")


class NetworkBuilder:
    def __init__(self, admin, organization: Organization, streets: list[Region], seed: str):
        self.admin, self.organization, self.streets = admin, organization, streets
        self.rng = random.Random(f"{seed}:stations")
        self.amenities = {amenity.code: amenity for amenity in Amenity.objects.all()}
        self.district = data.DISTRICT_BY_CODE[DISTRICT]

    def build(self) -> int:
        hub = self._station(
            "宝安区党群服务中心",
            StationKind.SERVICE_CENTER,
            StationLevel.HEADQUARTERS,
            None,
            self.streets[0],
            OFFICE_HOURS,
            CENTRE_AMENITIES,
            checkin=True,
            spread=0.005,
        )
        count = 1
        for street in self.streets:
            short = street.name.removesuffix("街道")
            centre = self._station(
                f"{short}街道党群服务中心",
                StationKind.SERVICE_CENTER,
                StationLevel.CENTER,
                hub,
                street,
                OFFICE_HOURS,
                CENTRE_AMENITIES,
                checkin=True,
            )
            count += 1
            for community in self.rng.sample(COMMUNITIES, 2):
                self._station(
                    f"{community}社区党群服务站",
                    StationKind.SERVICE_CENTER,
                    StationLevel.STATION,
                    centre,
                    street,
                    OFFICE_HOURS,
                    CENTRE_AMENITIES[:6],
                    checkin=self.rng.random() < 0.5,
                )
                count += 1
            for number in range(1, 5):
                hours = ALL_DAY if number == 1 else REST_HOURS
                self._station(
                    f"{short}暖蜂驿站（{number}号）",
                    StationKind.REST_STATION,
                    StationLevel.POST,
                    centre,
                    street,
                    hours,
                    REST_AMENITIES,
                )
                count += 1
            for shop in self.rng.sample(SHOPS, 2):
                self._station(
                    f"{short}{shop}（暖蜂商户）",
                    StationKind.MERCHANT,
                    StationLevel.POST,
                    centre,
                    street,
                    LATE_HOURS if shop in ("面馆", "快餐店") else REST_HOURS,
                    SHOP_AMENITIES,
                )
                count += 1
        self._station(
            "宝安党史教育基地",
            StationKind.RED_BASE,
            StationLevel.CENTER,
            hub,
            self.streets[1],
            MUSEUM_HOURS,
            ("water", "toilet", "reading", "air_conditioning"),
        )
        return count + 1

    def _station(self, name, kind, level, parent, street, hours, amenities, checkin=False, spread=0.06) -> Station:
        rng = self.rng
        return services.create_station(
            self.admin,
            name=name,
            kind=kind,
            level=level,
            parent=parent,
            is_checkin_point=checkin,
            organization=self.organization,
            region=street,
            address=f"深圳市宝安区{street.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
            latitude=Decimal(f"{self.district.latitude + rng.uniform(-spread, spread):.6f}"),
            longitude=Decimal(f"{self.district.longitude + rng.uniform(-spread, spread):.6f}"),
            coordinate_system="gcj02",
            contact_name=f"{rng.choice('王李张刘陈杨黄赵')}站长",
            contact_phone=f"0755-{rng.randint(20000000, 29999999)}",
            amenities=[self.amenities[code] for code in amenities if code in self.amenities],
            **hours,
        )
