import datetime
import io

import pytest
import xlsxwriter
from django.utils import timezone, translation

from zhibu.contests import services
from zhibu.contests.models import Bank, Question, QuestionKind

HEADERS = ("题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "标签")


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English: the Chinese catalogue comes later."""
    with translation.override("en"):
        yield


def xlsx(rows, headers=HEADERS, title_rows=()) -> bytes:
    """A real workbook, as Excel would save it."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("题库")
    line = 0
    for title in title_rows:
        sheet.write_row(line, 0, [title])
        line += 1
    sheet.write_row(line, 0, headers)
    for offset, row in enumerate(rows, start=line + 1):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(offset, column, value)
    book.close()
    return buffer.getvalue()


GOOD_ROWS = [
    (
        "单选",
        "中国共产党的最高理想和最终目标是什么？",
        "实现共产主义",
        "全面小康",
        "科技强国",
        "",
        "A",
        "党章总纲。",
        "党史",
    ),
    (
        "多选",
        "骑电动车送件时应当做到哪些？",
        "佩戴安全头盔",
        "逆行抄近路",
        "遵守信号灯",
        "不闯红灯",
        "ACD",
        "",
        "安全生产",
    ),
    ("判断", "党员可以不参加党的组织生活。", "", "", "", "", "错", "每个党员都要参加组织生活。", ""),
]


def questions(bank: Bank, count: int, kind: str = QuestionKind.SINGLE, prefix: str = "题") -> list[Question]:
    """Questions written straight into a bank (the import has its own tests)."""
    made = []
    for number in range(count):
        if kind == QuestionKind.TRUE_FALSE:
            made.append(Question(bank=bank, kind=kind, text=f"{prefix}{number}", correct="T", position=number))
        elif kind == QuestionKind.MULTIPLE:
            made.append(
                Question(
                    bank=bank,
                    kind=kind,
                    text=f"{prefix}{number}",
                    options=["甲", "乙", "丙"],
                    correct="AC",
                    position=number,
                )
            )
        else:
            made.append(
                Question(
                    bank=bank,
                    kind=kind,
                    text=f"{prefix}{number}",
                    options=["甲", "乙", "丙"],
                    correct="B",
                    position=number,
                )
            )
    for question in made:
        question.save()
    return made


def bank_of(world, organization, count: int = 10, kind: str = QuestionKind.SINGLE, title: str = "题库") -> Bank:
    bank = services.create_bank(world.root_user, services.BankInput(organization, title))
    questions(bank, count, kind, prefix=f"{title}-")
    return bank


def contest_of(world, organization, banks, *, count=5, minutes=10, opened_hours_ago=2, closes_in_hours=24, **extra):
    now = timezone.now()
    data = services.ContestInput(
        organization=organization,
        title=extra.pop("title", "党史知识竞赛"),
        banks=list(banks),
        question_count=count,
        time_limit_minutes=minutes,
        opens_at=now - datetime.timedelta(hours=opened_hours_ago),
        closes_at=now + datetime.timedelta(hours=closes_in_hours),
        **extra,
    )
    return services.create_contest(world.root_user, data)


def right_answers(attempt) -> dict[int, str]:
    return {answer.question_id: answer.question.correct for answer in attempt.answers.select_related("question")}


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)
