"""Every list page and every API list endpoint, with who reads it, and how to grow what it lists.

zhibu/core/tests/test_query_counts.py reads each entry on the scope-matrix world, grows every app
with GROWERS, reads it again, and asserts the number of queries did not change and stays under the
entry's ceiling. `args` default to the URL's arguments in the scope matrix.

The ceilings are the figures measured on 2026-12-03 (the larger of SQLite and PostgreSQL, which
differ by savepoints) plus a margin of 3: a page that gets heavier must say so here.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from zhibu.conftest import make_id_number


@dataclass(frozen=True)
class Entry:
    persona: str
    ceiling: int
    args: Callable | None = None  # None: the scope matrix's arguments for this URL
    query: dict | None = None


NEAR = {"lat": "22.54", "lng": "113.93", "system": "wgs84", "k": "20"}

LISTS: dict[str, Entry] = {
    # Pages
    "home": Entry("secretary", 10),
    "audit": Entry("industry", 9),
    "accounts:tokens": Entry("secretary", 8),
    "registry:org_tree": Entry("industry", 11),
    "registry:org_children": Entry("industry", 9),
    "registry:member_list": Entry("industry", 12),
    "registry:unit_list": Entry("industry", 10),
    "ledgers:index": Entry("secretary", 13),
    "snapshots:index": Entry("industry", 14),
    "snapshots:people": Entry("industry", 13),
    "stations:list": Entry("industry", 12),
    "stations:map": Entry("industry", 9),
    "stations:geojson": Entry("industry", 5),
    "stations:nearest": Entry("industry", 15, query=NEAR),
    "mobility:index": Entry("industry", 14),
    "mobility:tasks": Entry("secretary", 8),
    "checkins:desk": Entry("station", 8),
    "checkins:inbox": Entry("secretary", 9),
    "checkins:mine": Entry("courier", 9),
    "checkins:list": Entry("industry", 9),
    "notifications:inbox": Entry("secretary", 9),
    "bottom_lines:index": Entry("industry", 12),
    "bottom_lines:missing": Entry("industry", 11),
    "care:mine": Entry("cadre", 9),
    "care:branch": Entry("industry", 16),
    "care:branch_due": Entry("industry", 11),
    "care:member": Entry("cadre", 13),
    "care:cadre": Entry("industry", 9),
    "materials:index": Entry("industry", 11),
    "materials:deliveries": Entry("industry", 12),
    "materials:mine": Entry("courier", 8),
    "meetings:index": Entry("industry", 9),
    "meetings:mine": Entry("courier", 10),
    "meetings:feeds": Entry("secretary", 7),
    "meetings:feed": Entry("secretary", 7),
    "meetings:org_list": Entry("industry", 10),
    "meetings:calendar": Entry("industry", 10),
    "meetings:roll_call": Entry("secretary", 11),
    "learning:catalogue": Entry("courier", 14),
    "learning:kept": Entry("industry", 10),
    "learning:plans": Entry("industry", 11),
    "learning:my_plans": Entry("courier", 12),
    "points:index": Entry("industry", 9),
    "points:mine": Entry("courier", 12),
    "points:ranking": Entry("industry", 11),
    "chains:index": Entry("industry", 10),
    "chains:mine": Entry("courier", 11),
    "chains:participants": Entry("industry", 10),
    "contests:index": Entry("industry", 10),
    "contests:mine": Entry("courier", 10),
    "contests:banks": Entry("industry", 10),
    "contests:results": Entry("industry", 14),
    # Detail pages that list rows of their own
    "registry:org_detail": Entry("industry", 14),
    "stations:detail": Entry("industry", 12),
    "mobility:detail": Entry("industry", 11),
    "care:rules": Entry("industry", 9),
    "materials:detail": Entry("industry", 11),
    "meetings:detail": Entry("industry", 15),
    "learning:course": Entry("industry", 12),
    "learning:plan": Entry("industry", 17),
    "points:settings": Entry("industry", 11),
    "chains:detail": Entry("industry", 14),
    "chains:session": Entry("industry", 13),
    "chains:figures": Entry("industry", 14),
    "checkins:figures": Entry("industry", 12),
    "contests:detail": Entry("industry", 12),
    "contests:bank_detail": Entry("industry", 11),
    # API
    "api-1.0.0:list_tokens": Entry("secretary", 6),
    "api-1.0.0:list_regions": Entry("industry", 8),
    "api-1.0.0:list_units": Entry("industry", 8),
    "api-1.0.0:list_organizations": Entry("industry", 9),
    "api-1.0.0:list_members": Entry("industry", 9),
    "api-1.0.0:list_stations": Entry("industry", 6),
    "api-1.0.0:nearest": Entry("industry", 11, query=NEAR),
    "api-1.0.0:list_contests": Entry("industry", 8),
    "api-1.0.0:contest_results": Entry("industry", 12),
    "api-1.0.0:contest_ranking": Entry("industry", 8),
    "api-1.0.0:chain_figures": Entry("industry", 12),
    "api-1.0.0:bottom_lines": Entry("industry", 9),
    "api-1.0.0:list_chains": Entry("industry", 8),
    "api-1.0.0:my_points": Entry("courier", 8),
    "api-1.0.0:my_entries": Entry("courier", 7),
    "api-1.0.0:list_own_checkins": Entry("courier", 7),
}

# URL names that look like lists but are not, or lists the table covers under another name.
NOT_LISTS: dict[str, str] = {}


# --- Before the first count: records that switch a list on, so both counts read the same page ---


def setup(world) -> None:
    from zhibu.care import services as care
    from zhibu.notifications.models import Notification
    from zhibu.points import services as points
    from zhibu.snapshots import services as snapshots

    admin = world.root_user
    points.set_policy(admin, world.mobile_a, is_enabled=True, show_ranking=True)
    points.set_rule(admin, world.mobile_a, points.RuleInput("meeting_attended", 5))
    points.award(world.wang, "meeting_attended", "meeting:setup")
    # The ledger page compares the two latest frozen months; one member joined in between.
    last = snapshots.previous_month()
    snapshots.freeze_month(admin, world.industry, snapshots.previous_month(last))
    world.add_member("先来党员", make_id_number("440305", "19910101", 401), world.branch_a1)
    snapshots.freeze_month(admin, world.industry, last)
    # A mobile member paired long ago and never contacted: the due list has a row.
    newcomer = world.add_member("待联系党员", make_id_number("440305", "19910101", 402), world.mobile_a, is_mobile=True)
    care.pair(admin, world.mobile_a, newcomer, world.users["cadre"], timezone.localdate() - datetime.timedelta(days=90))
    Notification.objects.create(recipient=world.users["secretary"], subject="第一条通知", url="/")
    world.grown_members = []


# --- Growers: more of every kind of row the lists show ---

GROW = 6  # rows of each kind; enough for a per-row query to show


def grow_registry(world) -> None:
    from zhibu.accounts.services import create_api_token
    from zhibu.registry import services
    from zhibu.registry.choices import OrganizationKind, RegionLevel
    from zhibu.registry.models import Region

    admin = world.root_user
    start = 500 + len(world.grown_members)
    for i in range(GROW):
        member = world.add_member(
            f"新党员{start + i}",
            make_id_number("440305", "19920202", start + i),
            world.branch_a1,
            phone=f"1370013{start + i:04d}",
            occupation=world.courier_job,
            employer=world.unit,
            region=world.district,
            activity_orgs=[world.mobile_a] if i % 2 else [],
            work_role="frontline" if i % 2 else "",
            gender="male" if i % 2 else "female",
        )
        world.grown_members.append(member)
        world.add_member(
            f"流动党员{start + i}",
            make_id_number("440305", "19930303", start + i),
            world.mobile_a,
            is_mobile=True,
            occupation=world.courier_job,
        )
        services.create_unit(admin, name=f"新单位{start + i}", kind="enterprise")
        services.create_organization(
            admin, parent=world.branch_a1, code=f"a1-sub-{start + i}", name=f"A1 小组{i}", kind=OrganizationKind.BRANCH
        )
        Region.objects.create(
            code=f"4403{start + i:02d}", name=f"新区{i}", level=RegionLevel.DISTRICT, parent=world.city_region
        )
        create_api_token(world.users["secretary"], f"token {start + i}")


def grow_stations(world) -> None:
    from zhibu.stations import services
    from zhibu.stations.tests.matrix_cases import jpeg

    admin = world.root_user
    for i in range(GROW):
        station = services.create_station(
            admin,
            name=f"新驿站{i}",
            kind="rest_station",
            level=3,
            organization=world.branch_a1 if i % 2 else world.mobile_a,
            latitude=Decimal("22.53") + Decimal(i) / 1000,
            longitude=Decimal("113.93"),
            coordinate_system="wgs84",
            always_open=True,
            is_checkin_point=bool(i % 2),
        )
        services.add_photo(admin, station, jpeg(), f"门口{i}")
        services.add_photo(admin, world.station, jpeg(), f"内景{i}")


def grow_checkins(world) -> None:
    from zhibu.checkins import services

    for i, member in enumerate(world.grown_members[-GROW:]):
        claim = services.Claim(name=member.name, id_number=member.id_number, phone=f"1360013{i:04d}")
        checkin = services.submit_from_form(world.checkin_point, claim).checkin
        if i % 2:
            services.verify(world.root_user, checkin)
            if i % 3 == 0:
                services.redirect(world.root_user, checkin, world.mobile_a, "转交")
            elif i % 3 == 1:
                services.accept(world.root_user, checkin)
        services.submit_from_account(world.users["courier"], world.checkin_point)


def grow_mobility(world) -> None:
    from zhibu.mobility import services

    admin = world.root_user
    since = timezone.localdate() - datetime.timedelta(days=60)
    for i, member in enumerate(world.grown_members[-GROW:]):
        where = services.Whereabouts(
            since=since, reach_phone="13800138000", to_region=world.district, to_unit=world.unit, to_org=world.branch_b1
        )
        record = services.register_outflow(admin, member, where)
        if i % 2:
            services.register_inflow(admin, member, world.branch_b1, services.Whereabouts(since=since))
        services.mark_lost(admin, record, timezone.localdate())
        task = services.open_finding_task(admin, record, world.users["secretary"])
        services.record_attempt(admin, task, method="call", result="no_answer")
        services.record_attempt(admin, world.finding_task, method="visit", result="lead", note="问过同事")


def grow_care(world) -> None:
    from zhibu.care import services
    from zhibu.registry.models import Member

    cadre = world.users["cadre"]
    services.set_policy(world.root_user, world.mobile_a, 50)
    today = timezone.localdate()
    unpaired = Member.objects.filter(home_org=world.mobile_a, is_mobile=True, pairings=None)
    for i, member in enumerate(unpaired):
        services.pair(world.root_user, world.mobile_a, member, cadre, today - datetime.timedelta(days=90))
        if i % 2:  # the others are due
            services.log_contact(cadre, member, services.ContactInput("talk", today, "phone", "谈了近况"))
    services.set_rule(world.root_user, world.mobile_a, services.RuleInput("visit", "mobile", 90))
    services.set_rule(world.root_user, world.mobile_a, services.RuleInput("talk", "abroad", 120))
    for i in range(GROW):
        services.log_contact(cadre, world.wang, services.ContactInput("visit", today, "in_person", f"走访{i}"))


def grow_materials(world) -> None:
    from zhibu.materials import services
    from zhibu.materials.models import Delivery

    admin = world.root_user
    Delivery.objects.bulk_create(Delivery(campaign=world.a1_campaign, member=m) for m in world.grown_members[-GROW:])
    for i in range(GROW // 2):
        campaign = services.create_campaign(
            admin, services.CampaignInput(world.branch_a1 if i % 2 else world.mobile_a, f"新读本{i}", "读本", False)
        )
        services.launch(admin, campaign)
        for delivery in campaign.deliveries.all()[:3]:
            services.mark_sent(admin, delivery, f"SF99999999{i:02d}")


def grow_meetings(world) -> None:
    from zhibu.learning.tests.matrix_cases import pdf_upload
    from zhibu.meetings import services
    from zhibu.meetings.tests.conftest import meeting_input

    admin = world.root_user
    for i in range(GROW):
        for organization in (world.branch_a1, world.mobile_a):
            data = meeting_input(title=f"新会议{i}")
            if i % 2:
                data = meeting_input(
                    title=f"线上会议{i}",
                    kind="lecture",
                    mode="online",
                    address="",
                    online_link="https://x.example.org/m",
                )
            meeting = services.create_meeting(admin, organization, data)
            services.take_roll_call(admin, meeting, set(meeting.organization.members.values_list("pk", flat=True)[:2]))
            services.save_minutes(admin, meeting, f"会议记录{i}")
            services.add_attachment(admin, meeting, pdf_upload(f"签到表{i}.pdf"))
        services.request_leave(world.users["courier"], meeting, "送件")
    services.take_roll_call(admin, world.meeting_a1, {member.pk for member in world.grown_members[-GROW:]})


def grow_learning(world) -> None:
    from zhibu.learning import services, services_plans
    from zhibu.learning.models import LessonKind, PlanMode, Tag
    from zhibu.learning.tests.matrix_cases import pdf_upload
    from zhibu.registry.choices import WorkRole

    admin = world.root_user
    tag = Tag.objects.get(name="安全生产")
    today = timezone.localdate()
    courses = []
    for i in range(GROW):
        owner = world.company_a if i % 2 else world.branch_a1
        course = services.create_course(admin, services.CourseInput(owner, f"新课程{i}", "摘要", [tag]))
        chapter = services.create_chapter(admin, course, f"第{i}章")
        for j in range(2):
            lesson = services.create_lesson(
                admin, chapter, services.LessonInput(f"第{j}课", LessonKind.TEXT, body="<p>正文</p>")
            )
        services.add_attachment(admin, lesson, pdf_upload())
        services.publish(admin, course)
        if i % 2:  # the courier learns in these: progress on plans and in the catalogue
            services.record_progress(world.users["courier"], lesson, services.Report(0, timezone.now(), done=True))
        if owner == world.company_a:
            courses.append(course)
    for i in range(GROW // 2):
        chapter = services.create_chapter(admin, world.course, f"新章{i}")
        for j in range(2):
            services.create_lesson(
                admin, chapter, services.LessonInput(f"新课{i}-{j}", LessonKind.TEXT, body="<p>x</p>")
            )
    for i in range(GROW // 2):
        services_plans.create_plan(
            admin,
            services_plans.PlanInput(
                organization=world.company_a,
                title=f"新计划{i}",
                target_org=world.company_a,
                starts_on=today - datetime.timedelta(days=3),
                due_on=today + datetime.timedelta(days=20),
                courses=courses[i : i + 2] or [world.course],
                mode=PlanMode.SELF,
                work_role=WorkRole.FRONTLINE,
            ),
        )


def grow_points(world) -> None:
    from zhibu.points import services

    for kind in ("lesson_completed", "contest_taken", "chain_session_attended"):
        services.set_rule(world.root_user, world.branch_a1, services.RuleInput(kind, 2))
    for organization in (world.company_a, world.company_b, world.branch_b1):
        services.set_policy(world.root_user, organization, is_enabled=True, show_ranking=True)

    for i in range(GROW):
        services.award(world.wang, "meeting_attended", f"meeting:grow-{i}")
        services.award(world.zhang, "meeting_attended", f"meeting:grow-{i}")
        for member in world.grown_members[-GROW:]:
            services.award(member, "meeting_attended", f"meeting:grow-{i}")


def grow_chains(world) -> None:
    from zhibu.chains import services
    from zhibu.learning.tests.matrix_cases import pdf_upload

    admin = world.root_user
    starts = timezone.now() + datetime.timedelta(days=1)
    for i in range(GROW // 2):
        chain = services.create_chain(admin, services.ChainInput(world.branch_a1, f"新学习链{i}"))
        services.add_participants(admin, chain, [world.branch_b1, world.mobile_a, world.company_b])
        session = services.create_session(
            admin, chain, services.SessionInput(f"链上党课{i}", starts, starts + datetime.timedelta(hours=2), place="x")
        )
        services.invite(admin, session)
    for i in range(GROW // 2):
        session = services.create_session(
            admin,
            world.chain,
            services.SessionInput(f"又一课{i}", starts, starts + datetime.timedelta(hours=2), place="x"),
        )
        services.invite(admin, session)
        services.add_material(admin, session, pdf_upload(f"资料{i}.pdf"))
    services.add_participants(admin, world.chain, [world.company_b, world.branch_a1])
    services.invite(admin, world.chain_session)
    services.set_attendance(admin, world.b1_invitation, {world.zhao.pk}, {world.zhao.pk})


def grow_contests(world) -> None:
    from zhibu.contests import services
    from zhibu.contests.tests.conftest import bank_of, contest_of, questions
    from zhibu.core.scope import Role

    for i in range(GROW // 2):
        bank = bank_of(world, world.mobile_a, 5, title=f"新题库{i}")
        contest = contest_of(world, world.mobile_a, [bank], count=3, title=f"新竞赛{i}", show_ranking=True)
        services.start_attempt(world.users["courier"], contest)
    for i in range(GROW):
        bank_of(world, world.branch_a1, 3, title=f"A1 题库{i}")
    questions(world.contest_bank, GROW, prefix="新题")
    for member in world.grown_members[-GROW:]:  # attempts at the A1 contest, for its results and ranking
        user = world.user(f"learner{member.pk}", Role.MEMBER, world.branch_a1, member=member)
        attempt = services.start_attempt(user, world.a1_contest)
        services.submit(user, attempt, {answer.question_id: "B" for answer in attempt.answers.all()})


def grow_notifications(world) -> None:
    from zhibu.notifications.models import Notification

    Notification.objects.bulk_create(
        Notification(recipient=world.users["secretary"], subject=f"通知{i}", url="/") for i in range(GROW * 2)
    )


def grow_ledgers(world) -> None:
    from zhibu.ledgers.models import LedgerJob

    LedgerJob.objects.bulk_create(
        LedgerJob(kind=LedgerJob.Kind.IMPORT, organization=world.branch_a1, created_by=world.users["secretary"])
        for _ in range(GROW)
    )


def grow_snapshots(world) -> None:
    from zhibu.snapshots import services

    month = services.previous_month(services.previous_month())
    for _ in range(3):
        month = services.previous_month(month)
        services.freeze_month(world.root_user, world.industry, month)
    # This month, frozen now, holds the grown members: the page compares it with last month.
    services.freeze_month(world.root_user, world.industry, services.current_month())


# In order: later growers use the members grow_registry adds.
GROWERS = (
    grow_registry,
    grow_stations,
    grow_checkins,
    grow_mobility,
    grow_care,
    grow_materials,
    grow_meetings,
    grow_learning,
    grow_points,
    grow_chains,
    grow_contests,
    grow_notifications,
    grow_ledgers,
    grow_snapshots,
)
