"""Files that cannot be imported: each is refused with a message the user can act on, and nothing is written."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.utils import translation

from zhibu.ledgers import reading, services
from zhibu.ledgers.tests import sheets
from zhibu.ledgers.tests.sheets import MEMBER_HEADER, member_row, member_rows
from zhibu.registry.models import Member

NOT_A_SPREADSHEET = "This file is not a spreadsheet"
NOT_TEXT = "neither a spreadsheet nor text in UTF-8 or GB18030"
NO_HEADER = "No sheet has a header row we recognise"
FORMULA = "This cell holds a formula. Copy the column and paste it back as values only."


def refused(world, data: bytes, *, dry_run=False) -> str:
    """The file error of importing `data` into branch A1, in English; asserts that no member was written."""
    before = Member.objects.count()
    with translation.override("en"), pytest.raises(reading.LedgerFileError) as error:
        services.import_file(
            world.users["secretary"],
            org=world.branch_a1,
            dataset="members",
            data=data,
            file_name="台账.xlsx",
            dry_run=dry_run,
        )
    assert Member.objects.count() == before
    return error.value.message


def checked(world, data: bytes):
    """Importing `data` in English, expecting row problems (the plan) and no member written."""
    before = Member.objects.count()
    with translation.override("en"):
        result = services.import_file(
            world.users["secretary"], org=world.branch_a1, dataset="members", data=data, file_name="台账", dry_run=False
        )
    assert result.plan.problems, "the file was expected to have errors"
    assert result.counts == {} and Member.objects.count() == before, "a file with errors writes nothing"
    return [(problem.row, problem.column, problem.message) for problem in result.plan.problems]


def good_workbook() -> bytes:
    return sheets.xlsx([MEMBER_HEADER, *member_rows(2, 700)])


def test_a_picture_named_xlsx_is_not_a_spreadsheet(world):
    assert NOT_TEXT in refused(world, sheets.PNG)
    assert NOT_TEXT in refused(world, sheets.PNG + bytes(range(256)) * 40)


def test_a_word_document_or_any_other_zip_is_not_a_spreadsheet(world):
    assert NOT_A_SPREADSHEET in refused(world, sheets.docx_like())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert NOT_A_SPREADSHEET in refused(world, buffer.getvalue())


def test_a_damaged_workbook_is_not_a_spreadsheet(world):
    data = good_workbook()
    assert NOT_A_SPREADSHEET in refused(world, data[: len(data) // 2])
    assert NOT_A_SPREADSHEET in refused(world, reading.OLE_MAGIC + bytes(range(256)) * 8)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, b"<worksheet><sheetData><row" if info.filename.endswith("sheet1.xml") else body)
    assert NOT_A_SPREADSHEET in refused(world, damaged.getvalue())


def test_a_text_file_named_xlsx_is_refused(world):
    # The format is told from the content: text is read as CSV, and this one has no ledger header.
    message = refused(world, "会议记录\r\n今天学习了党章。\r\n".encode())
    assert NO_HEADER in message or NOT_A_SPREADSHEET in message


def test_an_encrypted_workbook_asks_for_the_password_to_be_removed(world):
    message = refused(world, sheets.encrypted_xlsx([MEMBER_HEADER, member_row(710)], password="dangyuan"))
    assert "protected with a password" in message and "remove the password" in message


def test_a_zip_bomb_is_not_unpacked(world):
    bomb = sheets.zip_bomb(unpacked_mb=16)
    assert len(bomb) < 1024 * 1024
    assert "unpacks to far more data than a spreadsheet holds" in refused(world, bomb)


def test_a_tiny_workbook_with_one_cell_at_the_far_corner_is_refused_without_exhausting_memory(tmp_path):
    """XFD1048576: a 5 kB file the reader would expand into a grid of 17 billion cells. Checked in a child
    process with limited memory, so that a regression aborts the child, not the test run."""
    path = sheets.save(
        tmp_path, "corner.xlsx", sheets.xlsx_cells({(0, 0): "姓名", (0, 1): "身份证号", (1048575, 16383): "x"})
    )
    assert path.stat().st_size < 10_000
    script = (
        "import json, resource, sys, django\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "django.setup()\n"
        "from django.utils import translation\n"
        "from zhibu.ledgers import reading\n"
        "translation.activate('en')\n"
        "try:\n"
        "    reading.read_sheets(open(sys.argv[1], 'rb').read())\n"
        "    print(json.dumps('read'))\n"
        "except reading.LedgerFileError as error:\n"
        "    print(json.dumps(error.message))\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "zhibu.settings", "RUST_BACKTRACE": "0"}
    root = Path(__file__).resolve().parents[3]
    child = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr[-500:]
    assert "more than 200,000 rows" in json.loads(child.stdout)


def test_values_far_to_the_right_are_bounded_by_the_rows_they_span(world, settings):
    settings.LEDGER_MAX_ROWS = 1000
    near = sheets.grid([MEMBER_HEADER, member_row(720)]) | {(2, 16383): "备注"}  # 3 rows up to column XFD: small
    assert len(reading.read_sheets(sheets.xlsx_cells(near))[0].rows[0]) == 16384
    far = sheets.grid([MEMBER_HEADER, *member_rows(20, 730)]) | {(20, 16383): "备注"}  # 21 rows × 16384 columns
    message = refused(world, sheets.xlsx_cells(far))
    assert "column XFD, far to the right" in message and "Delete the columns" in message


def test_a_file_over_the_size_limit(world, settings):
    settings.LEDGER_MAX_FILE_MB = 1
    rows = [MEMBER_HEADER, *[member_row(1)] * 20_000]
    data = sheets.csv_bytes(rows)
    assert len(data) > 1024 * 1024
    assert "larger than 1 MB" in refused(world, data)
    assert "larger than 1 MB" in refused(world, sheets.zip_bomb(unpacked_mb=1) + b"\x00" * (1024 * 1024))


@pytest.mark.parametrize("build", [sheets.xlsx, sheets.xls, sheets.csv_bytes], ids=["xlsx", "xls", "csv"])
def test_a_file_over_the_row_limit(world, settings, build):
    settings.LEDGER_MAX_ROWS = 5
    assert "more than 5 rows" in refused(world, build([MEMBER_HEADER, *member_rows(6, 740)]))
    assert "more than 5 rows" in refused(world, build([MEMBER_HEADER, *member_rows(40, 740)]))


def test_the_row_limit_counts_data_rows_only(world, settings):
    settings.LEDGER_MAX_ROWS = 5
    data = sheets.xlsx([MEMBER_HEADER, *member_rows(5, 750), [], []], title="A 公司第一党支部")
    result = services.import_file(
        world.users["secretary"], org=world.branch_a1, dataset="members", data=data, file_name="x", dry_run=True
    )
    assert result.plan.count("create") == 5 and not result.plan.problems


def test_an_empty_file(world):
    assert refused(world, b"") == "The file is empty."
    assert NO_HEADER in refused(world, b"\r\n \r\n")
    assert NO_HEADER in refused(world, b"\xef\xbb\xbf")
    assert NO_HEADER in refused(world, sheets.xlsx([]))


@pytest.mark.parametrize(
    "rows",
    [
        [["序号", "备注", "填表人"], [1, "无", "王"]],
        [["姓名"], ["张三"]],  # one known column is not a header yet
        [["手机号码", "学历"], ["13800138000", "本科"]],  # known columns, but none that a ledger needs
        [*[["说明"]] * 31, MEMBER_HEADER, member_row(760)],  # a header too far down to be looked for
    ],
    ids=["unknown", "one column", "no required column", "too far down"],
)
def test_a_sheet_without_a_recognisable_header_names_the_columns_needed(world, rows):
    message = refused(world, sheets.xlsx(rows))
    assert NO_HEADER in message
    assert "Name、Citizen ID number、Party status、Joined the party on" in message


def test_a_formula_in_a_workbook_is_an_error_on_its_cell(world):
    cells = sheets.grid([MEMBER_HEADER, *member_rows(3, 770)])
    del cells[(2, 4)], cells[(3, 1)]
    formulas = {(2, 4): ('="138"&"00000771"', "13800000771"), (3, 1): ("=B2", "440305199001017716")}
    problems = checked(world, sheets.xlsx_cells(cells, formulas=formulas))
    assert problems == [(3, "手机号码", FORMULA), (4, "公民身份号码", FORMULA)]


def test_a_formula_without_a_cached_value_is_an_error_on_its_cell(world):
    rows = [MEMBER_HEADER, member_row(780), [*member_row(781)[:4], "=13800000000+781"]]
    assert checked(world, sheets.xlsx(rows)) == [(3, "手机号码", FORMULA)]


def test_a_formula_in_a_csv_file_is_an_error_on_its_cell(world):
    rows = [MEMBER_HEADER, member_row(790), [*member_row(791)[:3], "=1+2", member_row(791)[4]]]
    assert checked(world, sheets.csv_bytes(rows)) == [(3, "入党日期", FORMULA)]


def test_a_formula_in_an_xls_workbook_is_an_error_on_its_cell(world):
    import xlwt

    rows = [MEMBER_HEADER, member_row(785), [*member_row(786)[:4], xlwt.Formula('"138"&"00000786"')]]
    assert checked(world, sheets.xls(rows)) == [(3, "手机号码", FORMULA)]


def test_text_that_only_looks_like_a_formula_in_csv_is_read_as_text(world):
    rows = [MEMBER_HEADER, [*member_row(795)[:4], "+86 138 0000 0795"]]
    result = services.import_file(
        world.users["secretary"],
        org=world.branch_a1,
        dataset="members",
        data=sheets.csv_bytes(rows),
        file_name="x",
        dry_run=False,
    )
    assert not result.plan.problems
    assert Member.objects.get(name="党员795").phone == "13800000795"


def test_one_bad_row_keeps_the_good_ones_out_too(world):
    rows = [MEMBER_HEADER, *member_rows(4, 800)]
    rows[3][1] = rows[3][1][:-1] + ("1" if rows[3][1][-1] != "1" else "2")  # a typing error in the check digit
    problems = checked(world, sheets.xlsx(rows))
    assert [(row, column) for row, column, _message in problems] == [(4, "公民身份号码")]
    assert "check digit" in problems[0][2]
    assert not Member.objects.filter(name__in=[row[0] for row in rows[1:]]).exists()


def test_messages_follow_the_users_language_in_english(world):
    assert refused(world, b"") == "The file is empty."
    problems = checked(world, sheets.csv_bytes([MEMBER_HEADER, member_row(810, joined_on="2021.06")]))
    assert problems == [
        (2, "入党日期", "2021.06 gives only a month; this column needs the full date, such as 2021-06-01.")
    ]


def test_messages_are_in_chinese_by_default(world):
    with pytest.raises(reading.LedgerFileError) as error:
        reading.read_sheets(b"")
    assert error.value.message != "The file is empty." and any("\u4e00" <= ch <= "\u9fff" for ch in error.value.message)
    result = services.import_file(
        world.users["secretary"],
        org=world.branch_a1,
        dataset="members",
        data=sheets.csv_bytes([MEMBER_HEADER, member_row(811, joined_on="2021.06")]),
        file_name="x",
        dry_run=True,
    )
    [problem] = result.plan.problems
    assert "gives only a month" not in problem.message and "月" in problem.message
