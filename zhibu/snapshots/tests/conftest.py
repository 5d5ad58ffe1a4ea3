"""Two frozen months of the shared world with one of each kind of change between them.

January 2025                          February 2025
branch-a1: 张晓明, 李娜, 周杰          branch-a1: 李娜 (now probationary)
mobile-a:  王强 (mobile)               mobile-a:  张晓明 (moved in), 王强 (no longer mobile)
branch-b1: 赵敏                        branch-b1: 周杰 (moved in from A), 孙丽 (joined); 赵敏 left
"""

import datetime

import pytest

from zhibu.conftest import make_id_number
from zhibu.registry.models import Member
from zhibu.snapshots import services

JANUARY = datetime.date(2025, 1, 1)
FEBRUARY = datetime.date(2025, 2, 1)


@pytest.fixture
def months(world):
    world.zhou = world.add_member("周杰", make_id_number(sequence=55), world.branch_a1)
    services.freeze_all(JANUARY)
    Member.objects.filter(pk=world.zhang.pk).update(home_org=world.mobile_a)
    Member.objects.filter(pk=world.li.pk).update(party_status="probationary")
    Member.objects.filter(pk=world.wang.pk).update(is_mobile=False)
    Member.objects.filter(pk=world.zhou.pk).update(home_org=world.branch_b1)
    world.zhao_id = world.zhao.pk
    Member.objects.filter(pk=world.zhao.pk).delete()
    world.sun = world.add_member("孙丽", make_id_number(sequence=66), world.branch_b1)
    services.freeze_all(FEBRUARY)
    return world
