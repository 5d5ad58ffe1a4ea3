"""Question banks from spreadsheets: the template, and reading a filled-in file into questions with
an error for every bad row.

Files are read by the ledgers' reader (zhibu/ledgers/reading.py), which tells .xlsx, .xls and .csv
apart by their content and refuses anything that is not a readable spreadsheet; its header search
and hint-row skipping are used with the columns below. Nothing here writes to the database.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhibu.contests.models import FALSE, LETTERS, TRUE, QuestionKind, question_key
from zhibu.ledgers import cells, reading
from zhibu.ledgers.columns import Column
from zhibu.ledgers.reading import LedgerFileError
from zhibu.ledgers.writing import Workbook

MAX_QUESTIONS = 5000
MAX_QUESTION_LENGTH = 2000
MAX_OPTION_LENGTH = 500
MAX_EXPLANATION_LENGTH = 4000
MAX_TAGS = 10
MAX_TAG_LENGTH = 40  # learning.Tag.name

OPTION_COLUMNS = tuple(
    Column(
        f"option_{letter.lower()}",
        header,
        "text",
        gettext_lazy("Choice questions: at least two options, from A without gaps"),
        (f"选项{letter}", f"{letter}选项", f"选项 {letter}", letter, f"option {letter}"),
        width=22,
    )
    for letter, header in zip(
        LETTERS,
        (
            gettext_lazy("Option A"),
            gettext_lazy("Option B"),
            gettext_lazy("Option C"),
            gettext_lazy("Option D"),
            gettext_lazy("Option E"),
            gettext_lazy("Option F"),
        ),
        strict=True,
    )
)
COLUMNS = (
    Column(
        "kind",
        gettext_lazy("Type"),
        "text",
        gettext_lazy("单选, 多选 or 判断 (single, multiple, true/false)"),
        ("题型", "题目类型", "试题类型", "类型", "question type"),
        required=True,
        width=10,
    ),
    Column(
        "text",
        gettext_lazy("Question"),
        "text",
        gettext_lazy("Required"),
        ("题目", "题干", "试题", "问题", "试题内容", "题目内容", "question text"),
        required=True,
        width=50,
    ),
    *OPTION_COLUMNS,
    Column(
        "answer",
        gettext_lazy("Answer"),
        "text",
        gettext_lazy("Letters such as A or AC; for true/false 对 or 错"),
        ("答案", "正确答案", "参考答案", "标准答案", "correct answer"),
        width=10,
    ),
    Column(
        "explanation",
        gettext_lazy("Explanation"),
        "text",
        gettext_lazy("Optional: shown with the answer after the contest"),
        ("解析", "答案解析", "试题解析", "说明"),
        width=40,
    ),
    Column(
        "tags",
        gettext_lazy("Tags"),
        "text",
        gettext_lazy("Optional, separated by commas: 党史, 安全生产, …"),
        ("标签", "知识点", "分类"),
        width=18,
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}

KIND_WORDS = {
    QuestionKind.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single", "single choice", "s"),
    QuestionKind.MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "multiple", "multiple choice", "m"),
    QuestionKind.TRUE_FALSE: ("判断", "判断题", "是非题", "对错题", "true/false", "true or false", "tf", "t/f"),
}
TRUE_WORDS = frozenset({"对", "正确", "true", "t", "√", "✓", "✔"})
FALSE_WORDS = frozenset({"错", "错误", "false", "f", "×", "✗", "✘", "✕"})
ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")


@dataclass
class RowError:
    row: int
    column: str
    message: str
    sheet: str = ""

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedQuestion:
    row: int
    kind: str
    text: str
    options: list[str]
    correct: str
    explanation: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return question_key(self.text)


class ImportRefused(Exception):
    """The file as a whole cannot be used: not a spreadsheet, no header row, no questions."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _kind_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for kind, words in KIND_WORDS.items():
        for word in words:
            index[cells.choice_key(word)] = kind
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                index[cells.choice_key(str(kind.label))] = kind
    return index


def _header_index() -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in COLUMNS:
        for name in column.headers():
            index.setdefault(name, column)
    return index


def read_rows(data: bytes) -> list[reading.Row]:
    """The data rows of every sheet with a header row, or ImportRefused with the reason."""
    try:
        sheets = reading.read_sheets(data)
    except LedgerFileError as error:
        raise ImportRefused(error.message) from None
    index, required = _header_index(), {column.key for column in COLUMNS if column.required}
    rows: list[reading.Row] = []
    found_header = False
    for sheet in sheets:
        found = reading.find_header(sheet, index, required)
        if found is None:
            continue
        found_header = True
        header_row, by_index, _ignored = found
        if not {column.key for column in by_index.values()} >= {"kind", "text", "answer"}:
            raise ImportRefused(_("The header row needs the columns Type, Question and Answer."))
        rows += reading.data_rows(sheet, header_row, by_index)
    if not found_header:
        raise ImportRefused(
            _("No sheet has a header row we recognise. Start from the template: it needs Type, Question and Answer.")
        )
    if not rows:
        raise ImportRefused(_("The file has no questions under its header row."))
    if len(rows) > MAX_QUESTIONS:
        raise ImportRefused(
            _("The file has more than %(limit)s questions. Split it into smaller files.") % {"limit": MAX_QUESTIONS}
        )
    return rows


def parse(data: bytes, existing_keys: set[str] = frozenset()) -> tuple[list[ParsedQuestion], list[RowError]]:
    """Every row checked: the questions of the good rows and an error for each problem of the bad
    ones. `existing_keys` are the question keys the bank holds already."""
    rows = read_rows(data)
    sheets = {row.sheet for row in rows}
    kinds = _kind_index()
    questions, errors, seen = [], [], {}
    for row in rows:
        problems: list[tuple[str, str]] = []
        question = _question(row, kinds, problems)
        if question is not None and not problems:
            if question.key in seen:
                problems.append(("text", _("The same question is in row %(row)s.") % {"row": seen[question.key]}))
            elif question.key in existing_keys:
                problems.append(("text", _("The bank holds this question already.")))
            else:
                seen[question.key] = row.number
        for key, message in problems:
            errors.append(RowError(row.number, str(BY_KEY[key].header), message, row.sheet if len(sheets) > 1 else ""))
        if question is not None and not problems:
            questions.append(question)
    return questions, errors


def _text(row: reading.Row, key: str) -> str:
    value = row.values.get(key)
    return "" if cells.is_empty(value) else cells.text(value)


def _question(row: reading.Row, kinds: dict[str, str], problems: list) -> ParsedQuestion | None:
    text = _text(row, "text")
    if not text:
        problems.append(("text", _("The question is empty.")))
    elif len(text) > MAX_QUESTION_LENGTH:
        problems.append(
            ("text", _("The question is longer than %(limit)s characters.") % {"limit": MAX_QUESTION_LENGTH})
        )
    kind_text = _text(row, "kind")
    kind = kinds.get(cells.choice_key(kind_text)) if kind_text else None
    if not kind_text:
        problems.append(("kind", _("The type is empty: write 单选, 多选 or 判断 (single, multiple, true/false).")))
    elif kind is None:
        problems.append(
            (
                "kind",
                _("Unknown question type “%(type)s”: write 单选, 多选 or 判断 (single, multiple, true/false).")
                % {"type": kind_text[:20]},
            )
        )
    explanation = _text(row, "explanation")
    if len(explanation) > MAX_EXPLANATION_LENGTH:
        problems.append(
            (
                "explanation",
                _("The explanation is longer than %(limit)s characters.") % {"limit": MAX_EXPLANATION_LENGTH},
            )
        )
    tags = _tags(_text(row, "tags"), problems)
    if kind is None:
        return None
    if kind == QuestionKind.TRUE_FALSE:
        options, correct = [], _true_false(row, problems)
    else:
        options = _options(row, problems)
        correct = _letters(row, kind, options, problems)
    return ParsedQuestion(row.number, kind, text, options, correct, explanation, tags)


def _tags(value: str, problems: list) -> list[str]:
    tags = list(dict.fromkeys(tag for tag in TAG_SEPARATORS.split(value) if tag))
    if len(tags) > MAX_TAGS:
        problems.append(("tags", _("Give at most %(limit)s tags.") % {"limit": MAX_TAGS}))
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        problems.append(("tags", _("A tag is longer than %(limit)s characters.") % {"limit": MAX_TAG_LENGTH}))
    return tags


def _options(row: reading.Row, problems: list) -> list[str]:
    values = [_text(row, column.key) for column in OPTION_COLUMNS]
    while values and not values[-1]:
        values.pop()
    for letter, value, column in zip(LETTERS, values, OPTION_COLUMNS, strict=False):
        if not value:
            problems.append(
                (
                    column.key,
                    _("Option %(letter)s is empty but a later option is filled: fill the options from A without gaps.")
                    % {"letter": letter},
                )
            )
            return values
        if len(value) > MAX_OPTION_LENGTH:
            problems.append(
                (
                    column.key,
                    _("Option %(letter)s is longer than %(limit)s characters.")
                    % {"letter": letter, "limit": MAX_OPTION_LENGTH},
                )
            )
    if len(values) < 2:
        problems.append(("option_a", _("A choice question needs at least two options (A and B).")))
    seen: dict[str, str] = {}
    for letter, value in zip(LETTERS, values, strict=False):
        key = cells.choice_key(value)
        if key in seen:
            problems.append(
                (
                    f"option_{letter.lower()}",
                    _("Options %(first)s and %(second)s are the same.") % {"first": seen[key], "second": letter},
                )
            )
        seen.setdefault(key, letter)
    return values


def _letters(row: reading.Row, kind: str, options: list[str], problems: list) -> str:
    raw = _text(row, "answer")
    if not raw:
        problems.append(("answer", _("The answer is empty: give the letters of the right options, such as A or AC.")))
        return ""
    compact = ANSWER_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    available = LETTERS[: len(options)]
    outside = [letter for letter in compact if letter not in available]
    if outside or not compact:
        shown = available and (f"{available[0]}–{available[-1]}" if len(available) > 1 else available)
        problems.append(
            (
                "answer",
                _("The answer “%(answer)s” is not among the options (%(options)s).")
                % {"answer": raw[:20], "options": shown or "—"},
            )
        )
        return ""
    letters = "".join(sorted(set(compact)))
    if kind == QuestionKind.SINGLE and len(letters) > 1:
        problems.append(
            (
                "answer",
                _("A single-choice question has one answer; this row gives %(count)s (%(answer)s).")
                % {"count": len(letters), "answer": letters},
            )
        )
    if kind == QuestionKind.MULTIPLE and len(letters) < 2:
        problems.append(
            (
                "answer",
                _("A multiple-choice question has at least two right answers; with one, make it 单选 (single choice)."),
            )
        )
    return letters


def _true_false(row: reading.Row, problems: list) -> str:
    value = row.values.get("answer")
    if isinstance(value, bool):
        return TRUE if value else FALSE
    word = cells.choice_key(_text(row, "answer"))
    if word in TRUE_WORDS:
        return TRUE
    if word in FALSE_WORDS:
        return FALSE
    problems.append(("answer", _("Write the answer of a true/false question as 对 or 错 (true, false, √, ×).")))
    return ""


# The template


def template() -> bytes:
    """Headers in the active language, a row of hints, a drop-down of the types, and a sheet of
    instructions (which the reader skips: it has no header row)."""
    workbook = Workbook()
    sheet = workbook.sheet(_("Questions"))
    workbook.write_header(sheet, COLUMNS)
    for index, column in enumerate(COLUMNS):
        sheet.write_string(1, index, str(column.hint), workbook.hint)
    sheet.set_row(1, 45)
    kind_words = [KIND_WORDS[kind][1] for kind in QuestionKind.values]
    sheet.data_validation(
        2,
        0,
        MAX_QUESTIONS + 1,
        0,
        {
            "validate": "list",
            "source": kind_words,
            "error_type": "warning",
            "error_message": _("Choose a value from the list."),
        },
    )
    notes = workbook.sheet(_("Instructions"))
    notes.set_column(0, 0, 100)
    for number, line in enumerate(_instructions()):
        notes.write_string(number, 0, line, workbook.note if number == 0 else None)
    sheet.activate()
    return workbook.close()


def _instructions() -> list[str]:
    return [
        _("One question a row, on the first sheet, under the header row. The row of hints may stay."),
        _("Type: 单选 (single choice), 多选 (multiple choice) or 判断 (true or false)."),
        _("Choice questions: the options in Option A, Option B, … (two to six, from A without gaps)."),
        _("Answer: the letters of the right options, such as B, or ACD for a multiple-choice question."),
        _("True or false: no options; the answer is 对 or 错 (also true, false, √, ×)."),
        _("Multiple choice is scored all or nothing: every right option and no other."),
        _("Explanation and tags are optional. A question the bank holds already is refused."),
        _("If any row has a problem, nothing is imported: the page lists each problem by row and column."),
    ]
