"""Every file a branch really sends: .xlsx, .xls and .csv, headers as each branch spells them, dates and
numbers as Excel and Chinese input methods leave them, title rows, hidden sheets and the template's hints."""

import datetime
import io

import openpyxl
import pytest
from django.utils import translation

from zhibu.conftest import make_id_number
from zhibu.ledgers import services, writing
from zhibu.ledgers.tests import sheets
from zhibu.ledgers.tests.sheets import MEMBER_HEADER, member_row, member_rows
from zhibu.registry.models import Member

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789xX"}


def import_members(world, data: bytes, *, org=None, dry_run=False):
    """The file checked and committed as the branch secretary, as the command line does it."""
    return services.import_file(
        world.users["secretary"],
        org=org or world.branch_a1,
        dataset="members",
        data=data,
        file_name="台账",
        dry_run=dry_run,
    )


def errors(result) -> list[tuple[int, str, str]]:
    return [(problem.row, problem.column, problem.message) for problem in result.plan.problems]


def assert_imported(result, created: int) -> None:
    assert errors(result) == []
    assert result.counts == {"created": created, "updated": 0, "unchanged": 0}


ROWS = [
    ["张三", make_id_number(sequence=501), "正式党员", "2015-07-01", "13800000501"],
    ["𠮷田花子", make_id_number(sequence=502), "预备党员", "2021/6/1", "13800000502"],
    ["欧阳 娜娜", make_id_number(sequence=503), "正式", "2010年3月5日", ""],
]
FORMATS = {
    "xlsx (openpyxl)": lambda rows: sheets.xlsx(rows),
    "xlsx (XlsxWriter)": lambda rows: sheets.xlsx_cells(sheets.grid(rows)),
    "xls": lambda rows: sheets.xls(rows),
    "csv utf-8": lambda rows: sheets.csv_bytes(rows),
    "csv utf-8 with BOM": lambda rows: sheets.csv_bytes(rows, bom=True),
    "csv gb18030": lambda rows: sheets.csv_bytes(rows, encoding="gb18030"),
    "csv gb18030, tab-separated": lambda rows: sheets.csv_bytes(rows, encoding="gb18030", delimiter="\t"),
    "Excel unicode text (utf-16, tabs)": lambda rows: sheets.csv_bytes(rows, encoding="utf-16", delimiter="\t"),
}


@pytest.mark.parametrize("build", FORMATS.values(), ids=FORMATS.keys())
def test_each_format_imports_the_same_members(world, build):
    before = Member.objects.count()
    result = import_members(world, build([MEMBER_HEADER, *ROWS]))
    assert_imported(result, 3)
    assert Member.objects.count() == before + 3
    zhang, hanako, nana = (Member.objects.get(name=row[0]) for row in ROWS)
    assert zhang.id_number == ROWS[0][1] and zhang.phone == "13800000501"
    assert (zhang.party_status, zhang.joined_on) == ("full", datetime.date(2015, 7, 1))
    assert zhang.home_org == world.branch_a1 and zhang.birth_date == datetime.date(1990, 1, 1)
    assert hanako.name == "𠮷田花子", "a character outside the basic plane survives every format"
    assert (hanako.party_status, hanako.joined_on) == ("probationary", datetime.date(2021, 6, 1))
    assert (nana.joined_on, nana.phone) == (datetime.date(2010, 3, 5), "")


@pytest.mark.parametrize(
    "header",
    [
        ["党员姓名", "身份证号", "人员类别", "入党时间", "手机"],
        ["姓名", "身份证号码", "党员类别", "入党日期", "联系电话"],
        ["姓名*", "公民身份号码（必填）", "人员类别", "入党日期(必填)", "手机号码"],
        ["姓 名", "证件号码", "正式/预备", "入党日期", "联系方式"],
        ["Name", "Citizen ID number", "Party status", "Joined the party on", "Mobile phone"],
        ["Full name", "ID No", "party_status", "Joined the Party on", "Phone Number"],
    ],
)
def test_columns_are_found_by_header_whatever_the_spelling(world, header):
    row = ["王小明", make_id_number(sequence=511), "Full member", "2015-07-01", "13900000511"]
    result = import_members(world, sheets.xlsx([header, row]))
    assert_imported(result, 1)
    member = Member.objects.get(name="王小明")
    assert (member.id_number, member.phone, member.party_status) == (row[1], "13900000511", "full")


def test_columns_may_come_in_any_order_and_unknown_ones_are_reported_as_ignored(world):
    header = ["备注", "手机号码", "入党日期", "公民身份号码", "姓名", "人员类别"]
    row = ["班长", "13900000512", "2015-07-01", make_id_number(sequence=512), "李四", "正式党员"]
    result = import_members(world, sheets.csv_bytes([header, row]))
    assert_imported(result, 1)
    assert Member.objects.get(name="李四").phone == "13900000512"
    assert result.plan.ignored_headers == ["备注"]


def one_per_row(values, column_header="入党日期", start=521) -> tuple[bytes, list[str]]:
    """A workbook with one member per value, the value in `column_header`'s cell as XlsxWriter writes it
    (dates as date cells, numbers as numbers, text as text); returns it and the members' names."""
    header = MEMBER_HEADER if column_header in MEMBER_HEADER else [*MEMBER_HEADER, column_header]
    rows = [member_row(start + i) for i in range(len(values))]
    for row, value in zip(rows, values, strict=True):
        if column_header in MEMBER_HEADER:
            row[MEMBER_HEADER.index(column_header)] = value
        else:
            row.append(value)
    return sheets.xlsx_cells(sheets.grid([header, *rows])), [row[0] for row in rows]


JUNE_1 = [
    datetime.date(2021, 6, 1),  # a real date cell
    datetime.datetime(2021, 6, 1, 9, 30),
    44348,  # the same day as an Excel serial number in a General cell
    44348.4,
    "2021-06-01",
    "2021/6/1",
    "2021.6.1",
    "2021年6月1日",
    "２０２１年６月１日",
    "2021-06-01 00:00:00",
    20210601,
]


def test_joining_dates_as_excel_and_clerks_write_them(world):
    data, names = one_per_row(JUNE_1)
    assert_imported(import_members(world, data), len(JUNE_1))
    assert {member.joined_on for member in Member.objects.filter(name__in=names)} == {datetime.date(2021, 6, 1)}


@pytest.mark.parametrize("build", [sheets.xls, sheets.csv_bytes], ids=["xls", "csv"])
def test_date_cells_of_xls_and_dates_in_csv(world, build):
    rows = [MEMBER_HEADER, member_row(522, joined_on=datetime.date(2021, 6, 1)), member_row(523, joined_on=44348)]
    if build is sheets.csv_bytes:
        rows[1][3], rows[2][3] = "2021.6.1", "2021年6月1日"
    assert_imported(import_members(world, build(rows)), 2)
    assert {m.joined_on for m in Member.objects.filter(name__in=["党员522", "党员523"])} == {datetime.date(2021, 6, 1)}


BIRTH_MONTHS = ["1990.01", 1990.01, "1990-1", "1990年1月", "199001", 199001, "1990/01/01", datetime.date(1990, 1, 1)]


def test_the_birth_date_column_takes_a_month(world):
    data, names = one_per_row(BIRTH_MONTHS, "出生年月")
    assert_imported(import_members(world, data), len(BIRTH_MONTHS))
    births = {member.birth_date for member in Member.objects.filter(name__in=names)}
    assert births == {datetime.date(1990, 1, 1)}, "the day comes from the ID"


def test_a_birth_month_that_contradicts_the_id_number_is_an_error(world):
    header = [*MEMBER_HEADER, "出生年月"]
    with translation.override("en"):
        result = import_members(world, sheets.xlsx([header, [*member_row(524), "1991.01"]]))
    assert [(row, column) for row, column, _message in errors(result)] == [(2, "出生年月")]
    assert "does not agree with the ID number (1990-01-01)" in errors(result)[0][2]
    assert not Member.objects.filter(name="党员524").exists()


NOT_FULL_DATES = {
    "2021.06": "2021.06 gives only a month; this column needs the full date, such as 2021-06-01.",
    2021.06: "2021.06 gives only a month; this column needs the full date, such as 2021-06-01.",
    "2021年6月": "2021年6月 gives only a month; this column needs the full date",
    "202106": "202106 gives only a month; this column needs the full date",
    2021.1: "Excel stored 2021.1 as a number, so January and October cannot be told apart.",
    2021: "2021 gives only a year",
    "2021-02-30": "The date 2021-02-30 does not exist.",
    "去年六月": "去年六月 is not a date.",
}


def test_a_joining_date_that_is_not_a_full_date_is_refused_on_its_cell(world):
    before = Member.objects.count()
    with translation.override("en"):
        result = import_members(world, one_per_row(list(NOT_FULL_DATES))[0])
    assert [(row, column) for row, column, _message in errors(result)] == [
        (number, "入党日期") for number in range(2, 2 + len(NOT_FULL_DATES))
    ]
    for (_row, _column, message), expected in zip(errors(result), NOT_FULL_DATES.values(), strict=True):
        assert expected in message
    assert result.counts == {} and Member.objects.count() == before


def test_full_width_digits_and_a_lower_case_x_are_normalised(world):
    id_with_x = next(make_id_number(sequence=n) for n in range(600, 900) if make_id_number(sequence=n)[-1] == "X")
    typed_id = id_with_x[:-1].translate(FULL_WIDTH) + "ｘ"
    rows = [MEMBER_HEADER, ["赵　六", typed_id, "正式党员", "２０１５－０７－０１", "１３８ ０００ ００５３１"]]
    for build in (sheets.xlsx, sheets.csv_bytes):
        assert_imported(import_members(world, build(rows)), 1)
        member = Member.objects.get(name="赵 六")
        assert (member.id_number, member.phone, member.joined_on) == (
            id_with_x,
            "13800000531",
            datetime.date(2015, 7, 1),
        )
        member.delete()
    lower = [MEMBER_HEADER, ["钱七", id_with_x.lower(), "正式党员", "2015-07-01", ""]]
    assert_imported(import_members(world, sheets.xls(lower)), 1)
    assert Member.objects.get(name="钱七").id_number == id_with_x


def test_an_id_number_that_excel_turned_into_a_number_is_explained(world):
    before = Member.objects.count()
    numeric = sheets.xlsx_cells(sheets.grid([MEMBER_HEADER, ["孙八", 440305199001011234, "正式党员", "2015-07-01"]]))
    as_text = sheets.csv_bytes([MEMBER_HEADER, ["孙八", "4.40301E+17", "正式党员", "2015-07-01"]])
    with translation.override("en"):
        from_workbook, from_csv = import_members(world, numeric), import_members(world, as_text)
    for result in (from_workbook, from_csv):
        [(row, column, message)] = errors(result)
        assert (row, column) == (2, "公民身份号码")
        assert "stored as a number" in message or "stored as numbers" in message
        assert "format the column as text" in message.lower()
    assert "4.40305E+17" in errors(from_workbook)[0][2], "the cell is quoted the way Excel shows it"
    assert Member.objects.count() == before


def test_title_rows_and_merged_cells_above_the_header_are_skipped(world):
    title = "A 公司第一党支部党员花名册（截至2026年11月）"
    for number, build in enumerate((sheets.xlsx, sheets.xls)):
        rows = [MEMBER_HEADER, *member_rows(2, start=540 + 10 * number)]
        assert_imported(import_members(world, build(rows, title=title)), 2)
    taller = [
        ["填报单位：A 公司第一党支部", None, None, "填报日期：2026-11-01"],
        [],
        MEMBER_HEADER,
        *member_rows(2, 560),
    ]
    result = import_members(world, sheets.xlsx(taller, title=title))
    assert_imported(result, 2)
    assert [item.row.number for item in result.plan.items] == [5, 6], "rows are numbered as the spreadsheet shows them"


def test_empty_trailing_rows_and_columns_are_ignored(world):
    rows = [MEMBER_HEADER, *member_rows(2, 570)]
    cells = sheets.grid(rows)
    cells |= {(r, c): "" for r in range(3, 40) for c in range(0, 9)}  # cleared, but still in the file
    cells |= {(r, 12): " " for r in range(0, 40)}  # blanks in a column to the right
    assert_imported(import_members(world, sheets.xlsx_cells(cells)), 2)

    padded = [row + [""] * 6 for row in [MEMBER_HEADER, *member_rows(2, 580)]] + [[""] * 11] * 20
    assert_imported(import_members(world, sheets.csv_bytes(padded, encoding="gb18030")), 2)

    gap = [MEMBER_HEADER, member_row(590), [], [None] * 5, member_row(591), [], []]
    result = import_members(world, sheets.xlsx(gap))
    assert_imported(result, 2)
    assert [item.row.number for item in result.plan.items] == [2, 5]


@pytest.mark.parametrize("build", [sheets.xlsx, sheets.xls], ids=["xlsx", "xls"])
@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_ignored_and_the_visible_one_imported(world, build, state):
    hidden = [MEMBER_HEADER, member_row(601, name="隐藏的人")]
    visible = [MEMBER_HEADER, member_row(602, name="看得见的人")]
    result = import_members(world, build(visible, more_sheets=[("旧名单", hidden, state)]))
    assert_imported(result, 1)
    assert Member.objects.filter(name="看得见的人").exists()
    assert not Member.objects.filter(name="隐藏的人").exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_templates_hint_row_is_skipped(world, language):
    with translation.override(language):
        template = writing.template("members", [world.branch_a1])
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, 1).value, "the template has its hint row"
    for sequence in (611, 612):
        values = {
            "name": f"党员{sequence}",
            "id_number": make_id_number(sequence=sequence),
            "party_status": "正式党员",
            "joined_on": "2015-07-01",
            "home_org": world.branch_a1.name,
        }
        sheet.append([values.get(column.key) for column in writing.DATASETS["members"]])
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(header) == len(writing.DATASETS["members"])
    result = import_members(world, buffer.getvalue())
    assert_imported(result, 2)
    assert [item.row.number for item in result.plan.items] == [3, 4]


def test_a_name_outside_the_basic_plane_is_stored_intact(world):
    names = ["𠮷田花子", "𡈽方", "王𪚥"]
    rows = [MEMBER_HEADER, *(member_row(620 + i, name=name) for i, name in enumerate(names))]
    assert_imported(import_members(world, sheets.csv_bytes(rows, encoding="gb18030")), 3)
    stored = set(Member.objects.filter(name__in=names).values_list("name", flat=True))
    assert stored == set(names)
    assert all(len(name.encode("utf-16-le")) > 2 * len(name) for name in stored), "still surrogate pairs in UTF-16"


def test_names_are_stored_as_typed_apart_from_full_width_letters_and_digits(world):
    # A compatibility ideograph (outside the basic plane too) and Chinese punctuation are not "normalised" away.
    names = ["\U0002f800田", "\uf9dc文", "阿卜杜拉·艾买提", "李（小）明"]
    rows = [MEMBER_HEADER, *(member_row(640 + i, name=name) for i, name in enumerate(names))]
    assert_imported(import_members(world, sheets.xlsx(rows)), 4)
    assert set(Member.objects.filter(name__in=names).values_list("name", flat=True)) == set(names)
    assert_imported(import_members(world, sheets.csv_bytes([MEMBER_HEADER, member_row(645, name="ＡＢＣ　王")])), 1)
    assert Member.objects.filter(name="ABC 王").exists()


def test_an_export_with_full_numbers_imports_back_unchanged(world):
    from zhibu.registry import services as registry

    unit = registry.create_unit(world.root_user, name="顺丰速运（深圳）有限公司", region=world.district)
    data = registry.member_input_from(world.zhang, with_activity_orgs=False)
    data.employer, data.region, data.education = unit, world.district, "bachelor"
    data.full_member_on = datetime.date(2016, 7, 1)
    registry.update_member(world.root_user, world.zhang, data)
    _name, export = services.render_export(
        world.users["industry"], world.company_a, {"per_branch": True, "reveal": True, "format": "xlsx"}
    )
    result = services.import_file(
        world.users["industry"], org=world.company_a, dataset="members", data=export, file_name="x", dry_run=False
    )
    assert errors(result) == []
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 3}
    assert Member.objects.get(pk=world.zhang.pk).employer == unit


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(world):
    before = Member.objects.count()
    result = import_members(world, sheets.xlsx([MEMBER_HEADER, *member_rows(3, 630)]), dry_run=True)
    assert (result.plan.count("create"), result.counts) == (3, {})
    assert Member.objects.count() == before
