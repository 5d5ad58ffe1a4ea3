"""The contest pages as an organiser and a member use them: banks and their import with the errors
listed, a contest from the form, a member taking it from start to result, the deadline and the
second attempt refused on the page, who may see what, the ranking only when turned on, the
results matching the attempts, and query counts that do not grow with the rows."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.conftest import make_id_number
from zhibu.contests import services
from zhibu.contests.models import Attempt, Bank, Contest, Question
from zhibu.contests.tests.conftest import GOOD_ROWS, ago, bank_of, contest_of, right_answers, xlsx
from zhibu.core.tests.pages import section, text

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
INDEX = reverse("contests:index")
MINE = reverse("contests:mine")
BANKS = reverse("contests:banks")


def after(html: str, element_id: str) -> str:
    """The page from the element with this id to the next heading."""
    return html.split(f'id="{element_id}"', 1)[1].split("<h2", 1)[0]


def member_account(member) -> User:
    return User.objects.filter(member=member).first() or User.objects.create_user(f"m{member.pk}", member=member)


def took(member, contest, right: int, now=None) -> Attempt:
    """An attempt handed in with `right` right answers (the first ones)."""
    user = member_account(member)
    attempt = services.start_attempt(user, contest, now=now)
    answers = sorted(right_answers(attempt).items())
    given = {pk: (correct if index < right else "") for index, (pk, correct) in enumerate(answers)}
    services.submit(user, attempt, given, now=now)
    return attempt


def add_members(world, organization, start: int, count: int) -> list:
    return [
        world.add_member(f"党员{index}", make_id_number("440305", "19900303", 100 + index), organization)
        for index in range(start, start + count)
    ]


# Banks


def test_a_secretary_creates_a_bank_and_sees_each_problem_of_a_bad_file(as_persona, world):
    client = as_persona("secretary")
    response = client.post(reverse("contests:bank_create"), {"organization": world.branch_a1.pk, "title": "支部题库"})
    bank = Bank.objects.get()
    assert response.status_code == 302 and bank.organization == world.branch_a1
    bad = xlsx([GOOD_ROWS[0], ("单选", "题目一", "甲", "乙", "", "", "AB")])
    response = client.post(reverse("contests:bank_import", args=[bank.pk]), {"file": _upload("题库.xlsx", bad)})
    assert response.status_code == 400 and not Question.objects.exists()
    errors = section(text(response), "import-errors", "table")
    assert "<td>3</td><td>Answer</td>" in errors and "A single-choice question has one answer" in errors
    assert "1 row has a problem, so nothing was imported." in text(response)

    response = client.post(reverse("contests:bank_import", args=[bank.pk]), {"file": _upload("x.xlsx", PNG)})
    assert response.status_code == 400 and "This file is not a spreadsheet" in text(response)

    response = client.post(
        reverse("contests:bank_import", args=[bank.pk]), {"file": _upload("题库.xlsx", xlsx(GOOD_ROWS))}, follow=True
    )
    assert "3 questions imported." in text(response) and bank.questions.count() == 3
    assert text(response).count('class="list-group-item question"') == 3


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_template_downloads_as_a_workbook(as_persona, world):
    response = as_persona("secretary").get(reverse("contests:bank_template"))
    assert response.status_code == 200 and response.content.startswith(b"PK\x03\x04")
    assert response["Content-Type"].endswith("spreadsheetml.sheet") and ".xlsx" in response["Content-Disposition"]


# Contests


def test_an_organiser_creates_a_contest_from_the_form(as_persona, world):
    bank = bank_of(world, world.industry, 10, title="行业题库")
    client = as_persona("secretary")  # the branch draws from the industry committee's bank
    now = timezone.localtime()
    form = {
        "organization": world.branch_a1.pk,
        "title": "支部知识竞赛",
        "banks": [bank.pk],
        "question_count": 5,
        "time_limit_minutes": 10,
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timezone.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "max_attempts": 1,
    }
    response = client.post(reverse("contests:create"), form)
    contest = Contest.objects.get()
    assert response.status_code == 302 and not contest.show_ranking
    page = text(client.get(reverse("contests:detail", args=[contest.pk])))
    assert "5 questions drawn at random" in page and "Off: no ranking is shown" in page
    response = client.post(reverse("contests:create"), form | {"question_count": 50})
    assert "The banks chosen hold 10 questions only." in text(response) and Contest.objects.count() == 1


def test_a_member_takes_a_contest_from_start_to_result(as_persona, world):
    bank = bank_of(world, world.industry, 8)
    contest = contest_of(world, world.industry, [bank], count=4, minutes=10, title="安全知识竞赛")
    client = as_persona("courier")
    mine = text(client.get(MINE))
    assert "安全知识竞赛" in after(mine, "open-contests") and f'href="{MINE}"' in section(mine, "main-nav", "nav")
    take = text(client.get(reverse("contests:take", args=[contest.pk])))
    assert "Multiple choice: all or nothing" in take
    response = client.post(reverse("contests:start", args=[contest.pk]))
    attempt = Attempt.objects.get()
    assert response.url == reverse("contests:attempt", args=[attempt.pk])
    page = text(client.get(response.url))
    remaining = int(re.search(r'data-remaining="(\d+)"', page)[1])
    assert 590 <= remaining <= 600
    drawn = re.findall(r'id="question-(\d+)"', page)
    assert len(drawn) == 4 and re.findall(r'id="question-(\d+)"', text(client.get(response.url))) == drawn  # reload

    answers = right_answers(attempt)
    first = int(drawn[0])
    saved = client.post(
        reverse("contests:save_answer", args=[attempt.pk]),
        {"question": first, f"q-{first}": ["", answers[first]]},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Saved" in text(saved)
    assert f'value="{answers[first]}" id="q{first}{answers[first]}" checked' in text(client.get(response.url))
    body = {f"q-{pk}": ["", answers[int(pk)]] for pk in drawn[1:3]}  # the first stays as saved; the last unanswered
    response = client.post(reverse("contests:submit", args=[attempt.pk]), body, follow=True)
    result = text(response)
    assert "Your answers have been handed in." in result and "3/4" in after(result, "score")
    assert result.count('class="right-answer"') == 4 and result.count('text-bg-danger">Wrong') == 1

    page = text(client.get(reverse("contests:take", args=[contest.pk])))
    assert 'id="no-attempts-left"' in page and 'id="start-form"' not in page
    response = client.post(reverse("contests:start", args=[contest.pk]), follow=True)
    assert "You have taken this contest already" in text(response) and Attempt.objects.count() == 1
    assert "安全知识竞赛" in after(text(client.get(MINE)), "taken-contests")


def test_a_late_hand_in_is_refused_on_the_page_and_the_saved_answers_count(as_persona, world):
    bank = bank_of(world, world.industry, 3)
    contest = contest_of(world, world.industry, [bank], count=3, minutes=5)
    client = as_persona("courier")
    attempt = services.start_attempt(world.users["courier"], contest, now=ago(minutes=10))
    saved = attempt.answers.select_related("question").first()
    services.save_answer(world.users["courier"], attempt, saved.question_id, saved.question.correct, now=ago(minutes=9))
    body = {f"q-{pk}": correct for pk, correct in right_answers(attempt).items()}
    response = client.post(reverse("contests:submit", args=[attempt.pk]), body, follow=True)
    page = text(response)
    assert "The time was up at" in page and "answers sent after it are not accepted" in page
    attempt.refresh_from_db()
    assert (attempt.score, attempt.timed_out) == (1, True)
    late_save = client.post(
        reverse("contests:save_answer", args=[attempt.pk]),
        {"question": saved.question_id, f"q-{saved.question_id}": "A"},
    )
    assert late_save.status_code == 400


def test_another_organisations_member_can_neither_see_nor_take_a_contest(client, world):
    bank = bank_of(world, world.company_a, 3)
    contest = contest_of(world, world.company_a, [bank], count=3, title="A公司竞赛")
    courier_attempt = services.start_attempt(world.users["courier"], contest)
    client.force_login(member_account(world.zhao))  # company B
    assert "A公司竞赛" not in text(client.get(MINE))
    for name in ("contests:take", "contests:start"):
        method = client.post if name == "contests:start" else client.get
        assert method(reverse(name, args=[contest.pk])).status_code == 404
    for name in ("contests:attempt", "contests:save_answer", "contests:submit"):
        method = client.get if name == "contests:attempt" else client.post
        assert method(reverse(name, args=[courier_attempt.pk])).status_code == 404
    assert client.get(reverse("contests:detail", args=[contest.pk])).status_code == 404  # the organisers' page
    api = client.get(f"/api/v1/contests/{contest.pk}/ranking")
    assert api.status_code == 404


# Rankings


def test_no_ranking_appears_anywhere_unless_the_organisation_turns_it_on(as_persona, world):
    bank = bank_of(world, world.industry, 5)
    contest = contest_of(world, world.industry, [bank], count=5)
    took(world.zhang, contest, 4)
    took(world.wang, contest, 2)
    courier, industry = as_persona("courier"), None
    pages = {
        "take": reverse("contests:take", args=[contest.pk]),
        "results": reverse("contests:results", args=[contest.pk]),
        "result": reverse("contests:attempt", args=[Attempt.objects.get(member=world.wang).pk]),
    }
    ranking_api = f"/api/v1/contests/{contest.pk}/ranking"

    def seen(client, url):
        return 'id="ranking"' in text(client.get(url)) or 'id="my-rank"' in text(client.get(url))

    assert not seen(courier, pages["take"]) and not seen(courier, pages["result"])
    assert courier.get(ranking_api).status_code == 404
    industry = as_persona("industry")
    assert not seen(industry, pages["results"]) and industry.get(ranking_api).status_code == 404
    assert "ranking" not in json.dumps(industry.get(f"/api/v1/contests/{contest.pk}/results").json())

    industry.post(reverse("contests:set_ranking", args=[contest.pk]), {"show": "1"})
    assert seen(industry, pages["results"])
    places = industry.get(ranking_api).json()
    assert [(place["rank"], place["name"], place["score"]) for place in places] == [(1, "张晓明", 4), (2, "王强", 2)]
    courier = as_persona("courier")
    assert seen(courier, pages["take"]) and "Your place: 2" in text(courier.get(pages["result"]))
    assert [place["name"] for place in courier.get(ranking_api).json()] == ["张晓明", "王强"]


# Results


def test_the_results_match_the_attempts_they_count(as_persona, world):
    bank = bank_of(world, world.industry, 10)
    contest = contest_of(world, world.industry, [bank], count=10, max_attempts=2)
    a1 = add_members(world, world.branch_a1, 0, 6)
    b1 = add_members(world, world.branch_b1, 10, 4)
    scores = [10, 9, 7, 6, 3, 0]
    for member, right in zip(a1, scores, strict=True):
        took(member, contest, right)
    took(b1[0], contest, 8)
    took(b1[0], contest, 5)  # a second, worse attempt: the first counts
    took(b1[1], contest, 2)
    took(b1[1], contest, 6)  # a second, better one: it counts

    counted = Attempt.objects.filter(contest=contest, is_best=True)
    percents = [100 * attempt.score / attempt.total for attempt in counted]
    client = as_persona("industry")
    response = client.get(reverse("contests:results", args=[contest.pk]))
    found = response.context["results"]
    assert found.figures.participants == len(percents) == 8
    assert found.figures.average_percent == pytest.approx(sum(percents) / len(percents))
    assert found.figures.full_marks == 1
    bands = dict(found.bands)
    assert bands == {
        "0–59": sum(p < 60 for p in percents),
        "60–69": sum(60 <= p < 70 for p in percents),
        "70–79": sum(70 <= p < 80 for p in percents),
        "80–89": sum(80 <= p < 90 for p in percents),
        "90–100": sum(p >= 90 for p in percents),
    }
    assert sum(bands.values()) == 8
    by_org = {part.organization.pk: part.figures for part in found.parts}
    company_a = by_org[world.company_a.pk]
    a1_percents = [100 * s / 10 for s in scores]
    assert company_a.participants == 6 and company_a.eligible == 9  # 张晓明, 李娜, 王强 and the six
    assert company_a.average_percent == pytest.approx(sum(a1_percents) / 6)
    assert by_org[world.company_b.pk].participants == 2 and by_org[world.company_b.pk].average_percent == pytest.approx(
        70
    )
    assert found.figures.eligible == 3 + 1 + 10  # the world's four members and the ten added

    api = client.get(f"/api/v1/contests/{contest.pk}/results").json()
    assert api["participants"] == 8 and api["average_percent"] == pytest.approx(found.figures.average_percent)
    assert {child["organization"]["code"]: child["participants"] for child in api["children"]} == {
        "company-a": 6,
        "company-b": 2,
    }
    # A branch secretary sees the figures of the branch only.
    page = as_persona("secretary").get(reverse("contests:results", args=[contest.pk]))
    assert page.context["organization"] == world.branch_a1 and page.context["results"].figures.participants == 6
    assert 'id="distribution-chart"' in text(page)


# Query counts


def _counts(client, urls) -> dict[str, int]:
    found = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        found[url] = len(queries)
    return found


def test_the_organisers_pages_do_not_grow_with_the_rows(as_persona, world, django_assert_max_num_queries):
    client = as_persona("industry")
    members = add_members(world, world.branch_a1, 0, 3) + add_members(world, world.branch_b1, 10, 2)

    def build(title: str, takers) -> Contest:
        bank = bank_of(world, world.industry, 6, title=title)
        Question.objects.filter(bank=bank).first().tags.create(name=f"标签{title}")
        contest = contest_of(world, world.industry, [bank], count=3, title=title, show_ranking=True)
        for index, member in enumerate(takers):
            took(member, contest, index % 4)
        return contest

    first = build("一", members[:2])
    urls = [
        INDEX,
        BANKS,
        reverse("contests:bank_detail", args=[first.banks.get().pk]),
        reverse("contests:detail", args=[first.pk]),
        reverse("contests:results", args=[first.pk]),
        f"/api/v1/contests/{first.pk}/results",
        f"/api/v1/contests/{first.pk}/ranking",
        "/api/v1/contests",
    ]
    baseline = _counts(client, urls)
    for title in ("二", "三", "四"):
        build(title, members)
    Question.objects.filter(bank=first.banks.get()).first().tags.create(name="新标签")
    for member in members[2:]:
        took(member, first, 3)
    for url, count in baseline.items():
        with django_assert_max_num_queries(count):
            client.get(url)


def test_the_members_pages_do_not_grow_with_the_contests(as_persona, world, django_assert_max_num_queries):
    client = as_persona("courier")
    bank = bank_of(world, world.industry, 6)
    first = contest_of(world, world.industry, [bank], count=3, title="第一场")
    attempt = took(world.wang, first, 2)
    urls = [MINE, reverse("contests:take", args=[first.pk]), reverse("contests:attempt", args=[attempt.pk])]
    baseline = _counts(client, urls)
    for title in ("第二场", "第三场", "第四场"):
        contest = contest_of(world, world.company_a, [bank], count=5, title=title, max_attempts=3)
        took(world.wang, contest, 1)
        took(world.zhang, contest, 4)
    contest_of(world, world.mobile_a, [bank], count=5, title="第五场")
    took(world.zhang, first, 3)
    for url, count in baseline.items():
        with django_assert_max_num_queries(count):
            page = text(client.get(url))
    assert page  # the last page rendered
    mine = text(client.get(MINE))
    assert mine.count('class="card text-decoration-none contest-card"') == 4  # three open with attempts left, one new
