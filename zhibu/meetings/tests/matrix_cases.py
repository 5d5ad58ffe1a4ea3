"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

The organisation-side target is a branch general assembly of branch-a1, under way, with an
attachment to its minutes. The member-side target is an online lecture of mobile-a, under way,
to which only the courier (王强, a member of mobile-a) is invited: other personas have no member
record there and get 404."""

from zhibu.core.tests.matrix import A1_EDIT, A1_VIEW, PUBLIC, SIGNED_IN, Case


def assembly(w):
    return [w.meeting_a1.pk]


def lecture(w):
    return [w.meeting_online.pk]


def org(w):
    return [w.branch_a1.pk]


COURIER_ONLY = dict(allowed={"courier"})

CASES: dict[str, Case] = {
    "meetings:index": Case(allowed=SIGNED_IN, marker=("A 公司第一党支部", A1_VIEW["allowed"])),
    "meetings:mine": Case(allowed=SIGNED_IN, marker=("线上党课", {"courier"})),
    "meetings:feeds": Case(allowed=SIGNED_IN),
    # The token stands in for the login: whoever holds it reads the secretary's branch calendar.
    "meetings:feed": Case(args=lambda w: [w.feed_token], **PUBLIC, marker=("SUMMARY:", set(PUBLIC["allowed"]))),
    # Any signed-in member may open the code's page; only invitees are recorded (tested apart).
    "meetings:scan": Case(args=lambda w: [w.meeting_code], allowed=SIGNED_IN),
    "meetings:org_list": Case(args=org, **A1_VIEW),
    "meetings:create": Case(args=org, **A1_EDIT),
    "meetings:calendar": Case(args=org, **A1_VIEW),
    "meetings:rules": Case(args=org, **A1_EDIT),
    "meetings:detail": Case(args=assembly, **A1_VIEW),
    "meetings:edit": Case(args=assembly, **A1_EDIT),
    "meetings:cancel": Case(args=assembly, method="post", ok=302, **A1_EDIT),
    "meetings:code": Case(args=assembly, **A1_EDIT),
    "meetings:withdraw": Case(args=assembly, method="post", ok=302, **A1_EDIT),
    "meetings:roll_call": Case(args=assembly, **A1_EDIT),
    "meetings:mark": Case(
        args=lambda w: [w.meeting_a1.pk, w.zhang.pk], method="post", body=lambda w: {"mark": "1"}, ok=302, **A1_EDIT
    ),
    "meetings:minutes": Case(args=assembly, **A1_EDIT),
    "meetings:attachment": Case(args=lambda w: [w.meeting_attachment.pk], **A1_VIEW),
    "meetings:attachment_delete": Case(args=lambda w: [w.meeting_attachment.pk], method="post", ok=302, **A1_EDIT),
    "meetings:attended": Case(args=lecture, method="post", ok=302, **COURIER_ONLY),
    "meetings:leave": Case(args=lecture, **COURIER_ONLY),
}


def prepare(world) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhibu.meetings import codes, services
    from zhibu.meetings.tests.conftest import meeting_input

    admin = world.root_user
    world.meeting_a1 = services.create_meeting(admin, world.branch_a1, meeting_input())
    world.meeting_online = services.create_meeting(
        admin,
        world.mobile_a,
        meeting_input(
            kind="lecture", title="线上党课", mode="online", address="", online_link="https://meet.example.org/x"
        ),
    )
    world.meeting_code = codes.make_code(world.meeting_a1)
    world.feed_token = codes.organization_feed_token(world.users["secretary"], world.branch_a1)
    pdf = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    world.meeting_attachment = services.add_attachment(admin, world.meeting_a1, pdf)
