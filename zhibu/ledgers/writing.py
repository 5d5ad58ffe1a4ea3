"""Writing ledger workbooks: templates, exports and the copy of an upload with its errors marked.

All three use the columns of columns.py, so that an export imports back unchanged. Workbooks are
written with XlsxWriter in constant-memory mode, row by row.
"""

import datetime
import io
import re
from collections.abc import Iterable, Iterator

import xlsxwriter
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zhibu.core import crypto
from zhibu.core.identity import mask_id_number, mask_phone
from zhibu.ledgers import cells
from zhibu.ledgers.columns import DATASETS, Column
from zhibu.ledgers.reading import Table
from zhibu.registry.choices import ETHNICITIES
from zhibu.registry.models import Member, Occupation, Organization

TEMPLATE_ROWS = 2000  # rows that get the drop-down lists in a template
DATE_FORMAT = "yyyy-mm-dd"
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class Workbook:
    """An XlsxWriter workbook in memory with the formats every ledger uses."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"constant_memory": True, "in_memory": True})
        self.header = self.book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
        self.hint = self.book.add_format({"italic": True, "font_color": "#7F7F7F", "text_wrap": True})
        self.text = self.book.add_format({"num_format": "@"})
        self.date = self.book.add_format({"num_format": DATE_FORMAT})
        self.bad = self.book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.bad_date = self.book.add_format(
            {"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": DATE_FORMAT}
        )
        self.note = self.book.add_format({"font_color": "#9C0006", "text_wrap": True})
        self.sheet_names: set[str] = set()

    def sheet(self, name: str):
        return self.book.add_worksheet(self.unique_sheet_name(name))

    def unique_sheet_name(self, name: str) -> str:
        base = SHEET_NAME_FORBIDDEN.sub(" ", name).strip("'") or "Sheet"
        candidate, number = base[:31], 2
        while candidate.lower() in self.sheet_names:
            suffix = f" ({number})"
            candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
        self.sheet_names.add(candidate.lower())
        return candidate

    def write_header(self, sheet, columns: Iterable[Column]) -> None:
        for index, column in enumerate(columns):
            sheet.set_column(
                index,
                index,
                column.width,
                self.text if column.kind in ("text", "id_number", "phone", "lookup") else None,
            )
            sheet.write_string(0, index, str(column.header), self.header)
        sheet.freeze_panes(1, 0)

    def write_value(self, sheet, row: int, column: int, value, cell_format=None) -> None:
        if value.__class__ is str and value:  # most cells: checked first
            sheet.write_string(row, column, cells.neutralise(value), cell_format)
        elif value is None or value == "":
            if cell_format is not None:  # XlsxWriter leaves out a blank cell without a format anyway
                sheet.write_blank(row, column, None, cell_format)
        elif isinstance(value, datetime.datetime | datetime.date):
            sheet.write_datetime(
                row,
                column,
                value if isinstance(value, datetime.datetime) else _midnight(value),
                cell_format or self.date,
            )
        elif isinstance(value, bool):
            sheet.write_string(row, column, _("Yes") if value else _("No"), cell_format)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value, cell_format)
        else:
            sheet.write_string(row, column, cells.neutralise(str(value)), cell_format)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day)


# Templates


def template(dataset: str, organizations: list[Organization]) -> bytes:
    """Headers, a row of format hints, and drop-down lists fed from a hidden sheet of options."""
    columns = DATASETS[dataset]
    workbook = Workbook()
    sheet = workbook.sheet(str(_("Members")) if dataset == "members" else str(_("Organisations")))
    options = workbook.book.add_worksheet("lists")
    options.hide()
    workbook.write_header(sheet, columns)
    for index, column in enumerate(columns):
        sheet.write_string(1, index, str(column.hint), workbook.hint)
    sheet.set_row(1, 30)
    for index, column in enumerate(columns):
        labels = _drop_down(column, organizations)
        if not labels:
            continue
        for position, label in enumerate(labels):
            options.write_string(position, index, label)
        letter = xlsxwriter.utility.xl_col_to_name(index)
        sheet.data_validation(
            2,
            index,
            TEMPLATE_ROWS + 1,
            index,
            {
                "validate": "list",
                "source": f"=lists!${letter}$1:${letter}${len(labels)}",
                "error_type": "warning",
                "error_message": str(_("Choose a value from the list.")),
            },
        )
    sheet.activate()
    return workbook.close()


def _drop_down(column: Column, organizations: list[Organization]) -> list[str]:
    if column.kind == "choice":
        return [str(label) for _value, label in column.choices]
    if column.kind == "boolean":
        return [_("Yes"), _("No")]
    if column.key == "home_org":
        return sorted({org.name for org in organizations})
    if column.key == "home_org_code":
        return [org.code for org in organizations]
    if column.key == "occupation":
        return [occupation_label(occupation) for occupation in Occupation.objects.all()]
    return []


def occupation_label(occupation: Occupation) -> str:
    return occupation.name_en if get_language() == "en" and occupation.name_en else occupation.name


# Exports

ETHNICITY_NAMES = dict(ETHNICITIES)
CHOICE_FIELDS = ("gender", "education", "party_status", "standing", "work_role")


def member_rows(members: Iterable[dict], reveal: bool) -> Iterator[dict[str, object]]:
    """Ledger rows keyed like the columns, of members as queries.ledger_groups reads them. Numbers are
    masked unless `reveal`."""
    # Labels as get_FOO_display gives them, looked up once rather than for every member.
    labels = {
        name: {value: str(label) for value, label in Member._meta.get_field(name).flatchoices} for name in CHOICE_FIELDS
    }
    labels["ethnicity"] = ETHNICITY_NAMES
    english = get_language() == "en"
    yes, no = _("Yes"), _("No")
    for member in members:
        # Opened as Member.id_number and Member.phone open them.
        id_number = crypto.decrypt(member["id_number_sealed"], b"member.id_number")
        phone = crypto.decrypt(member["phone_sealed"], b"member.phone") if member["phone_sealed"] else ""
        row = {name: shown.get(member[name], member[name]) for name, shown in labels.items()}
        yield row | {
            "name": member["name"],
            "id_number": id_number if reveal else mask_id_number(id_number),
            "birth_date": member["birth_date"],
            "phone": (phone if reveal else mask_phone(phone)) if phone else "",
            "joined_on": member["joined_on"],
            "full_member_on": member["full_member_on"],
            "home_org": member["home_org__name"],
            "home_org_code": member["home_org__code"],
            # As occupation_label names it.
            "occupation": (english and member["occupation__name_en"]) or member["occupation__name"] or "",
            "employer": member["employer__name"] or "",
            "region": member["region__code"] or "",
            "is_mobile": yes if member["is_mobile"] else no,
        }


def export(dataset: str, groups: Iterator[tuple[str, Iterable[dict]]], on_row=None) -> bytes:
    """`groups` yields (sheet name, rows of values); one group is one sheet."""
    columns = DATASETS[dataset]
    keys = [column.key for column in columns]
    workbook = Workbook()
    written = 0
    for name, rows in groups:
        sheet = workbook.sheet(name)
        workbook.write_header(sheet, columns)
        for row_number, values in enumerate(rows, 1):
            for index, key in enumerate(keys):
                workbook.write_value(sheet, row_number, index, values.get(key))
            written += 1
            if on_row is not None:
                on_row(written)
    if not workbook.sheet_names:
        workbook.write_header(workbook.sheet(str(_("Members"))), columns)
    return workbook.close()


# The upload with its errors marked


def errors_workbook(table: Table, problems: list) -> bytes:
    """A copy of the uploaded sheets, bad cells highlighted, and an added column of error messages."""
    workbook = Workbook()
    by_row: dict[tuple[str, int], list] = {}
    for problem in problems:
        by_row.setdefault((problem.sheet, problem.row), []).append(problem)
    for source in table.sheets:
        sheet = workbook.sheet(source.name)
        width = max((len(row) for row in source.rows), default=0)
        header_row = table.header_rows[source.name]
        sheet.set_column(width, width, 60)
        for row_index, row in enumerate(source.rows):
            found = by_row.get((source.name, row_index + 1), [])
            bad_cells = {problem.cell for problem in found}
            for column_index, value in enumerate(row):
                bad = column_index in bad_cells
                cell_format = (workbook.bad_date if isinstance(value, datetime.date) else workbook.bad) if bad else None
                _copy_value(workbook, sheet, row_index, column_index, value, cell_format)
            for column_index in bad_cells - set(range(len(row))) - {None}:
                sheet.write_blank(row_index, column_index, None, workbook.bad)
            if row_index == header_row:
                sheet.write_string(row_index, width, _("Error notes"), workbook.header)
            elif found:
                text = "；".join(f"{problem.column}: {problem.message}" for problem in found)
                sheet.write_string(row_index, width, text, workbook.note)
    return workbook.close()


def _copy_value(workbook: Workbook, sheet, row: int, column: int, value, cell_format) -> None:
    """The value as it was read: a number stays a number (so a damaged ID shows as Excel showed it)."""
    if isinstance(value, str):
        if value or cell_format is not None:
            sheet.write_string(row, column, value, cell_format)
    else:
        workbook.write_value(sheet, row, column, value, cell_format)
