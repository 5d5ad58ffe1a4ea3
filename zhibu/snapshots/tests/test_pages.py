"""The monthly ledger page: defaults, the rolled-up table and its links, drill-down to the people,
freezing on demand, refusals, and a number of queries that does not grow with the members."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.snapshots import services, views
from zhibu.snapshots.models import LedgerSnapshot
from zhibu.snapshots.tests.conftest import FEBRUARY, JANUARY

INDEX = reverse("snapshots:index")
MONTHS = {"a": "2025-01", "b": "2025-02"}


def people_url(org, kind):
    return reverse("snapshots:people", args=[org.pk, kind])


def rows_of(response) -> dict:
    return {row["organization"].name: dict(row["cells"]) for row in response.context["rows"]}


def test_the_page_starts_at_the_top_of_the_scope_with_the_two_latest_months(months, login):
    services.freeze_all(datetime.date(2024, 12, 1))
    response = login("industry").get(INDEX)
    assert response.status_code == 200
    context = response.context
    assert (context["org"], context["month_a"], context["month_b"]) == (months.industry, JANUARY, FEBRUARY)
    rows = rows_of(response)
    assert rows["快递行业党委"]["joined"] == 1 and rows["B 快递公司党委"]["moved_in"] == 1
    assert response.context["rows"][0]["is_total"]
    content = response.content.decode()
    # A child drills down to its own page; each count lists its people, for the child's part of the tree.
    assert f'href="{INDEX}?org={months.company_a.pk}&amp;a=2025-01&amp;b=2025-02"' in content
    moved_out = (
        f'href="{people_url(months.industry, "moved_out")}?a=2025-01&amp;b=2025-02&amp;part={months.company_a.pk}"'
    )
    assert moved_out in content
    assert 'id="freeze-form"' in content


def test_a_child_page_and_chosen_months(months, login):
    client = login("industry")
    response = client.get(INDEX, {"org": months.company_a.pk, "a": "2025-02", "b": "2025-01"})  # swapped back
    assert (response.context["month_a"], response.context["month_b"]) == (JANUARY, FEBRUARY)
    rows = rows_of(response)
    assert list(rows) == ["A 快递公司党委", "A 公司流动党员党支部", "A 公司第一党支部"]
    assert rows["A 快递公司党委"]["left"] == 1
    assert response.context["parent"] == months.industry
    # A month that was never frozen falls back to the latest ones.
    response = client.get(INDEX, {"org": months.company_a.pk, "a": "2020-01", "b": "junk"})
    assert (response.context["month_a"], response.context["month_b"]) == (JANUARY, FEBRUARY)


def test_fewer_than_two_months_are_said_plainly(world, login):
    client = login("secretary")
    response = client.get(INDEX)
    assert response.context["org"] == world.branch_a1
    assert 'id="too-few-months"' in response.content.decode() and response.context["rows"] == []
    services.freeze_month(world.users["secretary"], world.branch_a1, JANUARY)
    response = client.get(INDEX)
    content = response.content.decode()
    assert 'id="too-few-months"' in content and "2025-01" in content and 'id="comparison"' not in content
    response = client.get(people_url(world.branch_a1, "joined"))
    assert response.status_code == 200 and 'id="too-few-months"' in response.content.decode()


def test_readers_see_no_freeze_button_and_others_no_page(months, login):
    assert 'id="freeze-form"' not in login("city").get(INDEX, {"org": months.branch_a1.pk}).content.decode()
    assert login("secretary").get(INDEX, {"org": months.branch_b1.pk}).status_code == 404
    assert login("secretary").get(INDEX, {"org": "x"}).status_code == 404
    assert login("station").get(INDEX).status_code == 404
    assert login("secretary").get(people_url(months.branch_b1, "joined"), MONTHS).status_code == 404
    assert login("industry").get(people_url(months.industry, "everyone"), MONTHS).status_code == 404
    part = {**MONTHS, "part": months.branch_b1.pk}
    assert login("industry").get(people_url(months.company_a, "joined"), part).status_code == 404


def test_freezing_from_the_page(world, login):
    client = login("secretary")
    response = client.post(reverse("snapshots:freeze", args=[world.branch_a1.pk]), follow=True)
    assert response.redirect_chain == [(f"{INDEX}?org={world.branch_a1.pk}", 302)]
    month = f"{services.current_month():%Y-%m}"
    (message,) = [str(message) for message in response.context["messages"]]
    assert month in message and "2" in message
    assert LedgerSnapshot.objects.get().organization == world.branch_a1
    assert AuditEvent.objects.get(changes__month=month).ip_address == "127.0.0.1"
    assert response.context["provisional"] is True  # the current month is not over yet
    assert 'id="too-few-months"' in response.content.decode()

    assert client.get(reverse("snapshots:freeze", args=[world.branch_a1.pk])).status_code == 405
    assert login("city").post(reverse("snapshots:freeze", args=[world.branch_a1.pk])).status_code == 403
    assert login("secretary2").post(reverse("snapshots:freeze", args=[world.branch_a1.pk])).status_code == 404
    assert LedgerSnapshot.objects.count() == 1


def test_the_people_page_lists_and_links_them(months, login):
    response = login("industry").get(people_url(months.industry, "moved_out"), {**MONTHS, "part": months.company_a.pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert [person.name for person in response.context["page"]] == ["张晓明", "周杰"]
    assert reverse("registry:member_detail", args=[months.zhang.pk]) in content
    assert "A 公司流动党员党支部" in content and "B 公司党支部" in content

    response = login("industry").get(people_url(months.industry, "left"), MONTHS)
    assert "赵敏" in response.content.decode()  # deleted since: shown, not linked
    assert reverse("registry:member_detail", args=[months.zhao_id]) not in response.content.decode()


def test_the_people_list_pages_through_a_stream(months, login, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login("admin")
    first = client.get(people_url(months.city, "at_b"), MONTHS)
    assert first.context["page"].paginator.count == 5 and len(first.context["page"]) == 2
    third = client.get(people_url(months.city, "at_b"), {**MONTHS, "page": 3})
    assert len(third.context["page"]) == 1
    beyond = client.get(people_url(months.city, "at_b"), {**MONTHS, "page": 99})
    assert beyond.context["page"].number == 3
    seen = {
        p.name
        for page in (1, 2, 3)
        for p in client.get(people_url(months.city, "at_b"), {**MONTHS, "page": page}).context["page"]
    }
    assert seen == {"张晓明", "李娜", "王强", "周杰", "孙丽"}


def test_queries_do_not_grow_with_the_members(months, login, django_assert_max_num_queries):
    client = login("industry")
    pages = [
        (INDEX, MONTHS),
        (INDEX, {**MONTHS, "org": months.company_a.pk}),
        (people_url(months.industry, "joined"), MONTHS),
    ]
    baselines = []
    for url, params in pages:
        with CaptureQueriesContext(connection) as baseline:
            assert client.get(url, params).status_code == 200
        baselines.append(len(baseline))
    for number in range(40):
        months.add_member(f"新党员{number}", make_id_number("440305", "19900101", 100 + number), months.branch_b1)
    services.freeze_all(FEBRUARY)
    for (url, params), baseline in zip(pages, baselines, strict=True):
        with django_assert_max_num_queries(baseline):
            response = client.get(url, params)
    assert response.context["page"].paginator.count == 41  # 孙丽 and the forty
