"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

Branch-a1 (the secretary's) leads "A1 学习链" with branch-b1 (secretary2's) and mobile-a (the
cadre's and the courier's) taking part. Its session "链上党课" started ten minutes ago, both are
invited, 赵敏 of branch-b1 is recorded as attending, and a PDF is shared. The host side (readers
of branch-a1) sees everything; the participants see the chain and their sessions; only branch-b1's
editors reply for it and name its members; the courier sees the session and its material."""

from zhibu.core.tests.matrix import EDIT_A1, REGISTRY_EDITORS, REGISTRY_READERS, SEE_A1, SIGNED_IN, Case

PARTICIPANT_READERS = {"secretary2", "cadre"}
SEE_CHAIN = dict(allowed=SEE_A1 | PARTICIPANT_READERS)
RUN_CHAIN = dict(allowed=EDIT_A1, visible={"city"} | PARTICIPANT_READERS)
B1_EDIT = dict(allowed={"admin", "industry", "secretary2"}, visible={"city", "secretary"})


def chain(w):
    return [w.chain.pk]


def session(w):
    return [w.chain_session.pk]


def b1_invitation(w):
    return [w.b1_invitation.pk]


def material(w):
    return [w.chain_material.pk]


def upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("讲义.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")}


CASES: dict[str, Case] = {
    "chains:index": Case(allowed=REGISTRY_READERS, denied=403, marker=("A1 学习链", REGISTRY_READERS)),
    "chains:create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "chains:mine": Case(allowed=SIGNED_IN, marker=("链上党课", {"courier"})),
    "chains:detail": Case(args=chain, **SEE_CHAIN),
    "chains:edit": Case(args=chain, **RUN_CHAIN),
    "chains:figures": Case(args=chain, allowed=SEE_A1, visible=PARTICIPANT_READERS),
    "chains:participants": Case(args=chain, allowed=SEE_A1, visible=PARTICIPANT_READERS),
    "chains:participants_add": Case(
        args=chain,
        method="post",
        body=lambda w: {"organization": [w.company_b.pk], "below": "itself"},
        ok=302,
        **RUN_CHAIN,
    ),
    "chains:participant_remove": Case(args=lambda w: [w.chain.pk, w.branch_b1.pk], method="post", ok=302, **RUN_CHAIN),
    "chains:session_create": Case(args=chain, **RUN_CHAIN),
    "chains:session": Case(args=session, **SEE_CHAIN),
    "chains:session_edit": Case(args=session, **RUN_CHAIN),
    "chains:session_cancel": Case(args=session, method="post", ok=302, **RUN_CHAIN),
    "chains:invite": Case(args=session, method="post", body=lambda w: {"all": "1"}, ok=302, **RUN_CHAIN),
    "chains:material_add": Case(args=session, method="post", body=upload, ok=302, **RUN_CHAIN),
    "chains:reply": Case(args=b1_invitation, method="post", body=lambda w: {"accept": "1"}, ok=302, **B1_EDIT),
    # The host (branch-a1's editors) records from its sign-in sheet, as branch-b1's editors do.
    "chains:attendance": Case(args=b1_invitation, allowed=EDIT_A1 | {"secretary2"}, visible={"city"}),
    "chains:material": Case(args=material, allowed=SEE_A1 | PARTICIPANT_READERS | {"courier"}),
    "chains:material_delete": Case(args=material, method="post", ok=302, **RUN_CHAIN),
    "api-1.0.0:list_chains": Case(allowed=SIGNED_IN, api=True, marker=("A1 学习链", REGISTRY_READERS)),
    "api-1.0.0:chain_figures": Case(args=chain, api=True, allowed=SEE_A1, visible=PARTICIPANT_READERS),
}


def prepare(world) -> None:
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from zhibu.chains import services

    admin = world.root_user
    world.chain = services.create_chain(admin, services.ChainInput(world.branch_a1, "A1 学习链"))
    services.add_participants(admin, world.chain, [world.branch_b1, world.mobile_a])
    starts = timezone.now() - datetime.timedelta(minutes=10)
    world.chain_session = services.create_session(
        admin,
        world.chain,
        services.SessionInput("链上党课", starts, starts + datetime.timedelta(hours=2), place="A1 党群服务中心"),
    )
    services.invite(admin, world.chain_session)
    world.b1_invitation = world.chain_session.invitations.get(organization=world.branch_b1)
    services.set_attendance(admin, world.b1_invitation, {world.zhao.pk}, {world.zhao.pk})
    pdf = SimpleUploadedFile("学习资料.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    world.chain_material = services.add_material(admin, world.chain_session, pdf)
