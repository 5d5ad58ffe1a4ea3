"""Host unit pages: list filters, the unit page limited to the actor's scope, and create/edit
through the services with the credit code checked there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.core.identity import credit_check_char
from zhibu.core.models import AuditEvent
from zhibu.registry import services
from zhibu.registry.choices import RegionLevel, UnitKind
from zhibu.registry.models import Region, Unit
from zhibu.registry.views import units as unit_views

LIST_URL = reverse("registry:unit_list")
CREATE_URL = reverse("registry:unit_create")


def credit_code(body: str = "91440300MA5DC0000") -> str:
    return body + credit_check_char(body)


VALID_CODE = credit_code()
WRONG_CHECK_CHAR = VALID_CODE[:17] + ("1" if VALID_CODE[17] != "1" else "2")


def url(name, unit):
    return reverse(f"registry:unit_{name}", args=[unit.pk])


def listed(response):
    return {unit.name for unit in response.context["page"]}


def unit_post_data(**changes):
    data = {
        "name": "C 快递公司",
        "kind": UnitKind.ENTERPRISE,
        "industry": "快递",
        "employee_count": "120",
        "region": "",
        "address": "",
        "credit_code": "",
        "latitude": "",
        "longitude": "",
        "coordinate_system": "gcj02",
    }
    data.update(changes)
    return data


@pytest.fixture
def units(world):
    street = Region.objects.create(code="440305001", name="南头街道", level=RegionLevel.STREET, parent=world.district)
    other_district = Region.objects.create(
        code="440304", name="福田区", level=RegionLevel.DISTRICT, parent=world.city_region
    )
    create = services.create_unit
    a = create(world.root_user, name="A 快递公司", kind=UnitKind.ENTERPRISE, region=street, credit_code=VALID_CODE)
    b = create(world.root_user, name="B 快递公司", kind=UnitKind.ENTERPRISE, region=other_district)
    tower = create(world.root_user, name="科技大厦", kind=UnitKind.BUILDING, region=world.district)
    services.update_organization(world.root_user, world.branch_a1, units=[a])
    services.update_organization(world.root_user, world.branch_b1, units=[a, b])
    return {"a": a, "b": b, "tower": tower}


# List


def test_list_shows_every_unit_to_registry_readers(login, units):
    response = login("secretary").get(LIST_URL)
    assert response.status_code == 200
    assert listed(response) == {"A 快递公司", "B 快递公司", "科技大厦"}
    assert url("detail", units["a"]) in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": UnitKind.BUILDING}, {"科技大厦"}),
        ({"q": "快递"}, {"A 快递公司", "B 快递公司"}),
        ({"q": "a 快递"}, {"A 快递公司"}),
        ({"region": "district"}, {"A 快递公司", "科技大厦"}),  # a district covers its streets
        ({"kind": UnitKind.ENTERPRISE, "region": "district"}, {"A 快递公司"}),
    ],
)
def test_list_filters(login, world, units, filters, expected):
    if filters.get("region") == "district":
        filters["region"] = world.district.pk
    assert listed(login("admin").get(LIST_URL, filters)) == expected


def test_an_invalid_filter_is_shown_and_ignored(login, units):
    response = login("admin").get(LIST_URL, {"kind": "spaceship"})
    assert "kind" in response.context["form"].errors
    assert len(listed(response)) == 3


@pytest.mark.parametrize("persona", ["courier", "station", "nobody"])
def test_list_is_empty_without_registry_rights(login, units, persona):
    response = login(persona).get(LIST_URL)
    assert response.status_code == 200
    assert listed(response) == set()
    assert CREATE_URL not in response.content.decode()


def test_list_is_paginated(login, world, units, monkeypatch):
    monkeypatch.setattr(unit_views, "PAGE_SIZE", 2)
    client = login("admin")
    first, second = client.get(LIST_URL), client.get(LIST_URL, {"page": 2})
    assert len(listed(first)) == 2 and len(listed(second)) == 1
    assert listed(first) | listed(second) == {"A 快递公司", "B 快递公司", "科技大厦"}


def test_list_queries_do_not_grow_with_the_data(login, world, units, django_assert_max_num_queries):
    client = login("secretary")
    with CaptureQueriesContext(connection) as baseline:
        client.get(LIST_URL)
    for index in range(20):
        services.create_unit(world.root_user, name=f"网点 {index}", region=world.district)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(LIST_URL)
    assert len(listed(response)) == 23


# Unit page


def test_unit_page_shows_only_organisations_in_scope(login, world, units):
    response = login("secretary").get(url("detail", units["a"]))
    assert response.status_code == 200
    assert [org.name for org in response.context["organizations"]] == ["A 公司第一党支部"]
    html = response.content.decode()
    assert VALID_CODE in html and "南头街道" in html
    assert "B 公司党支部" not in html


def test_unit_page_for_an_admin_lists_every_host_organisation(login, units):
    response = login("admin").get(url("detail", units["a"]))
    assert {org.name for org in response.context["organizations"]} == {"A 公司第一党支部", "B 公司党支部"}


def test_unit_page_counts_employed_members_within_scope(login, world, units):
    data = services.member_input_from(world.zhang)
    data.employer = units["a"]
    services.update_member(world.root_user, world.zhang, data)
    data = services.member_input_from(world.zhao)
    data.employer = units["a"]
    services.update_member(world.root_user, world.zhao, data)
    assert login("secretary").get(url("detail", units["a"])).context["employee_member_count"] == 1
    assert login("admin").get(url("detail", units["a"])).context["employee_member_count"] == 2


@pytest.mark.parametrize("page", ["detail", "edit"])
@pytest.mark.parametrize("persona", ["courier", "station", "nobody"])
def test_unit_pages_without_registry_rights_are_404(login, units, persona, page):
    assert login(persona).get(url(page, units["a"])).status_code == 404


def test_unknown_unit_is_404(login, units):
    assert login("admin").get(reverse("registry:unit_detail", args=[999999])).status_code == 404


# Create and edit


def test_create_unit(login, world):
    response = login("secretary").post(
        CREATE_URL,
        unit_post_data(region=world.district.pk, credit_code=VALID_CODE.lower(), latitude="22.5", longitude="113.9"),
    )
    unit = Unit.objects.get(name="C 快递公司")
    assert response.status_code == 302 and response["Location"] == url("detail", unit)
    assert (unit.credit_code, unit.region, unit.employee_count) == (VALID_CODE, world.district, 120)
    assert AuditEvent.objects.filter(action="create", object_type="registry.unit", object_id=str(unit.pk)).exists()


@pytest.mark.parametrize("code", [WRONG_CHECK_CHAR, "12345", "91440300MA5DC000I0"])
def test_create_with_a_bad_credit_code_shows_the_service_message_on_the_field(login, world, code):
    response = login("secretary").post(CREATE_URL, unit_post_data(credit_code=code))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["credit_code"]
    assert errors["credit_code"][0] in response.content.decode()
    assert not Unit.objects.filter(name="C 快递公司").exists()


def test_create_with_a_duplicate_credit_code_is_refused(login, units):
    response = login("secretary").post(CREATE_URL, unit_post_data(credit_code=VALID_CODE))
    assert "credit_code" in response.context["form"].errors
    assert not Unit.objects.filter(name="C 快递公司").exists()


def test_create_with_missing_name_and_bad_number_shows_field_messages(login, world):
    response = login("secretary").post(CREATE_URL, unit_post_data(name="", employee_count="many"))
    assert set(response.context["form"].errors) == {"name", "employee_count"}
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("persona", ["city", "cadre", "courier", "station"])
def test_create_without_edit_rights_is_refused(login, world, persona):
    response = login(persona).post(CREATE_URL, unit_post_data())
    assert response.status_code == 403
    assert Unit.objects.count() == 0


def test_edit_unit(login, world, units):
    tower = units["tower"]
    response = login("secretary").post(
        url("edit", tower), unit_post_data(name="科技大厦 A 座", kind=UnitKind.BUILDING, employee_count="3000")
    )
    assert response.status_code == 302
    tower.refresh_from_db()
    assert (tower.name, tower.employee_count, tower.region) == ("科技大厦 A 座", 3000, None)


def test_edit_form_starts_with_the_current_values(login, units):
    form = login("secretary").get(url("edit", units["a"])).context["form"]
    assert form["name"].value() == "A 快递公司"
    assert form["credit_code"].value() == VALID_CODE


def test_edit_refused_by_the_service_changes_nothing(login, units):
    unit = units["b"]
    response = login("secretary2").post(url("edit", unit), unit_post_data(name="改名", credit_code=WRONG_CHECK_CHAR))
    assert "credit_code" in response.context["form"].errors
    assert "B 快递公司" in response.content.decode()  # the heading keeps the saved name
    unit.refresh_from_db()
    assert (unit.name, unit.credit_code) == ("B 快递公司", None)


def test_a_unit_hosting_only_other_organisations_cannot_be_changed(login, units):
    """B hosts only branch-b1: secretary of branch-a1 may read it but not change it."""
    assert login("secretary").get(url("edit", units["b"])).status_code == 403
    assert login("secretary2").get(url("edit", units["b"])).status_code == 200


def test_edit_without_edit_rights_is_403(login, units):
    assert login("city").get(url("edit", units["a"])).status_code == 403
