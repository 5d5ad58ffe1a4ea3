"""The OpenAPI description and the docs page, which must work offline (no CDN)."""

import re

from django.contrib.staticfiles import finders
from django.urls import reverse

API_PATHS = {
    "/api/v1/tokens",
    "/api/v1/tokens/{token_id}/revoke",
    "/api/v1/regions",
    "/api/v1/regions/{region_id}",
    "/api/v1/units",
    "/api/v1/units/{unit_id}",
    "/api/v1/stations",
    "/api/v1/stations/nearest",
    "/api/v1/stations/{station_id}",
    "/api/v1/checkins",
    "/api/v1/checkins/mine",
    "/api/v1/organizations",
    "/api/v1/organizations/{org_id}",
    "/api/v1/organizations/{org_id}/move",
    "/api/v1/members",
    "/api/v1/members/{member_id}",
    "/api/v1/members/{member_id}/reveal",
    "/api/v1/orgs/{org_id}/bottom-lines",
    "/api/v1/contests",
    "/api/v1/contests/{contest_id}/results",
    "/api/v1/contests/{contest_id}/ranking",
    "/api/v1/chains",
    "/api/v1/chains/{chain_id}/figures",
    "/api/v1/lessons/{lesson_id}/progress",
    "/api/v1/points/mine",
    "/api/v1/points/mine/entries",
}


def test_openapi_lists_the_paths(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == API_PATHS
    assert set(schema["paths"]["/api/v1/members/{member_id}"]) == {"get", "patch", "delete"}
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_member_output_has_no_clear_personal_numbers(client, db):
    properties = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["MemberOut"]["properties"]
    assert {"id_number_masked", "phone_masked"} <= set(properties)
    assert not {"id_number", "phone"} & set(properties)


def test_docs_page_is_served_without_a_cdn(client, db):
    url = reverse("api-1.0.0:openapi-view")
    assert url == "/api/v1/docs"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assets = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
