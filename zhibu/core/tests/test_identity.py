import datetime

import pytest
from django.core.exceptions import ValidationError

from zhibu.conftest import make_id_number
from zhibu.core.identity import (
    birth_date_from_id,
    credit_check_char,
    gender_from_id,
    mask_id_number,
    mask_phone,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)

VALID_ID = make_id_number("440305", "19900101", 123)


def test_valid_id_is_normalised_from_full_width_and_lower_case_x():
    id_with_x = next(
        make_id_number("110101", "19850615", n)
        for n in range(1000)
        if make_id_number("110101", "19850615", n).endswith("X")
    )
    full_width = id_with_x[:-1].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "ｘ"
    assert validate_id_number(" " + full_width + " ") == id_with_x


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("44030519900101123", "id_format"),
        (VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), "id_checksum"),
        ("4.40301E+17", "id_scientific"),
        ("440305" + "19900230" + "1234", "id_birth"),
        ("440305" + "18500101" + "1234", "id_birth"),
    ],
)
def test_invalid_ids_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert error.value.code == code


def test_birth_date_and_gender_come_from_the_id():
    assert birth_date_from_id(VALID_ID) == datetime.date(1990, 1, 1)
    assert gender_from_id(make_id_number(sequence=123)) == "male"
    assert gender_from_id(make_id_number(sequence=124)) == "female"


def test_phone_numbers():
    assert validate_phone("+86 138-0013-8000") == "13800138000"
    assert validate_phone("１３８００１３８０００") == "13800138000"
    for bad in ("12800138000", "1380013800", "phone"):
        with pytest.raises(ValidationError):
            validate_phone(bad)


def test_credit_code_checksum():
    first17 = "91440300MA5F00000"
    code = first17 + credit_check_char(first17)
    assert validate_credit_code(code.lower()) == code
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_credit_code(wrong)


def test_masks_keep_only_the_ends():
    assert mask_id_number(VALID_ID) == VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]
    assert mask_phone("13800138000") == "138****8000"
