"""Organisation pages: the tree and its lazily loaded children with member counts, the
organisation page, and create/edit/move/delete through the services, all within the actor's scope."""

import pytest
from django.contrib.messages import constants as message_levels
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.accounts.services import grant_role
from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.core.scope import Role
from zhibu.registry import services
from zhibu.registry.choices import OrganizationKind
from zhibu.registry.models import Member, Organization
from zhibu.registry.views import orgs as org_views

TREE_URL = reverse("registry:org_tree")


def url(name, org):
    return reverse(f"registry:org_{name}", args=[org.pk])


def counts(nodes):
    return {node.name: node.member_count for node in nodes}


def add_org(world, parent, code, name, kind=OrganizationKind.BRANCH, **values):
    return services.create_organization(world.root_user, parent=parent, code=code, name=name, kind=kind, **values)


def org_post_data(org, **changes):
    data = {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "region": org.region_id or "",
        "secretary": org.secretary_id or "",
        "founded_on": org.founded_on or "",
        "dissolved_on": org.dissolved_on or "",
        "units": [],
    }
    data.update(changes)
    return data


def error_messages(response):
    return [(message.level, str(message)) for message in response.context["messages"]]


# Tree


def test_tree_opens_a_single_root_with_counts_of_whole_subtrees(login, world):
    response = login("admin").get(TREE_URL)
    assert response.status_code == 200
    (city,) = response.context["nodes"]
    assert (city.name, city.member_count) == ("市委组织部", 4)
    assert counts(city.loaded_children) == {"快递行业党委": 4}
    html = response.content.decode()
    # The industry committee has children: they are fetched when it is opened.
    assert f'hx-get="{url("children", world.industry)}"' in html
    assert 'hx-trigger="toggle once"' in html


def test_tree_starts_at_the_actor_scope(login, world):
    response = login("industry").get(TREE_URL)
    (industry,) = response.context["nodes"]
    assert industry.pk == world.industry.pk
    assert counts(industry.loaded_children) == {"A 快递公司党委": 3, "B 快递公司党委": 1}
    assert "市委组织部" not in response.content.decode()


def test_tree_of_a_branch_secretary_is_the_branch_alone(login, world):
    response = login("secretary").get(TREE_URL)
    assert counts(response.context["nodes"]) == {"A 公司第一党支部": 2}
    assert url("children", world.branch_a1) not in response.content.decode()  # a leaf has nothing to load


def test_tree_with_several_roots_sorts_them_by_name_and_loads_none(login, world):
    grant_role(world.users["cadre"], Role.CADRE, world.company_b)
    response = login("cadre").get(TREE_URL)
    nodes = response.context["nodes"]
    assert [node.name for node in nodes] == ["A 公司流动党员党支部", "B 快递公司党委"]
    assert counts(nodes) == {"A 公司流动党员党支部": 1, "B 快递公司党委": 1}
    assert not any(getattr(node, "loaded_children", None) for node in nodes)


@pytest.mark.parametrize("persona", ["station", "courier", "nobody"])
def test_tree_is_empty_without_registry_rights(login, world, persona):
    response = login(persona).get(TREE_URL)
    assert response.status_code == 200
    assert response.context["nodes"] == []


def test_children_fragment_lists_children_by_name_with_counts(login, world):
    for code, name in [("z", "Z 联合党支部"), ("a", "A 联合党支部"), ("m", "M 联合党支部")]:
        add_org(world, world.branch_b1, code, name, OrganizationKind.JOINT_BRANCH)
    response = login("industry").get(url("children", world.branch_b1), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert [node.name for node in response.context["nodes"]] == ["A 联合党支部", "M 联合党支部", "Z 联合党支部"]
    html = response.content.decode().strip()
    assert html.startswith("<ul>") and "<html" not in html
    for node in response.context["nodes"]:
        assert url("detail", node) in html


def test_children_fragment_counts_members_below_each_child(login, world):
    response = login("industry").get(url("children", world.company_a))
    assert counts(response.context["nodes"]) == {"A 公司第一党支部": 2, "A 公司流动党员党支部": 1}
    html = response.content.decode()
    assert url("detail", world.branch_a1) in html and url("detail", world.mobile_a) in html


@pytest.mark.parametrize(
    ("persona", "org"), [("secretary2", "branch_a1"), ("secretary2", "company_a"), ("cadre", "branch_a1")]
)
def test_children_fragment_outside_the_scope_is_404(login, world, persona, org):
    assert login(persona).get(url("children", getattr(world, org))).status_code == 404


def test_tree_queries_do_not_grow_with_the_tree(login, world, django_assert_max_num_queries):
    client = login("admin")
    with CaptureQueriesContext(connection) as baseline:
        client.get(url("children", world.industry))
        client.get(TREE_URL)
    for index in range(10):
        company = add_org(world, world.industry, f"c{index}", f"公司 {index}", OrganizationKind.COMMITTEE)
        branch = add_org(world, company, f"b{index}", f"支部 {index}")
        world.add_member(f"党员{index}", make_id_number(sequence=101 + 2 * index), branch)
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(url("children", world.industry))
        client.get(TREE_URL)
    assert len(response.context["nodes"]) == 12


# Organisation page


def test_org_page_shows_details_children_and_members(login, world):
    services.update_organization(world.root_user, world.branch_a1, secretary=world.zhang, region=world.district)
    response = login("secretary").get(url("detail", world.branch_a1))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["branch-a1", "631", "南山区", "张晓明", "李娜", world.zhang.id_number_masked]:
        assert text in html
    assert world.zhang.id_number not in html
    assert reverse("registry:member_detail", args=[world.zhang.pk]) in html
    assert {member.name for member in response.context["page"]} == {"张晓明", "李娜"}
    # The parent lies outside the secretary's scope: named, not linked.
    assert "A 快递公司党委" in html and url("detail", world.company_a) not in html
    for action in ["edit", "create", "delete"]:
        assert url(action, world.branch_a1) in html
    assert url("move", world.branch_a1) not in html  # the top of one's scope has nowhere to go


def test_org_page_of_a_committee_lists_children_with_subtree_counts(login, world):
    response = login("industry").get(url("detail", world.industry))
    assert counts(response.context["children"]) == {"A 快递公司党委": 3, "B 快递公司党委": 1}
    assert response.context["subtree_member_count"] == 4
    assert response.context["page"].paginator.count == 0
    assert url("move", world.industry) not in response.content.decode()
    assert url("move", world.company_a) in login("industry").get(url("detail", world.company_a)).content.decode()


def test_org_page_shows_the_mobile_flag_and_occupation(login, world):
    response = login("cadre").get(url("detail", world.mobile_a))
    assert response.status_code == 200
    (wang,) = response.context["page"]
    assert wang.is_mobile and str(wang.occupation) in response.content.decode()


def test_org_page_members_are_paginated(login, world, monkeypatch):
    monkeypatch.setattr(org_views, "PAGE_SIZE", 1)
    client = login("secretary")
    first = client.get(url("detail", world.branch_a1))
    second = client.get(url("detail", world.branch_a1), {"page": 2})
    names = [m.name for m in first.context["page"]] + [m.name for m in second.context["page"]]
    assert sorted(names) == sorted(["张晓明", "李娜"])
    assert first.context["page"].paginator.num_pages == 2


def test_org_page_without_edit_rights_has_no_buttons(login, world):
    html = login("city").get(url("detail", world.industry)).content.decode()
    for action in ["edit", "create", "delete", "move"]:
        assert url(action, world.industry) not in html


@pytest.mark.parametrize(
    ("persona", "org"),
    [
        ("secretary2", "branch_a1"),
        ("secretary", "company_a"),
        ("cadre", "branch_a1"),
        ("courier", "mobile_a"),
        ("station", "industry"),
        ("nobody", "city"),
    ],
)
@pytest.mark.parametrize("page", ["detail", "edit", "create", "move", "delete"])
def test_org_pages_outside_the_scope_are_404(login, world, persona, org, page):
    assert login(persona).get(url(page, getattr(world, org))).status_code == 404


@pytest.mark.parametrize("page", ["edit", "create", "move", "delete"])
def test_org_forms_without_edit_rights_are_403(login, world, page):
    assert login("city").get(url(page, world.company_a)).status_code == 403
    assert login("cadre").post(url(page, world.mobile_a)).status_code == 403
    assert Organization.objects.filter(pk=world.mobile_a.pk).exists()


def test_org_pages_need_login(client, world):
    response = client.get(url("detail", world.city))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_org_page_queries_are_bounded(login, world, django_assert_max_num_queries):
    client = login("industry")
    with CaptureQueriesContext(connection) as baseline:
        client.get(url("detail", world.company_a))
    for index in range(5):
        add_org(world, world.company_a, f"extra{index}", f"新支部 {index}")
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(url("detail", world.company_a))
    assert len(response.context["children"]) == 7


# Create


def test_create_child_organisation(login, world):
    response = login("secretary").post(
        url("create", world.branch_a1),
        {
            "code": "branch-a1-temp",
            "name": "A 公司临时党支部",
            "kind": OrganizationKind.TEMPORARY_BRANCH,
            "region": world.district.pk,
        },
    )
    created = Organization.objects.get(code="branch-a1-temp")
    assert response.status_code == 302 and response["Location"] == url("detail", created)
    assert Organization.objects.get_parent(created) == world.branch_a1
    assert created.region == world.district
    assert AuditEvent.objects.filter(action="create", object_id=str(created.pk), actor_name="secretary").exists()


def test_create_form_has_no_secretary_and_offers_regions_and_units(login, world):
    form = login("secretary").get(url("create", world.branch_a1)).context["form"]
    assert "secretary" not in form.fields
    assert world.district in form.fields["region"].queryset


def test_create_with_a_duplicate_code_shows_the_field_message(login, world):
    before = Organization.objects.count()
    response = login("secretary").post(
        url("create", world.branch_a1), {"code": "branch-b1", "name": "重复", "kind": OrganizationKind.BRANCH}
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert response.context["form"].errors["code"][0] in response.content.decode()
    assert Organization.objects.count() == before


def test_create_with_missing_fields_shows_field_messages(login, world):
    response = login("secretary").post(url("create", world.branch_a1), {"code": "", "name": "", "kind": ""})
    assert set(response.context["form"].errors) >= {"code", "name", "kind"}
    assert 'class="form-control is-invalid"' in response.content.decode()


def test_create_under_a_dissolved_organisation_is_refused(login, world):
    services.update_organization(world.root_user, world.branch_a1, founded_on="2010-01-01", dissolved_on="2020-01-01")
    before = Organization.objects.count()
    response = login("secretary").post(
        url("create", world.branch_a1), {"code": "late", "name": "晚来的支部", "kind": OrganizationKind.BRANCH}
    )
    assert response.status_code == 200
    (message,) = response.context["form"].non_field_errors()
    assert message in response.content.decode()
    assert Organization.objects.count() == before


def test_create_outside_the_scope_is_404_and_writes_nothing(login, world):
    before = Organization.objects.count()
    response = login("secretary2").post(
        url("create", world.branch_a1), {"code": "intruder", "name": "入侵", "kind": OrganizationKind.BRANCH}
    )
    assert response.status_code == 404
    assert Organization.objects.count() == before


# Edit


def test_edit_sets_secretary_region_units_and_dates(login, world):
    unit = services.create_unit(world.root_user, name="A 快递公司")
    response = login("secretary").post(
        url("edit", world.branch_a1),
        org_post_data(
            world.branch_a1,
            name="A 公司第一党支部（新）",
            secretary=world.zhang.pk,
            region=world.district.pk,
            units=[unit.pk],
            founded_on="2012-05-04",
        ),
    )
    assert response.status_code == 302
    org = world.refresh(world.branch_a1)
    assert (org.name, org.secretary, org.region, str(org.founded_on)) == (
        "A 公司第一党支部（新）",
        world.zhang,
        world.district,
        "2012-05-04",
    )
    assert list(org.units.all()) == [unit]
    assert AuditEvent.objects.filter(action="update", object_id=str(org.pk)).exists()


def test_edit_offers_only_members_of_the_subtree_as_secretary(login, world):
    form = login("industry").get(url("edit", world.company_a)).context["form"]
    assert {m.name for m in form.fields["secretary"].queryset} == {"张晓明", "李娜", "王强"}


def test_edit_with_a_secretary_from_elsewhere_is_refused(login, world):
    response = login("industry").post(
        url("edit", world.branch_a1), org_post_data(world.branch_a1, secretary=world.zhao.pk)
    )
    assert "secretary" in response.context["form"].errors
    assert world.refresh(world.branch_a1).secretary is None


def test_edit_refused_by_the_service_changes_nothing(login, world):
    response = login("secretary").post(
        url("edit", world.branch_a1),
        org_post_data(world.branch_a1, name="不应保存", founded_on="2020-01-01", dissolved_on="2019-01-01"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["dissolved_on"]
    html = response.content.decode()
    assert errors["dissolved_on"][0] in html
    assert world.refresh(world.branch_a1).name == "A 公司第一党支部"


# Move


def test_move_rewrites_the_paths_of_the_subtree(login, world):
    response = login("industry").post(url("move", world.company_a), {"parent": world.company_b.pk})
    assert response.status_code == 302
    company_a, company_b = world.refresh(world.company_a), world.refresh(world.company_b)
    assert Organization.objects.get_parent(company_a) == company_b
    branch = world.refresh(world.branch_a1)
    assert branch.path.startswith(company_a.path) and company_a.path.startswith(company_b.path)
    assert Member.objects.get(pk=world.zhang.pk).home_org.path == branch.path
    assert AuditEvent.objects.filter(action="move", object_id=str(company_a.pk)).exists()


def test_move_form_offers_the_edit_scope_and_starts_at_the_parent(login, world):
    form = login("industry").get(url("move", world.company_a)).context["form"]
    assert form.initial["parent"] == world.industry
    assert set(form.fields["parent"].queryset) == set(Organization.objects.exclude(pk=world.city.pk))


def test_move_under_its_own_subtree_is_refused_with_a_message(login, world):
    before = {org.pk: org.path for org in Organization.objects.all()}
    response = login("industry").post(url("move", world.company_a), {"parent": world.branch_a1.pk})
    assert response.status_code == 200
    (message,) = response.context["form"].errors["parent"]
    assert message in response.content.decode()
    assert {org.pk: org.path for org in Organization.objects.all()} == before
    assert not AuditEvent.objects.filter(action="move").exists()


def test_move_under_itself_is_refused(login, world):
    response = login("industry").post(url("move", world.company_a), {"parent": world.company_a.pk})
    assert "parent" in response.context["form"].errors
    assert Organization.objects.get_parent(world.refresh(world.company_a)) == world.industry


def test_move_to_a_parent_outside_the_edit_scope_is_refused(login, world):
    services.create_organization(world.root_user, parent=world.branch_a1, code="sub", name="子组织", kind="branch")
    sub = Organization.objects.get(code="sub")
    response = login("secretary").post(url("move", sub), {"parent": world.branch_b1.pk})
    assert "parent" in response.context["form"].errors
    assert Organization.objects.get_parent(world.refresh(sub)) == world.branch_a1


# Delete


def test_delete_asks_for_confirmation_first(login, world):
    empty = add_org(world, world.branch_a1, "empty", "空支部")
    response = login("secretary").get(url("delete", empty))
    assert response.status_code == 200
    assert "空支部" in response.content.decode()
    assert Organization.objects.filter(pk=empty.pk).exists()


def test_delete_an_empty_organisation(login, world):
    empty = add_org(world, world.branch_a1, "empty", "空支部")
    response = login("secretary").post(url("delete", empty))
    assert response.status_code == 302 and response["Location"] == url("detail", world.branch_a1)
    assert not Organization.objects.filter(pk=empty.pk).exists()
    assert world.refresh(world.branch_a1).numchild == 0
    assert AuditEvent.objects.filter(action="delete", object_id=str(empty.pk)).exists()


@pytest.mark.parametrize(("persona", "org"), [("secretary", "branch_a1"), ("industry", "company_b")])
def test_delete_with_members_or_children_is_refused_with_the_reason(login, world, persona, org):
    org = getattr(world, org)
    response = login(persona).post(url("delete", org), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", org)
    ((level, message),) = error_messages(response)
    assert level == message_levels.ERROR and message in response.content.decode()
    assert Organization.objects.filter(pk=org.pk).exists()
    assert not AuditEvent.objects.filter(action="delete").exists()
