"""The three bottom lines: who counts as mobile in a year, each line's rule, the rollup over the
tree, the drill-down to names, the Excel export and the API. Records are written directly and the
kept lines rebuilt from them, as `manage.py rebuild_bottom_lines` does: the rules under test read
records, however they were made. test_bottom_lines_kept checks that the services keep them."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhibu.care.bottomlines import kept
from zhibu.care.bottomlines import queries as bottom_lines
from zhibu.care.bottomlines.queries import Period
from zhibu.care.models import Contact, Pairing
from zhibu.checkins.models import CheckIn, CheckInState, Via
from zhibu.core.models import AuditEvent
from zhibu.materials.models import Campaign, Delivery
from zhibu.meetings.models import Attendance, Meeting
from zhibu.mobility import services as mobility
from zhibu.registry import services as registry
from zhibu.registry.choices import OrganizationKind
from zhibu.stations.models import Station

YEAR = timezone.localdate().year
PERIOD = Period(YEAR)
LAST_YEAR = Period(YEAR - 1)


def day(month: int = 1, dom: int = 10, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, dom)


def moment(date: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(hour), timezone.get_current_timezone())


def rebuilt(record):
    kept.rebuild()
    return record


def contact(world, member, on: datetime.date, kind: str = "talk") -> Contact:
    return rebuilt(
        Contact.objects.create(
            member=member,
            cadre=world.users["cadre"],
            organization=member.home_org,
            kind=kind,
            on=on,
            channel="phone",
            summary="谈心谈话",
        )
    )


def checkin(world, member, verified_at) -> CheckIn:
    station = Station.objects.create(name="驿站", kind="rest_station", organization=world.industry)
    state = CheckInState.ROUTED if verified_at else CheckInState.PENDING
    submitted = verified_at or moment(day(2))
    return rebuilt(CheckIn.objects.create(
        station=station, via=Via.ACCOUNT, state=state, member=member, name=member.name,
        submitted_at=submitted, verified_at=verified_at,
    ))  # fmt: skip


def campaign(world, organization, launched_on: datetime.date | None, state: str = "launched") -> Campaign:
    launched_at = moment(launched_on) if launched_on else None
    return Campaign.objects.create(
        organization=organization, title="红色包裹", contents="党章\n党徽", state=state, launched_at=launched_at
    )


def parcel(campaign: Campaign, member, state: str) -> Delivery:
    return rebuilt(Delivery.objects.create(campaign=campaign, member=member, state=state))


def meeting(organization, starts: datetime.datetime, cancelled: bool = False) -> Meeting:
    return Meeting.objects.create(
        organization=organization,
        kind="theme_day",
        title="主题党日",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        is_cancelled=cancelled,
    )


def attend(meeting: Meeting, member) -> Attendance:
    return rebuilt(Attendance.objects.create(meeting=meeting, member=member, method="roll_call", at=meeting.starts_at))


def flags(world, member, period: Period = PERIOD) -> dict | None:
    """The member's three results, or None when they are not a mobile member of the period."""
    members = bottom_lines.with_lines(bottom_lines.mobile_members(world.city, period), period)
    found = members.filter(pk=member.pk).values("found", "materials", "life")
    row = found.first()
    return {name: bool(value) for name, value in row.items()} if row else None


NOTHING = {"found": False, "materials": False, "life": False}


# Who is a mobile member of the period


def test_members_marked_mobile_without_a_record_count_by_the_mark(world):
    assert flags(world, world.wang) == NOTHING
    assert flags(world, world.zhang) is None  # not mobile


def test_a_mobility_record_open_in_the_period_makes_a_member_mobile_for_it(world):
    admin = world.root_user
    record = mobility.register_outflow(admin, world.zhang, mobility.Whereabouts(since=day(1, 5, YEAR - 1)))
    mobility.end(admin, record, "returned", day(6, 30, YEAR - 1))
    world.zhang.refresh_from_db()
    assert not world.zhang.is_mobile
    assert flags(world, world.zhang, LAST_YEAR) == NOTHING  # away for half of last year
    assert flags(world, world.zhang, PERIOD) is None  # back before this year began


def test_a_member_whose_record_says_they_left_later_is_not_mobile_earlier(world):
    mobility.register_outflow(world.root_user, world.li, mobility.Whereabouts(since=day(1, 2)))
    world.li.refresh_from_db()
    assert world.li.is_mobile
    assert flags(world, world.li, PERIOD) == NOTHING
    assert flags(world, world.li, LAST_YEAR) is None


def test_members_not_in_normal_standing_are_left_out(world):
    world.wang.standing = "suspended"
    world.wang.save()
    assert flags(world, world.wang) is None


# Each line


def test_found_by_a_contact_or_a_verified_check_in_within_the_period(world):
    contact(world, world.wang, day(12, 31, YEAR - 1))
    assert flags(world, world.wang)["found"] is False  # last year's talk does not count
    checkin(world, world.wang, verified_at=None)
    assert flags(world, world.wang)["found"] is False  # a pending check-in found nobody
    checkin(world, world.wang, verified_at=moment(day(1, 1), hour=0))
    assert flags(world, world.wang)["found"] is True
    assert flags(world, world.wang, LAST_YEAR)["found"] is True  # the talk, for last year


def test_a_contact_alone_finds_the_member(world):
    contact(world, world.wang, day(3, 1), kind="visit")
    assert flags(world, world.wang) == {"found": True, "materials": False, "life": False}


def test_materials_need_a_campaign_of_the_period_and_every_parcel_received(world):
    assert flags(world, world.wang)["materials"] is False  # no campaign reached them: not delivered
    red = campaign(world, world.industry, day(2, 1))
    parcel(red, world.wang, "received")
    assert flags(world, world.wang)["materials"] is True
    books = campaign(world, world.mobile_a, day(5, 1))
    parcel(books, world.wang, "sent")
    assert flags(world, world.wang)["materials"] is False  # the second parcel is still on its way
    rebuilt(Delivery.objects.filter(campaign=books).update(state="received"))
    assert flags(world, world.wang)["materials"] is True


def test_drafts_and_other_years_campaigns_do_not_count(world):
    parcel(campaign(world, world.industry, None, state="draft"), world.wang, "pending")
    parcel(campaign(world, world.industry, day(11, 1, YEAR - 1)), world.wang, "pending")
    assert flags(world, world.wang)["materials"] is False
    parcel(campaign(world, world.industry, day(3, 3)), world.wang, "received")
    assert flags(world, world.wang)["materials"] is True  # the pending ones are not of this year
    assert flags(world, world.wang, LAST_YEAR)["materials"] is False


def test_organisational_life_in_any_organisation_counts(world):
    elsewhere = meeting(world.branch_b1, moment(day(4, 8)))  # not the member's own branch
    cancelled = meeting(world.mobile_a, moment(day(5, 8)), cancelled=True)
    attend(cancelled, world.wang)
    assert flags(world, world.wang)["life"] is False
    attend(elsewhere, world.wang)
    assert flags(world, world.wang)["life"] is True
    assert flags(world, world.wang, LAST_YEAR)["life"] is False


# The rollup


@pytest.fixture
def tree(world):
    """Mobile members in two companies: in A, 王强 meets every line and 张晓明 none; in B, 赵敏 is
    found only."""
    admin = world.root_user
    mobility.register_outflow(admin, world.zhang, mobility.Whereabouts(since=day(1, 3)))
    mobility.register_outflow(admin, world.zhao, mobility.Whereabouts(since=day(1, 3)))
    contact(world, world.wang, day(2, 2))
    parcel(campaign(world, world.industry, day(2, 1)), world.wang, "received")
    attend(meeting(world.mobile_a, moment(day(3, 3))), world.wang)
    contact(world, world.zhao, day(2, 3))
    return world


def test_the_rollup_counts_each_subtree_and_its_children(tree):
    children = [tree.company_a, tree.company_b]
    rollup = bottom_lines.rollup(tree.industry, children, PERIOD)
    assert rollup.total.total == 3
    assert rollup.total.met == {"found": 3 - 1, "materials": 1, "life": 1, "all": 1}
    company_a, company_b = (row.counts for row in rollup.children)
    assert (company_a.total, company_a.met["found"], company_a.met["all"]) == (2, 1, 1)
    assert (company_b.total, company_b.met["found"], company_b.met["materials"]) == (1, 1, 0)
    assert company_a.percent("all") == 50.0 and company_b.percent("life") == 0.0
    assert company_b.missed("materials") == 1


def test_the_rollup_agrees_with_the_results_member_by_member(tree):
    """The rollup counts per organisation; the drill-down asks member by member. Both must tell the
    same, line by line, for every organisation and either period."""
    parcel(campaign(tree, tree.industry, day(6, 1)), tree.zhang, "sent")
    contact(tree, tree.zhang, day(6, 2, YEAR - 1))
    attend(meeting(tree.branch_b1, moment(day(7, 7))), tree.zhao)
    for period in (PERIOD, LAST_YEAR):
        expected: dict[str, list[int]] = {}
        members = bottom_lines.with_lines(bottom_lines.mobile_members(tree.city, period), period)
        for row in members.values("home_org__path", "found", "materials", "life"):
            lines = [bool(row[line]) for line in bottom_lines.LINES]
            counts = expected.setdefault(row["home_org__path"], [0] * 5)
            for index, met in enumerate([True, *lines, all(lines)]):
                counts[index] += met
        found = bottom_lines.counts_by_home_organization(tree.city, period)
        assert {path: [c.total, *c.met.values()] for path, c in found.items()} == expected
        assert expected or period == LAST_YEAR


def test_every_organisation_of_the_subtree_gets_its_own_figures(tree):
    rows = {row.organization.code: row.counts for row in bottom_lines.subtree_rows(tree.industry, PERIOD)}
    assert rows["industry"].total == 3 and rows["company-a"].total == 2 and rows["mobile-a"].total == 1
    assert rows["branch-a1"].met["found"] == 0 and rows["branch-b1"].met["found"] == 1
    assert rows["mobile-a"].percent("all") == 100.0


def test_the_page_shows_the_figures_of_the_scope_and_the_children(tree, login):
    page = login("industry").get(reverse("bottom_lines:index"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "快递行业党委" in text and "A 快递公司党委" in text and "B 快递公司党委" in text
    assert "3 名流动党员" in text
    assert page.context["total"]["counts"].met["found"] == 2
    rows = {row["organization"].code: row for row in page.context["rows"]}
    assert rows["company-a"]["counts"].percent("all") == 50.0
    assert page.context["chart"]["categories"] == ["A 快递公司党委", "B 快递公司党委"]
    assert page.context["chart"]["series"][0]["data"] == [50.0, 100.0]


def test_a_bad_period_is_explained_and_the_current_year_shown(tree, login):
    page = login("industry").get(reverse("bottom_lines:index"), {"period": "20x6"})
    assert page.status_code == 200
    assert page.context["period"] == PERIOD
    assert "年份" in page.content.decode()


def test_the_secretary_starts_at_their_branch(tree, login):
    page = login("secretary").get(reverse("bottom_lines:index"))
    assert page.context["org"] == tree.branch_a1 and page.context["total"]["counts"].total == 1


def test_each_figure_drills_down_to_the_members_who_miss_it(tree, login):
    client = login("industry")
    url = reverse("bottom_lines:missing", args=[tree.industry.pk, "found"])
    page = client.get(url, {"period": YEAR})
    assert [member.name for member in page.context["page"]] == ["张晓明"]
    page = client.get(reverse("bottom_lines:missing", args=[tree.industry.pk, "materials"]))
    assert sorted(member.name for member in page.context["page"]) == ["张晓明", "赵敏"]
    page = client.get(reverse("bottom_lines:missing", args=[tree.industry.pk, "all"]))
    assert page.context["page"].paginator.count == 2
    assert client.get(reverse("bottom_lines:missing", args=[tree.industry.pk, "lunch"])).status_code == 404


def test_the_drill_down_names_the_cadre_or_says_nobody_is_paired(tree, login):
    Pairing.objects.create(cadre=tree.users["cadre"], member=tree.zhang, organization=tree.branch_a1, started_on=day())
    text = login("industry").get(reverse("bottom_lines:missing", args=[tree.industry.pk, "all"])).content.decode()
    assert "cadre" in text and "未结对" in text  # 张晓明 has a cadre, 赵敏 has none


def test_the_export_holds_every_organisation_with_its_figures_and_is_audited(tree, login):
    response = login("industry").get(reverse("bottom_lines:export", args=[tree.industry.pk]), {"period": YEAR})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("党组织", "党组织代码", "流动党员", "已找到")
    by_code = {row[1]: row for row in rows[1:]}
    assert set(by_code) == {"industry", "company-a", "branch-a1", "mobile-a", "company-b", "branch-b1"}
    assert by_code["industry"][2:4] == (3, 2) and by_code["company-a"][9] == 1
    assert by_code["company-a"][10] == pytest.approx(0.5)
    assert by_code["branch-a1"][0].startswith("\u3000\u3000")  # indented by depth
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.changes["dataset"] == "bottom_lines" and event.changes["rows"] == 6


def test_the_api_returns_the_rollup_with_the_counts_per_line(tree, login):
    client = login("industry")
    body = client.get(f"/api/v1/orgs/{tree.industry.pk}/bottom-lines", {"period": YEAR}).json()
    assert body["period"] == str(YEAR) and body["mobile_members"] == 3
    lines = {line["line"]: line for line in body["lines"]}
    assert (lines["found"]["met"], lines["found"]["missed"], lines["found"]["percent"]) == (2, 1, 66.7)
    assert lines["all"]["met"] == 1
    children = {child["organization"]["code"]: child for child in body["children"]}
    assert children["company-b"]["mobile_members"] == 1
    assert {line["line"]: line["met"] for line in children["company-b"]["lines"]}["found"] == 1


def test_the_api_refuses_a_bad_period_and_hides_organisations_out_of_scope(tree, login):
    client = login("secretary")
    bad = client.get(f"/api/v1/orgs/{tree.branch_a1.pk}/bottom-lines", {"period": "1999"})
    assert bad.status_code == 422 and "period" in bad.json()["errors"]
    assert client.get(f"/api/v1/orgs/{tree.industry.pk}/bottom-lines").status_code == 404


def test_the_page_and_the_api_do_not_grow_with_organisations_or_members(tree, login, django_assert_max_num_queries):
    client = login("industry")

    def queries_of(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [
        reverse("bottom_lines:index"),
        f"/api/v1/orgs/{tree.industry.pk}/bottom-lines",
        reverse("bottom_lines:missing", args=[tree.industry.pk, "all"]),
    ]
    before = [queries_of(url) for url in urls]
    admin = tree.root_user
    for number in range(4):
        company = registry.create_organization(
            admin, parent=tree.industry, code=f"c{number}", name=f"公司{number}", kind=OrganizationKind.COMMITTEE
        )
        branch = registry.create_organization(
            admin, parent=company, code=f"b{number}", name=f"支部{number}", kind=OrganizationKind.BRANCH
        )
        from zhibu.conftest import make_id_number

        member = tree.add_member(f"党员{number}", make_id_number(sequence=100 + number), branch, is_mobile=True)
        contact(tree, member, day(2, 2))
        Pairing.objects.create(cadre=tree.users["cadre"], member=member, organization=branch, started_on=day())
    assert [queries_of(url) for url in urls] == before
