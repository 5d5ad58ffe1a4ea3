"""The columns of the member and organisation ledgers: template, import and export share them.

Headers are translatable (Chinese by default); on import every language's header is accepted, and
so are the variants branches use (身份证号 / 公民身份号码 / 身份证号码 …).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zhibu.registry.choices import ETHNICITIES, Education, Gender, OrganizationKind, PartyStatus, Standing, WorkRole


@dataclass(frozen=True)
class Column:
    key: str
    header: Promise
    kind: str  # text, id_number, phone, date, month, choice, boolean, lookup
    hint: Promise
    aliases: tuple[str, ...] = ()
    required: bool = False  # for new records; updates may leave a column out
    choices: tuple = field(default=(), compare=False)  # (value, label) pairs of a fixed enumeration
    width: int = 14

    def headers(self) -> set[str]:
        names = {header_key(alias) for alias in self.aliases}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(header_key(str(self.header)))
        return names

    def hints(self) -> set[str]:
        found = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                found.add(header_key(str(self.hint)))
        return found


def header_key(header: str) -> str:
    """身份证号码（必填）* → 身份证号码; Phone Number → phonenumber."""
    cleaned = unicodedata.normalize("NFKC", str(header))
    cleaned = re.sub(r"\(.*?\)|\[.*?\]|\*", "", cleaned)
    return re.sub(r"[\s_:：]+", "", cleaned).lower()


DATE_HINT = _("Date, such as 2021-06-01")

MEMBER_COLUMNS = (
    Column(
        "name", _("Name"), "text", _("Required"), ("党员姓名", "姓名", "名字", "full name"), required=True, width=10
    ),
    Column(
        "id_number",
        _("Citizen ID number"),
        "id_number",
        _("Required: 18 characters; format the column as Text"),
        ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "id number", "id no", "id"),
        required=True,
        width=22,
    ),
    Column(
        "gender",
        _("Gender"),
        "choice",
        _("Male or female; may be left empty"),
        ("性别", "sex"),
        choices=tuple(Gender.choices),
        width=6,
    ),
    Column("ethnicity", _("Ethnicity"), "choice", _("Such as 汉族"), ("民族",), choices=tuple(ETHNICITIES), width=8),
    Column(
        "birth_date",
        _("Birth date"),
        "month",
        _("Date or month, such as 1990-01 ; may be left empty"),
        ("出生日期", "出生年月", "出生时间", "date of birth"),
        width=12,
    ),
    Column(
        "phone",
        _("Mobile phone"),
        "phone",
        _("11 digits"),
        ("手机", "手机号", "手机号码", "联系电话", "联系方式", "电话", "phone", "mobile", "phone number"),
        width=14,
    ),
    Column(
        "education",
        _("Education"),
        "choice",
        _("Choose from the list"),
        ("学历", "文化程度"),
        choices=tuple(Education.choices),
    ),
    Column(
        "party_status",
        _("Party status"),
        "choice",
        _("Required: full or probationary member"),
        ("人员类别", "党员类别", "党员身份", "类别", "正式/预备"),
        required=True,
        choices=tuple(PartyStatus.choices),
        width=10,
    ),
    Column(
        "standing",
        _("Membership standing"),
        "choice",
        _("Choose from the list; empty means normal"),
        ("党籍状态", "党籍"),
        choices=tuple(Standing.choices),
        width=10,
    ),
    Column(
        "joined_on",
        _("Joined the party on"),
        "date",
        _("Required. ") + DATE_HINT,
        ("入党日期", "入党时间"),
        required=True,
        width=12,
    ),
    Column("full_member_on", _("Became full member on"), "date", DATE_HINT, ("转正日期", "转正时间"), width=12),
    Column(
        "home_org",
        _("Party organisation"),
        "lookup",
        _("Name of the branch; empty means the organisation you import into"),
        ("所在党组织", "所在支部", "党组织", "支部", "所属党组织", "党支部", "organization", "organisation", "branch"),
        width=24,
    ),
    Column(
        "home_org_code",
        _("Organisation code"),
        "text",
        _("Code of the branch; decides when names repeat"),
        ("党组织编码", "组织编码", "organization code"),
        width=12,
    ),
    Column("occupation", _("Occupation"), "lookup", _("Choose from the list"), ("职业", "工作岗位", "岗位"), width=12),
    Column(
        "employer",
        _("Employer"),
        "lookup",
        _("Name or credit code of a registered unit"),
        ("工作单位", "单位", "所在单位"),
        width=20,
    ),
    Column(
        "region",
        _("Region"),
        "lookup",
        _("Region code or name, such as 440305"),
        ("所在地区", "地区", "行政区划", "区划代码"),
        width=12,
    ),
    Column("is_mobile", _("Mobile member"), "boolean", _("是 or 否"), ("流动党员", "是否流动党员", "mobile"), width=8),
    Column(
        "work_role",
        _("Work role"),
        "choice",
        _("Choose from the list; may be left empty"),
        ("岗位类别", "人员岗位", "work role"),
        choices=tuple(WorkRole.choices),
        width=12,
    ),
)

ORGANIZATION_COLUMNS = (
    Column(
        "name",
        _("Organisation name"),
        "text",
        _("Required"),
        ("党组织名称", "组织名称", "名称", "name"),
        required=True,
        width=28,
    ),
    Column(
        "code",
        _("Organisation code"),
        "text",
        _("Required: the code that identifies it"),
        ("党组织编码", "组织编码", "编码", "code"),
        required=True,
        width=14,
    ),
    Column(
        "parent_code",
        _("Parent organisation code"),
        "text",
        _("Required for a new organisation"),
        ("上级党组织编码", "上级组织编码", "上级编码", "parent code"),
        width=14,
    ),
    Column(
        "kind",
        _("Organisation kind"),
        "choice",
        _("Required: choose from the list"),
        ("组织类别", "党组织类别", "类别", "kind", "type"),
        required=True,
        choices=tuple(OrganizationKind.choices),
        width=16,
    ),
    Column(
        "region",
        _("Region"),
        "lookup",
        _("Region code or name, such as 440305"),
        ("所在地区", "地区", "行政区划"),
        width=12,
    ),
    Column("founded_on", _("Founded on"), "date", DATE_HINT, ("成立日期", "成立时间"), width=12),
    Column("dissolved_on", _("Dissolved on"), "date", DATE_HINT, ("撤销日期", "撤销时间"), width=12),
)

DATASETS = {"members": MEMBER_COLUMNS, "organizations": ORGANIZATION_COLUMNS}


@cache
def header_index(dataset: str) -> dict[str, Column]:
    """Every accepted header (normalised) → its column; the first column listed wins a shared alias."""
    index: dict[str, Column] = {}
    for column in DATASETS[dataset]:
        for name in column.headers():
            index.setdefault(name, column)
    return index


def choice_labels(column: Column) -> list[str]:
    """Labels offered in the template's drop-down, in the active language."""
    return [str(label) for _value, label in column.choices]
