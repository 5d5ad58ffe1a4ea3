"""Learning plans: who may keep them and what a plan must hold (each refusal's message), the audit
trail, and the figures: a plan's group, its completion per child organisation, per work role and
per member, counted from lessons finished, in a number of queries that does not grow with them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from zhibu.accounts.models import User
from zhibu.conftest import make_id_number
from zhibu.core.models import AuditEvent
from zhibu.learning import queries_plans as queries
from zhibu.learning import services
from zhibu.learning import services_plans as plans
from zhibu.learning.models import Plan, PlanMode, Progress
from zhibu.learning.tests.matrix_cases import prepare
from zhibu.registry.choices import Standing, WorkRole
from zhibu.registry.models import Member


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def learning(world):
    prepare(world)
    return world


def plan_input(world, **changes) -> plans.PlanInput:
    today = timezone.localdate()
    data = {
        "organization": world.company_a,
        "title": "安全生产学习计划",
        "target_org": world.company_a,
        "starts_on": today,
        "due_on": today + datetime.timedelta(days=30),
        "courses": [world.course],
        "mode": PlanMode.TOGETHER,
    }
    return plans.PlanInput(**(data | changes))


def make_plan(world, **changes) -> Plan:
    return plans.create_plan(world.root_user, plan_input(world, **changes))


def account(member) -> User:
    return User.objects.filter(member=member).first() or User.objects.create_user(f"m{member.pk}", member=member)


def finish(world, member, *lessons):
    user = account(member)
    for lesson in lessons:
        report = services.Report(lesson.duration_seconds or 0, timezone.now(), done=True)
        services.record_progress(user, lesson, report)


def messages(error: ValidationError, name: str) -> list[str]:
    return error.value.message_dict[name]


# Services


def test_an_editor_creates_a_plan_and_the_audit_trail_records_it(learning):
    world = learning
    secretary = world.users["secretary"]
    plan = plans.create_plan(
        secretary,
        plan_input(world, organization=world.branch_a1, target_org=world.branch_a1, courses=[world.course] * 2),
    )
    assert plan.created_by == secretary and list(plan.courses.all()) == [world.course]  # a course once
    event = AuditEvent.objects.get(object_type="learning.plan", object_id=str(plan.pk))
    assert event.action == AuditEvent.Action.CREATE and event.org_id == world.branch_a1.pk
    assert event.changes["title"] == [None, "安全生产学习计划"] and event.changes["courses"] == [
        None,
        [world.course.pk],
    ]


def test_only_the_editors_of_the_organisation_keep_its_plans(learning):
    world = learning
    refused = "You may only keep the learning plans of your organisations."
    for persona in ("secretary", "city", "cadre", "courier", "secretary2"):
        with pytest.raises(PermissionDenied, match=refused):
            plans.create_plan(world.users[persona], plan_input(world))
    plan = make_plan(world)
    with pytest.raises(PermissionDenied, match=refused):
        plans.update_plan(world.users["secretary"], plan, plan_input(world, organization=world.branch_a1))
    with pytest.raises(PermissionDenied, match=refused):
        plans.delete_plan(world.users["secretary2"], plan)
    assert plans.can_edit(world.users["industry"], plan) and not plans.can_edit(world.users["city"], plan)


def test_each_problem_of_a_plan_is_named(learning):
    world = learning
    industry = world.users["industry"]
    with pytest.raises(ValidationError) as error:
        plans.create_plan(
            industry,
            plan_input(
                world,
                organization=world.company_a,
                title="  ",
                target_org=world.branch_b1,
                due_on=timezone.localdate() - datetime.timedelta(days=1),
                courses=[],
                mode="forced",
                work_role="boss",
            ),
        )
    assert messages(error, "title") == ["Give a title."]
    assert messages(error, "target_org") == ["Choose the plan's organisation or an organisation below it."]
    assert messages(error, "due_on") == ["The due date cannot come before the start."]
    assert messages(error, "courses") == ["Choose at least one course."]
    assert messages(error, "mode") == ["Choose how the plan is studied."]
    assert messages(error, "work_role") == ["Choose a work role from the list."]
    with pytest.raises(ValidationError) as error:
        plans.create_plan(industry, plan_input(world, title="长" * 201))
    assert messages(error, "title") == ["A title has at most 200 characters."]
    with pytest.raises(ValidationError) as error:
        plans.create_plan(industry, plan_input(world, starts_on=None))
    assert messages(error, "due_on") == ["Give the start and the due date."]
    assert not Plan.objects.exists()


def test_a_plan_holds_a_bounded_number_of_courses(learning, monkeypatch):
    world = learning
    monkeypatch.setattr(plans, "MAX_COURSES", 1)
    services.publish(world.root_user, world.draft)
    with pytest.raises(ValidationError) as error:
        plans.create_plan(
            world.root_user, plan_input(world, target_org=world.branch_a1, courses=[world.course, world.draft])
        )
    assert messages(error, "courses") == ["A plan has at most 1 courses."]


def test_the_courses_must_be_published_to_the_group(learning):
    world = learning
    industry = world.users["industry"]
    with pytest.raises(ValidationError) as error:
        plans.create_plan(industry, plan_input(world, courses=[world.course, world.draft]))
    assert messages(error, "courses") == [
        "These courses are not published to the members of A 快递公司党委: A1 草稿课程."
    ]
    services.publish(world.root_user, world.draft)  # branch-a1's course reaches branch-a1 only
    with pytest.raises(ValidationError):
        plans.create_plan(industry, plan_input(world, courses=[world.draft]))
    plan = plans.create_plan(industry, plan_input(world, target_org=world.branch_a1, courses=[world.draft]))
    assert list(plan.courses.all()) == [world.draft]
    library = services.create_course(world.root_user, services.CourseInput(None, "平台公开课"))
    chapter = services.create_chapter(world.root_user, library, "一")
    services.create_lesson(world.root_user, chapter, services.LessonInput("课", body="<p>x</p>"))
    services.publish(world.root_user, library)
    assert plans.create_plan(industry, plan_input(world, courses=[library])).courses.get() == library


def test_a_plan_is_changed_and_deleted_and_the_progress_stays(learning):
    world = learning
    plan = make_plan(world)
    finish(world, world.wang, world.text_lesson)
    industry = world.users["industry"]
    plans.update_plan(industry, plan, plan_input(world, title="新标题", work_role=WorkRole.FRONTLINE))
    plan.refresh_from_db()
    assert (plan.title, plan.work_role) == ("新标题", "frontline")
    event = AuditEvent.objects.filter(object_type="learning.plan", action=AuditEvent.Action.UPDATE).get()
    assert event.changes == {"title": ["安全生产学习计划", "新标题"], "work_role": ["", "frontline"]}
    with pytest.raises(ValidationError):
        plans.update_plan(industry, plan, plan_input(world, courses=[]))
    assert plan.courses.count() == 1
    plans.delete_plan(industry, plan)
    assert not Plan.objects.exists() and Progress.objects.filter(member=world.wang).count() == 1
    assert AuditEvent.objects.filter(object_type="learning.plan", action=AuditEvent.Action.DELETE).exists()


# Queries


@pytest.fixture
def group(learning):
    """Company-a's members with their work roles and what they finished of 安全生产十讲 (2 lessons):

    company-a itself: 周一 (no role), nothing
    branch-a1: 张晓明 (leadership) both lessons; 李娜 (staff) the text lesson
    mobile-a: 王强 (frontline, mobile) half of the audio; 孙二 (frontline) both lessons
    and outside the group: 钱三 in branch-a1, suspended, both lessons; 赵敏 in company-b.
    """
    world = learning
    world.zhou = world.add_member("周一", make_id_number(sequence=51), world.company_a)
    world.sun = world.add_member("孙二", make_id_number(sequence=53), world.mobile_a, work_role=WorkRole.FRONTLINE)
    world.qian = world.add_member("钱三", make_id_number(sequence=55), world.branch_a1, work_role=WorkRole.STAFF)
    Member.objects.filter(pk=world.zhang.pk).update(work_role=WorkRole.LEADERSHIP)
    Member.objects.filter(pk=world.li.pk).update(work_role=WorkRole.STAFF)
    Member.objects.filter(pk=world.wang.pk).update(work_role=WorkRole.FRONTLINE)
    both = (world.audio_lesson, world.text_lesson)
    finish(world, world.zhang, *both)
    finish(world, world.li, world.text_lesson)
    services.record_progress(world.users["courier"], world.audio_lesson, services.Report(30, timezone.now()))
    finish(world, world.sun, *both)
    finish(world, world.qian, *both)
    Member.objects.filter(pk=world.qian.pk).update(standing=Standing.SUSPENDED)
    for member in (world.zhang, world.li, world.wang, world.qian):
        member.refresh_from_db()
    return world


def figures(found) -> tuple:
    return (found.members, found.finished, found.under_way, found.not_started, found.lessons_done, found.percent)


def test_completion_per_organisation_per_role_and_overall(group, django_assert_max_num_queries):
    world = group
    plan = make_plan(world)
    with django_assert_max_num_queries(6):
        found = queries.completion(plan)
    assert found.figures.lesson_total == 2
    assert figures(found.figures) == (5, 2, 1, 2, 5, 50)
    by_org = {part.label: (part.own, figures(part.figures)) for part in found.by_organization}
    assert by_org == {
        "A 快递公司党委": (True, (1, 0, 0, 1, 0, 0)),
        "A 公司第一党支部": (False, (2, 1, 1, 0, 3, 75)),
        "A 公司流动党员党支部": (False, (2, 1, 0, 1, 2, 50)),
    }
    by_role = [(part.key, figures(part.figures)) for part in found.by_role]
    assert by_role == [
        ("leadership", (1, 1, 0, 0, 2, 100)),
        ("staff", (1, 0, 1, 0, 1, 50)),
        ("frontline", (2, 1, 0, 1, 2, 50)),
        ("", (1, 0, 0, 1, 0, 0)),
    ]


def test_a_narrowed_group(group):
    world = group
    frontline = make_plan(world, work_role=WorkRole.FRONTLINE, title="一线")
    found = queries.completion(frontline)
    assert figures(found.figures) == (2, 1, 0, 1, 2, 50)
    assert [part.key for part in found.by_role] == ["frontline"]
    mobile = make_plan(world, target_org=world.mobile_a, mobile_only=True, title="流动")
    assert list(queries.group(mobile)) == [world.wang]
    assert figures(queries.completion(mobile).figures) == (1, 0, 0, 1, 0, 0)
    couriers = make_plan(world, occupation=world.courier_job, title="快递员")
    assert list(queries.group(couriers)) == [world.wang]


def test_the_member_table(group, django_assert_max_num_queries):
    world = group
    plan = make_plan(world)
    rows = queries.member_rows(plan, 2)
    with django_assert_max_num_queries(1):
        table = [(row.name, row.home_org.name, row.done, row.last_studied is not None) for row in rows[:50]]
    assert sorted(table) == sorted(
        [
            ("周一", "A 快递公司党委", 0, False),
            ("张晓明", "A 公司第一党支部", 2, True),
            ("李娜", "A 公司第一党支部", 1, True),
            ("王强", "A 公司流动党员党支部", 0, True),  # half a lesson heard: studied, not finished
            ("孙二", "A 公司流动党员党支部", 2, True),
        ]
    )
    assert table[0][0] == "周一"  # the target's own members first, then by organisation
    unfinished = {row.name for row in queries.member_rows(plan, 2, unfinished_only=True)}
    assert unfinished == {"周一", "李娜", "王强"}


def test_the_summaries_of_a_page_of_plans_are_two_queries(group, django_assert_max_num_queries):
    world = group
    page = [make_plan(world, title=f"计划{n}", work_role=role) for n, role in enumerate(["", "frontline", "staff"])]
    with django_assert_max_num_queries(2):
        found = queries.summaries(page)
    assert [(found[plan.pk].members, found[plan.pk].finished) for plan in page] == [(5, 2), (2, 1), (1, 0)]
    assert queries.summaries([]) == {}


def test_a_plan_without_published_lessons_has_no_finished_member(group):
    world = group
    plan = make_plan(world)
    services.unpublish(world.root_user, world.course)
    found = queries.completion(plan)
    assert found.figures.lesson_total == 0 and found.figures.finished == 0 and found.figures.percent is None


def test_a_members_plans(group):
    world = group
    today = timezone.localdate()
    start = today - datetime.timedelta(days=10)
    mine = [
        make_plan(world, title="全员", starts_on=start, due_on=today + datetime.timedelta(days=20)),
        make_plan(
            world, title="一线", starts_on=start, due_on=today + datetime.timedelta(days=5), work_role="frontline"
        ),
        make_plan(world, title="流动", target_org=world.mobile_a, mobile_only=True, starts_on=start, due_on=today),
    ]
    make_plan(world, title="干部", starts_on=start, due_on=today, work_role="staff")
    make_plan(world, title="A1", target_org=world.branch_a1, starts_on=start, due_on=today)
    make_plan(
        world, title="下月", starts_on=today + datetime.timedelta(days=3), due_on=today + datetime.timedelta(days=30)
    )
    overdue = make_plan(world, title="上月", starts_on=start, due_on=today - datetime.timedelta(days=1))
    assert {plan.title for plan in queries.member_plans(world.wang)} == {"全员", "一线", "流动", "下月", "上月"}
    found = queries.my_plans(world.wang)
    assert [item.plan.title for item in found] == ["上月", "流动", "一线", "全员"]
    assert all(queries.group(item.plan).filter(pk=world.wang.pk).exists() for item in found)
    first = found[0]
    assert first.plan == overdue and first.overdue and (first.done, first.total) == (0, 2)
    assert first.next_lesson == world.audio_lesson and first.courses[0].next_lesson == world.audio_lesson
    assert not found[1].overdue  # due today
    finish(world, world.wang, world.audio_lesson)
    again = queries.my_plans(world.wang)[0]
    assert (again.done, again.percent, again.next_lesson) == (1, 50, world.text_lesson)
    finish(world, world.wang, world.text_lesson)
    done = queries.my_plans(world.wang)[0]
    assert done.finished and not done.overdue and done.next_lesson is None
    assert [item.plan for item in queries.my_plans(world.sun)] == [overdue, mine[1], mine[0]]
    assert queries.my_plans(world.qian) == [] and queries.my_plans(None) == []


def test_a_members_plans_take_four_queries(group, django_assert_max_num_queries):
    world = group
    for number in range(5):
        make_plan(world, title=f"计划{number}", starts_on=timezone.localdate())
    member = Member.objects.select_related("home_org").get(pk=world.wang.pk)
    with django_assert_max_num_queries(4):
        found = queries.my_plans(member)
    assert len(found) == 5
