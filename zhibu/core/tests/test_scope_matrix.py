"""Every URL × every persona: who gets the page, who is refused, and who cannot even tell it exists.

The targets are records of branch-a1 (secretary's branch). Outside the actor's scope the answer
is 404; a record the actor may see but not change answers 403. A URL missing from MATRIX fails
`test_every_url_is_in_the_matrix`, so a new page cannot skip this check.
"""

import importlib
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from zhibu.conftest import World, make_id_number, records_for_the_module
from zhibu.core.tests.matrix import (
    A1_EDIT,
    A1_VIEW,
    EDIT_A1,
    PERSONAS,
    PUBLIC,
    REGISTRY_EDITORS,
    REGISTRY_READERS,
    SEE_A1,
    SIGNED_IN,
    Case,
)

# Apps that list their own cases (tests/matrix_cases.py).
APP_CASES = tuple(
    importlib.import_module(f"zhibu.{module}")
    for module in (
        "stations.tests.matrix_cases",
        "mobility.tests.matrix_cases",
        "checkins.tests.matrix_cases",
        "care.tests.matrix_cases",
        "care.tests.bottom_lines_matrix",
        "materials.tests.matrix_cases",
        "meetings.tests.matrix_cases",
        "contests.tests.matrix_cases",
        "points.tests.matrix_cases",
        "chains.tests.matrix_cases",
        "learning.tests.matrix_cases",
        "learning.tests.matrix_courses",
        "learning.tests.matrix_player",
        "learning.tests.matrix_plans",
    )
)


def org(w):
    return [w.branch_a1.pk]


def zhang(w):
    return [w.zhang.pk]


def member_body(w):
    return {
        "name": "新党员",
        "id_number": make_id_number("440305", "19950505", 901),
        "party_status": "full",
        "joined_on": "2020-07-01",
        "home_org": w.branch_a1.pk,
    }


def child_org_body(w):
    return {"code": "a1-new", "name": "新支部", "kind": "branch", "parent": w.branch_a1.pk}


def export_body(w):
    return {"organization": w.branch_a1.pk, "format": "xlsx"}


def secretary_job(w):
    return [w.import_job.pk]


MATRIX: dict[str, Case] = {
    # Pages
    "home": Case(allowed=SIGNED_IN),
    "audit": Case(allowed={"admin", "city", "industry", "secretary", "secretary2"}),
    "accounts:login": Case(allowed={"anonymous"}, denied=302),  # signed-in users are sent on
    "accounts:logout": Case(method="post", allowed=SIGNED_IN, ok=302),
    "accounts:password_change": Case(allowed=SIGNED_IN),
    "accounts:password_change_done": Case(allowed=SIGNED_IN),
    "accounts:tokens": Case(allowed=SIGNED_IN),
    "accounts:token_revoke": Case(args=lambda w: [w.token.pk], method="post", allowed={"secretary"}, ok=302),
    "set_language": Case(method="post", body=lambda w: {"language": "en"}, **PUBLIC, ok=302),
    "registry:org_tree": Case(allowed=SIGNED_IN, marker=("A 快递公司党委", {"industry"})),
    "registry:org_detail": Case(args=org, **A1_VIEW),
    "registry:org_children": Case(args=org, **A1_VIEW, marker=("A1 下属空支部", SEE_A1)),
    "registry:org_create": Case(args=org, **A1_EDIT),
    "registry:org_edit": Case(args=org, **A1_EDIT),
    "registry:org_move": Case(args=org, **A1_EDIT),
    "registry:org_delete": Case(args=org, **A1_EDIT),
    "registry:member_list": Case(allowed=SIGNED_IN, marker=("张晓明", SEE_A1)),
    "registry:member_create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "registry:member_detail": Case(args=zhang, **A1_VIEW),
    "registry:member_edit": Case(args=zhang, **A1_EDIT),
    "registry:member_delete": Case(args=zhang, **A1_EDIT),
    "registry:member_reveal": Case(args=lambda w: [w.zhang.pk, "id_number"], method="post", **A1_EDIT),
    "registry:unit_list": Case(allowed=SIGNED_IN, marker=("A 快递有限公司", REGISTRY_READERS)),
    "registry:unit_create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "registry:unit_detail": Case(args=lambda w: [w.unit.pk], allowed=REGISTRY_READERS),
    "registry:unit_edit": Case(args=lambda w: [w.unit.pk], allowed=REGISTRY_EDITORS, visible={"city", "cadre"}),
    "ledgers:index": Case(allowed=REGISTRY_READERS),
    "ledgers:template": Case(args=lambda w: ["members"], allowed=REGISTRY_READERS),
    "ledgers:upload": Case(allowed=REGISTRY_READERS, ok=302),
    # Readers outside branch-a1 get the form back, with the organisation refused.
    "ledgers:export": Case(
        method="post",
        body=export_body,
        allowed=REGISTRY_READERS,
        marker=('name="organization"', REGISTRY_READERS - SEE_A1),
    ),
    # A job and its files belong to the person who started it: the secretary here.
    "ledgers:job": Case(args=secretary_job, allowed={"secretary"}),
    "ledgers:job_progress": Case(args=secretary_job, allowed={"secretary"}, ok=204),
    "ledgers:job_commit": Case(args=secretary_job, method="post", allowed={"secretary"}, ok=302),
    "ledgers:job_discard": Case(args=secretary_job, method="post", allowed={"secretary"}, ok=302),
    "ledgers:job_errors": Case(args=secretary_job, allowed={"secretary"}),
    "ledgers:job_download": Case(args=lambda w: [w.export_job.pk], allowed={"secretary"}),
    "snapshots:index": Case(allowed=REGISTRY_READERS),
    "snapshots:people": Case(args=lambda w: [w.branch_a1.pk, "joined"], **A1_VIEW),
    "snapshots:freeze": Case(args=org, method="post", **A1_EDIT, ok=302),
    # API
    "api-1.0.0:api-root": Case(**PUBLIC, ok=404),  # nothing answers at the bare prefix
    "api-1.0.0:openapi-json": Case(**PUBLIC),
    "api-1.0.0:openapi-view": Case(**PUBLIC),
    "api-1.0.0:list_tokens": Case(allowed=SIGNED_IN, api=True),
    "api-1.0.0:create_token": Case(method="post", body=lambda w: {"name": "t"}, allowed=SIGNED_IN, ok=201, api=True),
    "api-1.0.0:revoke_token": Case(args=lambda w: [w.token.pk], method="post", allowed={"secretary"}, ok=200, api=True),
    "api-1.0.0:list_regions": Case(allowed=SIGNED_IN, marker=("南山区", REGISTRY_READERS), api=True),
    "api-1.0.0:create_region": Case(
        method="post",
        body=lambda w: {"code": "440305001", "name": "南头街道", "level": 4, "parent": w.district.pk},
        allowed={"admin"},
        ok=201,
        denied=422,
        visible=REGISTRY_READERS,
        api=True,
    ),  # without read access even the parent region is unknown
    "api-1.0.0:get_region": Case(args=lambda w: [w.district.pk], allowed=REGISTRY_READERS, api=True),
    "api-1.0.0:update_region": Case(
        args=lambda w: [w.district.pk],
        method="patch",
        body=lambda w: {"name": "南山"},
        allowed={"admin"},
        visible=REGISTRY_READERS,
        api=True,
    ),
    "api-1.0.0:delete_region": Case(
        args=lambda w: [w.spare_region.pk],
        method="delete",
        allowed={"admin"},
        ok=204,
        visible=REGISTRY_READERS,
        api=True,
    ),
    "api-1.0.0:list_units": Case(allowed=SIGNED_IN, marker=("A 快递有限公司", REGISTRY_READERS), api=True),
    "api-1.0.0:create_unit": Case(
        method="post", body=lambda w: {"name": "新单位"}, allowed=REGISTRY_EDITORS, ok=201, denied=403, api=True
    ),
    "api-1.0.0:get_unit": Case(args=lambda w: [w.unit.pk], allowed=REGISTRY_READERS, api=True),
    "api-1.0.0:update_unit": Case(
        args=lambda w: [w.unit.pk],
        method="patch",
        body=lambda w: {"industry": "快递"},
        allowed=REGISTRY_EDITORS,
        visible={"city", "cadre"},
        api=True,
    ),
    "api-1.0.0:delete_unit": Case(
        args=lambda w: [w.spare_unit.pk],
        method="delete",
        allowed={"admin"},
        ok=204,
        visible={"city", "cadre", "industry", "secretary", "secretary2"},
        api=True,
    ),
    "api-1.0.0:list_organizations": Case(allowed=SIGNED_IN, marker=("A 公司第一党支部", SEE_A1), api=True),
    "api-1.0.0:create_organization": Case(
        method="post", body=child_org_body, allowed=EDIT_A1, ok=201, denied=422, visible={"city"}, api=True
    ),
    "api-1.0.0:get_organization": Case(args=org, **A1_VIEW, api=True),
    "api-1.0.0:update_organization": Case(
        args=org, method="patch", body=lambda w: {"name": "改名支部"}, **A1_EDIT, api=True
    ),
    "api-1.0.0:delete_organization": Case(
        args=lambda w: [w.empty_branch.pk], method="delete", **A1_EDIT, ok=204, api=True
    ),
    "api-1.0.0:move_organization": Case(
        args=org,
        method="post",
        body=lambda w: {"parent": w.mobile_a.pk},
        **A1_EDIT,
        api=True,
        overrides={"secretary": 422},  # the new parent lies outside the secretary's branch
    ),
    "api-1.0.0:list_members": Case(allowed=SIGNED_IN, marker=("张晓明", SEE_A1), api=True),
    "api-1.0.0:create_member": Case(
        method="post", body=member_body, allowed=EDIT_A1, ok=201, denied=422, visible={"city"}, api=True
    ),
    "api-1.0.0:get_member": Case(args=zhang, **A1_VIEW, api=True),
    "api-1.0.0:update_member": Case(
        args=zhang, method="patch", body=lambda w: {"is_mobile": True}, **A1_EDIT, api=True
    ),
    "api-1.0.0:delete_member": Case(args=zhang, method="delete", **A1_EDIT, ok=204, api=True),
    "api-1.0.0:reveal": Case(args=zhang, method="post", body=lambda w: {"field": "phone"}, **A1_EDIT, api=True),
}
for _module in APP_CASES:
    MATRIX.update(_module.CASES)


def url_names(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_url_is_in_the_matrix():
    names = set(url_names())
    assert names - MATRIX.keys() == set(), "add these URLs to MATRIX with who may reach them"
    assert MATRIX.keys() - names == set(), "these MATRIX entries name no URL"


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """The world and every app's records, built once for the module's 2,000-odd cases."""
    with records_for_the_module(django_db_blocker):
        world = World()
        _prepare(world)
        yield world


@pytest.fixture
def matrix_world(db, built_world):
    # Files are not rolled back with the database: a discarded job removes its own.
    _seal_ledger_files(built_world)
    return built_world


def _prepare(world):
    from zhibu.accounts.services import create_api_token
    from zhibu.registry import services
    from zhibu.registry.choices import OrganizationKind, RegionLevel
    from zhibu.registry.models import Region

    admin = world.users["admin"]
    world.unit = services.create_unit(admin, name="A 快递有限公司", kind="enterprise")
    world.spare_unit = services.create_unit(admin, name="闲置单位")
    world.spare_region = Region.objects.create(
        code="440306", name="宝安区", level=RegionLevel.DISTRICT, parent=world.city_region
    )
    world.empty_branch = services.create_organization(
        admin, parent=world.branch_a1, code="a1-empty", name="A1 下属空支部", kind=OrganizationKind.BRANCH
    )
    world.token, _raw = create_api_token(world.users["secretary"], "secretary's token")
    world.import_job, world.export_job = _ledger_jobs(world)
    for module in APP_CASES:
        module.prepare(world)


def _ledger_jobs(world):
    from zhibu.ledgers.models import LedgerJob

    secretary = world.users["secretary"]
    import_job = LedgerJob.objects.create(
        kind=LedgerJob.Kind.IMPORT,
        organization=world.branch_a1,
        created_by=secretary,
        state=LedgerJob.State.CHECKED,
        file_name="a1.xlsx",
        result={"error_count": 1, "errors": [{"sheet": "s", "row": 2, "column": "姓名", "message": "x"}]},
    )
    export_job = LedgerJob.objects.create(
        kind=LedgerJob.Kind.EXPORT,
        organization=world.branch_a1,
        created_by=secretary,
        state=LedgerJob.State.DONE,
        file_name="a1.xlsx",
        result={"rows": 2},
    )
    return import_job, export_job


def _seal_ledger_files(world):
    from zhibu.ledgers import files

    files.seal(world.import_job.pk, files.ERRORS, b"marked workbook")
    files.seal(world.export_job.pk, "export", b"exported workbook")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_scope(client, matrix_world, name, persona):
    case = MATRIX[name]
    if persona != "anonymous":
        client.force_login(matrix_world.users[persona])
    url = reverse(name, args=case.args(matrix_world))
    send = getattr(client, case.method)
    if case.body is None:
        response = send(url)
    elif case.api:
        response = send(url, data=json.dumps(case.body(matrix_world)), content_type="application/json")
    else:
        response = send(url, data=case.body(matrix_world))
    expected = case.expected(persona)
    assert response.status_code == expected, f"{name} as {persona}: {response.status_code} {response.content[:300]!r}"
    if case.marker and expected == 200:
        text, seen_by = case.marker
        content = (
            json.dumps(response.json(), ensure_ascii=False) if case.api else response.content.decode(errors="replace")
        )
        assert (text in content) == (persona in seen_by), f"{name} as {persona}: {text!r} shown?"
