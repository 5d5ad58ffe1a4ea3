"""Regions and host units through the API: shared reference data, filters, writes and refusals."""

import json

from zhibu.core.identity import credit_check_char
from zhibu.registry.models import Region, Unit

REGIONS = "/api/v1/regions"
UNITS = "/api/v1/units"
CREDIT_CODE = "91440300MA5F8XJ1B" + credit_check_char("91440300MA5F8XJ1B")


def send(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def names(response):
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


# Regions


def test_region_filters(login, world):
    client = login("secretary")
    assert names(client.get(REGIONS)) == {"广东省", "深圳市", "南山区"}
    assert names(client.get(REGIONS, {"level": 3})) == {"南山区"}
    assert names(client.get(REGIONS, {"parent": world.province.pk})) == {"深圳市"}
    assert names(client.get(REGIONS, {"q": "深圳"})) == {"深圳市"}


def test_region_detail(login, world):
    body = login("secretary").get(f"{REGIONS}/{world.district.pk}").json()
    assert (body["code"], body["level"], body["parent"]) == ("440305", 3, world.city_region.pk)
    assert body["level_label"]


def test_without_registry_access_there_are_no_regions(login, world):
    client = login("station")
    assert client.get(REGIONS).json() == {"items": [], "count": 0}
    assert client.get(f"{REGIONS}/{world.district.pk}").status_code == 404


def test_platform_admin_creates_a_region(login, world):
    data = {"code": "440303", "name": "罗湖区", "level": 3, "parent": world.city_region.pk}
    response = send(login("admin"), REGIONS, data)
    assert response.status_code == 201, response.content
    assert Region.objects.get(code="440303").parent == world.city_region


def test_region_code_outside_the_parent_is_a_field_error(login, world):
    data = {"code": "110101", "name": "东城区", "level": 3, "parent": world.city_region.pk}
    response = send(login("admin"), REGIONS, data)
    assert response.status_code == 422
    assert response.json()["errors"]["code"]
    assert not Region.objects.filter(code="110101").exists()


def test_only_platform_admins_change_regions(login, world):
    data = {"code": "440303", "name": "罗湖区", "level": 3, "parent": world.city_region.pk}
    assert send(login("industry"), REGIONS, data).status_code == 403
    assert send(login("industry"), f"{REGIONS}/{world.district.pk}", {"name": "X"}, "patch").status_code == 403
    assert not Region.objects.filter(code="440303").exists()
    assert Region.objects.get(pk=world.district.pk).name == "南山区"


def test_region_in_use_cannot_be_deleted(login, world):
    response = login("admin").delete(f"{REGIONS}/{world.city_region.pk}")
    assert response.status_code == 400
    assert response.json()["message"]
    assert Region.objects.filter(pk=world.city_region.pk).exists()


# Units


def test_create_unit_and_filter(login, world):
    client = login("industry")
    data = {"name": "A 快递公司", "kind": "enterprise", "region": world.district.pk, "credit_code": CREDIT_CODE}
    response = send(client, UNITS, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["region"] == {"id": world.district.pk, "code": "440305", "name": "南山区"}
    assert body["kind_label"]
    send(client, UNITS, {"name": "科技园", "kind": "park"})
    assert names(client.get(UNITS, {"kind": "park"})) == {"科技园"}
    assert names(client.get(UNITS, {"region": world.district.pk})) == {"A 快递公司"}
    assert names(client.get(UNITS, {"q": "快递"})) == {"A 快递公司"}


def test_invalid_credit_code_is_a_field_error(login, world):
    wrong = CREDIT_CODE[:17] + ("1" if CREDIT_CODE[17] == "0" else "0")
    response = send(login("industry"), UNITS, {"name": "A 快递公司", "credit_code": wrong})
    assert response.status_code == 422
    assert response.json()["errors"]["credit_code"]
    assert not Unit.objects.exists()


def test_unknown_region_is_a_field_error(login, world):
    response = send(login("industry"), UNITS, {"name": "A 快递公司", "region": 999999})
    assert response.status_code == 422
    assert response.json()["errors"]["region"]


def test_update_unit(login, world):
    unit = Unit.objects.create(name="旧名", employee_count=3)
    response = send(login("industry"), f"{UNITS}/{unit.pk}", {"employee_count": 120}, "patch")
    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert (unit.name, unit.employee_count) == ("旧名", 120)


def test_unit_hosting_an_organisation_cannot_be_deleted(login, world):
    unit = Unit.objects.create(name="A 快递公司")
    world.company_a.units.add(unit)
    response = login("admin").delete(f"{UNITS}/{unit.pk}")
    assert response.status_code == 400
    assert Unit.objects.filter(pk=unit.pk).exists()
    other = Unit.objects.create(name="空单位")
    assert login("admin").delete(f"{UNITS}/{other.pk}").status_code == 204
