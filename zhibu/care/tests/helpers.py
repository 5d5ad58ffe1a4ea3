"""Small builders shared by the care tests (plain functions, so that no fixture name collides)."""

import datetime
import importlib

from django.utils import timezone

from zhibu.care import services
from zhibu.conftest import make_id_number
from zhibu.core.scope import Role

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def mobile_member(world, name: str, sequence: int, org=None):
    return world.add_member(name, make_id_number("440305", "19880808", sequence), org or world.mobile_a, is_mobile=True)


def cadre_account(world, username: str, org=None, role=Role.CADRE):
    user = world.user(username, role, org or world.mobile_a)
    world.users[username] = user
    return user


def talk(on: datetime.date, summary: str = "聊了工作和家里的情况", **values) -> services.ContactInput:
    return services.ContactInput(**({"kind": "talk", "on": on, "channel": "phone", "summary": summary} | values))


def pair_wang(world, started_days_ago: int = 30):
    """王强 paired with the cadre persona by the platform admin, `started_days_ago` days ago."""
    return services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"], days_ago(started_days_ago))


def ensure_default_rules() -> None:
    """The platform's default rules, as the migration writes them: a transactional test that ran
    before may have flushed the migration's rows."""
    from zhibu.care.models import ContactRule

    defaults = importlib.import_module("zhibu.care.migrations.0002_default_rules").DEFAULTS
    for kind, audience, days in defaults:
        ContactRule.objects.get_or_create(
            organization=None, kind=kind, audience=audience, defaults={"interval_days": days}
        )
