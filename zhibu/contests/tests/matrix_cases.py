"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

The records: branch-a1's bank "A1 题库" and contest "A1 知识竞赛" (ranking on), the industry's bank,
and mobile-a's contest "流动党员竞赛" with the courier's attempt under way. Organisers' pages follow
branch-a1's scope; the member's pages belong to the courier alone."""

from django.core.files.uploadedfile import SimpleUploadedFile

from zhibu.core.tests.matrix import A1_EDIT, A1_VIEW, REGISTRY_EDITORS, REGISTRY_READERS, SEE_A1, SIGNED_IN, Case

COURIER = {"courier"}


def a1_bank(w):
    return [w.contest_bank.pk]


def a1_contest(w):
    return [w.a1_contest.pk]


def mobile_contest(w):
    return [w.mobile_contest.pk]


def attempt(w):
    return [w.courier_attempt.pk]


def import_body(w):
    from zhibu.contests.tests.conftest import GOOD_ROWS, xlsx

    return {"file": SimpleUploadedFile("题库.xlsx", xlsx(GOOD_ROWS))}


def answer_body(w):
    question = w.courier_attempt.answers.order_by("position").first().question_id
    return {"question": question, f"q-{question}": "A"}


CASES: dict[str, Case] = {
    "contests:index": Case(allowed=REGISTRY_READERS, denied=403, marker=("A1 知识竞赛", SEE_A1)),
    "contests:create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "contests:mine": Case(allowed=SIGNED_IN, marker=("流动党员竞赛", COURIER)),
    "contests:banks": Case(allowed=REGISTRY_READERS, denied=403, marker=("A1 题库", SEE_A1)),
    "contests:bank_create": Case(allowed=REGISTRY_EDITORS, denied=403),
    "contests:bank_template": Case(allowed=REGISTRY_READERS, denied=403),
    "contests:bank_detail": Case(args=a1_bank, **A1_VIEW),
    "contests:bank_import": Case(args=a1_bank, method="post", body=import_body, ok=302, **A1_EDIT),
    "contests:detail": Case(args=a1_contest, **A1_VIEW),
    "contests:edit": Case(args=a1_contest, **A1_EDIT),
    "contests:set_ranking": Case(args=a1_contest, method="post", ok=302, **A1_EDIT),
    "contests:results": Case(args=a1_contest, **A1_VIEW),
    # A member's pages: only the courier takes mobile-a's contest; organisers have no member record.
    "contests:take": Case(args=mobile_contest, allowed=COURIER),
    "contests:start": Case(args=mobile_contest, method="post", allowed=COURIER, ok=302),
    "contests:attempt": Case(args=attempt, allowed=COURIER),
    "contests:save_answer": Case(args=attempt, method="post", body=answer_body, allowed=COURIER, ok=302),
    "contests:submit": Case(args=attempt, method="post", allowed=COURIER, ok=302),
    "api-1.0.0:list_contests": Case(allowed=SIGNED_IN, marker=("A1 知识竞赛", SEE_A1), api=True),
    "api-1.0.0:contest_results": Case(args=a1_contest, **A1_VIEW, api=True),
    "api-1.0.0:contest_ranking": Case(args=a1_contest, **A1_VIEW, api=True),
}


def prepare(world) -> None:
    from zhibu.contests import services
    from zhibu.contests.tests.conftest import bank_of, contest_of

    world.contest_bank = bank_of(world, world.branch_a1, 5, title="A1 题库")
    world.a1_contest = contest_of(
        world, world.branch_a1, [world.contest_bank], count=3, title="A1 知识竞赛", show_ranking=True
    )
    industry_bank = bank_of(world, world.industry, 5, title="行业题库")
    world.mobile_contest = contest_of(world, world.mobile_a, [industry_bank], count=3, title="流动党员竞赛")
    world.courier_attempt = services.start_attempt(world.users["courier"], world.mobile_contest)
