import datetime

import pytest
from django.utils import timezone

from zhibu.meetings import services
from zhibu.meetings.models import MeetingKind, Mode


def meeting_input(**values) -> services.MeetingInput:
    """A meeting that started ten minutes ago and lasts two hours, unless told otherwise."""
    starts = timezone.now() - datetime.timedelta(minutes=10)
    defaults = dict(
        kind=MeetingKind.GENERAL_ASSEMBLY,
        title="第一季度支部党员大会",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        mode=Mode.IN_PLACE,
        address="南山区科技园党群服务中心 3 楼",
    )
    return services.MeetingInput(**(defaults | values))


@pytest.fixture
def assembly(world):
    """A branch general assembly of branch-a1, under way now."""
    return services.create_meeting(world.root_user, world.branch_a1, meeting_input())


@pytest.fixture
def online(world):
    """An online party lecture of the courier's mobile-member branch, under way now."""
    data = meeting_input(
        kind=MeetingKind.LECTURE,
        title="线上党课",
        mode=Mode.ONLINE,
        address="",
        online_link="https://meet.example.org/abc",
    )
    return services.create_meeting(world.root_user, world.mobile_a, data)
