"""Citizen ID numbers (GB 11643), mainland mobile numbers and credit codes (GB 32100): normalise,
validate, mask. Messages are translatable and name the problem the way a clerk would fix it."""

import datetime
import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
SPACES_RE = re.compile(r"\s+")
PHONE_SEPARATORS_RE = re.compile(r"[\s\-()]")
SCIENTIFIC_RE = re.compile(r"\d(\.\d+)?E\+\d+")
ID_NUMBER_RE = re.compile(r"\d{17}[\dX]")
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def to_half_width(value: str) -> str:
    """Full-width digits, letters and spaces (as typed with a Chinese IME) become ASCII."""
    return unicodedata.normalize("NFKC", value)


def normalise_id_number(value: str) -> str:
    return SPACES_RE.sub("", to_half_width(str(value))).upper()


def normalise_phone(value: str) -> str:
    digits = PHONE_SEPARATORS_RE.sub("", to_half_width(str(value)))
    return digits.removeprefix("+86").removeprefix("0086")


def id_check_char(first17: str) -> str:
    if len(first17) != len(ID_WEIGHTS):
        raise ValueError(f"an ID number's check digit follows 17 characters, not {len(first17)}")
    return ID_CHECK_CHARS[sum(map(operator.mul, map(int, first17), ID_WEIGHTS)) % 11]


def birth_date_from_id(id_number: str) -> datetime.date:
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_from_id(id_number: str) -> str:
    return "male" if int(id_number[16]) % 2 else "female"


def validate_id_number(value: str, today: datetime.date | None = None) -> str:
    """Return the normalised ID number or raise ValidationError with the reason."""
    id_number = normalise_id_number(value)
    if SCIENTIFIC_RE.fullmatch(id_number):
        raise ValidationError(
            _(
                "The ID number was stored as a number and its last digits are lost; format the column as text and type it again."
            ),
            code="id_scientific",
        )
    if not ID_NUMBER_RE.fullmatch(id_number):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a last digit or X."), code="id_format")
    try:
        birth = birth_date_from_id(id_number)
    except ValueError:
        raise ValidationError(_("The birth date inside the ID number does not exist."), code="id_birth") from None
    if birth > (today or datetime.date.today()) or birth.year < 1900:
        raise ValidationError(_("The birth date inside the ID number is not plausible."), code="id_birth")
    if id_check_char(id_number[:17]) != id_number[17]:
        raise ValidationError(
            _("The last character of the ID number does not match its check digit; check for a typing error."),
            code="id_checksum",
        )
    return id_number


def validate_phone(value: str) -> str:
    phone = normalise_phone(value)
    if not PHONE_RE.fullmatch(phone):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, such as 13800138000."), code="phone_format")
    return phone


def validate_credit_code(value: str) -> str:
    """Unified social credit code, GB 32100-2015: 18 characters with a check character."""
    code = normalise_id_number(value)
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        raise ValidationError(
            _("A unified social credit code has 18 digits or capital letters (no I, O, Z, S, V)."), code="credit_format"
        )
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The last character of the credit code does not match its check character."), code="credit_checksum"
        )
    return code


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def mask_id_number(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:] if len(id_number) > 8 else "*" * len(id_number)


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)
