"""Organisations through the API: scope, filters, create, update, move (with the cycle refused),
delete (refused while members or children remain), query counts."""

import datetime
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhibu.core.models import AuditEvent
from zhibu.registry import services
from zhibu.registry.models import Organization

ORGS = "/api/v1/organizations"


def org_url(org, suffix=""):
    return f"{ORGS}/{org.pk}{suffix}"


def send(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def codes(response):
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def test_list_is_scoped_and_in_tree_order(login, world):
    assert codes(login("secretary").get(ORGS)) == {"branch-a1"}
    items = login("industry").get(ORGS).json()["items"]
    assert [item["code"] for item in items] == [
        "industry",
        "company-a",
        "branch-a1",
        "mobile-a",
        "company-b",
        "branch-b1",
    ]


def test_out_of_scope_organisation_does_not_exist(login, world):
    client = login("secretary2")
    assert client.get(org_url(world.branch_a1)).status_code == 404
    assert send(client, org_url(world.branch_a1), {"name": "X"}, "patch").status_code == 404
    assert send(client, org_url(world.branch_a1, "/move"), {"parent": world.company_b.pk}).status_code == 404
    assert client.delete(org_url(world.branch_a1)).status_code == 404
    assert world.refresh(world.branch_a1).name == "A 公司第一党支部"


def test_detail_has_ids_and_labels(login, world):
    body = login("industry").get(org_url(world.mobile_a)).json()
    assert body["parent"] == world.company_a.pk
    assert (body["kind"], body["national_type_code"], body["depth"]) == ("mobile_branch", "633", 4)
    assert body["kind_label"]
    assert body["is_active"] is True


def test_filters(login, world):
    client = login("admin")
    assert codes(client.get(ORGS, {"parent": world.company_a.pk})) == {"branch-a1", "mobile-a"}
    assert codes(client.get(ORGS, {"under": world.company_a.pk})) == {"company-a", "branch-a1", "mobile-a"}
    assert codes(client.get(ORGS, {"kind": "branch"})) == {"branch-a1", "branch-b1"}
    assert codes(client.get(ORGS, {"q": "流动"})) == {"mobile-a"}
    assert codes(client.get(ORGS, {"q": "COMPANY"})) == {"company-a", "company-b"}
    services.update_organization(
        world.root_user, world.refresh(world.branch_b1), dissolved_on=datetime.date(2024, 1, 1)
    )
    assert codes(client.get(ORGS, {"active": "false"})) == {"branch-b1"}
    assert "branch-b1" not in codes(client.get(ORGS, {"active": "true"}))
    assert client.get(ORGS, {"kind": "club"}).status_code == 422


def test_filter_by_an_org_outside_the_scope_finds_nothing(login, world):
    client = login("secretary")
    assert codes(client.get(ORGS, {"under": world.company_b.pk})) == set()
    assert codes(client.get(ORGS, {"parent": world.industry.pk})) == set()


def test_create_under_a_parent(login, world):
    data = {"code": "branch-b2", "name": "B 公司第二党支部", "kind": "branch", "parent": world.company_b.pk}
    response = send(login("industry"), ORGS, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["parent"], body["national_type_code"]) == (world.company_b.pk, "631")
    org = Organization.objects.get(code="branch-b2")
    assert Organization.objects.get_parent(org) == world.company_b
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_id=str(org.pk)).exists()


def test_create_with_an_unknown_or_hidden_parent_is_a_field_error(login, world):
    client = login("secretary")
    for parent in (999999, world.company_b.pk):
        data = {"code": "new-branch", "name": "新支部", "kind": "branch", "parent": parent}
        response = send(client, ORGS, data)
        assert response.status_code == 422
        assert response.json()["errors"]["parent"]
    assert not Organization.objects.filter(code="new-branch").exists()


def test_duplicate_code_is_a_field_error(login, world):
    data = {"code": "branch-a1", "name": "重复", "kind": "branch", "parent": world.company_a.pk}
    response = send(login("industry"), ORGS, data)
    assert response.status_code == 422
    assert response.json()["errors"]["code"]


def test_update(login, world):
    response = send(
        login("secretary"), org_url(world.branch_a1), {"name": "A 公司第一支部", "secretary": world.zhang.pk}, "patch"
    )
    assert response.status_code == 200, response.content
    assert response.json()["secretary"] == {"id": world.zhang.pk, "name": "张晓明"}
    org = world.refresh(world.branch_a1)
    assert (org.name, org.secretary, org.code) == ("A 公司第一支部", world.zhang, "branch-a1")


def test_update_by_a_viewer_is_refused(login, world):
    response = send(login("cadre"), org_url(world.mobile_a), {"name": "改名"}, "patch")
    assert response.status_code == 403
    assert world.refresh(world.mobile_a).name == "A 公司流动党员党支部"


def test_move_subtree(login, world):
    response = send(login("industry"), org_url(world.branch_a1, "/move"), {"parent": world.company_b.pk})
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == world.company_b.pk
    moved = world.refresh(world.branch_a1)
    assert moved.path.startswith(world.refresh(world.company_b).path)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MOVE, object_id=str(moved.pk)).exists()


def test_move_into_own_subtree_is_a_field_error(login, world):
    path = world.refresh(world.company_a).path
    response = send(login("industry"), org_url(world.company_a, "/move"), {"parent": world.branch_a1.pk})
    assert response.status_code == 422
    assert response.json()["errors"]["parent"]
    assert world.refresh(world.company_a).path == path


def test_move_to_an_unknown_parent_is_a_field_error(login, world):
    response = send(login("industry"), org_url(world.branch_a1, "/move"), {"parent": 999999})
    assert response.status_code == 422
    assert response.json()["errors"]["parent"]


def test_delete_with_members_is_refused_with_the_reason(login, world):
    response = login("industry").delete(org_url(world.branch_a1), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "member" in response.json()["message"]
    assert Organization.objects.filter(pk=world.branch_a1.pk).exists()


def test_delete_with_children_is_refused_with_the_reason(login, world):
    response = login("industry").delete(org_url(world.company_b), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "sub-organisations" in response.json()["message"]
    assert Organization.objects.filter(pk=world.company_b.pk).exists()


def test_delete_empty_organisation(login, world):
    empty = services.create_organization(
        world.root_user, parent=world.company_b, code="empty", name="空支部", kind="branch"
    )
    assert login("industry").delete(org_url(empty)).status_code == 204
    assert not Organization.objects.filter(pk=empty.pk).exists()


def test_list_queries_do_not_grow_with_the_data(login, world, django_assert_max_num_queries):
    client = login("admin")
    with CaptureQueriesContext(connection) as baseline:
        client.get(ORGS)
    unit = services.create_unit(world.root_user, name="A 快递公司", region=world.district)
    for number in range(10):
        services.create_organization(
            world.root_user,
            parent=world.company_a,
            code=f"extra-{number}",
            name=f"支部{number}",
            kind="branch",
            region=world.district,
            units=[unit],
        )
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(ORGS)
    assert response.json()["count"] == 17
    extra = [item for item in response.json()["items"] if item["code"].startswith("extra-")]
    assert len(extra) == 10
    assert all(item["units"] == [{"id": unit.pk, "name": "A 快递公司"}] for item in extra)
    assert all(item["parent"] == world.company_a.pk and item["region"]["code"] == "440305" for item in extra)
