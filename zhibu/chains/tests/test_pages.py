"""The chain pages as the host's secretary, a participant's secretary and a courier use them: a
chain brought together by search, a session with invitations, replies and attendance by name,
shared materials served only to those who see the session, the figures with their charts, the API,
and query counts that do not grow with the records."""

import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.chains import services
from zhibu.chains.models import Attendee, Chain, Invitation, Reply, Session
from zhibu.chains.tests.conftest import invitation_of, session_input
from zhibu.conftest import make_id_number
from zhibu.core.tests.pages import section, text
from zhibu.registry import services as registry
from zhibu.registry.choices import OrganizationKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def test_the_host_creates_a_chain_and_brings_organisations_in_by_search(as_persona, world):
    client = as_persona("secretary")
    response = client.post(reverse("chains:create"), {"lead": world.branch_a1.pk, "name": "园区学习链"})
    chain = Chain.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("chains:participants", args=[chain.pk])
    url = reverse("chains:participants", args=[chain.pk])
    # Organisations outside the secretary's scope are found by name: the chain crosses the tree.
    page = text(client.get(url, {"q": "快递公司党委"}))
    assert "B 快递公司党委" in page and "A 快递公司党委" in page
    fragment = text(client.get(url, {"q": "B 快递"}, HTTP_HX_REQUEST="true"))
    assert fragment.lstrip().startswith("<form") and "B 快递公司党委" in fragment
    response = client.post(
        reverse("chains:participants_add", args=[chain.pk]),
        {"organization": [world.industry.pk], "below": "branches"},
    )
    assert response.status_code == 302
    page = text(client.get(url))
    participants = section(page, "participants", "table")
    assert "B 公司党支部" in participants and "A 公司流动党员党支部" in participants
    assert "A 公司第一党支部" not in participants  # the lead itself
    # No member of the other organisations shows on the host's pages.
    assert "赵敏" not in page


def test_a_session_from_invitation_to_attendance(as_persona, world, chain, django_capture_on_commit_callbacks):
    host = as_persona("secretary")
    starts = timezone.localtime() - datetime.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = host.post(
            reverse("chains:session_create", args=[chain.pk]),
            {
                "title": "链上党课：快递安全",
                "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "mode": "in_place",
                "place": "A 公司党群服务中心",
                "agenda": "一、学习\n二、交流",
                "invite_all": "1",
            },
        )
    session = Session.objects.get()
    assert response.status_code == 302 and session.invitations.count() == 2

    participant = as_persona("secretary2")
    home = text(participant.get(reverse("chains:index")))
    assert "链上党课：快递安全" in section(home, "open-invitations", "div")
    b1 = invitation_of(session, world.branch_b1)
    page = text(participant.get(reverse("chains:session", args=[session.pk])))
    invitations = section(page, "invitations", "table")
    assert "B 公司党支部" in invitations and "A 公司流动党员党支部" not in invitations
    participant.post(reverse("chains:reply", args=[b1.pk]), {"accept": "1"})
    assert Invitation.objects.get(pk=b1.pk).reply == Reply.ACCEPTED

    url = reverse("chains:attendance", args=[b1.pk])
    sheet = text(participant.get(url))
    assert "赵敏" in sheet and "张晓明" not in sheet
    response = participant.post(url, {"present": [world.zhao.pk], "shown": [world.zhao.pk]})
    assert response.status_code == 302
    assert list(Attendee.objects.values_list("member__name", "organization__code")) == [("赵敏", "branch-b1")]
    # The host sees the count, not the names.
    host = as_persona("secretary")  # one test client: signing in again switches the persona
    page = text(host.get(reverse("chains:session", args=[session.pk])))
    assert 'id="session-members">1<' in page and "赵敏" not in page
    assert "赵敏" in text(host.get(url))  # the host records from its sign-in sheet too


def test_bad_session_input_shows_the_message_on_the_form(as_persona, world, chain):
    client = as_persona("secretary")
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("chains:session_create", args=[chain.pk]),
        {"title": "无地点", "starts_at": now, "ends_at": now, "mode": "in_place", "place": ""},
    )
    page = text(response)
    assert response.status_code == 200
    assert "The session must end after it starts." in page and "Give the place where the session is held." in page
    assert not Session.objects.exists()


def test_materials_are_checked_and_served_only_to_those_who_see_the_session(as_persona, world, session):
    host = as_persona("secretary")
    upload = reverse("chains:material_add", args=[session.pk])
    fake = SimpleUploadedFile("学习资料.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = host.post(upload, {"file": fake})
    assert response.status_code == 400 and "Attach a PDF" in text(response)
    response = host.post(upload, {"file": SimpleUploadedFile("学习资料.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    material = session.materials.get()
    url = reverse("chains:material", args=[material.pk])
    for username in ("secretary", "secretary2", "courier"):
        response = as_persona(username).get(url)
        assert response.status_code == 200, username
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert as_persona("station").get(url).status_code == 404
    courier = text(as_persona("courier").get(reverse("chains:mine")))
    assert "学习资料.pdf" in courier and "链上党课" in courier


def test_the_figures_page_draws_its_charts_from_the_records(as_persona, world, session):
    services.set_attendance(world.root_user, invitation_of(session, world.branch_b1), {world.zhao.pk}, set())
    services.set_attendance(world.root_user, invitation_of(session, world.mobile_a), {world.wang.pk}, set())
    client = as_persona("secretary")
    page = text(client.get(reverse("chains:figures", args=[session.chain.pk])))
    assert 'id="total-sessions">1<' in page
    assert 'id="total-organizations">2<' in page and 'id="total-members">2<' in page
    data = json.loads(section(page, "orgs-data", "script").split(">", 1)[1].rsplit("<", 1)[0])
    assert data["series"][1]["data"] == [2] and data["categories"] == [timezone.localtime().strftime("%Y-%m")]
    assert "vendor/echarts.min.js" in page
    assert as_persona("secretary2").get(reverse("chains:figures", args=[session.chain.pk])).status_code == 403


def test_the_api_gives_the_figures(as_persona, world, session):
    services.set_attendance(world.root_user, invitation_of(session, world.branch_b1), {world.zhao.pk}, set())
    client = as_persona("secretary")
    chains = client.get("/api/v1/chains").json()
    assert chains["count"] == 1 and chains["items"][0]["participants"] == 2
    figures = client.get(f"/api/v1/chains/{session.chain.pk}/figures").json()
    assert figures["totals"] == {"sessions_held": 1, "organizations": 1, "members": 1}
    assert figures["sessions"][0]["invited"] == 2 and figures["sessions"][0]["members"] == 1
    year = timezone.localtime().year
    assert client.get(f"/api/v1/chains/{session.chain.pk}/figures?year={year + 1}").json()["totals"]["members"] == 0
    assert client.get(f"/api/v1/chains/{session.chain.pk}/figures?year=1800").status_code == 422


def _grow(world, chain, start: int, count: int) -> Session:
    """`count` more participant branches, each with a member who attends a new session."""
    orgs = []
    for index in range(start, start + count):
        org = registry.create_organization(
            world.root_user,
            parent=world.company_b,
            code=f"b-extra-{index}",
            name=f"B 公司第{index}支部",
            kind=OrganizationKind.BRANCH,
        )
        world.add_member(f"党员{index}", make_id_number("440305", "19900404", 300 + index), org)
        orgs.append(org)
    services.add_participants(world.root_user, chain, orgs)
    session = services.create_session(world.root_user, chain, session_input(title=f"第{start}场"))
    services.invite(world.root_user, session)
    for invitation in session.invitations.select_related("organization", "session__chain__lead"):
        members = set(services.recordable_members(world.root_user, invitation).values_list("pk", flat=True))
        services.set_attendance(world.root_user, invitation, members, members)
    return session


def test_pages_do_not_grow_with_the_records(as_persona, world, chain, django_assert_max_num_queries):
    first = _grow(world, chain, 0, 1)
    pages = {
        "secretary": [
            reverse("chains:index"),
            reverse("chains:detail", args=[chain.pk]),
            reverse("chains:figures", args=[chain.pk]),
            reverse("chains:participants", args=[chain.pk]),
            reverse("chains:session", args=[first.pk]),
            "/api/v1/chains",
            f"/api/v1/chains/{chain.pk}/figures",
        ],
        "secretary2": [reverse("chains:index"), reverse("chains:session", args=[first.pk])],
        "courier": [reverse("chains:mine")],
    }
    baseline = {}
    for username, urls in pages.items():
        client = as_persona(username)
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            baseline[(username, url)] = len(queries)
    _grow(world, chain, 10, 6)
    _grow(world, chain, 30, 4)
    for (username, url), count in baseline.items():
        client = as_persona(username)
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200
    assert Attendee.objects.count() > 12


def test_the_attendance_sheet_does_not_grow_with_the_members(as_persona, world, session, django_assert_max_num_queries):
    client = as_persona("secretary2")
    url = reverse("chains:attendance", args=[invitation_of(session, world.branch_b1).pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    for index in range(8):
        world.add_member(f"乙{index}", make_id_number("440305", "19910101", 400 + index), world.branch_b1)
    with django_assert_max_num_queries(len(queries)):
        page = text(client.get(url))
    assert page.count('name="present"') == 9
