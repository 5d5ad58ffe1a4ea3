"""The points pages: a secretary turns points on and sets rules, a member reads their own ledger and
total, the ranking is hidden unless turned on and then only within the organisation, the API, and
query counts that do not grow with the entries."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.core.tests.pages import section, text
from zhibu.points import services
from zhibu.points.models import EarningRule, PointKind, PointsEntry, PointsPolicy
from zhibu.points.services import RuleInput

MEETING = PointKind.MEETING_ATTENDED


def settings_url(org):
    return reverse("points:settings", args=[org.pk])


def test_a_secretary_turns_points_on_and_sets_a_rule(as_persona, world):
    client = as_persona("secretary")
    page = text(client.get(settings_url(world.branch_a1)))
    assert "Points are off here" in page and 'id="points-policy"' in page
    response = client.post(settings_url(world.branch_a1), {"is_enabled": "on"})
    assert response.status_code == 302
    policy = PointsPolicy.objects.get(organization=world.branch_a1)
    assert policy.is_enabled and not policy.show_ranking  # the ranking stays off unless turned on
    response = client.post(
        reverse("points:rule", args=[world.branch_a1.pk]),
        {"kind": MEETING, "points": "5", "cap_per_day": "10", "cap_per_month": ""},
    )
    assert response.status_code == 302
    assert EarningRule.objects.get().cap_per_day == 10
    page = text(client.get(settings_url(world.branch_a1)))
    assert "Meeting attended" in section(page, "points-rules", "table")


def test_bad_rules_show_their_message(as_persona, world):
    client = as_persona("secretary")
    response = client.post(
        reverse("points:rule", args=[world.branch_a1.pk]),
        {"kind": MEETING, "points": "5", "cap_per_day": "10", "cap_per_month": "3"},
    )
    assert response.status_code == 400
    assert "The monthly cap cannot be below the daily cap." in text(response)
    response = client.post(reverse("points:rule", args=[world.branch_a1.pk]), {"kind": "deduction", "points": "-1"})
    assert response.status_code == 400 and not EarningRule.objects.exists()


def test_readers_see_the_settings_without_the_forms(as_persona, world):
    services.set_policy(world.root_user, world.company_a, is_enabled=True)
    page = text(as_persona("city").get(settings_url(world.branch_a1)))
    assert "Points are on here." in page and "Inherited from A 快递公司党委" in page
    assert 'id="points-policy"' not in page and 'id="points-rule-form"' not in page


def test_my_points_shows_the_ledger_and_the_total(as_persona, world):
    client = as_persona("courier")
    page = text(client.get(reverse("points:mine")))
    assert 'id="points-off"' in page and 'id="points-total">0<' in page
    services.set_policy(world.root_user, world.company_a, is_enabled=True)
    services.set_rule(world.root_user, world.company_a, RuleInput(MEETING, 5))
    services.set_rule(world.root_user, world.company_a, RuleInput(PointKind.VOLUNTEER_HOUR, 2))
    services.award(world.wang, MEETING, "meeting:1")
    services.award(world.wang, PointKind.VOLUNTEER_HOUR, "shift:1", units=3)
    services.award(world.zhang, MEETING, "meeting:1")  # someone else's
    page = text(client.get(reverse("points:mine")))
    assert 'id="points-off"' not in page and 'id="points-total">11<' in page
    ledger = section(page, "points-ledger", "ul")
    assert ledger.count("list-group-item") == 2 and "+6" in ledger and "+5" in ledger
    assert 'id="ranking-link"' not in page  # off by default


def test_the_ranking_is_hidden_unless_turned_on_and_then_only_within_the_organisation(as_persona, world):
    admin = world.root_user
    services.set_policy(admin, world.company_a, is_enabled=True)
    services.set_rule(admin, world.company_a, RuleInput(MEETING, 5))
    services.award(world.zhang, MEETING, "meeting:1")
    services.award(world.wang, MEETING, "meeting:1")
    services.award(world.wang, MEETING, "meeting:2")
    ranking = reverse("points:ranking", args=[world.company_a.pk])
    assert as_persona("industry").get(ranking).status_code == 404  # off: there is no such page
    services.set_policy(admin, world.company_a, is_enabled=True, show_ranking=True)
    page = text(as_persona("courier").get(ranking))  # a member of company-a
    rows = section(page, "points-ranking", "table")
    assert rows.index("王强") < rows.index("张晓明")
    assert 'id="ranking-link"' in text(as_persona("courier").get(reverse("points:mine")))
    # Not to members elsewhere, and not for an organisation that did not turn it on.
    assert as_persona("secretary2").get(ranking).status_code == 404
    assert as_persona("secretary").get(reverse("points:ranking", args=[world.branch_a1.pk])).status_code == 404
    # Points awarded by another organisation's policy do not count in this one.
    services.set_policy(admin, world.branch_a1, is_enabled=True, show_ranking=True)
    services.award(world.li, MEETING, "meeting:9")
    assert "李娜" not in section(text(as_persona("industry").get(ranking)), "points-ranking", "table")
    services.set_policy(admin, world.company_a, is_enabled=False, show_ranking=True)
    assert as_persona("courier").get(ranking).status_code == 404  # points off: no ranking either


def test_the_api_gives_my_points(as_persona, world):
    services.set_policy(world.root_user, world.mobile_a, is_enabled=True)
    services.set_rule(world.root_user, world.mobile_a, RuleInput(MEETING, 3))
    services.award(world.wang, MEETING, "meeting:1")
    client = as_persona("courier")
    assert client.get("/api/v1/points/mine").json() == {"total": 3, "points_on": True, "ranking": None}
    entries = client.get("/api/v1/points/mine/entries").json()
    assert entries["count"] == 1 and entries["items"][0]["kind"] == MEETING and entries["items"][0]["points"] == 3
    assert as_persona("nobody").get("/api/v1/points/mine").json()["total"] == 0


def test_pages_do_not_grow_with_the_entries(as_persona, world, django_assert_max_num_queries):
    admin = world.root_user
    services.set_policy(admin, world.company_a, is_enabled=True, show_ranking=True)
    services.set_rule(admin, world.company_a, RuleInput(MEETING, 5))
    services.award(world.wang, MEETING, "meeting:0")
    pages = {
        "courier": [reverse("points:mine"), "/api/v1/points/mine", "/api/v1/points/mine/entries"],
        "industry": [reverse("points:ranking", args=[world.company_a.pk]), reverse("points:index")],
        "secretary": [settings_url(world.branch_a1)],
    }
    baseline = {}
    for username, urls in pages.items():
        client = as_persona(username)
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            baseline[(username, url)] = len(queries)
    start = timezone.now() - datetime.timedelta(days=20)
    for day in range(1, 13):
        services.award_many(
            [world.wang, world.zhang, world.li], MEETING, f"meeting:{day}", at=start + datetime.timedelta(days=day)
        )
    services.set_rule(admin, world.branch_a1, RuleInput(PointKind.LESSON_COMPLETED, 1))
    assert PointsEntry.objects.count() > 30
    for (username, url), count in baseline.items():
        client = as_persona(username)
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200
