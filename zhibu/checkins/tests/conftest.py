from decimal import Decimal

import pytest

from zhibu.stations import services as stations
from zhibu.stations.models import StationKind, StationLevel


@pytest.fixture
def point(world):
    """A 党员报到处 run by B 公司党支部 (secretary2), where A 公司's 张晓明 reports in."""
    return stations.create_station(
        world.root_user,
        name="西丽党群服务中心",
        kind=StationKind.SERVICE_CENTER,
        level=StationLevel.CENTER,
        is_checkin_point=True,
        organization=world.branch_b1,
        region=world.district,
        latitude=Decimal("22.5800"),
        longitude=Decimal("113.9500"),
        coordinate_system="wgs84",
        always_open=True,
    )
