"""Members through the API: scope, masking, audited reveal, create/update/delete with field errors,
filters, pinyin search, pagination and query counts."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.registry.models import Member

MEMBERS = "/api/v1/members"
NEW_ID = make_id_number(birth="19920315", sequence=202)  # an even sequence: a woman


def member_url(member, suffix=""):
    return f"{MEMBERS}/{member.pk}{suffix}"


def post_json(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def new_member(world, **changes):
    data = {
        "name": "陈小红",
        "id_number": NEW_ID,
        "phone": "13700137000",
        "party_status": "full",
        "joined_on": "2016-07-01",
        "home_org": world.branch_a1.pk,
    }
    data.update(changes)
    return data


def names(response):
    return {item["name"] for item in response.json()["items"]}


# Scope


def test_list_shows_only_the_scope(login, world):
    assert names(login("secretary2").get(MEMBERS)) == {"赵敏"}


def test_admin_sees_every_member(login, world):
    response = login("admin").get(MEMBERS)
    assert response.json()["count"] == 4
    assert names(response) == {"张晓明", "李娜", "王强", "赵敏"}


def test_out_of_scope_member_does_not_exist(login, world):
    client = login("secretary2")
    assert client.get(member_url(world.zhang)).status_code == 404
    assert post_json(client, member_url(world.zhang), {"name": "X"}, "patch").status_code == 404
    assert client.delete(member_url(world.zhang)).status_code == 404
    assert post_json(client, member_url(world.zhang, "/reveal"), {"field": "id_number"}).status_code == 404
    world.zhang.refresh_from_db()
    assert world.zhang.name == "张晓明"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_visible_but_not_editable_is_refused(login, world):
    response = post_json(login("cadre"), member_url(world.wang), {"name": "王刚"}, "patch")
    assert response.status_code == 403
    assert response.json()["message"]
    world.wang.refresh_from_db()
    assert world.wang.name == "王强"


# Personal numbers


def test_detail_shows_numbers_masked_only(login, world):
    response = login("secretary").get(member_url(world.zhang))
    assert response.status_code == 200
    body = response.json()
    assert body["id_number_masked"] == world.zhang.id_number_masked
    assert body["phone_masked"] == "138****8000"
    assert "id_number" not in body and "phone" not in body
    content = response.content.decode()
    assert world.zhang.id_number not in content
    assert "13800138000" not in content


def test_detail_has_labels_and_references(login, world):
    body = login("cadre").get(member_url(world.wang)).json()
    assert body["home_org"] == {"id": world.mobile_a.pk, "code": "mobile-a", "name": "A 公司流动党员党支部"}
    assert body["occupation"]["code"] == "courier"
    assert body["occupation"]["name"]
    assert body["party_status"] == "full"
    assert body["party_status_label"]
    assert body["is_mobile"] is True


def test_list_does_not_contain_clear_numbers(login, world):
    content = login("admin").get(MEMBERS).content.decode()
    for member in (world.zhang, world.li, world.wang, world.zhao):
        assert member.id_number not in content
    assert "13800138000" not in content and "13900139000" not in content


def test_reveal_returns_the_clear_number_and_is_audited(login, world):
    response = post_json(login("secretary"), member_url(world.zhang, "/reveal"), {"field": "phone"})
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "13800138000"}
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert (event.object_id, event.actor_name, event.changes) == (str(world.zhang.pk), "secretary", {"field": "phone"})


def test_reveal_needs_the_permission(login, world):
    response = post_json(login("cadre"), member_url(world.wang, "/reveal"), {"field": "id_number"})
    assert response.status_code == 403
    assert world.wang.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_reveal_is_post_only_and_knows_its_fields(login, world):
    client = login("secretary")
    assert client.get(member_url(world.zhang, "/reveal")).status_code == 405
    assert client.get(member_url(world.zhang, "/reveal/id_number")).status_code == 404
    response = post_json(client, member_url(world.zhang, "/reveal"), {"field": "birth_date"})
    assert response.status_code == 422
    assert "field" in response.json()["errors"]


# Create


def test_create_member(login, world):
    response = post_json(login("secretary"), MEMBERS, new_member(world, occupation="courier", is_mobile=True))
    assert response.status_code == 201
    body = response.json()
    assert body["id_number_masked"] == NEW_ID[:4] + "**********" + NEW_ID[-4:]
    assert body["gender"] == "female"  # from the ID number
    assert body["birth_date"] == "1992-03-15"
    assert body["occupation"]["code"] == "courier"
    assert NEW_ID not in response.content.decode()
    member = Member.objects.get(pk=body["id"])
    assert (member.id_number, member.phone, member.home_org) == (NEW_ID, "13700137000", world.branch_a1)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_id=str(member.pk)).exists()


def assert_field_error(response, field):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"]
    assert body["errors"][field]
    assert NEW_ID not in response.content.decode()


def test_invalid_id_number_is_a_field_error_and_nothing_is_written(login, world):
    wrong_check_digit = NEW_ID[:17] + ("1" if NEW_ID[17] == "0" else "0")
    response = post_json(login("secretary"), MEMBERS, new_member(world, id_number=wrong_check_digit))
    assert_field_error(response, "id_number")
    assert wrong_check_digit not in response.content.decode()
    assert Member.objects.count() == 4


def test_duplicate_id_number_is_a_field_error(login, world):
    response = post_json(login("secretary"), MEMBERS, new_member(world, id_number=world.zhao.id_number))
    assert_field_error(response, "id_number")
    assert world.zhao.id_number not in response.content.decode()
    assert Member.objects.count() == 4


def test_birth_date_must_agree_with_the_id_number(login, world):
    response = post_json(login("secretary"), MEMBERS, new_member(world, birth_date="1992-03-16"))
    assert_field_error(response, "birth_date")
    assert Member.objects.count() == 4


def test_unknown_or_hidden_home_org_is_a_field_error(login, world):
    client = login("secretary")
    for home_org in (999999, world.branch_b1.pk):
        assert_field_error(post_json(client, MEMBERS, new_member(world, home_org=home_org)), "home_org")
    assert Member.objects.count() == 4


def test_unknown_occupation_is_a_field_error(login, world):
    response = post_json(login("secretary"), MEMBERS, new_member(world, occupation="astronaut"))
    assert_field_error(response, "occupation")


def test_missing_fields_are_listed(login, world):
    response = post_json(login("secretary"), MEMBERS, {"name": "陈小红"})
    assert response.status_code == 422
    assert {"id_number", "party_status", "joined_on", "home_org"} <= set(response.json()["errors"])


# Update and delete


def test_patch_keeps_numbers_that_are_left_out(login, world):
    old_id = world.zhang.id_number
    response = post_json(login("secretary"), member_url(world.zhang), {"name": "张小明", "is_mobile": True}, "patch")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "张小明"
    member = Member.objects.get(pk=world.zhang.pk)
    assert (member.name, member.is_mobile, member.name_pinyin) == ("张小明", True, "zhangxiaoming")
    assert (member.id_number, member.phone) == (old_id, "13800138000")


def test_patch_changes_the_phone(login, world):
    response = post_json(login("secretary"), member_url(world.zhang), {"phone": "13600136000"}, "patch")
    assert response.json()["phone_masked"] == "136****6000"
    assert Member.objects.get(pk=world.zhang.pk).phone == "13600136000"


def test_patch_with_a_bad_phone_changes_nothing(login, world):
    response = post_json(login("secretary"), member_url(world.zhang), {"name": "张小明", "phone": "12345"}, "patch")
    assert response.status_code == 422
    assert response.json()["errors"]["phone"]
    member = Member.objects.get(pk=world.zhang.pk)
    assert (member.name, member.phone) == ("张晓明", "13800138000")


def test_patch_with_null_clears_optional_values(login, world):
    world.zhang.activity_orgs.add(world.branch_a1)
    response = post_json(login("secretary"), member_url(world.zhang), {"phone": None, "activity_orgs": None}, "patch")
    assert response.status_code == 200, response.content
    assert (response.json()["phone_masked"], response.json()["activity_orgs"]) == ("", [])
    member = Member.objects.get(pk=world.zhang.pk)
    assert (member.phone, member.activity_orgs.count()) == ("", 0)


def test_activity_orgs_are_looked_up_within_the_scope(login, world):
    client = login("secretary")
    response = post_json(client, member_url(world.zhang), {"activity_orgs": [world.branch_b1.pk]}, "patch")
    assert response.status_code == 422
    assert response.json()["errors"]["activity_orgs"]
    response = post_json(client, member_url(world.zhang), {"activity_orgs": [world.branch_a1.pk]}, "patch")
    assert response.json()["activity_orgs"] == [
        {"id": world.branch_a1.pk, "code": "branch-a1", "name": "A 公司第一党支部"}
    ]


def test_delete_member(login, world):
    assert login("secretary").delete(member_url(world.li)).status_code == 204
    assert not Member.objects.filter(pk=world.li.pk).exists()


# Filters, search, pagination


def test_filters(login, world):
    client = login("admin")
    assert names(client.get(MEMBERS, {"org": world.company_a.pk})) == {"张晓明", "李娜", "王强"}
    assert names(client.get(MEMBERS, {"occupation": "courier"})) == {"王强"}
    assert names(client.get(MEMBERS, {"is_mobile": "true"})) == {"王强"}
    assert names(client.get(MEMBERS, {"is_mobile": "false"})) == {"张晓明", "李娜", "赵敏"}
    assert names(client.get(MEMBERS, {"party_status": "probationary"})) == set()
    world.zhao.region = world.district
    world.zhao.save()
    assert names(client.get(MEMBERS, {"region": world.district.pk})) == {"赵敏"}


def test_filter_by_an_org_outside_the_scope_finds_nothing(login, world):
    assert names(login("secretary").get(MEMBERS, {"org": world.company_b.pk})) == set()


def test_search_by_pinyin_initials_full_pinyin_and_name(login, world):
    client = login("secretary")
    assert names(client.get(MEMBERS, {"q": "zxm"})) == {"张晓明"}
    assert names(client.get(MEMBERS, {"q": "ZhangXiao"})) == {"张晓明"}
    assert names(client.get(MEMBERS, {"q": "晓明"})) == {"张晓明"}
    assert names(login("secretary2").get(MEMBERS, {"q": "zxm"})) == set()


def test_pagination(login, world):
    client = login("admin")
    first = client.get(MEMBERS, {"limit": 3}).json()
    rest = client.get(MEMBERS, {"limit": 3, "offset": 3}).json()
    assert set(first) == {"items", "count"}
    assert (first["count"], len(first["items"]), len(rest["items"])) == (4, 3, 1)
    seen = {item["id"] for item in first["items"] + rest["items"]}
    assert len(seen) == 4
    too_many = client.get(MEMBERS, {"limit": 501}, HTTP_ACCEPT_LANGUAGE="en")
    assert too_many.status_code == 422
    assert too_many.json()["errors"]["limit"] == ["Ensure this value is less than or equal to 500."]


def test_list_queries_do_not_grow_with_the_data(login, world, django_assert_max_num_queries):
    client = login("admin")
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(MEMBERS).status_code == 200
    for sequence in range(100, 112):
        member = world.add_member(
            f"成员{sequence}",
            make_id_number(sequence=sequence),
            world.branch_b1,
            occupation=world.courier_job,
            region=world.district,
            activity_orgs=[world.mobile_a, world.branch_a1],
        )
        assert member.activity_orgs.count() == 2
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(MEMBERS)
    assert response.json()["count"] == 16


def test_patch_can_send_back_an_activity_organisation_outside_scope(client, world):
    """GET shows every activity organisation; sending the list back unchanged must work."""
    world.zhang.activity_orgs.add(world.branch_b1)
    client.force_login(world.users["secretary"])
    url = f"/api/v1/members/{world.zhang.pk}"
    current = [org["id"] for org in client.get(url).json()["activity_orgs"]]
    assert current == [world.branch_b1.pk]
    response = client.patch(url, data={"activity_orgs": current, "is_mobile": True}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert list(world.zhang.activity_orgs.all()) == [world.branch_b1]
