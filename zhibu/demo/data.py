"""Reference tables of the demo: Shenzhen's districts and streets, eight fictional express
companies, a few parks and buildings, and the home regions of the members.

The figures follow seed 003 (人民日报 2023-03-21): the Shenzhen express-industry party committee
over 8 express companies with 117 grassroots organisations and 3,449 members, 1,087 of them mobile.
Company, park and building names are invented; region codes are real GB/T 2260 codes.
"""

from dataclasses import dataclass

from zhibu.registry.choices import UnitKind, WorkRole

SEED_MEMBERS = 3449
SEED_MOBILE = 1087
SEED_GRASSROOTS = 117

PROVINCE = ("440000", "广东省")
CITY = ("440300", "深圳市")


@dataclass(frozen=True)
class District:
    code: str
    name: str
    streets: tuple[str, ...]
    latitude: float
    longitude: float

    @property
    def short_name(self) -> str:
        return self.name.removesuffix("区")

    def street_code(self, index: int) -> str:
        return f"{self.code}{index + 1:03d}"


DISTRICTS = (
    District(
        "440303",
        "罗湖区",
        ("桂园", "黄贝", "东门", "翠竹", "南湖", "笋岗", "东湖", "莲塘", "东晓", "清水河"),
        22.548,
        114.131,
    ),
    District(
        "440304",
        "福田区",
        ("园岭", "南园", "福田", "沙头", "梅林", "华富", "香蜜湖", "莲花", "华强北", "福保"),
        22.541,
        114.055,
    ),
    District("440305", "南山区", ("南头", "南山", "沙河", "蛇口", "招商", "粤海", "桃源", "西丽"), 22.533, 113.930),
    District(
        "440306",
        "宝安区",
        ("新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩"),
        22.555,
        113.884,
    ),
    District(
        "440307",
        "龙岗区",
        ("平湖", "布吉", "吉华", "坂田", "南湾", "横岗", "园山", "龙城", "龙岗", "宝龙", "坪地"),
        22.721,
        114.247,
    ),
    District("440308", "盐田区", ("梅沙", "盐田", "沙头角", "海山"), 22.557, 114.237),
    District("440309", "龙华区", ("观湖", "民治", "龙华", "大浪", "福城", "观澜"), 22.697, 114.045),
    District("440310", "坪山区", ("坪山", "马峦", "碧岭", "石井", "坑梓", "龙田"), 22.690, 114.346),
    District("440311", "光明区", ("光明", "公明", "新湖", "凤凰", "玉塘", "马田"), 22.749, 113.936),
)
DISTRICT_BY_CODE = {district.code: district for district in DISTRICTS}


@dataclass(frozen=True)
class Company:
    code: str
    name: str
    short_name: str
    kind: str
    employees: int
    district: str  # code of the district of its Shenzhen head office
    weight: int  # members at the seed's figures; scaled for --members N
    mobile_share: float  # relative share of mobile members
    has_mobile_branches: bool
    platform: bool = False  # delivery riders rather than couriers


COMPANIES = (
    Company("pc", "鹏程速运有限公司", "鹏程速运", UnitKind.ENTERPRISE, 12800, "440306", 1100, 0.40, True),
    Company("jc", "京畅物流有限公司", "京畅物流", UnitKind.ENTERPRISE, 8600, "440309", 650, 0.36, True),
    Company("yd", "远达速递有限公司", "远达速递", UnitKind.ENTERPRISE, 5200, "440307", 420, 0.33, True),
    Company("zj", "中捷快递有限公司", "中捷快递", UnitKind.ENTERPRISE, 4100, "440306", 360, 0.25, False),
    Company("sc", "申程快运有限公司", "申程快运", UnitKind.ENTERPRISE, 3300, "440307", 300, 0.24, False),
    Company("ny", "南粤快线物流有限公司", "南粤快线", UnitKind.ENTERPRISE, 2600, "440309", 260, 0.22, False),
    Company("kl", "跨岭速运有限公司", "跨岭速运", UnitKind.ENTERPRISE, 2200, "440305", 209, 0.22, False),
    Company("xc", "星驰同城配送科技有限公司", "星驰同城", UnitKind.PLATFORM, 1800, "440305", 150, 0.35, False, True),
)
assert sum(company.weight for company in COMPANIES) == SEED_MEMBERS

# Districts where companies set up their district joint branches first (where parcels are).
DISTRICT_PRIORITY = ("440305", "440304", "440306", "440307", "440309", "440303", "440311", "440310", "440308")


@dataclass(frozen=True)
class Place:
    """A park or building that hosts district joint branches (两新组织 of the buildings kind)."""

    name: str
    kind: str
    district: str
    street: int
    address: str


PLACES = (
    Place("鹏城快递物流产业园", UnitKind.PARK, "440306", 1, "西乡街道物流园路18号"),
    Place("平湖智慧物流园", UnitKind.PARK, "440307", 0, "平湖街道华南大道66号"),
    Place("观澜电商产业园", UnitKind.PARK, "440309", 5, "观澜街道环观南路29号"),
    Place("深南数字大厦", UnitKind.BUILDING, "440304", 3, "沙头街道深南大道7009号"),
    Place("科苑创新大厦", UnitKind.BUILDING, "440305", 5, "粤海街道科苑路15号"),
)

# Regular branches are named after the part of the business they sit in.
BUSINESS_SEGMENTS = ("营业部", "转运中心", "分拨中心", "配送站", "网点", "仓储中心")

# Where members come from: Shenzhen and Guangdong, and the home provinces of migrant workers.
# Real county codes (GB/T 2260, some since renamed: ID numbers keep the code of their year).
HOME_REGIONS = (
    ("440303", 2),
    ("440304", 2),
    ("440306", 2),
    ("441424", 3),  # 梅州 五华县
    ("441481", 2),  # 梅州 兴宁市
    ("441581", 3),  # 汕尾 陆丰市
    ("445122", 2),  # 潮州 饶平县
    ("440825", 2),  # 湛江 徐闻县
    ("430521", 3),  # 湖南 邵东县
    ("430621", 2),  # 湖南 岳阳县
    ("431021", 2),  # 湖南 桂阳县
    ("430922", 2),  # 湖南 桃江县
    ("431121", 2),  # 湖南 祁阳县
    ("433101", 1),  # 湖南 吉首市
    ("360121", 2),  # 江西 南昌县
    ("360722", 2),  # 江西 信丰县
    ("360730", 2),  # 江西 宁都县
    ("360424", 2),  # 江西 修水县
    ("450881", 3),  # 广西 桂平市
    ("450923", 3),  # 广西 博白县
    ("450122", 2),  # 广西 武鸣县
    ("511321", 2),  # 四川 南部县
    ("510722", 2),  # 四川 三台县
    ("511622", 1),  # 四川 武胜县
    ("411526", 2),  # 河南 潢川县
    ("411628", 2),  # 河南 鹿邑县
    ("410523", 1),  # 河南 汤阴县
    ("420982", 2),  # 湖北 安陆市
    ("421182", 1),  # 湖北 武穴市
    ("520121", 1),  # 贵州 开阳县
)

# Ethnic groups other than Han (GB 3304 codes) by home region prefix, with their shares.
ETHNIC_MIX = {
    "45": (("08", 0.30), ("13", 0.02)),  # 壮族, 瑶族
    "4331": (("15", 0.40), ("06", 0.20)),  # 土家族, 苗族
    "52": (("06", 0.20), ("09", 0.15)),  # 苗族, 布依族
}

# Occupation codes (registry migration 0002) and their weights among front-line members.
FRONT_LINE_EXPRESS = (
    ("courier", 60),
    ("sorter", 12),
    ("truck_driver", 12),
    ("station_keeper", 6),
    ("rider", 6),
    ("ride_hailing_driver", 4),
)
FRONT_LINE_PLATFORM = (
    ("rider", 70),
    ("courier", 10),
    ("ride_hailing_driver", 12),
    ("truck_driver", 4),
    ("station_keeper", 4),
)
OFFICE = (("manager", 40), ("clerk", 40), ("technician", 15), ("other", 5))
OFFICE_SHARE = 0.14  # of members who are not mobile
OFFICE_SHARE_MOBILE = 0.03
# The enterprise's leadership team are its managers; the other office staff are cadres and staff (领学/共学/自学).
WORK_ROLES = {
    "manager": WorkRole.LEADERSHIP,
    "clerk": WorkRole.STAFF,
    "technician": WorkRole.STAFF,
    "other": WorkRole.STAFF,
}

EDUCATION = (
    ("junior_or_below", 18),
    ("high_school", 26),
    ("secondary_vocational", 20),
    ("college", 23),
    ("bachelor", 12),
    ("postgraduate", 1),
)

PROBATIONARY_SHARE = 0.06
