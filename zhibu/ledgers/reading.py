"""Spreadsheet files as branches really send them: .xlsx, .xls and .csv (UTF-8 or GB18030).

The format is told from the content, never from the name. Anything that is not a readable
spreadsheet raises LedgerFileError with a message for the user, before a single row is used.
"""

import csv
import io
import re
import struct
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
BIFF_BOF, BIFF_BOUNDSHEET, BIFF_FORMULA = 0x0809, 0x0085, 0x0006
# The reader holds a sheet as a grid from its first to its last cell: a handful of cells far apart
# (a 5 kB file with a value in XFD1048576) would take gigabytes. A full-length ledger may span this
# many columns; a shorter one proportionally more.
MAX_COLUMNS = 64
CELL_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
REFERENCE = re.compile(rb'\br="([A-Z]*)([0-9]*)"')


class LedgerFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    name: str
    rows: list[list]  # rows[i] is spreadsheet row i + 1, starting at column A
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column index)


@dataclass(slots=True)
class Row:  # one per data row: kept small, as a ledger may have 200,000
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
        sheets = _read_calamine(data)
        formulas = _xls_formula_cells(data)
        for sheet in sheets:
            sheet.formulas = formulas.get(sheet.name, set())
        return sheets
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
    parts = _sheet_parts(archive)
    sheets = _read_calamine(data, lambda name: _check_xlsx_grid(archive, parts.get(name)))
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


def _read_calamine(data: bytes, before_loading=None) -> list[Sheet]:
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
        if before_loading is not None:
            before_loading(meta.name)
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except python_calamine.PasswordError:
            raise _encrypted() from None
        except (python_calamine.CalamineError, ValueError):
            raise _not_a_spreadsheet() from None
        _check_rows(sheet.total_height)
        _check_columns(sheet.total_height, sheet.total_width)
        sheets.append(Sheet(meta.name, sheet.to_python(skip_empty_area=False)))
    return sheets


def _row_limit() -> int:
    return settings.LEDGER_MAX_ROWS + HEADER_SEARCH_ROWS


def _check_rows(count: int) -> None:
    if count > _row_limit():
        raise LedgerFileError(
            _("The sheet has more than %(limit)s rows. Split it into smaller files.")
            % {"limit": f"{settings.LEDGER_MAX_ROWS:,}"}
        )


def _check_columns(rows: int, columns: int) -> None:
    if columns > MAX_COLUMNS and rows * columns > _row_limit() * MAX_COLUMNS:
        raise LedgerFileError(
            _(
                "The sheet has a value in column %(column)s, far to the right of the ledger. "
                "Delete the columns to the right of the table, save and upload again."
            )
            % {"column": _column_letters(columns)}
        )


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_xlsx_grid(archive: zipfile.ZipFile, part: str | None) -> None:
    """Bounds a sheet's grid before the reader builds it, from where its cells that hold something lie."""
    if part is None or part not in archive.namelist():
        return
    placed, far = _cells_beyond(archive, part, _row_limit(), MAX_COLUMNS)
    if not placed:
        rows, columns = _grid_by_walking(archive, part)
    else:
        rows = max((row for row, _column in far), default=0)
        columns = max((column for _row, column in far), default=0)
        if columns > MAX_COLUMNS:
            _check_rows(rows)
            _placed, deeper = _cells_beyond(archive, part, _row_limit() * MAX_COLUMNS // columns)
            rows = max((row for row, _column in deeper), default=0)
    _check_rows(rows)
    _check_columns(rows, columns)


def _chunks(archive: zipfile.ZipFile, part: str):
    """The part's text in pieces of about a megabyte, each cut just before a tag."""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            cut = text.rfind(b"<")
            cut = cut if cut > 0 else len(text)
            yield text[:cut]
            tail = text[cut:]
    yield tail


def _cells_beyond(archive: zipfile.ZipFile, part: str, rows: int, columns: int = 0):
    """(whether every cell tag starts with its reference, as Excel, WPS and the usual libraries write it;
    the 1-based (row, column) of the cells holding something below `rows` or right of `columns`)."""
    far = [b"[A-Z]{1,3}(?:%s)" % _greater_than(str(rows), "0-9")]
    if columns:
        far.append(b"(?:%s)[0-9]+" % _greater_than(_column_letters(columns), "A-Z"))
    pattern = re.compile(b'c r="(%s)"' % b"|".join(far))
    tags = placed = 0
    found = []
    for text in _chunks(archive, part):
        tags += sum(text.count(tag) for tag in (b"<c ", b"<c>", b":c ", b":c>"))
        placed += text.count(b'<c r="') + text.count(b':c r="')
        for match in pattern.finditer(text):
            start, end = match.start(), text.find(b">", match.end())
            if text[start - 1 : start] in (b"<", b":") and text[end - 1 : end] != b"/":
                row, column = _cell_position(match.group(1).decode())
                found.append((row + 1, column + 1))
    return tags == placed, found


def _greater_than(limit: str, alphabet: str) -> bytes:
    """A pattern for the numerals above `limit` (digits without a leading zero, or column letters):
    the longer ones, and the ones as long that are larger at the first place they differ."""
    low, high = alphabet.split("-")
    first = "1" if low == "0" else low
    options = [b"[%s-%s][%s]{%d,}" % (first.encode(), high.encode(), alphabet.encode(), len(limit))]
    for index, char in enumerate(limit):
        if char < high:
            options.append(
                re.escape(limit[:index]).encode()
                + b"[%s-%s]" % (chr(ord(char) + 1).encode(), high.encode())
                + b"[%s]{%d}" % (alphabet.encode(), len(limit) - index - 1)
            )
    return b"|".join(options)


def _grid_by_walking(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(last row, last column) holding something, placing unnumbered rows and cells as the reader does."""
    row = column = last_row = last_column = 0
    for text in _chunks(archive, part):
        for tag, attributes, closed in CELL_TAG.findall(text):
            reference = REFERENCE.search(attributes)
            if tag == b"row":
                row = int(reference.group(2)) if reference and reference.group(2) else row + 1
                column = 0
                continue
            if reference and reference.group(1):
                row_index, column_index = _cell_position(reference.group(1).decode() + reference.group(2).decode())
                row, column = row_index + 1, column_index + 1
            else:
                column += 1
            if not closed:
                last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column


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


def _xls_formula_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Cells holding formulas in an Excel 97-2003 workbook, per sheet name, from its FORMULA records
    (calamine gives only their cached values). A workbook this cannot follow is read without them."""
    try:
        stream = _ole_stream(data, ("Workbook",))
        names, found, sheet, position = {}, {}, None, 0
        while position + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, position)
            if kind == BIFF_FORMULA and sheet is not None:
                sheet.add(struct.unpack_from("<HH", stream, position + 4))
            elif kind == BIFF_BOF:
                sheet = found.setdefault(names[position], set()) if position in names else None
            elif kind == BIFF_BOUNDSHEET:
                body = stream[position + 4 : position + 4 + length]
                count, high_byte = body[6], body[7] & 1
                raw = body[8 : 8 + count * (2 if high_byte else 1)]
                names[struct.unpack_from("<I", body)[0]] = raw.decode("utf-16-le" if high_byte else "latin-1")
            position += 4 + length
        return found
    except (struct.error, IndexError, KeyError, ValueError):
        return {}


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes:
    """One stream of an OLE compound file (the container of .xls), following its sector chains."""
    sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 32)[0]
    fat_count, directory_start, _signature, cutoff, minifat_start, _minifat_count, difat_start, difat_count = (
        struct.unpack_from("<8I", data, 44)
    )
    sector_count = (len(data) - sector_size) // sector_size + 1

    def sector(number: int) -> bytes:
        start = (number + 1) * sector_size
        return data[start : start + sector_size]

    fat_sectors = [n for n in struct.unpack_from("<109I", data, 76) if n < sector_count]
    next_difat = difat_start
    for _step in range(min(difat_count, sector_count)):
        if next_difat >= sector_count:
            break
        entries = struct.unpack(f"<{sector_size // 4}I", sector(next_difat))
        fat_sectors += [n for n in entries[:-1] if n < sector_count]
        next_difat = entries[-1]
    fat = [
        entry for n in fat_sectors[: max(fat_count, 1)] for entry in struct.unpack(f"<{sector_size // 4}I", sector(n))
    ]

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        numbers = []
        while start < limit and len(numbers) <= limit:
            numbers.append(start)
            start = table[start]
        return numbers

    directory = b"".join(sector(n) for n in chain(directory_start, fat, sector_count))
    entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    root_start, root_size = struct.unpack_from("<IQ", entries[0], 116)
    for entry in entries:
        length = struct.unpack_from("<H", entry, 64)[0]
        if entry[66] != 2 or entry[: max(length - 2, 0)].decode("utf-16-le") not in names:
            continue
        start, size = struct.unpack_from("<IQ", entry, 116)
        if size >= cutoff:
            return b"".join(sector(n) for n in chain(start, fat, sector_count))[:size]
        mini_stream = b"".join(sector(n) for n in chain(root_start, fat, sector_count))[:root_size]
        minifat_bytes = b"".join(sector(n) for n in chain(minifat_start, fat, sector_count))
        minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
        numbers = chain(start, minifat, len(mini_stream) // mini_size)
        return b"".join(mini_stream[n * mini_size : (n + 1) * mini_size] for n in numbers)[:size]
    raise KeyError(names[0])


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
        found = find_header(sheet, index, required)
        if found is None:
            continue
        header_row, by_index, ignored = found
        table.sheets.append(sheet)
        table.header_rows[sheet.name] = header_row
        table.columns[sheet.name] = by_index
        table.ignored_headers += [header for header in ignored if header not in table.ignored_headers]
        table.rows += data_rows(sheet, header_row, by_index)
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


def find_header(sheet: Sheet, index: dict[str, Column], required: set[str]):
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


def data_rows(sheet: Sheet, header_row: int, by_index: dict[int, Column]) -> list[Row]:
    rows = []
    first = header_row + 1
    if first < len(sheet.rows) and _is_hint_row(sheet.rows[first], by_index):
        first += 1
    positions = {column.key: i for i, column in by_index.items()}  # shared by the sheet's rows
    no_formulas = frozenset()
    for row_index in range(first, len(sheet.rows)):
        raw = sheet.rows[row_index]
        values = {column.key: raw[i] if i < len(raw) else "" for i, column in by_index.items()}
        if all(cells.is_empty(value) for value in values.values()):
            continue
        formulas = (
            frozenset(column.key for i, column in by_index.items() if (row_index, i) in sheet.formulas)
            if sheet.formulas
            else no_formulas
        )
        rows.append(Row(sheet.name, row_index + 1, values, positions, formulas))
    return rows


def _is_hint_row(row: list, by_index: dict[int, Column]) -> bool:
    """The template's row of format hints, in any language, right under the header."""
    hints = [
        header_key(row[i]) in column.hints()
        for i, column in by_index.items()
        if i < len(row) and isinstance(row[i], str) and row[i].strip()
    ]
    return bool(hints) and sum(hints) * 2 >= len(hints)
