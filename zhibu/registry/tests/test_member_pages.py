"""Member pages: list filters and pinyin search, masking, reveal, create/edit/delete, scope."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.registry.models import Member

LIST_URL = reverse("registry:member_list")
CREATE_URL = reverse("registry:member_create")
NEW_ID = make_id_number(birth="19920315", sequence=202)
NEW_ID_WRONG_CHECK_DIGIT = NEW_ID[:17] + ("1" if NEW_ID[17] == "0" else "0")


def url(name, member, *args):
    return reverse(f"registry:member_{name}", args=[member.pk, *args])


def listed_names(response):
    return {member.name for member in response.context["page"]}


def member_post_data(home_org, **changes):
    data = {
        "name": "陈小红",
        "id_number": NEW_ID,
        "phone": "13700137000",
        "gender": "",
        "ethnicity": "01",
        "birth_date": "",
        "education": "bachelor",
        "party_status": "full",
        "standing": "normal",
        "joined_on": "2016-07-01",
        "full_member_on": "2017-07-01",
        "home_org": home_org.pk,
    }
    data.update(changes)
    return data


def assert_personal_numbers_hidden(html, member):
    assert member.id_number not in html
    assert member.phone == "" or member.phone not in html


# List


def test_list_shows_the_scope_with_masked_numbers(login, world):
    response = login("secretary").get(LIST_URL)
    assert response.status_code == 200
    assert listed_names(response) == {"张晓明", "李娜"}
    html = response.content.decode()
    assert world.zhang.id_number_masked in html
    assert world.zhang.phone_masked in html
    assert_personal_numbers_hidden(html, world.zhang)


@pytest.mark.parametrize("text", ["zxm", "ZXM", "zhangxiao", "zhang xiao ming", "晓明", "张"])
def test_search_by_initials_pinyin_or_chinese(login, world, text):
    response = login("admin").get(LIST_URL, {"q": text})
    assert listed_names(response) == {"张晓明"}


def test_search_without_match_is_empty(login, world):
    assert listed_names(login("admin").get(LIST_URL, {"q": "qqq"})) == set()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"org": "company_a"}, {"张晓明", "李娜", "王强"}),
        ({"org": "branch_b1"}, {"赵敏"}),
        ({"is_mobile": "1"}, {"王强"}),
        ({"is_mobile": "0"}, {"张晓明", "李娜", "赵敏"}),
        ({"occupation": "courier_job"}, {"王强"}),
        ({"party_status": "full"}, {"张晓明", "李娜", "王强", "赵敏"}),
        ({"party_status": "probationary"}, set()),
    ],
)
def test_list_filters(login, world, filters, expected):
    params = {
        name: getattr(world, value).pk if name in ("org", "occupation") else value for name, value in filters.items()
    }
    assert listed_names(login("admin").get(LIST_URL, params)) == expected


def test_region_filter_covers_sub_regions(login, world):
    world.add_member("周杰", make_id_number(sequence=55), world.branch_b1, region=world.district)
    client = login("admin")
    assert listed_names(client.get(LIST_URL, {"region": world.city_region.pk})) == {"周杰"}
    assert listed_names(client.get(LIST_URL, {"region": world.district.pk})) == {"周杰"}


def test_filter_on_an_organisation_outside_the_scope_leaks_nothing(login, world):
    response = login("secretary2").get(LIST_URL, {"org": world.branch_a1.pk})
    assert response.context["form"].has_error("org")
    assert listed_names(response) == {"赵敏"}


def test_list_is_paginated(login, world):
    for sequence in range(101, 152):
        world.add_member(f"测试{sequence}", make_id_number(sequence=sequence), world.branch_b1)
    client = login("admin")
    first = client.get(LIST_URL)
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 55
    assert len(client.get(LIST_URL, {"page": 2}).context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_rows(login, world, django_assert_max_num_queries):
    client = login("admin")
    with CaptureQueriesContext(connection) as baseline:
        client.get(LIST_URL)
    for sequence in range(101, 131):
        world.add_member(
            f"测试{sequence}",
            make_id_number(sequence=sequence),
            world.mobile_a,
            phone=f"13600136{sequence:03d}",
            occupation=world.courier_job,
            region=world.district,
            is_mobile=True,
        )
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(LIST_URL)
    assert len(response.context["page"].object_list) == 34


# Detail


def test_detail_masks_numbers_and_offers_reveal_to_the_secretary(login, world):
    response = login("secretary").get(url("detail", world.zhang))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<span class="masked">{world.zhang.id_number_masked}</span>' in html
    assert f'<span class="masked">{world.zhang.phone_masked}</span>' in html
    assert_personal_numbers_hidden(html, world.zhang)
    assert url("reveal", world.zhang, "id_number") in html
    assert url("reveal", world.zhang, "phone") in html
    assert url("edit", world.zhang) in html
    assert url("delete", world.zhang) in html


def test_detail_for_a_viewer_has_no_reveal_or_edit(login, world):
    response = login("cadre").get(url("detail", world.wang))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.wang.id_number_masked in html
    assert url("reveal", world.wang, "id_number") not in html
    assert url("edit", world.wang) not in html


def test_a_member_may_reveal_their_own_record(login, world):
    client = login("courier")
    assert url("reveal", world.wang, "phone") in client.get(url("detail", world.wang)).content.decode()
    response = client.post(url("reveal", world.wang, "phone"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert world.wang.phone in response.content.decode()


@pytest.mark.parametrize("name", ["detail", "edit", "delete"])
def test_members_outside_the_scope_do_not_exist(login, world, name):
    client = login("secretary2")
    assert client.get(url(name, world.zhang)).status_code == 404
    assert client.post(url(name, world.zhang)).status_code == 404
    assert Member.objects.filter(pk=world.zhang.pk).exists()


# Reveal


def test_reveal_returns_the_clear_value_once_and_is_audited(login, world):
    client = login("secretary")
    response = client.post(url("reveal", world.zhang, "id_number"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert world.zhang.id_number in html
    assert "<html" not in html  # a fragment for htmx to swap in
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reveal", object_id=str(world.zhang.pk))
    assert event.actor == world.users["secretary"]
    assert event.changes == {"field": "id_number"}
    assert_personal_numbers_hidden(client.get(url("detail", world.zhang)).content.decode(), world.zhang)


def test_reveal_without_htmx_renders_a_page(login, world):
    response = login("secretary").post(url("reveal", world.zhang, "phone"))
    assert response.status_code == 200
    assert world.zhang.phone in response.content.decode()
    assert url("detail", world.zhang) in response.content.decode()


def test_reveal_is_post_only(login, world):
    assert login("secretary").get(url("reveal", world.zhang, "id_number")).status_code == 405
    assert not AuditEvent.objects.filter(action="reveal").exists()


@pytest.mark.parametrize(
    ("persona", "member", "status"),
    [("cadre", "wang", 403), ("cadre", "zhang", 404), ("secretary2", "zhang", 404), ("city", "zhang", 403)],
)
def test_reveal_refused(login, world, persona, member, status):
    response = login(persona).post(url("reveal", getattr(world, member), "id_number"))
    assert response.status_code == status
    assert getattr(world, member).id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_of_another_field_is_404(login, world):
    assert login("secretary").post(url("reveal", world.zhang, "name")).status_code == 404


# Create


def test_create_member(login, world):
    data = member_post_data(world.branch_a1, activity_orgs=[world.mobile_a.pk], is_mobile="on")
    response = login("industry").post(CREATE_URL, data)
    member = Member.objects.get(name="陈小红")
    assert response.status_code == 302
    assert response["Location"] == url("detail", member)
    assert member.id_number == data["id_number"]
    assert member.phone == "13700137000"
    assert member.birth_date == datetime.date(1992, 3, 15)
    assert member.gender == "female"
    assert member.home_org == world.branch_a1
    assert member.is_mobile
    assert list(member.activity_orgs.all()) == [world.mobile_a]
    assert AuditEvent.objects.filter(action="create", object_id=str(member.pk)).exists()


def test_create_form_offers_only_organisations_in_scope(login, world):
    response = login("secretary").get(CREATE_URL)
    assert response.status_code == 200
    fields = response.context["form"].fields
    assert list(fields["home_org"].queryset) == [world.branch_a1]
    assert list(fields["activity_orgs"].queryset) == [world.branch_a1]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": NEW_ID_WRONG_CHECK_DIGIT}, "id_number"),
        ({"id_number": NEW_ID[:14]}, "id_number"),
        ({"id_number": "duplicate"}, "id_number"),
        ({"birth_date": "1992-03-16"}, "birth_date"),
        ({"gender": "male"}, "gender"),
        ({"home_org": "out_of_scope"}, "home_org"),
        ({"home_org": 999999}, "home_org"),
        ({"joined_on": "2005-07-01"}, "joined_on"),
        ({"phone": "12345"}, "phone"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_create_shows_the_field_error_and_writes_nothing(login, world, changes, field):
    if changes.get("id_number") == "duplicate":
        changes["id_number"] = world.zhang.id_number
    if changes.get("home_org") == "out_of_scope":
        changes["home_org"] = world.branch_b1.pk
    client = login("secretary")
    members, events = Member.objects.count(), AuditEvent.objects.count()
    data = {**member_post_data(world.branch_a1), **changes}
    response = client.post(CREATE_URL, data)
    assert response.status_code == 200
    assert response.context["form"].has_error(field)
    assert Member.objects.count() == members
    assert AuditEvent.objects.count() == events
    html = response.content.decode()
    assert data["id_number"] not in html  # never echoed back into the page
    assert data["phone"] not in html


def test_create_needs_edit_rights(login, world):
    response = login("cadre").post(CREATE_URL, member_post_data(world.mobile_a))
    assert response.status_code == 403
    assert not Member.objects.filter(name="陈小红").exists()


# Edit


def test_edit_form_never_holds_the_numbers_in_clear(login, world):
    response = login("secretary").get(url("edit", world.zhang))
    assert response.status_code == 200
    html = response.content.decode()
    assert_personal_numbers_hidden(html, world.zhang)
    assert f'placeholder="{world.zhang.id_number_masked}"' in html
    assert f'placeholder="{world.zhang.phone_masked}"' in html
    assert 'value="张晓明"' in html


def edit_data(world, member, **changes):
    data = member_post_data(
        member.home_org,
        name=member.name,
        id_number="",
        phone="",
        full_member_on="",
        birth_date=member.birth_date.isoformat(),
        gender=member.gender,
        joined_on=member.joined_on.isoformat(),
    )
    data.update(changes)
    return data


def test_edit_with_empty_numbers_keeps_them(login, world):
    zhang = world.zhang
    response = login("secretary").post(
        url("edit", zhang), edit_data(world, zhang, name="张晓明明", education="college")
    )
    assert response.status_code == 302
    member = Member.objects.get(pk=zhang.pk)
    assert member.name == "张晓明明"
    assert member.name_initials == "zxmm"
    assert member.education == "college"
    assert member.id_number == zhang.id_number
    assert member.phone == zhang.phone
    assert AuditEvent.objects.filter(action="update", object_id=str(zhang.pk)).exists()


def test_edit_replaces_or_removes_the_phone(login, world):
    client = login("secretary")
    zhang = world.zhang
    client.post(url("edit", zhang), edit_data(world, zhang, phone="13500135000"))
    assert Member.objects.get(pk=zhang.pk).phone == "13500135000"
    client.post(url("edit", zhang), edit_data(world, zhang, remove_phone="on"))
    assert Member.objects.get(pk=zhang.pk).phone == ""


def test_edit_keeps_activity_organisations_outside_the_editors_view(login, world):
    zhang = world.zhang
    zhang.activity_orgs.add(world.mobile_a)
    client = login("secretary")
    form = client.get(url("edit", zhang)).context["form"]
    assert form.initial["activity_orgs"] == [world.mobile_a]
    response = client.post(url("edit", zhang), edit_data(world, zhang, activity_orgs=[world.mobile_a.pk]))
    assert response.status_code == 302
    assert list(Member.objects.get(pk=zhang.pk).activity_orgs.all()) == [world.mobile_a]


def test_invalid_edit_writes_nothing(login, world):
    zhang = world.zhang
    response = login("secretary").post(
        url("edit", zhang), edit_data(world, zhang, name="改名", id_number=world.li.id_number)
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("id_number")
    member = Member.objects.get(pk=zhang.pk)
    assert (member.name, member.id_number) == ("张晓明", zhang.id_number)
    html = response.content.decode()
    assert_personal_numbers_hidden(html, zhang)
    assert world.li.id_number not in html


def test_edit_needs_edit_rights_on_the_member(login, world):
    client = login("cadre")
    assert client.get(url("edit", world.wang)).status_code == 403
    assert client.post(url("edit", world.wang), edit_data(world, world.wang, name="改名")).status_code == 403
    assert Member.objects.get(pk=world.wang.pk).name == "王强"


# Delete


def test_delete_asks_then_deletes(login, world):
    client = login("secretary")
    confirm = client.get(url("delete", world.li))
    assert confirm.status_code == 200
    assert "李娜" in confirm.content.decode()
    assert Member.objects.filter(pk=world.li.pk).exists()
    response = client.post(url("delete", world.li))
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert not Member.objects.filter(pk=world.li.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(world.li.pk)).exists()


def test_delete_needs_edit_rights(login, world):
    assert login("cadre").post(url("delete", world.wang)).status_code == 403
    assert Member.objects.filter(pk=world.wang.pk).exists()


def test_member_pages_need_login(client, world):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_initials_that_no_pinyin_begins_with_are_listed_by_initials_then_pinyin(login, world):
    for sequence, name in enumerate(["张晓明二", "周新", "朱希", "章晓"], 900):
        world.add_member(name, make_id_number(sequence=sequence), world.branch_a1)
    listed = order_of_names(login("admin").get(LIST_URL, {"q": "zx"}))
    # zx (朱希 zhuxi, 章晓 zhangxiao), zxm (张晓明 zhangxiaoming), zxme (张晓明二)
    assert listed == ["章晓", "周新", "朱希", "张晓明", "张晓明二"]
    # A key a pinyin may begin with keeps the pinyin order and finds the pinyin too.
    assert order_of_names(login("admin").get(LIST_URL, {"q": "zh"})) == [
        "章晓",
        "张晓明",
        "张晓明二",
        "赵敏",
        "周新",
        "朱希",
    ]


def order_of_names(response) -> list[str]:
    return [member.name for member in response.context["page"]]
