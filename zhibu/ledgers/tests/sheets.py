"""Real ledger files for tests, written the way Excel, WPS and hand-made CSV files write them.

A sheet is a list of rows; a row is a list of cell values (str, int, float, date, datetime or None).
Each builder returns the file's bytes; `save` writes them under pytest's tmp_path.
"""

import datetime
import io
import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import xlsxwriter
import xlwt

from zhibu.conftest import make_id_number

MEMBER_HEADER = ["姓名", "公民身份号码", "人员类别", "入党日期", "手机号码"]


def member_row(sequence: int, name: str = "", phone: str = "", joined_on="2015-07-01", birth="19900101") -> list:
    """A valid member row for MEMBER_HEADER, distinct per sequence number."""
    return [
        name or f"党员{sequence}",
        make_id_number("440305", birth, sequence),
        "正式党员",
        joined_on,
        phone or f"138{sequence:08d}",
    ]


def member_rows(count: int, start: int = 500) -> list[list]:
    return [member_row(start + i) for i in range(count)]


def xlsx(rows: list[list], *, title: str | None = None, sheet: str = "党员", more_sheets=()) -> bytes:
    """An openpyxl workbook. `title` adds a merged title row above the rows; `more_sheets` are
    (name, rows, state) with state "visible", "hidden" or "veryHidden", written before the main sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, extra_rows, state in more_sheets:
        extra = book.create_sheet(name)
        for row in extra_rows:
            extra.append(row)
        extra.sheet_state = state
    main = book.create_sheet(sheet)
    if title is not None:
        main.append([title])
        main.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]) if rows else 1, 2))
    for row in rows:
        main.append(row)
    book.active = book.worksheets.index(main)
    return _save_openpyxl(book)


def _save_openpyxl(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_cells(cells: dict[tuple[int, int], object], *, formulas: dict[tuple[int, int], tuple[str, object]] = ()):
    """An XlsxWriter workbook with cells at (row, column), zero-based, and formulas with a cached value.

    Numbers are written as numbers, dates as date cells, text as text: just what Excel keeps."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Sheet1")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for (row, column), value in cells.items():
        if isinstance(value, datetime.date):
            if not isinstance(value, datetime.datetime):
                value = datetime.datetime(value.year, value.month, value.day)
            sheet.write_datetime(row, column, value, date_format)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value)
        elif value is not None:
            sheet.write_string(row, column, value)
    for (row, column), (formula, cached) in dict(formulas).items():
        sheet.write_formula(row, column, formula, None, cached)
    book.close()
    return buffer.getvalue()


def grid(rows: list[list]) -> dict[tuple[int, int], object]:
    """Rows as the cell dictionary `xlsx_cells` takes."""
    return {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row) if value is not None}


def xls(rows: list[list], *, title: str | None = None, sheet: str = "党员", more_sheets=()) -> bytes:
    """An Excel 97-2003 workbook (BIFF8) written by xlwt; dates become date cells, `title` a merged row."""
    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, extra_rows, state in more_sheets:
        extra = book.add_sheet(name)
        _write_xlwt(extra, extra_rows, 0, date_style)
        extra.visibility = {"visible": 0, "hidden": 1, "veryHidden": 2}[state]
    main = book.add_sheet(sheet)
    start = 0
    if title is not None:
        main.write_merge(0, 0, 0, max(len(rows[0]) - 1 if rows else 0, 1), title)
        start = 1
    _write_xlwt(main, rows, start, date_style)
    book.set_active_sheet(len(more_sheets))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_xlwt(sheet, rows, start: int, date_style) -> None:
    for r, row in enumerate(rows, start):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", bom: bool = False, delimiter: str = ",") -> bytes:
    """A CSV file as Excel ("CSV UTF-8"), WPS or a script saves it; quoting only where needed."""

    def field(value) -> str:
        value = "" if value is None else str(value)
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            value = '"' + value.replace('"', '""') + '"'
        return value

    text = "".join(delimiter.join(field(value) for value in row) + "\r\n" for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def encrypted_xlsx(rows: list[list], password: str) -> bytes:
    """A workbook saved with "Encrypt with password": an OLE container holding the encrypted package."""
    plain = io.BytesIO(xlsx(rows))
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt(password, out)
    return out.getvalue()


def zip_bomb(unpacked_mb: int = 64) -> bytes:
    """A tiny .xlsx-looking zip whose sheet part unpacks to `unpacked_mb` MB of blanks."""
    real = zipfile.ZipFile(io.BytesIO(xlsx([MEMBER_HEADER, member_row(1)])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in real.infolist():
            data = real.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _sep, tail = data.partition(b"<sheetData>")
                data = head + b"<sheetData>" + b" " * (unpacked_mb * 1024 * 1024) + tail
            bomb.writestr(info.filename, data, compresslevel=9)
    return buffer.getvalue()


def docx_like() -> bytes:
    """A zip that is a word-processing document, not a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as document:
        document.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        document.writestr("word/document.xml", '<?xml version="1.0"?><document>党员名单</document>')
    return buffer.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def save(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path
