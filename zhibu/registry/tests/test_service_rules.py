"""Domain rules the services enforce whatever the caller (page, API, command)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhibu.registry import queries, services
from zhibu.registry.choices import OrganizationKind
from zhibu.registry.models import Organization


def test_children_counts_cost_one_query_however_wide_the_tree(world, login, django_assert_max_num_queries):
    parent = world.company_b
    Organization.objects.bulk_create(
        [
            Organization(
                code=f"wide-{n}",
                name=f"支部{n}",
                kind=OrganizationKind.BRANCH,
                depth=parent.depth + 1,
                path=parent.path + f"{n + 2:04d}",
            )
            for n in range(1200)
        ]
    )
    Organization.objects.filter(pk=parent.pk).update(numchild=1201)
    client = login("industry")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("registry:org_children", args=[parent.pk]))
    assert response.status_code == 200 and "支部1199" in response.content.decode()
    counted = {
        org.code: org.member_count for org in queries.with_member_counts(queries.children(world.root_user, parent))
    }
    assert counted["branch-b1"] == 1 and counted["wide-0"] == 0


def test_a_new_organisation_gets_its_secretary_later(world):
    with pytest.raises(ValidationError) as error:
        services.create_organization(
            world.users["secretary"], parent=world.branch_a1, code="n", name="新", kind="branch", secretary=world.zhao
        )
    assert "secretary" in error.value.message_dict
    assert not Organization.objects.filter(code="n").exists()


def test_activity_organisations_must_be_within_view_scope(world):
    data = services.member_input_from(world.zhang)
    data.activity_orgs = [world.branch_b1]
    with pytest.raises(ValidationError) as error:
        services.update_member(world.users["secretary"], world.zhang, data)
    assert "activity_orgs" in error.value.message_dict
    # An existing link the actor cannot see is kept as it was.
    services.update_member(world.root_user, world.zhang, data)
    services.update_member(world.users["secretary"], world.zhang, services.member_input_from(world.zhang))
    assert list(world.zhang.activity_orgs.all()) == [world.branch_b1]


@pytest.mark.parametrize("holder", ["grant", "activity"])
def test_deleting_an_organisation_still_in_use_is_refused(world, holder):
    empty = services.create_organization(world.root_user, parent=world.company_a, code="e", name="空", kind="branch")
    if holder == "grant":
        world.user("helper", "secretary", empty)
    else:
        world.zhang.activity_orgs.add(empty)
    with pytest.raises(ValidationError):
        services.delete_organization(world.root_user, empty)
    assert Organization.objects.filter(pk=empty.pk).exists()


@pytest.mark.parametrize("text", ["440305199001010114", "13800138000", "zxm1"])
def test_a_search_with_digits_finds_nothing_rather_than_everyone(world, text):
    assert not queries.search_members(world.root_user, text=text).exists()
