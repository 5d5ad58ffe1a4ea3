"""One spreadsheet cell, read the way branch clerks really fill it in.

Each reader takes the raw value of a cell (str, int, float, bool, date or datetime, as the file
reader gives it) and returns a clean Python value, or raises CellError with a message for the clerk.
"""

import datetime
import math
import re
import unicodedata

from django.utils.translation import gettext as _

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included); 1 Jan 2100 is 73051.
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (1, 73051)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
# Full-width forms that a Chinese input method types for digits, letters and signs become ASCII; the
# punctuation of Chinese prose stays as written. (NFKC would also rewrite compatibility ideographs and
# （） in names, so stored names and organisation names would no longer be what the clerk typed.)
CHINESE_PUNCTUATION = "，：；！？（）"
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code) not in CHINESE_PUNCTUATION}


class CellError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """Text with full-width digits, letters and signs made ASCII, spaces collapsed (the ideographic space too),
    and an export's formula guard removed."""
    if type(value) is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()
        value = str(value)
    cleaned = " ".join((value if value.isascii() else value.translate(FULL_WIDTH)).split())
    if cleaned[:1] == NEUTRALISER and cleaned[1:2] in FORMULA_STARTS:
        cleaned = cleaned[1:]
    return cleaned


def neutralise(value: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe (read back by `text`)."""
    return NEUTRALISER + value if value.startswith(FORMULA_STARTS) else value


def number_as_text(value) -> str:
    """A long number that Excel kept as a number: refused when its digits may be lost."""
    if isinstance(value, bool):
        raise CellError(_("Expected text, not a true/false value."))
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
        raise CellError(
            _(
                "Excel stored this number as a number and lost its last digits (%(shown)s). "
                "Format the column as Text, type the numbers again (or paste them from the original), and import again."
            )
            % {"shown": f"{value:.5E}".replace(".00000E", "E")}
        )
    return text(value)


def id_number_text(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # 18 digits never survive as a number: Excel keeps 15 significant digits.
        raise CellError(
            _(
                "The ID numbers were stored as numbers, so Excel replaced their last digits with zeros (%(shown)s). "
                "Format the column as Text, type or paste the ID numbers again, and import again."
            )
            % {"shown": f"{float(value):.5E}".replace(".00000E", "E")}
        )
    return text(value).replace(" ", "").upper()


def date_value(value, *, month_only_ok: bool = False) -> tuple[datetime.date, bool]:
    """(date, month_only). Accepts Excel dates and serials, 2021-06-01, 2021/6/1, 2021.6.1, 2021年6月1日,
    20210601, and where a month is enough also 2021.06, 2021-06, 2021年6月."""
    if isinstance(value, datetime.datetime):
        return value.date(), False
    if isinstance(value, datetime.date):
        return value, False
    if isinstance(value, bool):
        raise CellError(_("Expected a date."))
    if isinstance(value, int | float):
        return _date_from_number(value, month_only_ok)
    return _date_from_text(text(value), month_only_ok)


def _date_from_number(value: float, month_only_ok: bool) -> tuple[datetime.date, bool]:
    if 1900 <= value < 2100 and not float(value).is_integer():
        # A month typed as 2021.06 in a number cell: Excel keeps 2021.06, but 2021.10 becomes 2021.1.
        shown = repr(float(value))
        year, _dot, month = shown.partition(".")
        if len(month) == 1 and month == "1":
            raise CellError(
                _(
                    "Excel stored %(shown)s as a number, so January and October cannot be told apart. "
                    "Format the column as Text and type the date as 2021-10-01."
                )
                % {"shown": shown}
            )
        return _month_or_error(int(year), int(month), month_only_ok, shown)
    if 1900 <= value < 2100:
        # A year alone: as an Excel serial it would silently become a day in 1905.
        raise CellError(
            _("%(value)s gives only a year; write the full date, such as 2021-06-01.") % {"value": text(value)}
        )
    if isinstance(value, float) and not value.is_integer():
        value = math.floor(value)  # a date with a time of day
    if 19000101 <= value <= 21001231 or 190001 <= value <= 210012:
        return _date_from_text(str(int(value)), month_only_ok)
    if EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]:
        return EXCEL_EPOCH + datetime.timedelta(days=int(value)), False
    raise CellError(_("%(value)s is not a date.") % {"value": text(value)})


DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def _date_from_text(value: str, month_only_ok: bool) -> tuple[datetime.date, bool]:
    compact = value.replace(" ", "")
    for pattern in DATE_PATTERNS:
        if match := pattern.match(compact) or pattern.match(value):
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day), False
            except ValueError:
                raise CellError(_("The date %(value)s does not exist.") % {"value": value}) from None
    for pattern in MONTH_PATTERNS:
        if match := pattern.match(compact):
            year, month = (int(part) for part in match.groups())
            return _month_or_error(year, month, month_only_ok, value)
    raise CellError(
        _("%(value)s is not a date. Write it as 2021-06-01, 2021/6/1, 2021.6.1 or 2021年6月1日.") % {"value": value}
    )


def _month_or_error(year: int, month: int, month_only_ok: bool, shown: str) -> tuple[datetime.date, bool]:
    if not 1 <= month <= 12:
        raise CellError(_("The date %(value)s does not exist.") % {"value": shown})
    if not month_only_ok:
        raise CellError(
            _("%(value)s gives only a month; this column needs the full date, such as 2021-06-01.") % {"value": shown}
        )
    return datetime.date(year, month, 1), True


TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "有"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "无", "不是"})


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or word == "":
        return False
    raise CellError(_("Write 是 (yes) or 否 (no)."))


SPACES = re.compile(r"\s+")


def choice_key(label: str) -> str:
    return SPACES.sub("", unicodedata.normalize("NFKC", str(label))).lower()
