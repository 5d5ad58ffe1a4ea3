"""Shared fixtures: a small named world with one persona per role (as in healthchecks' hc/test.py).

city (市委组织部, committee)
└── industry (快递行业党委)
    ├── company-a (A 快递公司党委)
    │   ├── branch-a1 (A 公司第一党支部)   ← secretary; members 张晓明, 李娜
    │   └── mobile-a (A 公司流动党员党支部) ← cadre; member 王强 (courier, mobile)
    └── company-b (B 快递公司党委)
        └── branch-b1 (B 公司党支部)        ← secretary2; member 赵敏
"""

import contextlib
import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from zhibu.accounts.models import User
from zhibu.accounts.services import grant_role
from zhibu.core.identity import id_check_char
from zhibu.core.scope import Role
from zhibu.registry import services
from zhibu.registry.choices import OrganizationKind, RegionLevel
from zhibu.registry.models import Occupation, Organization, Region

PASSWORD = "correct-horse-battery"
# The system Chromium, headless in a container: no sandbox or GPU, nothing fetched in the background.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def make_id_number(region: str = "440305", birth: str = "19900101", sequence: int = 123) -> str:
    """A checksum-valid ID number; an odd sequence is a man, an even one a woman."""
    first17 = f"{region}{birth}{sequence:03d}"
    return first17 + id_check_char(first17)


class World:
    def __init__(self):
        self.root_user = User.objects.create_user("root", password=PASSWORD)
        grant_role(self.root_user, Role.PLATFORM_ADMIN)
        self.province = Region.objects.create(code="440000", name="广东省", level=RegionLevel.PROVINCE)
        self.city_region = Region.objects.create(
            code="440300", name="深圳市", level=RegionLevel.CITY, parent=self.province
        )
        self.district = Region.objects.create(
            code="440305", name="南山区", level=RegionLevel.DISTRICT, parent=self.city_region
        )
        org = services.create_organization
        self.city = org(self.root_user, parent=None, code="city", name="市委组织部", kind=OrganizationKind.COMMITTEE)
        self.industry = org(
            self.root_user,
            parent=self.city,
            code="industry",
            name="快递行业党委",
            kind=OrganizationKind.INDUSTRY_COMMITTEE,
        )
        self.company_a = org(
            self.root_user,
            parent=self.industry,
            code="company-a",
            name="A 快递公司党委",
            kind=OrganizationKind.COMMITTEE,
        )
        self.branch_a1 = org(
            self.root_user,
            parent=self.company_a,
            code="branch-a1",
            name="A 公司第一党支部",
            kind=OrganizationKind.BRANCH,
        )
        self.mobile_a = org(
            self.root_user,
            parent=self.company_a,
            code="mobile-a",
            name="A 公司流动党员党支部",
            kind=OrganizationKind.MOBILE_BRANCH,
        )
        self.company_b = org(
            self.root_user,
            parent=self.industry,
            code="company-b",
            name="B 快递公司党委",
            kind=OrganizationKind.COMMITTEE,
        )
        self.branch_b1 = org(
            self.root_user, parent=self.company_b, code="branch-b1", name="B 公司党支部", kind=OrganizationKind.BRANCH
        )
        # get_or_create: a transactional test before this one may have flushed the migration rows.
        self.courier_job, _ = Occupation.objects.get_or_create(code="courier", defaults={"name": "快递员"})
        self.zhang = self.add_member("张晓明", make_id_number(sequence=11), self.branch_a1, phone="13800138000")
        self.li = self.add_member("李娜", make_id_number(sequence=22), self.branch_a1)
        self.wang = self.add_member(
            "王强",
            make_id_number(sequence=33),
            self.mobile_a,
            phone="13900139000",
            is_mobile=True,
            occupation=self.courier_job,
        )
        self.zhao = self.add_member("赵敏", make_id_number(sequence=44), self.branch_b1)
        self.users = {
            "admin": self.root_user,
            "city": self.user("city", Role.ORG_VIEWER, self.city),
            "industry": self.user("industry", Role.ORG_ADMIN, self.industry),
            "secretary": self.user("secretary", Role.SECRETARY, self.branch_a1),
            "secretary2": self.user("secretary2", Role.SECRETARY, self.branch_b1),
            "cadre": self.user("cadre", Role.CADRE, self.mobile_a),
            "station": self.user("station", Role.STATION_STAFF, self.industry),
            "courier": self.user("courier", Role.MEMBER, self.mobile_a, member=self.wang),
            "nobody": User.objects.create_user("nobody", password=PASSWORD),
        }

    def add_member(self, name, id_number, home_org, **extra):
        data = services.MemberInput(
            name=name,
            id_number=id_number,
            party_status="full",
            joined_on=datetime.date(2015, 7, 1),
            home_org=home_org,
            **extra,
        )
        return services.create_member(self.root_user, data)

    def user(self, username, role, organization, member=None):
        user = User.objects.create_user(username, password=PASSWORD, member=member)
        grant_role(user, role, organization)
        return user

    def refresh(self, org: Organization) -> Organization:
        return Organization.objects.get(pk=org.pk)


@pytest.fixture
def world(db):
    return World()


@contextlib.contextmanager
def records_for_the_module(django_db_blocker):
    """For a module-scoped fixture: records written once for a whole module, in a transaction
    rolled back when the module ends. Each test runs in a savepoint inside it (pytest-django's
    `db`), so what a test writes is gone before the next; files are not rolled back."""
    from zhibu.core import audit_guard

    with django_db_blocker.unblock(), transaction.atomic():
        audit_guard.install(connection)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def login(client, world):
    """Log the test client in as a persona: `login("secretary")`."""

    def do(username):
        client.force_login(world.users[username])
        return client

    return do


@pytest.fixture
def as_persona(client, world):
    """The test client signed in as a persona, reading pages in English: `as_persona("cadre")`."""

    def sign_in(username):
        client.force_login(world.users[username])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """The system Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package chromium (.ci/run does)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=list(CHROMIUM_ARGS),
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium):
    """A page the size of a 375-pixel-wide phone, in Chinese."""
    context = chromium.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request an earlier test made in English leaves
    English active in the thread, and messages built outside a request would follow it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _audit_guard(request):
    """Keep the audit trail append-only in every test, yet let a transactional test's flush empty it.

    SQLite empties tables with DELETE, which the guard refuses, so the guard is lifted just before
    the flush that ends a transactional test (PostgreSQL's TRUNCATE does not fire row triggers).
    """
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names or _marked_transactional(request)
    if not transactional and "db" not in names and not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db import connection

    from zhibu.core import audit_guard

    audit_guard.install(connection)
    yield
    if transactional and connection.vendor == "sqlite":
        audit_guard.remove(connection)


def _marked_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.fixture
def job_worker(transactional_db):
    """A real Huey consumer, in threads of this process, on the test job queue (its own SQLite file).

    Jobs enqueued on commit run as they do in production; tests wait for their result in the database.
    """
    import signal

    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    consumer = HUEY.create_consumer(workers=1, worker_type="thread", periodic=False, check_worker_health=False)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for sig, handler in handlers.items():  # the consumer installs its own; pytest keeps ours
        signal.signal(sig, handler)
    yield HUEY
    consumer.stop(graceful=True)
    HUEY.flush()
