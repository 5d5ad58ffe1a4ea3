"""Every API error is JSON with a message and field errors, in the language of the request."""

import json

from zhibu.registry.models import Member

MEMBERS = "/api/v1/members"


def test_malformed_json_is_a_400_with_a_message(login, world):
    response = login("secretary").post(MEMBERS, '{"name": "陈小红", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"]
    assert Member.objects.count() == 4


def test_malformed_json_in_an_update_is_a_400(login, world):
    response = login("secretary").patch(f"{MEMBERS}/{world.zhang.pk}", "not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"]


def test_json_that_is_not_an_object_is_a_400(login, world):
    client = login("secretary")
    for body in ("[1, 2]", '"name"', "null"):
        assert client.post(MEMBERS, body, content_type="application/json").status_code == 400
    response = client.patch(f"{MEMBERS}/{world.zhang.pk}", '[{"name": "X"}]', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"]


def test_schema_errors_name_the_fields(login, world):
    data = {"name": "陈小红", "joined_on": "yesterday", "home_org": "abc", "is_mobile": "perhaps"}
    response = login("secretary").post(MEMBERS, json.dumps(data), content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"joined_on", "home_org", "is_mobile", "id_number", "party_status"} <= set(errors)
    assert "perhaps" not in response.content.decode()  # submitted values are not echoed


def test_query_parameter_errors_name_the_parameter(login, world):
    response = login("secretary").get("/api/v1/regions", {"level": "abc"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"level"}


def test_not_found_is_json(login, world):
    response = login("secretary").get(f"{MEMBERS}/999999")
    assert response.status_code == 404
    assert response.json() == {"message": response.json()["message"], "errors": {}}
    assert response.json()["message"]


def test_messages_follow_the_request_language(login, world):
    client = login("secretary")
    english = client.post(MEMBERS, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post(MEMBERS, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.json()["errors"]["name"] == ["This field is required."]
    assert chinese.json()["errors"]["name"] == ["这个字段是必填项。"]  # Django's own catalogue
