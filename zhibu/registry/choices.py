"""Enumerations of the registry. Labels are translatable; stored values are stable codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    DISTRICT = 3, _("District / county")
    STREET = 4, _("Street / town")
    COMMUNITY = 5, _("Community / village")


class UnitKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Non-public enterprise")
    SOCIAL_ORG = "social_org", _("Social organisation")
    BUILDING = "building", _("Commercial building")
    PARK = "park", _("Industrial park")
    ESTATE = "estate", _("Residential estate")
    PLATFORM = "platform", _("Platform company")
    OTHER = "other", _("Other")


class CoordinateSystem(models.TextChoices):
    WGS84 = "wgs84", "WGS-84"
    GCJ02 = "gcj02", "GCJ-02"


class OrganizationKind(models.TextChoices):
    INDUSTRY_COMMITTEE = "industry_committee", _("Industry party committee")
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General party branch")
    BRANCH = "branch", _("Party branch")
    JOINT_BRANCH = "joint_branch", _("Joint party branch")
    MOBILE_BRANCH = "mobile_branch", _("Mobile-member party branch")
    FUNCTIONAL_BRANCH = "functional_branch", _("Functional party branch")
    TEMPORARY_BRANCH = "temporary_branch", _("Temporary party branch")


# Organisation category codes as used in party statistics (党内统计 党组织类别). Kept in one
# table so that a deployment can align them with the code table its reporting system uses.
NATIONAL_TYPE_CODES = {
    OrganizationKind.COMMITTEE: "611",
    OrganizationKind.INDUSTRY_COMMITTEE: "612",
    OrganizationKind.GENERAL_BRANCH: "621",
    OrganizationKind.BRANCH: "631",
    OrganizationKind.JOINT_BRANCH: "632",
    OrganizationKind.MOBILE_BRANCH: "633",
    OrganizationKind.FUNCTIONAL_BRANCH: "634",
    OrganizationKind.TEMPORARY_BRANCH: "635",
}

# Kinds at the bottom of the tree, where members hold their record.
BRANCH_KINDS = frozenset(
    {
        OrganizationKind.BRANCH,
        OrganizationKind.JOINT_BRANCH,
        OrganizationKind.MOBILE_BRANCH,
        OrganizationKind.FUNCTIONAL_BRANCH,
        OrganizationKind.TEMPORARY_BRANCH,
    }
)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PartyStatus(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class Standing(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("membership standing", "Normal")
    SUSPENDED = "suspended", _("Membership suspended")
    EXPELLED = "expelled", _("Left or expelled")
    DECEASED = "deceased", _("Deceased")


class WorkRole(models.TextChoices):
    """Where a member works in the enterprise: plans tailor the learning to it (领学/共学/自学)."""

    LEADERSHIP = "leadership", _("Leadership team")
    STAFF = "staff", _("Cadres and staff")
    FRONTLINE = "frontline", _("Front-line staff")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("College diploma")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")
    HIGH_SCHOOL = "high_school", _("High school")
    JUNIOR_OR_BELOW = "junior_or_below", _("Junior high school or below")


# GB 3304 ethnic groups: (code, name). Names are proper nouns and shown as written.
ETHNICITIES = [
    ("01", "汉族"),
    ("02", "蒙古族"),
    ("03", "回族"),
    ("04", "藏族"),
    ("05", "维吾尔族"),
    ("06", "苗族"),
    ("07", "彝族"),
    ("08", "壮族"),
    ("09", "布依族"),
    ("10", "朝鲜族"),
    ("11", "满族"),
    ("12", "侗族"),
    ("13", "瑶族"),
    ("14", "白族"),
    ("15", "土家族"),
    ("16", "哈尼族"),
    ("17", "哈萨克族"),
    ("18", "傣族"),
    ("19", "黎族"),
    ("20", "傈僳族"),
    ("21", "佤族"),
    ("22", "畲族"),
    ("23", "高山族"),
    ("24", "拉祜族"),
    ("25", "水族"),
    ("26", "东乡族"),
    ("27", "纳西族"),
    ("28", "景颇族"),
    ("29", "柯尔克孜族"),
    ("30", "土族"),
    ("31", "达斡尔族"),
    ("32", "仫佬族"),
    ("33", "羌族"),
    ("34", "布朗族"),
    ("35", "撒拉族"),
    ("36", "毛南族"),
    ("37", "仡佬族"),
    ("38", "锡伯族"),
    ("39", "阿昌族"),
    ("40", "普米族"),
    ("41", "塔吉克族"),
    ("42", "怒族"),
    ("43", "乌孜别克族"),
    ("44", "俄罗斯族"),
    ("45", "鄂温克族"),
    ("46", "德昂族"),
    ("47", "保安族"),
    ("48", "裕固族"),
    ("49", "京族"),
    ("50", "塔塔尔族"),
    ("51", "独龙族"),
    ("52", "鄂伦春族"),
    ("53", "赫哲族"),
    ("54", "门巴族"),
    ("55", "珞巴族"),
    ("56", "基诺族"),
    ("97", "其他"),
    ("98", "外国血统中国籍人士"),
]
