"""The mobility pages as a branch secretary, a cadre and an organisation admin use them, and the
refusals: outside the scope 404, a reader who may not change 403, bad input kept out with a message.

Pages are read in English (the language cookie), so that the assertions do not wait for the
Chinese catalogue; the Chinese pages are covered by the browser test."""

import datetime
import io
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from zhibu.core.models import AuditEvent
from zhibu.core.tests.pages import section, text
from zhibu.mobility import queries, services
from zhibu.mobility.models import FindingAttempt, FindingTask, Mobility, MobilityState

TODAY = timezone.localdate()
INDEX = reverse("mobility:index")


def away(days: int = 30, **values) -> services.Whereabouts:
    return services.Whereabouts(**({"since": TODAY - datetime.timedelta(days=days)} | values))


def outflow_of_zhang(world, **values) -> Mobility:
    return services.register_outflow(world.root_user, world.zhang, away(reach_phone="13700137000", **values))


def lost(world, member, days_ago: int) -> Mobility:
    record = services.register_outflow(world.root_user, member, away(days=days_ago + 30))
    return services.mark_lost(world.root_user, record, TODAY - datetime.timedelta(days=days_ago))


# The member page and registering an outflow


def test_a_secretary_registers_an_outflow_from_the_member_page(as_persona, world):
    client = as_persona("secretary")
    member_page = reverse("registry:member_detail", args=[world.zhang.pk])
    url = reverse("mobility:outflow", args=[world.zhang.pk])
    page = text(client.get(member_page))
    assert f'href="{url}"' in section(page, "mobility-history", "ul") and "No mobility records." in page

    response = client.post(
        url,
        {
            "since": str(TODAY - datetime.timedelta(days=10)),
            "reason": "work",
            "to_region": world.district.pk,
            "expected_months": "12",
            "reach_phone": "13700137000",
            "reach_note": "微信群“南山骑手”",
        },
    )
    record = Mobility.objects.get()
    assert response.url == reverse("mobility:detail", args=[record.pk])
    assert (record.direction, record.state, record.organization) == ("outflow", "registered", world.branch_a1)
    assert record.to_region == world.district and record.expected_months == 12
    assert record.reach_phone == "13700137000"
    # The history on the member page links the record, and a second outflow is not offered.
    history = section(text(client.get(member_page)), "mobility-history", "ul")
    assert reverse("mobility:detail", args=[record.pk]) in history and "Outflow registered" in history
    assert f'href="{url}"' not in history


def test_an_outflow_form_refuses_a_phone_number_in_the_note_and_keeps_nothing(as_persona, world):
    client = as_persona("secretary")
    url = reverse("mobility:outflow", args=[world.zhang.pk])
    response = client.post(
        url, {"since": str(TODAY), "reason": "work", "reach_phone": "13700137000", "reach_note": "电话 139 0013 9000"}
    )
    assert response.status_code == 200 and not Mobility.objects.exists()
    assert "Put a phone number in the phone field" in section(text(response), "outflow-form", "form")
    assert "13700137000" not in text(response)  # the sealed input does not echo the number back
    assert "139 0013 9000" not in text(response) and "电话 [redacted]" in text(response)  # nor the note
    full_width = client.post(url, {"since": str(TODAY), "reason": "work", "reach_note": "电话１３９００１３９０００"})
    assert "Put a phone number in the phone field" in text(full_width) and not Mobility.objects.exists()
    future = client.post(url, {"since": str(TODAY + datetime.timedelta(days=3)), "reason": "work"})
    assert "The date lies in the future." in text(future) and not Mobility.objects.exists()
    client.post(url, {"since": str(TODAY), "reason": "work"})
    again = client.post(url, {"since": str(TODAY), "reason": "work"})
    assert "already has an open outflow record" in text(again) and Mobility.objects.count() == 1


def test_registering_an_outflow_is_refused_outside_the_home_branch(as_persona, world):
    url = reverse("mobility:outflow", args=[world.zhang.pk])
    assert as_persona("secretary2").get(url).status_code == 404  # cannot see 张晓明
    assert as_persona("city").get(url).status_code == 403  # may read, may not change
    assert as_persona("city").post(url, {"since": str(TODAY), "reason": "work"}).status_code == 403
    assert not Mobility.objects.exists()
    member_page = text(as_persona("city").get(reverse("registry:member_detail", args=[world.zhang.pk])))
    assert url not in member_page


def test_the_audit_trail_of_a_registration_holds_no_phone_number(world):
    outflow_of_zhang(world)
    events = json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)), ensure_ascii=False)
    assert "13700137000" not in events and "[redacted]" in events


# Inflow: the receiving organisation names the member exactly


def test_an_inflow_needs_the_exact_id_number_and_name(as_persona, world):
    client = as_persona("secretary2")
    url = reverse("mobility:inflow")
    base = {"since": str(TODAY), "reason": "work", "organization": world.branch_b1.pk}
    wrong = client.post(url, base | {"id_number": world.zhang.id_number, "name": "张小明"})
    form = section(text(wrong), "inflow-form", "form")
    assert "No member with this ID number and name is registered." in form and not Mobility.objects.exists()
    assert "is-invalid" in re.search(r'<input[^>]*name="id_number"[^>]*>', form)[0]  # shown on the field
    assert world.zhang.id_number not in text(wrong)
    bad_check_digit = world.zhang.id_number[:-1] + ("0" if world.zhang.id_number[-1] != "0" else "1")
    refused = client.post(url, base | {"id_number": bad_check_digit, "name": "张晓明"})
    assert "is-invalid" in section(text(refused), "inflow-form", "form") and not Mobility.objects.exists()

    response = client.post(url, base | {"id_number": world.zhang.id_number, "name": "张晓明"})
    record = Mobility.objects.get()
    assert response.url == reverse("mobility:detail", args=[record.pk])
    assert (record.direction, record.state, record.organization) == ("inflow", "reported", world.branch_b1)


def test_an_inflow_is_only_for_ones_own_organisations(as_persona, world):
    client = as_persona("secretary2")
    body = {
        "since": str(TODAY),
        "reason": "work",
        "organization": world.branch_a1.pk,  # not theirs
        "id_number": world.zhang.id_number,
        "name": "张晓明",
    }
    response = client.post(reverse("mobility:inflow"), body)
    assert response.status_code == 200 and not Mobility.objects.exists()
    assert as_persona("city").get(reverse("mobility:inflow")).status_code == 403
    assert as_persona("cadre").get(reverse("mobility:inflow")).status_code == 403


# The index


def test_figures_by_state_drill_down_to_the_records(as_persona, world):
    outflow_of_zhang(world)
    lost(world, world.li, days_ago=5)
    client = as_persona("secretary")
    page = text(client.get(INDEX))
    table = section(page, "by-state", "table")
    lost_outflows = "?state=lost&amp;direction=outflow#records"
    assert f'{lost_outflows}">1<' in table and '?state=registered&amp;direction=outflow#records">1<' in table
    chart = json.loads(re.search(r'<script id="state-data" type="application/json">(.*?)</script>', page, re.S)[1])
    outflow_series = next(series for series in chart["series"] if series["name"] == "Outflow")
    assert outflow_series["data"][:3] == [1, 0, 1] and chart["links"][2].endswith("?state=lost#records")

    drilled = text(client.get(INDEX, {"state": "lost", "direction": "outflow"}))
    records = section(drilled, "record-list", "table")
    assert "李娜" in records and "张晓明" not in records


def test_the_record_list_filters_by_name_reason_and_organisation(as_persona, world):
    outflow_of_zhang(world, reason="study")
    services.register_outflow(world.root_user, world.zhao, away())
    client = as_persona("industry")

    def names(**filters):
        return {record.member.name for record in client.get(INDEX, filters).context["page"]}

    assert names() == {"张晓明", "赵敏"}
    assert names(q="晓明") == {"张晓明"}
    assert names(reason="study") == {"张晓明"}
    assert names(org=world.company_b.pk) == {"赵敏"}
    response = client.get(INDEX, {"org": world.company_b.pk})
    assert response.context["table"][0]["total"] == 1  # the figures count within the organisation
    assert f"org={world.company_b.pk}" in response.context["table"][0]["url"]
    # An organisation outside the scope is an invalid choice, shown and ignored.
    response = as_persona("secretary").get(INDEX, {"org": world.company_b.pk})
    assert response.context["form"].errors and {r.member.name for r in response.context["page"]} == {"张晓明"}


def test_lost_contacts_longest_first_and_the_six_month_rule(as_persona, world):
    lost(world, world.li, days_ago=3)
    lost(world, world.zhang, days_ago=40)
    # 赵敏 reported in at A's branch seven months ago; B never registered the outflow.
    services.register_inflow(world.root_user, world.zhao, world.branch_a1, away(days=210))
    page = text(as_persona("industry").get(INDEX))
    lost_list = section(page, "lost", "ul")
    assert lost_list.index("张晓明") < lost_list.index("李娜")
    assert "40 days" in lost_list and "3 days" in lost_list
    absences = section(page, "absences", "ul")
    assert "赵敏" in absences and "王强" in absences  # 王强 is marked mobile without any record
    assert reverse("mobility:outflow", args=[world.zhao.pk]) in absences
    # The six-month list is for home branches: B's secretary sees 赵敏, A's does not.
    assert "赵敏" in section(text(as_persona("secretary2").get(INDEX)), "absences", "ul")
    assert "赵敏" not in section(text(as_persona("secretary").get(INDEX)), "absences", "ul")


def test_the_index_is_for_registry_readers(as_persona, world, client):
    lost(world, world.wang, days_ago=10)
    assert "王强" in section(text(as_persona("cadre").get(INDEX)), "lost", "ul")
    assert 'href="/mobility/inflow/"' not in text(as_persona("cadre").get(INDEX))  # a cadre registers nothing
    assert "王强" not in text(as_persona("secretary2").get(INDEX))
    assert as_persona("courier").get(INDEX).status_code == 403
    assert as_persona("station").get(INDEX).status_code == 403


def test_the_index_does_not_grow_with_the_records(as_persona, world, django_assert_max_num_queries):
    lost(world, world.li, days_ago=4)  # one record that every filter below finds
    client = as_persona("industry")
    filter_sets = ({}, {"state": "lost"}, {"org": world.company_a.pk, "q": "李"})
    baselines = []
    for filters in filter_sets:
        with CaptureQueriesContext(connection) as baseline:
            assert client.get(INDEX, filters).status_code == 200
        baselines.append(len(baseline))
    services.register_inflow(world.root_user, world.zhao, world.branch_a1, away(days=200))
    services.end(world.root_user, outflow_of_zhang(world), "returned", TODAY)
    task = services.open_finding_task(world.root_user, lost(world, world.wang, 8), world.users["cadre"])
    services.record_attempt(world.root_user, task, method="call", result="no_answer")
    for filters, queries_before in zip(filter_sets, baselines, strict=True):
        with django_assert_max_num_queries(queries_before):
            response = client.get(INDEX, filters)
        assert len(response.context["lost"]) == 2 and response.context["absence_count"] == 1


# The record page


def test_the_record_page_shows_the_whereabouts_the_pair_and_the_history(as_persona, world):
    home = outflow_of_zhang(world, to_region=world.district)
    inflow = services.register_inflow(world.users["secretary2"], world.zhang, world.branch_b1, away(days=5))
    page = text(as_persona("secretary").get(reverse("mobility:detail", args=[home.pk])))
    assert "南山区" in section(page, "record", "dl")
    assert reverse("mobility:detail", args=[inflow.pk]) in section(page, "paired", "dd")
    steps = section(page, "steps", "ol")
    assert steps.index("Outflow registered") < steps.index("Reported in")  # pairing is in the trail
    # B's secretary sees the inflow, not the home branch's record.
    page = text(as_persona("secretary2").get(reverse("mobility:detail", args=[inflow.pk])))
    assert "Held by another organisation" in page and reverse("mobility:detail", args=[home.pk]) not in page
    assert as_persona("secretary2").get(reverse("mobility:detail", args=[home.pk])).status_code == 404


def test_a_reader_sees_the_record_without_actions_or_history(as_persona, world):
    record = services.register_outflow(world.root_user, world.wang, away())
    page = text(as_persona("cadre").get(reverse("mobility:detail", args=[record.pk])))
    assert "王强" in page and 'id="end-form"' not in page and 'id="steps"' not in page
    assert reverse("mobility:edit", args=[record.pk]) not in page
    client = as_persona("cadre")
    assert (
        client.post(reverse("mobility:end", args=[record.pk]), {"on": str(TODAY), "state": "returned"}).status_code
        == 403
    )
    assert client.post(reverse("mobility:lost", args=[record.pk]), {"on": str(TODAY)}).status_code == 403
    record.refresh_from_db()
    assert record.state == MobilityState.REGISTERED


def test_the_reach_phone_is_masked_until_revealed_and_the_reveal_is_audited(as_persona, world):
    record = outflow_of_zhang(world)
    client = as_persona("secretary")
    url = reverse("mobility:reveal", args=[record.pk])
    page = text(client.get(reverse("mobility:detail", args=[record.pk])))
    assert "137****7000" in page and "13700137000" not in page and url in page
    assert client.get(url).status_code == 405  # a reveal is a POST
    fragment = client.post(url, headers={"HX-Request": "true"})
    assert "13700137000" in text(fragment) and "<html" not in text(fragment)
    assert "13700137000" in text(client.post(url))  # without htmx, a page
    reveals = AuditEvent.objects.filter(action="reveal", object_type="mobility.mobility", object_id=str(record.pk))
    assert reveals.count() == 2 and reveals.first().changes == {"field": "reach_phone"}
    # The city reads the branch but may not reveal: no button, and a refused POST.
    client = as_persona("city")
    assert url not in text(client.get(reverse("mobility:detail", args=[record.pk])))
    assert client.post(url).status_code == 403 and reveals.count() == 2


def test_marking_lost_needs_a_plausible_date(as_persona, world):
    record = outflow_of_zhang(world)
    client = as_persona("secretary")
    url = reverse("mobility:lost", args=[record.pk])
    refused = client.post(url, {"on": str(TODAY + datetime.timedelta(days=1))}, follow=True)
    assert "Give a date between the start of the absence and today." in text(refused)
    record.refresh_from_db()
    assert record.state == MobilityState.REGISTERED
    client.post(url, {"on": str(TODAY)})
    record.refresh_from_db()
    assert (record.state, record.lost_on) == (MobilityState.LOST, TODAY)
    page = text(client.get(reverse("mobility:detail", args=[record.pk])))
    assert 'id="task-form"' in page and 'id="lost-form"' not in page
    assert reverse("mobility:poster", args=[record.pk]) in page


def test_ending_a_record_as_returned_or_transferred(as_persona, world):
    record = outflow_of_zhang(world)
    client = as_persona("secretary")
    url = reverse("mobility:end", args=[record.pk])
    refused = client.post(url, {"on": str(TODAY), "state": "lost"}, follow=True)
    assert "Select a valid choice" in text(refused)
    client.post(url, {"on": str(TODAY), "state": "returned"})
    record.refresh_from_db()
    world.zhang.refresh_from_db()
    assert record.state == MobilityState.RETURNED and record.ended_on == TODAY and not world.zhang.is_mobile
    page = text(client.get(reverse("mobility:detail", args=[record.pk])))
    assert 'id="end-form"' not in page and reverse("mobility:edit", args=[record.pk]) not in page
    again = client.post(url, {"on": str(TODAY), "state": "transferred"}, follow=True)
    assert "This record is closed." in text(again)
    record.refresh_from_db()
    assert record.state == MobilityState.RETURNED


def test_editing_the_whereabouts_keeps_the_phone_unless_changed_and_is_audited(as_persona, world):
    record = outflow_of_zhang(world)
    client = as_persona("secretary")
    url = reverse("mobility:edit", args=[record.pk])
    form_page = text(client.get(url))
    assert 'placeholder="137****7000"' in form_page and "13700137000" not in form_page
    body = {"since": str(record.since), "reason": "business", "to_region": world.district.pk, "reach_phone": ""}
    refused = client.post(url, body | {"reach_note": "新号码 13900139000"})
    assert "Put a phone number in the phone field" in text(refused)
    client.post(url, body)
    record.refresh_from_db()
    assert (record.reason, record.to_region, record.reach_phone) == ("business", world.district, "13700137000")
    update = AuditEvent.objects.filter(object_type="mobility.mobility", action="update").get()
    assert set(update.changes) == {"reason", "to_region"}
    steps = section(text(client.get(reverse("mobility:detail", args=[record.pk]))), "steps", "ol")
    assert "Changed: gone to (region)、reason" in steps
    client.post(url, body | {"remove_phone": "on"})
    record.refresh_from_db()
    assert record.reach_phone == ""
    assert as_persona("city").get(url).status_code == 403 and as_persona("secretary2").get(url).status_code == 404


# Finding a lost member


def test_the_cadre_chooser_offers_those_who_may_read_the_organisation(as_persona, world):
    record = lost(world, world.zhang, days_ago=2)
    response = as_persona("secretary").get(reverse("mobility:detail", args=[record.pk]))
    offered = {user.username for user in response.context["task_form"].fields["cadre"].queryset}
    assert offered == {"city", "industry", "secretary"}
    refused = as_persona("secretary").post(
        reverse("mobility:task_open", args=[record.pk]), {"cadre": world.users["secretary2"].pk}, follow=True
    )
    assert "Select a valid choice" in text(refused) and not FindingTask.objects.exists()


def test_a_lost_member_is_looked_for_and_found(as_persona, world):
    record = lost(world, world.wang, days_ago=20)
    client = as_persona("industry")
    response = client.post(reverse("mobility:task_open", args=[record.pk]), {"cadre": world.users["cadre"].pk})
    task = FindingTask.objects.get()
    assert response.url == reverse("mobility:task", args=[task.pk]) and task.created_by == world.users["industry"]

    # The cadre finds the task in their list and records attempts, but may not close it.
    cadre = as_persona("cadre")
    assert reverse("mobility:task", args=[task.pk]) in text(cadre.get(reverse("mobility:tasks")))
    page = text(cadre.get(reverse("mobility:task", args=[task.pk])))
    assert 'id="attempt-form"' in page and 'id="close-form"' not in page
    attempt_url = reverse("mobility:attempt", args=[task.pk])
    refused = cadre.post(attempt_url, {"method": "call", "result": "no_answer", "note": "打 13900139000 没人接"})
    assert "Put a phone number in the phone field" in text(refused) and not FindingAttempt.objects.exists()
    assert "13900139000" not in text(refused)
    cadre.post(attempt_url, {"method": "call", "result": "no_answer", "note": "没人接"})
    assert cadre.post(reverse("mobility:task_close", args=[task.pk])).status_code == 403
    cadre.post(attempt_url, {"method": "employer", "result": "found", "note": "在龙华分拣中心"})
    task.refresh_from_db()
    record.refresh_from_db()
    assert task.state == FindingTask.State.FOUND and record.state == MobilityState.REGISTERED
    attempts = section(text(cadre.get(reverse("mobility:task", args=[task.pk]))), "attempts", "ul")
    assert "在龙华分拣中心" in attempts and "没人接" in attempts and "Found" in attempts
    assert queries.lost_cases(world.users["industry"]) == []


def test_closing_a_task_without_finding_and_who_may_read_it(as_persona, world):
    record = lost(world, world.zhang, days_ago=9)
    task = services.open_finding_task(world.root_user, record, world.users["secretary"])
    url = reverse("mobility:task", args=[task.pk])
    assert as_persona("secretary2").get(url).status_code == 404
    city = as_persona("city")
    assert 'id="attempt-form"' not in text(city.get(url))  # reads, records nothing
    assert (
        city.post(reverse("mobility:attempt", args=[task.pk]), {"method": "call", "result": "lead"}).status_code == 403
    )
    client = as_persona("secretary")
    client.post(reverse("mobility:task_close", args=[task.pk]))
    task.refresh_from_db()
    assert task.state == FindingTask.State.CLOSED
    page = text(client.get(url))
    assert 'id="attempt-form"' not in page and 'id="close-form"' not in page
    again = client.post(reverse("mobility:task_close", args=[task.pk]), follow=True)
    assert "This task is closed." in text(again)


def test_my_tasks_lists_open_ones_first(as_persona, world):
    first = services.open_finding_task(world.root_user, lost(world, world.zhang, 9), world.users["secretary"])
    services.close_finding_task(world.root_user, first)
    second = services.open_finding_task(world.root_user, lost(world, world.li, 3), world.users["secretary"])
    tasks = list(as_persona("secretary").get(reverse("mobility:tasks")).context["tasks"])
    assert tasks == [second, first]
    assert list(as_persona("cadre").get(reverse("mobility:tasks")).context["tasks"]) == []


# The poster


def test_the_poster_names_the_member_and_branch_and_nothing_else(client, world):
    record = lost(world, world.zhang, days_ago=12)
    services.update_whereabouts(world.root_user, record, away(days=42, reach_phone="13700137000"))
    client.force_login(world.users["secretary"])
    response = client.get(reverse("mobility:poster", args=[record.pk]))
    assert response["Content-Type"] == "application/pdf"
    text_of_pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "张晓明" in text_of_pdf and "A 公司第一党支部" in text_of_pdf and "寻找流动党员" in text_of_pdf
    zhang = world.zhang
    personal = (zhang.id_number, zhang.id_number_masked, zhang.phone, zhang.phone_masked, "13700137000", "137****7000")
    for number in (*personal, f"{zhang.birth_date:%Y-%m-%d}", "19900101"):
        assert number not in text_of_pdf.replace(" ", "")
    assert client.get(reverse("mobility:poster", args=[record.pk])).status_code == 200
    client.force_login(world.users["secretary2"])
    assert client.get(reverse("mobility:poster", args=[record.pk])).status_code == 404
