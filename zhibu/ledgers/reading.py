"""Spreadsheet files as branches really send them: .xlsx, .xls and .csv (UTF-8 or GB18030).

The format is told from the content, never from the name. Anything that is not a readable
spreadsheet raises LedgerFileError with a message for the user, before a single row is used.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import python_calamine
from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from zhibu.ledgers import cells
from zhibu.ledgers.columns import DATASETS, Column, header_index, header_key

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
HEADER_SEARCH_ROWS = 30
# An xlsx part unpacks to at most this many times its packed size; real sheets stay far below.
MAX_PACKING_RATIO = 200
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


class LedgerFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    name: str
    rows: list[list]  # rows[i] is spreadsheet row i + 1, starting at column A
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column index)


@dataclass
class Row:
    sheet: str
    number: int  # as the spreadsheet shows it
    values: dict[str, object]  # column key → raw value
    cells: dict[str, int]  # column key → column index, for pointing at a cell
    formulas: set[str]  # column keys whose cell holds a formula


@dataclass
class Table:
    dataset: str
    sheets: list[Sheet]
    header_rows: dict[str, int]  # sheet name → row index of the header
    columns: dict[str, dict[int, Column]]  # sheet name → column index → column
    rows: list[Row]
    ignored_headers: list[str]

    @property
    def keys(self) -> set[str]:
        return {column.key for by_index in self.columns.values() for column in by_index.values()}


def max_bytes() -> int:
    return settings.LEDGER_MAX_FILE_MB * 1024 * 1024


def read_table(data: bytes, dataset: str) -> Table:
    return locate_table(read_sheets(data), dataset)


def read_sheets(data: bytes) -> list[Sheet]:
    if not data:
        raise LedgerFileError(_("The file is empty."))
    if len(data) > max_bytes():
        raise LedgerFileError(
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": settings.LEDGER_MAX_FILE_MB}
        )
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data)
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise _encrypted()
        return _read_calamine(data)
    return [_read_csv(data)]


def _encrypted() -> LedgerFileError:
    return LedgerFileError(
        _(
            "The workbook is protected with a password. Open it in Excel, remove the password (File → Info), save and upload it again."
        )
    )


def _not_a_spreadsheet() -> LedgerFileError:
    return LedgerFileError(
        _(
            "This file is not a spreadsheet, even though its name says so. Save it from Excel or WPS as .xlsx and upload it again."
        )
    )


def _read_xlsx(data: bytes) -> list[Sheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise _not_a_spreadsheet() from None
    if "xl/workbook.xml" not in names:
        raise _not_a_spreadsheet()
    _refuse_bombs(archive)
    sheets = _read_calamine(data)
    formulas = _xlsx_formula_cells(archive)
    for sheet in sheets:
        sheet.formulas = formulas.get(sheet.name, set())
    return sheets


def _refuse_bombs(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > 10 * 1024 * 1024 and info.file_size / packed > MAX_PACKING_RATIO:
            raise LedgerFileError(
                _("The file unpacks to far more data than a spreadsheet holds, so it was not opened.")
            )
    if total > 20 * max_bytes():
        raise LedgerFileError(_("The file unpacks to far more data than a spreadsheet holds, so it was not opened."))


def _read_calamine(data: bytes) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _encrypted() from None
    except (python_calamine.CalamineError, python_calamine.ZipError, python_calamine.XmlError, ValueError):
        raise _not_a_spreadsheet() from None
    sheets = []
    for meta in workbook.sheets_metadata:
        if (
            meta.visible != python_calamine.SheetVisibleEnum.Visible
            or meta.typ != python_calamine.SheetTypeEnum.WorkSheet
        ):
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except python_calamine.PasswordError:
            raise _encrypted() from None
        except (python_calamine.CalamineError, ValueError):
            raise _not_a_spreadsheet() from None
        _check_rows(sheet.total_height)
        sheets.append(Sheet(meta.name, sheet.to_python(skip_empty_area=False)))
    return sheets


def _check_rows(count: int) -> None:
    if count > settings.LEDGER_MAX_ROWS + HEADER_SEARCH_ROWS:
        raise LedgerFileError(
            _("The sheet has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": f"{settings.LEDGER_MAX_ROWS:,}"}
        )


def _xlsx_formula_cells(archive: zipfile.ZipFile) -> dict[str, set[tuple[int, int]]]:
    """Cells holding formulas, per sheet name: calamine gives only their cached values."""
    found: dict[str, set[tuple[int, int]]] = {}
    for name, part in _sheet_parts(archive).items():
        if part not in archive.namelist() or not _mentions_formula(archive, part):
            continue
        cells_with_formula = set()
        with archive.open(part) as stream:
            for _event, element in ElementTree.iterparse(stream):
                if element.tag.rsplit("}", 1)[-1] != "c":
                    continue
                if any(child.tag.rsplit("}", 1)[-1] == "f" for child in element) and element.get("r"):
                    cells_with_formula.add(_cell_position(element.get("r")))
                element.clear()
        found[name] = cells_with_formula
    return found


def _mentions_formula(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            if FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the archive, from the workbook and its relationships."""
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts = {}
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet" and element.get(rel_ns) in targets:
            target = targets[element.get(rel_ns)]
            parts[element.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return parts


def _cell_position(reference: str) -> tuple[int, int]:
    letters = "".join(c for c in reference if c.isalpha())
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return int(reference[len(letters) :]) - 1, column - 1


def _read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    if "\x00" in text:
        raise _not_a_spreadsheet()
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    _check_rows(len(rows))
    formulas = {
        (r, c) for r, row in enumerate(rows) for c, value in enumerate(row) if value.startswith("=") and len(value) > 1
    }
    return Sheet("CSV", rows, formulas)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(
        _(
            "The file is neither a spreadsheet nor text in UTF-8 or GB18030. Save it from Excel or WPS as .xlsx and upload it again."
        )
    )


def locate_table(sheets: list[Sheet], dataset: str) -> Table:
    """Finds the header row of every sheet that has one (title rows and merged cells above it are skipped)."""
    index = header_index(dataset)
    required = {column.key for column in DATASETS[dataset] if column.required}
    table = Table(dataset, [], {}, {}, [], [])
    for sheet in sheets:
        found = _find_header(sheet, index, required)
        if found is None:
            continue
        header_row, by_index, ignored = found
        table.sheets.append(sheet)
        table.header_rows[sheet.name] = header_row
        table.columns[sheet.name] = by_index
        table.ignored_headers += [header for header in ignored if header not in table.ignored_headers]
        table.rows += _data_rows(sheet, header_row, by_index)
    if not table.sheets:
        expected = "、".join(str(column.header) for column in DATASETS[dataset] if column.required)
        raise LedgerFileError(
            _("No sheet has a header row we recognise. The header row needs at least these columns: %(columns)s.")
            % {"columns": expected}
        )
    if len(table.rows) > settings.LEDGER_MAX_ROWS:
        raise LedgerFileError(
            _("The file has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": f"{settings.LEDGER_MAX_ROWS:,}"}
        )
    return table


def _find_header(sheet: Sheet, index: dict[str, Column], required: set[str]):
    for row_index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        by_index: dict[int, Column] = {}
        ignored = []
        for column_index, value in enumerate(row):
            if not isinstance(value, str) or not value.strip():
                continue
            column = index.get(header_key(value))
            if column is None or column in by_index.values():
                ignored.append(value.strip())
            else:
                by_index[column_index] = column
        keys = {column.key for column in by_index.values()}
        if len(keys) >= 2 and keys & required:
            return row_index, by_index, ignored
    return None


def _data_rows(sheet: Sheet, header_row: int, by_index: dict[int, Column]) -> list[Row]:
    rows = []
    first = header_row + 1
    if first < len(sheet.rows) and _is_hint_row(sheet.rows[first], by_index):
        first += 1
    for row_index in range(first, len(sheet.rows)):
        raw = sheet.rows[row_index]
        values = {column.key: raw[i] if i < len(raw) else "" for i, column in by_index.items()}
        if all(cells.is_empty(value) for value in values.values()):
            continue
        rows.append(
            Row(
                sheet=sheet.name,
                number=row_index + 1,
                values=values,
                cells={column.key: i for i, column in by_index.items()},
                formulas={column.key for i, column in by_index.items() if (row_index, i) in sheet.formulas},
            )
        )
    return rows


def _is_hint_row(row: list, by_index: dict[int, Column]) -> bool:
    """The template's row of format hints, in any language, right under the header."""
    hints = [
        header_key(row[i]) in column.hints()
        for i, column in by_index.items()
        if i < len(row) and isinstance(row[i], str) and row[i].strip()
    ]
    return bool(hints) and sum(hints) * 2 >= len(hints)
