"""The learning plan pages as an organiser and a member use them: a plan from the form (and each
problem shown on it), its completion per organisation, per work role and per member with the
"not finished" filter, changing and deleting it, a member's plans with the lesson to continue, and
query counts that do not grow with the members or the plans."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.conftest import make_id_number
from zhibu.core.tests.pages import section, text
from zhibu.learning import services
from zhibu.learning.models import Plan
from zhibu.learning.tests.test_plans import account, finish, make_plan
from zhibu.registry.choices import WorkRole
from zhibu.registry.models import Member

PLANS = reverse("learning:plans")
MINE = reverse("learning:my_plans")
CREATE = reverse("learning:plan_create")


@pytest.fixture
def learning(world):
    from zhibu.learning.tests.matrix_cases import prepare

    prepare(world)
    Member.objects.filter(pk=world.wang.pk).update(work_role=WorkRole.FRONTLINE)
    world.wang.refresh_from_db()
    return world


def form(world, **changes) -> dict:
    today = timezone.localdate()
    data = {
        "title": "一线员工学习计划",
        "mode": "self",
        "organization": world.company_a.pk,
        "target_org": world.company_a.pk,
        "work_role": "frontline",
        "occupation": "",
        "starts_on": today.isoformat(),
        "due_on": (today + datetime.timedelta(days=30)).isoformat(),
        "courses": [world.course.pk],
    }
    return data | changes


def card(page: str, plan) -> str:
    """A plan's card on "my plans"."""
    return page.split(f'id="my-plan-{plan.pk}"', 1)[1].split('class="card my-plan"', 1)[0]


def add_members(world, organization, start, count, **extra):
    return [
        world.add_member(f"党员{index}", make_id_number("440305", "19900303", 100 + index), organization, **extra)
        for index in range(start, start + count)
    ]


def test_an_organiser_creates_a_plan_and_reads_its_completion(as_persona, learning):
    world = learning
    client = as_persona("industry")
    page = text(client.get(CREATE))
    assert "安全生产十讲 · A 快递公司党委" in page and "A1 草稿课程" not in page  # published courses only
    response = client.post(CREATE, form(world))
    plan = Plan.objects.get()
    assert response.status_code == 302 and response.url == reverse("learning:plan", args=[plan.pk])
    finish(world, world.wang, world.audio_lesson, world.text_lesson)
    (sun,) = add_members(world, world.mobile_a, 1, 1, work_role="frontline")
    finish(world, sun, world.text_lesson)
    page = text(client.get(response.url))
    assert "Members of A 快递公司党委 · Front-line staff" in section(page, "plan-group", "p")
    assert "Self-study (自学)" in page
    assert ">安全生产十讲</a>" in section(page, "plan-courses", "ul")
    assert section(page, "members", "div").endswith(">2</div>")
    assert section(page, "completion", "div").endswith(">75%</div>")  # 3 of 4 lessons
    assert section(page, "finished", "div").endswith(">1</div>")
    by_org = section(page, "by-organization", "table")
    assert "A 公司流动党员党支部" in by_org and "2/2" not in by_org and "1/2" in by_org
    assert "A 公司第一党支部" in by_org and "0/0" in by_org
    by_role = section(page, "by-role", "table")
    assert "Front-line staff" in by_role and "Leadership team" not in by_role  # the plan is for one role
    table = section(page, "plan-members", "table")
    assert "王强" in table and "党员1" in table and "2/2" in table and "1/2" in table
    unfinished = section(text(client.get(f"{response.url}?unfinished=1")), "plan-members", "table")
    assert "党员1" in unfinished and "王强" not in unfinished
    listing = text(client.get(PLANS))
    assert "一线员工学习计划" in listing and "1 of 2 finished" in listing


def test_the_form_shows_each_problem(as_persona, learning):
    world = learning
    client = as_persona("industry")
    today = timezone.localdate()
    response = client.post(CREATE, form(world, due_on=(today - datetime.timedelta(days=1)).isoformat()))
    assert response.status_code == 200 and "The due date cannot come before the start." in text(response)
    response = client.post(CREATE, form(world, organization=world.branch_a1.pk, target_org=world.company_a.pk))
    assert "Choose the plan&#x27;s organisation or an organisation below it." in text(response)
    response = client.post(CREATE, form(world, target_org=world.branch_b1.pk))
    assert "Choose the plan&#x27;s organisation or an organisation below it." in text(response)
    services.publish(world.root_user, world.draft)
    response = client.post(CREATE, form(world, courses=[world.course.pk, world.draft.pk]))
    assert "These courses are not published to the members of A 快递公司党委: A1 草稿课程." in text(response)
    response = client.post(CREATE, form(world, courses=[]))
    assert "This field is required." in text(response)
    assert not Plan.objects.exists()


def test_a_branch_secretary_cannot_aim_a_plan_outside_the_branch(as_persona, learning):
    world = learning
    client = as_persona("secretary")
    page = text(client.get(CREATE))
    assert "A 公司流动党员党支部" not in section(page, "id_target_org", "select")
    response = client.post(CREATE, form(world, organization=world.branch_a1.pk, target_org=world.mobile_a.pk))
    assert response.status_code == 200 and not Plan.objects.exists()
    response = client.post(CREATE, form(world, organization=world.branch_a1.pk, target_org=world.branch_a1.pk))
    assert response.status_code == 302 and Plan.objects.get().organization == world.branch_a1


def test_an_organiser_changes_and_deletes_a_plan(as_persona, learning):
    world = learning
    plan = make_plan(world, title="旧标题")
    client = as_persona("industry")
    edit = reverse("learning:plan_edit", args=[plan.pk])
    assert 'value="旧标题"' in text(client.get(edit))
    response = client.post(edit, form(world, title="新标题", mode="lead", work_role=""))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.mode, plan.work_role) == ("新标题", "lead", "")
    city = as_persona("city")
    assert city.get(edit).status_code == 403
    assert 'id="edit-plan"' not in text(city.get(reverse("learning:plan", args=[plan.pk])))
    client = as_persona("industry")
    response = client.post(reverse("learning:plan_delete", args=[plan.pk]), follow=True)
    assert "The plan has been deleted." in text(response) and not Plan.objects.exists()


def test_the_courier_sees_their_plans_and_where_to_continue(as_persona, learning):
    world = learning
    today = timezone.localdate()
    current = make_plan(world, title="一线计划", work_role="frontline", starts_on=today - datetime.timedelta(days=3))
    late = make_plan(
        world,
        title="上月计划",
        starts_on=today - datetime.timedelta(days=40),
        due_on=today - datetime.timedelta(days=10),
    )
    make_plan(world, title="干部计划", work_role="staff")
    make_plan(
        world, title="下周计划", starts_on=today + datetime.timedelta(days=7), due_on=today + datetime.timedelta(days=9)
    )
    client = as_persona("courier")
    page = text(client.get(MINE))
    assert "一线计划" in page and "上月计划" in page and "干部计划" not in page and "下周计划" not in page
    shown = card(page, late)
    assert "the due date has passed; you can still study it" in shown
    assert f'href="{reverse("learning:player", args=[world.audio_lesson.pk])}"' in shown and "Start:" in shown
    finish(world, world.wang, world.audio_lesson)
    shown = card(text(client.get(MINE)), current)
    assert "1 of 2 lessons" in shown and "Continue:" in shown
    assert f'href="{reverse("learning:player", args=[world.text_lesson.pk])}"' in shown
    finish(world, world.wang, world.text_lesson)
    page = text(client.get(MINE))
    assert page.count("All lessons finished.") == 2 and "the due date has passed" not in page


def test_without_a_member_record_the_page_explains(as_persona, learning):
    make_plan(learning)
    page = text(as_persona("industry").get(MINE))
    assert "Your account is not linked to a member record" in page


def test_pages_do_not_grow_with_the_members_or_the_plans(as_persona, learning, django_assert_max_num_queries):
    world = learning
    plan = make_plan(world)
    finish(world, world.wang, world.text_lesson)
    client = as_persona("industry")
    detail = reverse("learning:plan", args=[plan.pk])
    urls = [PLANS, detail, f"{detail}?unfinished=1", CREATE, reverse("learning:plan_edit", args=[plan.pk])]
    baseline = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        baseline[url] = len(queries)
    courier = as_persona("courier")
    with CaptureQueriesContext(connection) as queries:
        assert courier.get(MINE).status_code == 200
    mine = len(queries)
    for index, member in enumerate(add_members(world, world.branch_a1, 10, 8, work_role="staff")):
        if index % 2:
            finish(world, member, world.text_lesson)
    add_members(world, world.mobile_a, 30, 4, work_role="frontline")
    for number in range(4):
        make_plan(world, title=f"计划{number}", work_role=["", "staff", "frontline", "leadership"][number])
    client = as_persona("industry")
    for url, count in baseline.items():
        with django_assert_max_num_queries(count):
            client.get(url)
    courier = as_persona("courier")
    with django_assert_max_num_queries(mine):
        page = text(courier.get(MINE))
    assert page.count('class="card my-plan"') == 3  # the staff's and the leaders' plans are not his
    assert account(world.wang).member_id == world.wang.pk
