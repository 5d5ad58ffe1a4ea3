import datetime

import pytest
from django.utils import timezone, translation

from zhibu.chains import services


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English: the Chinese catalogue comes later."""
    with translation.override("en"):
        yield


def session_input(**values) -> services.SessionInput:
    """A session that started ten minutes ago and lasts two hours, unless told otherwise."""
    starts = timezone.now() - datetime.timedelta(minutes=10)
    defaults = dict(
        title="链上党课：安全生产",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="A 公司党群服务中心",
    )
    return services.SessionInput(**(defaults | values))


@pytest.fixture
def chain(world):
    """Branch-a1 leads a chain that brings in branch-b1 and mobile-a (across companies)."""
    found = services.create_chain(world.root_user, services.ChainInput(world.branch_a1, "快递行业学习链"))
    services.add_participants(world.root_user, found, [world.branch_b1, world.mobile_a])
    return found


@pytest.fixture
def session(world, chain):
    """A session under way, every participant invited."""
    found = services.create_session(world.root_user, chain, session_input())
    services.invite(world.root_user, found)
    return found


def invitation_of(session, organization):
    return session.invitations.select_related("organization", "session__chain__lead").get(organization=organization)
