"""One cell at a time: dates, numbers and text the way branch clerks fill them in."""

import datetime

import pytest
from django.utils import translation

from zhibu.conftest import make_id_number
from zhibu.ledgers import cells

JUNE_1 = datetime.date(2021, 6, 1)
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(reader, value, **options) -> str:
    with pytest.raises(cells.CellError) as error:
        reader(value, **options)
    return error.value.message


@pytest.mark.parametrize(
    "value",
    [
        44348,  # an Excel serial number in a cell formatted as General
        44348.0,
        44348.75,  # a serial with a time of day
        JUNE_1,
        datetime.datetime(2021, 6, 1, 8, 30),  # a real date cell
        "2021-06-01",
        "2021/6/1",
        "2021.6.1",
        "2021年6月1日",
        "2021年06月01日",
        "20210601",
        20210601,
        "2021-06-01 00:00:00",  # a date cell saved to CSV with its time
        " 2021 - 6 - 1 ",
        "２０２１－０６－０１",  # typed with a Chinese input method
        "２０２１年６月１日",
    ],
)
def test_dates_in_every_usual_spelling(value):
    assert cells.date_value(value) == (JUNE_1, False)
    assert cells.date_value(value, month_only_ok=True) == (JUNE_1, False)


@pytest.mark.parametrize("value", ["2021.06", "2021-06", "2021/6", "2021年6月", "202106", 2021.06, 202106])
def test_a_month_is_enough_only_where_a_month_is_asked_for(value):
    assert cells.date_value(value, month_only_ok=True) == (JUNE_1, True)
    message = refused(cells.date_value, value)
    assert "gives only a month" in message and "needs the full date" in message


def test_a_month_typed_as_text_is_unambiguous():
    assert cells.date_value("2021.10", month_only_ok=True) == (datetime.date(2021, 10, 1), True)
    assert cells.date_value("2021.1", month_only_ok=True) == (datetime.date(2021, 1, 1), True)
    assert cells.date_value(2021.12, month_only_ok=True) == (datetime.date(2021, 12, 1), True)


@pytest.mark.parametrize("month_only_ok", [False, True])
def test_the_number_2021_1_is_refused_because_january_and_october_look_alike(month_only_ok):
    message = refused(cells.date_value, 2021.1, month_only_ok=month_only_ok)
    assert "January and October cannot be told apart" in message
    assert "Format the column as Text" in message


@pytest.mark.parametrize("value", [2021, 2021.0])
def test_a_year_alone_is_not_read_as_an_excel_serial_from_1905(value):
    assert "gives only a year" in refused(cells.date_value, value, month_only_ok=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-02-30", "does not exist"),
        ("2021.13", "does not exist"),
        ("2021年13月", "does not exist"),
        ("last June", "is not a date. Write it as 2021-06-01"),
        ("44348", "is not a date"),
        (-3, "is not a date"),
        (True, "Expected a date"),
    ],
)
def test_what_is_not_a_date_says_why(value, expected):
    assert expected in refused(cells.date_value, value, month_only_ok=True)


def test_full_width_digits_letters_and_spaces_become_ascii():
    assert cells.text("ＡＢＣ　张三\u3000 ") == "ABC 张三"
    assert cells.text("  many   spaces\tand\ttabs ") == "many spaces and tabs"
    assert cells.number_as_text("１３８ ００１３ ８０００".replace(" ", "")) == "13800138000"
    assert cells.text(13800138000.0) == "13800138000"


def test_characters_outside_the_basic_plane_are_kept():
    assert cells.text(" 𠮷田 花子 ") == "𠮷田 花子"
    assert cells.text("𡈽") == "𡈽"


def test_names_keep_their_chinese_punctuation_and_compatibility_ideographs():
    assert cells.text("顺丰速运（深圳）有限公司") == "顺丰速运（深圳）有限公司"
    assert cells.text("阿卜杜拉·艾买提") == "阿卜杜拉·艾买提"
    assert cells.text("\U0002f800田\uf9dc") == "\U0002f800田\uf9dc"
    assert cells.text("１３８＊＊＊＊８０００") == "138****8000"


def test_an_id_number_is_normalised_from_full_width_and_a_lower_case_x():
    id_with_x = next(
        make_id_number("110101", "19850615", n)
        for n in range(1000)
        if make_id_number("110101", "19850615", n)[-1] == "X"
    )
    typed = id_with_x[:-1].translate(FULL_WIDTH) + "ｘ"
    assert cells.id_number_text(" " + typed[:6] + "\u3000" + typed[6:] + " ") == id_with_x
    assert cells.id_number_text(id_with_x.lower()) == id_with_x


@pytest.mark.parametrize("value", [4.40301e17, 440305199001011234, 4.403051990010112e17])
def test_an_id_number_stored_as_a_number_is_refused_with_the_fix(value):
    message = refused(cells.id_number_text, value)
    assert "4.4030" in message and "E+17" in message  # shown as Excel shows it
    assert "Format the column as Text" in message and "import again" in message


def test_long_numbers_that_lost_digits_are_refused_but_phone_numbers_pass():
    assert cells.number_as_text(13800138000) == "13800138000"
    assert cells.number_as_text(13800138000.0) == "13800138000"
    assert "lost its last digits" in refused(cells.number_as_text, 4.40301e17)
    assert "lost its last digits" in refused(cells.number_as_text, 1380013.8)
    assert "true/false" in refused(cells.number_as_text, True)


def test_the_formula_guard_of_an_export_is_removed_and_added_back():
    assert cells.neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cells.text("'=HYPERLINK(1)") == "=HYPERLINK(1)"
    assert cells.text("'plain quote") == "'plain quote"
    assert cells.neutralise("张三") == "张三"


@pytest.mark.parametrize(("value", "expected"), [("是", True), ("√", True), ("Y", True), (1, True), ("否", False)])
def test_yes_and_no(value, expected):
    assert cells.boolean(value) is expected
    assert cells.boolean("") is False


def test_a_yes_no_cell_with_anything_else_is_refused():
    assert "是 (yes) or 否 (no)" in refused(cells.boolean, "maybe")
