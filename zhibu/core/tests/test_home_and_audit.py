"""The home page (scope and key figures per persona) and the audit page (scoped, filtered)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from zhibu.conftest import make_id_number
from zhibu.core import audit
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Role
from zhibu.core.views import change_lines
from zhibu.registry import services
from zhibu.registry.models import Member

HOME_URL = reverse("home")
AUDIT_URL = reverse("audit")


def org_url(org):
    return reverse("registry:org_detail", args=[org.pk])


def events(response):
    return list(response.context["page"])


# Home


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"organizations": 7, "members": 4, "mobile": 1, "full": 4, "probationary": 0}),
        ("city", {"organizations": 7, "members": 4, "mobile": 1, "full": 4, "probationary": 0}),
        ("industry", {"organizations": 6, "members": 4, "mobile": 1, "full": 4, "probationary": 0}),
        ("secretary", {"organizations": 1, "members": 2, "mobile": 0, "full": 2, "probationary": 0}),
        ("cadre", {"organizations": 1, "members": 1, "mobile": 1, "full": 1, "probationary": 0}),
    ],
)
def test_home_shows_key_figures_of_the_scope(login, world, persona, expected):
    response = login(persona).get(HOME_URL)
    assert response.status_code == 200
    assert response.context["counts"] == expected


def test_home_counts_probationary_members(login, world):
    world.add_member("钱多多", make_id_number(sequence=55), world.branch_a1)
    data = services.member_input_from(world.li)
    data.party_status, data.full_member_on = "probationary", None
    services.update_member(world.root_user, world.li, data)
    counts = login("secretary").get(HOME_URL).context["counts"]
    assert (counts["members"], counts["full"], counts["probationary"]) == (3, 2, 1)


def test_home_shows_the_scope_with_role_and_link(login, world):
    response = login("secretary").get(HOME_URL)
    (grant,) = response.context["grants"]
    assert (grant.role, grant.organization) == (Role.SECRETARY, world.branch_a1)
    html = response.content.decode()
    assert "A 公司第一党支部" in html and org_url(world.branch_a1) in html
    assert str(Role.SECRETARY.label) in html
    assert reverse("audit") in html


def test_home_of_a_member_links_to_the_own_record_without_figures(login, world):
    response = login("courier").get(HOME_URL)
    assert response.context["counts"] is None
    assert reverse("registry:member_detail", args=[world.wang.pk]) in response.content.decode()


def test_home_of_station_staff_shows_the_scope_and_a_note(login, world):
    response = login("station").get(HOME_URL)
    assert response.context["counts"] is None
    assert response.context["is_station_staff"]
    html = response.content.decode()
    assert "快递行业党委" in html
    assert org_url(world.industry) not in html  # outside what station staff may open
    assert 'class="alert alert-info"' in html


def test_home_of_an_account_without_roles(login, world):
    response = login("nobody").get(HOME_URL)
    assert response.status_code == 200
    assert response.context["grants"] == [] and response.context["counts"] is None


def test_home_needs_login(client, world):
    response = client.get(HOME_URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_home_queries_do_not_grow_with_the_data(login, world, django_assert_max_num_queries):
    client = login("industry")
    with CaptureQueriesContext(connection) as baseline:
        client.get(HOME_URL)
    for sequence in range(101, 121, 2):
        world.add_member(f"党员{sequence}", make_id_number(sequence=sequence), world.branch_b1)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(HOME_URL)
    assert response.context["counts"]["members"] == 14


# Audit


def test_secretary_sees_only_events_of_the_branch(login, world):
    response = login("secretary").get(AUDIT_URL)
    assert response.status_code == 200
    shown = events(response)
    assert shown and all(event.org.path.startswith(world.branch_a1.path) for event in shown)
    assert {"张晓明", "李娜", "A 公司第一党支部"} <= {event.object_repr for event in shown}
    html = response.content.decode()
    for elsewhere in ["王强", "赵敏", "B 公司党支部"]:
        assert elsewhere not in html


def test_industry_administrator_sees_the_subtree(login, world):
    shown = {event.object_repr for event in events(login("industry").get(AUDIT_URL))}
    assert {"张晓明", "王强", "赵敏", "快递行业党委"} <= shown
    assert "市委组织部" not in shown


def test_platform_admin_sees_every_event(login, world):
    audit.record(None, audit.Action.LOGIN_FAILED, actor_name="stranger")  # no organisation at all
    response = login("admin").get(AUDIT_URL)
    assert response.context["page"].paginator.count == AuditEvent.objects.count()
    assert "stranger" in response.content.decode()


@pytest.mark.parametrize("persona", ["cadre", "courier", "station", "nobody"])
def test_audit_page_without_audit_rights_is_404(login, world, persona):
    assert login(persona).get(AUDIT_URL).status_code == 404


ORG_NAMES_BELOW_INDUSTRY = {
    "快递行业党委",
    "A 快递公司党委",
    "A 公司第一党支部",
    "A 公司流动党员党支部",
    "B 快递公司党委",
    "B 公司党支部",
}
MEMBER_NAMES = {"张晓明", "李娜", "王强", "赵敏"}


@pytest.mark.parametrize(
    ("persona", "filters", "expected"),
    [
        ("admin", {"action": "create", "object_type": "registry.member"}, MEMBER_NAMES),
        ("industry", {"action": "create", "object_type": "registry.organization"}, ORG_NAMES_BELOW_INDUSTRY),
        ("secretary2", {"object_type": "registry.organization"}, {"B 公司党支部"}),
        ("admin", {"actor_name": "ROO", "object_type": "registry.member"}, MEMBER_NAMES),
        ("admin", {"actor_name": "industry"}, set()),
        ("admin", {"action": "move"}, set()),
    ],
)
def test_audit_filters(login, world, persona, filters, expected):
    shown = {event.object_repr for event in events(login(persona).get(AUDIT_URL, filters))}
    assert shown == expected


def test_audit_date_filters_include_whole_days(login, world):
    client = login("admin")
    today = timezone.localdate()
    total = AuditEvent.objects.count()
    assert client.get(AUDIT_URL, {"date_from": today, "date_to": today}).context["page"].paginator.count == total
    tomorrow, yesterday = today + datetime.timedelta(days=1), today - datetime.timedelta(days=1)
    assert client.get(AUDIT_URL, {"date_from": tomorrow}).context["page"].paginator.count == 0
    assert client.get(AUDIT_URL, {"date_to": yesterday}).context["page"].paginator.count == 0


def test_an_invalid_date_filter_is_shown_and_ignored(login, world):
    response = login("admin").get(AUDIT_URL, {"date_from": "not a date"})
    assert "date_from" in response.context["form"].errors
    assert response.context["page"].paginator.count == AuditEvent.objects.count()


def test_audit_changes_are_shown_with_personal_numbers_redacted(login, world):
    data = services.member_input_from(world.zhang)
    data.phone, data.is_mobile = "13700137000", True
    services.update_member(world.users["secretary"], world.zhang, data)
    response = login("secretary").get(AUDIT_URL, {"action": "update", "object_type": "registry.member"})
    (event,) = events(response)
    assert len(event.change_lines) == 2
    html = response.content.decode()
    for number in ["13700137000", "13800138000", world.zhang.phone_digest]:
        assert number not in html
    with translation.override("en"):
        assert dict(change_lines(event, Member)) == {
            "mobile member": "No → Yes",
            "Mobile number": "changed (not shown)",
        }


def test_audit_shows_which_field_a_reveal_showed(login, world):
    services.reveal(world.users["secretary"], world.zhang, "id_number")
    (event,) = events(login("secretary").get(AUDIT_URL, {"action": "reveal"}))
    assert event.object_repr == "张晓明"
    with translation.override("en"):
        assert change_lines(event, Member) == [("Field shown", "ID number")]


def test_audit_page_is_paginated_with_bounded_queries(login, world, django_assert_max_num_queries):
    client = login("admin")
    with CaptureQueriesContext(connection) as baseline:
        client.get(AUDIT_URL)
    for index in range(60):
        audit.record(world.root_user, audit.Action.EXPORT, world.city, org=world.city, changes={"n": index})
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(AUDIT_URL)
    page = response.context["page"]
    assert len(page) == 50 and page.paginator.num_pages == 2
    assert len(events(client.get(AUDIT_URL, {"page": 2}))) == page.paginator.count - 50
