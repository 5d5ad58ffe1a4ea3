"""Importing a question bank from a spreadsheet: the template, every kind of bad row (with its row,
column and message), nothing written when any row is bad, and files that are no spreadsheet."""

import io

import pytest
from django.core.exceptions import ValidationError
from python_calamine import CalamineWorkbook

from zhibu.contests import importing, services
from zhibu.contests.models import Question, QuestionKind
from zhibu.contests.tests.conftest import GOOD_ROWS, HEADERS, xlsx
from zhibu.core.models import AuditEvent


@pytest.fixture
def bank(world):
    return services.create_bank(world.root_user, services.BankInput(world.industry, "党建与安全知识"))


def import_rows(world, bank, rows, **options):
    return services.import_questions(world.root_user, bank, xlsx(rows, **options), "题库.xlsx")


def bad_rows(world, bank, rows) -> list[tuple[int, str, str]]:
    with pytest.raises(services.BadRows) as refused:
        import_rows(world, bank, rows)
    assert not Question.objects.filter(bank=bank).exists()  # nothing written
    return [(error.row, error.column, error.message) for error in refused.value.rows]


def test_a_good_file_imports_every_type_with_tags_and_an_audit_event(world, bank):
    assert import_rows(world, bank, GOOD_ROWS, title_rows=["2024年题库"]) == 3
    single, multiple, true_false = Question.objects.filter(bank=bank).order_by("position")
    assert (single.kind, single.options, single.correct) == (
        QuestionKind.SINGLE,
        ["实现共产主义", "全面小康", "科技强国"],
        "A",
    )
    assert (multiple.kind, multiple.correct, len(multiple.options)) == (QuestionKind.MULTIPLE, "ACD", 4)
    assert (true_false.kind, true_false.options, true_false.correct) == (QuestionKind.TRUE_FALSE, [], "F")
    assert single.explanation == "党章总纲。" and [tag.name for tag in single.tags.all()] == ["党史"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT, object_type="contests.bank")
    assert event.changes["questions"] == 3 and event.changes["kinds"] == {"single": 1, "multiple": 1, "true_false": 1}


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (("填空", "题目一", "甲", "乙", "", "", "A"), "Type", "Unknown question type “填空”"),
        (("", "题目一", "甲", "乙", "", "", "A"), "Type", "The type is empty"),
        (("单选", "", "甲", "乙", "", "", "A"), "Question", "The question is empty."),
        (("单选", "题目一", "甲", "乙", "", "", "C"), "Answer", "The answer “C” is not among the options (A–B)."),
        (("单选", "题目一", "甲", "乙", "", "", "X"), "Answer", "is not among the options"),
        (
            ("单选", "题目一", "甲", "乙", "丙", "", "AB"),
            "Answer",
            "A single-choice question has one answer; this row gives 2 (AB).",
        ),
        (("多选", "题目一", "甲", "乙", "丙", "", "B"), "Answer", "at least two right answers"),
        (("单选", "题目一", "甲", "乙", "", "", ""), "Answer", "The answer is empty"),
        (("判断", "题目一", "", "", "", "", "也许"), "Answer", "true/false question as 对 or 错"),
        (("单选", "题目一", "甲", "", "", "", "A"), "Option A", "at least two options"),
        (("单选", "题目一", "甲", "", "丙", "", "A"), "Option B", "Option B is empty but a later option is filled"),
        (("单选", "题目一", "甲", "甲", "", "", "A"), "Option B", "Options A and B are the same."),
    ],
)
def test_each_bad_row_is_named_by_row_column_and_message(world, bank, row, column, message):
    problems = bad_rows(world, bank, [GOOD_ROWS[0], row])
    assert [(number, name) for number, name, _text in problems] == [(3, column)]
    assert message in problems[0][2]


@pytest.mark.parametrize("word", ["对", "错", "true", "FALSE", "√", "×", "正确", "T"])
def test_true_false_answers_in_every_usual_form(world, bank, word):
    import_rows(world, bank, [("判断题", "题目一", "", "", "", "", word)])
    assert Question.objects.get().correct == ("T" if word in ("对", "true", "√", "正确", "T") else "F")


def test_duplicates_in_the_file_and_in_the_bank_are_refused(world, bank):
    same = ("单选", "中国共产党的最高理想和最终目标是什么？ ", "甲", "乙", "", "", "A")  # a trailing space
    problems = bad_rows(world, bank, [GOOD_ROWS[0], same])
    assert problems == [(3, "Question", "The same question is in row 2.")]
    import_rows(world, bank, [GOOD_ROWS[0]])
    with pytest.raises(services.BadRows) as refused:
        import_rows(world, bank, [GOOD_ROWS[1], GOOD_ROWS[0]])
    assert [(e.row, e.message) for e in refused.value.rows] == [(3, "The bank holds this question already.")]
    assert Question.objects.filter(bank=bank).count() == 1  # the good row of the refused file was not written


def test_one_bad_row_among_many_writes_nothing_and_every_problem_is_listed(world, bank):
    rows = [*GOOD_ROWS, ("单选", "", "甲", "乙", "", "", "AB"), ("未知", "题目二", "甲", "乙", "", "", "A")]
    with pytest.raises(services.BadRows) as refused:
        import_rows(world, bank, rows)
    assert [(e.row, e.column) for e in refused.value.rows] == [(5, "Question"), (5, "Answer"), (6, "Type")]
    assert "2 rows have problems, so nothing was imported." in refused.value.messages[0]
    assert not Question.objects.exists() and not AuditEvent.objects.filter(action="import").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04 not really a zip", "This file is not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "This file is not a spreadsheet"),
        ("题型,题目\n单选,题目一\n".encode(), "needs the columns Type, Question and Answer"),
        ("姓名,身份证号\n张三,1\n".encode(), "No sheet has a header row we recognise"),
        ("题型,题目,答案\n".encode(), "The file has no questions"),
    ],
)
def test_files_that_cannot_be_used_are_refused_with_a_message(world, bank, data, message):
    with pytest.raises(ValidationError) as refused:
        services.import_questions(world.root_user, bank, data, "题库.xlsx")
    assert not isinstance(refused.value, services.BadRows)
    assert message in refused.value.messages[0]


def test_a_csv_in_gb18030_with_english_headers_imports(world, bank):
    text = "Type,Question,Option A,Option B,Answer\nsingle choice,快递员应当佩戴什么？,头盔,耳机,A\ntrue/false,驿站可以歇脚。,,,√\n"
    assert services.import_questions(world.root_user, bank, text.encode("gb18030"), "q.csv") == 2


def test_the_template_has_headers_in_the_users_language_and_imports_back(world, bank):
    data = importing.template()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name("Questions").to_python()
    assert rows[0][:3] == ["Type", "Question", "Option A"] and rows[0][-3:] == ["Answer", "Explanation", "Tags"]
    assert "Instructions" in book.sheet_names
    # A clerk fills in the template below its row of hints, leaving that row in place.
    six_options = [(*row[:6], "", "", *row[6:]) for row in GOOD_ROWS]  # the template has options A to F
    filled = xlsx([[str(hint) for hint in rows[1]], *six_options], headers=rows[0])
    assert services.import_questions(world.root_user, bank, filled, "template.xlsx") == 3


def test_the_template_in_chinese_keeps_the_aliases_readable(world, bank):
    # The Chinese catalogue comes later; the Chinese headers branches use are read already.
    assert services.import_questions(world.root_user, bank, xlsx(GOOD_ROWS, headers=HEADERS), "x.xlsx") == 3


def test_only_editors_of_the_banks_organisation_import(world, bank):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.import_questions(world.users["secretary"], bank, xlsx(GOOD_ROWS), "x.xlsx")
