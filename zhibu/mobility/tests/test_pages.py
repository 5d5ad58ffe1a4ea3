"""The mobility pages as a secretary and a cadre use them."""

import datetime
import io
import re

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from zhibu.core.models import AuditEvent
from zhibu.mobility import services
from zhibu.mobility.models import FindingTask, Mobility, MobilityState

TODAY = timezone.localdate()


def outflow(world, **values):
    data = {"since": TODAY - datetime.timedelta(days=30), "reach_phone": "13800138000"} | values
    return services.register_outflow(world.root_user, world.zhang, services.Whereabouts(**data))


def test_a_secretary_registers_an_outflow_from_the_member_page(client, world):
    client.force_login(world.users["secretary"])
    member_page = client.get(reverse("registry:member_detail", args=[world.zhang.pk])).content.decode()
    url = reverse("mobility:outflow", args=[world.zhang.pk])
    assert url in member_page and "没有流动记录" in member_page
    refused = client.post(url, {"since": str(TODAY), "reason": "work", "reach_note": "电话 13800138000"})
    assert refused.status_code == 200 and "不要写在备注里" in refused.content.decode() and not Mobility.objects.exists()
    response = client.post(
        url, {"since": str(TODAY), "reason": "work", "to_region": world.district.pk, "reach_phone": "13800138000"}
    )
    record = Mobility.objects.get()
    assert response.url == reverse("mobility:detail", args=[record.pk]) and record.to_region == world.district
    history = client.get(reverse("registry:member_detail", args=[world.zhang.pk])).content.decode()
    assert reverse("mobility:detail", args=[record.pk]) in history and "流出登记" in history


def test_an_inflow_needs_the_exact_id_number_and_name(client, world):
    client.force_login(world.users["secretary2"])
    url = reverse("mobility:inflow")
    base = {
        "since": str(TODAY),
        "reason": "work",
        "organization": world.branch_b1.pk,
        "id_number": world.zhang.id_number,
    }
    wrong = client.post(url, base | {"name": "张小明"})
    assert "没有登记该身份证号和姓名的党员" in wrong.content.decode() and not Mobility.objects.exists()
    assert world.zhang.id_number not in wrong.content.decode()
    client.post(url, base | {"name": "张晓明"})
    record = Mobility.objects.get()
    assert record.direction == "inflow" and record.organization == world.branch_b1


def test_figures_by_state_drill_down_to_the_records(client, world):
    outflow(world)
    lost = services.register_outflow(world.root_user, world.li, services.Whereabouts(since=TODAY))
    services.mark_lost(world.root_user, lost, TODAY)
    client.force_login(world.users["secretary"])
    page = client.get(reverse("mobility:index")).content.decode()
    table = re.search(r'<table class="table table-sm" id="by-state">(.*?)</table>', page, re.S)[1]
    assert '?state=lost&amp;direction=outflow">1<' in table and '?state=registered&amp;direction=outflow">1<' in table
    lost_only = client.get(reverse("mobility:index"), {"state": "lost", "direction": "outflow"}).content.decode()
    records = re.search(r'id="records">(.*?)</table>', lost_only, re.S)[1]
    assert "李娜" in records and "张晓明" not in records
    lost_list = re.search(r'id="lost">(.*?)</ul>', page, re.S)[1]
    assert "李娜" in lost_list and "0 天" in lost_list


def test_a_lost_member_is_looked_for_and_found(client, world):
    record = outflow(world)
    client.force_login(world.users["secretary"])
    client.post(reverse("mobility:lost", args=[record.pk]), {"on": str(TODAY)})
    record.refresh_from_db()
    assert record.state == MobilityState.LOST
    client.post(reverse("mobility:task_open", args=[record.pk]), {"cadre": world.users["secretary"].pk})
    task = FindingTask.objects.get()
    attempt_url = reverse("mobility:attempt", args=[task.pk])
    page = client.post(attempt_url, {"method": "call", "result": "no_answer", "note": "打 13900139000 没人接"})
    assert "不要写在备注里" in page.content.decode()
    client.post(attempt_url, {"method": "employer", "result": "found", "note": "在龙华送件"})
    task.refresh_from_db()
    record.refresh_from_db()
    assert task.state == FindingTask.State.FOUND and record.state == MobilityState.REGISTERED
    assert "在龙华送件" in client.get(reverse("mobility:task", args=[task.pk])).content.decode()


def test_the_reach_phone_is_masked_until_revealed_and_the_reveal_is_audited(client, world):
    record = outflow(world)
    client.force_login(world.users["secretary"])
    page = client.get(reverse("mobility:detail", args=[record.pk])).content.decode()
    assert "138****8000" in page and "13800138000" not in page
    revealed = client.post(reverse("mobility:reveal", args=[record.pk]))
    assert "13800138000" in revealed.content.decode()
    assert AuditEvent.objects.filter(action="reveal", object_type="mobility.mobility").count() == 1
    client.force_login(world.users["city"])  # may read, may not reveal
    assert client.post(reverse("mobility:reveal", args=[record.pk])).status_code == 403


def test_ending_a_record(client, world):
    record = outflow(world)
    client.force_login(world.users["secretary"])
    client.post(reverse("mobility:end", args=[record.pk]), {"on": str(TODAY), "state": "returned"})
    record.refresh_from_db()
    assert record.state == MobilityState.RETURNED and record.ended_on == TODAY
    world.zhang.refresh_from_db()
    assert not world.zhang.is_mobile


def test_the_poster_names_the_member_and_branch_and_nothing_else(client, world):
    record = outflow(world)
    services.mark_lost(world.root_user, record, TODAY)
    client.force_login(world.users["secretary"])
    response = client.get(reverse("mobility:poster", args=[record.pk]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert response["Content-Type"] == "application/pdf"
    assert "张晓明" in text and "A 公司第一党支部" in text and "寻找流动党员" in text
    for personal in (world.zhang.id_number, "13800138000", "138****8000", world.zhang.phone, "1990"):
        assert personal not in text


def test_the_index_does_not_grow_with_the_records(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    outflow(world)
    client.force_login(world.users["industry"])
    url = reverse("mobility:index")
    with CaptureQueriesContext(connection) as baseline:
        client.get(url)
    lost = services.register_outflow(world.root_user, world.li, services.Whereabouts(since=TODAY))
    services.mark_lost(world.root_user, lost, TODAY)
    services.register_inflow(world.root_user, world.zhao, world.branch_a1, services.Whereabouts(since=TODAY))
    with django_assert_max_num_queries(len(baseline)):
        client.get(url)
