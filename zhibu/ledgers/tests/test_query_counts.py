"""The ledger pages and an export cost the same number of queries however many members and jobs there are."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.conftest import make_id_number
from zhibu.ledgers.models import LedgerJob
from zhibu.registry import services as registry_services


def add_members(world, count: int, start: int) -> None:
    admin = world.users["admin"]
    for i in range(count):
        data = registry_services.MemberInput(
            name=f"党员{start + i}",
            id_number=make_id_number("440305", "19900101", start + i),
            party_status="full",
            joined_on=datetime.date(2015, 7, 1),
            home_org=world.branch_a1,
        )
        registry_services.create_member(admin, data)


def add_jobs(world, count: int) -> None:
    for _ in range(count):
        LedgerJob.objects.create(
            kind=LedgerJob.Kind.IMPORT, organization=world.branch_a1, created_by=world.users["secretary"], result={}
        )


def queries_of(client, method: str, url: str, data=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = getattr(client, method)(url, data)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_pages_and_exports_do_not_grow_with_the_data(world, login, django_assert_max_num_queries):
    client = login("secretary")
    export = {"organization": world.branch_a1.pk, "format": "xlsx", "per_branch": "on"}
    job = LedgerJob.objects.create(
        kind=LedgerJob.Kind.IMPORT, organization=world.branch_a1, created_by=world.users["secretary"], result={}
    )
    pages = [
        ("get", reverse("ledgers:index"), None),
        ("get", reverse("ledgers:job", args=[job.pk]), None),
        ("get", reverse("ledgers:template", args=["members"]), None),
        ("post", reverse("ledgers:export"), export),
    ]
    baseline = [queries_of(client, *page) for page in pages]
    add_members(world, 30, 600)
    add_jobs(world, 30)
    for page, count in zip(pages, baseline, strict=True):
        with django_assert_max_num_queries(count):
            assert getattr(client, page[0])(page[1], page[2]).status_code == 200
