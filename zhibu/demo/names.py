"""Fictional people: Chinese names, checksum-valid ID numbers and phone numbers from a block
that is never given to subscribers. One seeded generator, so every run makes the same people."""

import datetime
import itertools
import random
from dataclasses import dataclass

from zhibu.core.identity import id_check_char
from zhibu.demo.data import HOME_REGIONS
from zhibu.registry.choices import Gender
from zhibu.registry.models import Member

# Common surnames in rough order of frequency (tiers share a weight), and a few compound ones.
SURNAME_TIERS = (
    (12, "王李张刘陈"),
    (5, "杨黄赵吴周徐孙马朱胡郭何林罗高郑梁"),
    (
        1.5,
        "谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤温赖巫",
    ),
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "司徒")
GIVEN_MALE = "伟强磊军勇杰涛斌超明华平刚辉鹏飞波俊峰林海宇浩凯健亮志建国文东龙晨阳旭洋帅锋兵宏振昌荣坤永春德成家新金顺远旺发生福全彬晓子嘉泽睿博航天"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧琳红梅莉萍洁颖倩欣怡佳晶璐丹秀英兰凤琴云月思雨晓欢蓉"
# Characters that input methods and old systems often get wrong: the demo should have some.
GIVEN_RARE = "堃喆犇淼焱鑫垚昊珺彧翀赟玥琤昶甦燚"

MALE_SHARE = 0.8
SINGLE_CHARACTER_SHARE = 0.25
RARE_CHARACTER_SHARE = 0.015
COMPOUND_SURNAME_SHARE = 0.003

BIRTH_FIRST = datetime.date(1965, 1, 1)
BIRTH_LAST = datetime.date(2002, 12, 31)
BIRTH_MODE = datetime.date(1988, 1, 1)

# 1740 0xx xxxx belongs to the maritime satellite service and is never given to ordinary subscribers.
PHONE_BLOCK = "17400"
PHONE_SPACE = 1_000_000
# Multiplier coprime with PHONE_SPACE: member i gets a distinct, scattered-looking number.
PHONE_STRIDE = 618_033
PHONE_OFFSET = 271_828


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str


def _weighted(pairs) -> tuple[list, list]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(itertools.accumulate(weights))


class PersonFactory:
    """Makes distinct people from a fixed seed; names in `reserved` are never generated."""

    def __init__(self, seed: str, reserved: frozenset[str] = frozenset()):
        self.rng = random.Random(f"{seed}:people")
        self.reserved = reserved
        self.issued: set[int] = set()
        self.surnames, self.surname_cum = _weighted(
            (surname, weight) for weight, surnames in SURNAME_TIERS for surname in surnames
        )
        self.home_regions, self.home_cum = _weighted(HOME_REGIONS)
        self.birth_span = (BIRTH_LAST - BIRTH_FIRST).days
        self.birth_mode = (BIRTH_MODE - BIRTH_FIRST).days

    def person(self, gender: str | None = None, name: str | None = None) -> Person:
        rng = self.rng
        if gender is None:
            gender = Gender.MALE if rng.random() < MALE_SHARE else Gender.FEMALE
        if name is None:
            name = self.name(gender)
        birth = BIRTH_FIRST + datetime.timedelta(days=int(rng.triangular(0, self.birth_span, self.birth_mode)))
        home = rng.choices(self.home_regions, cum_weights=self.home_cum)[0]
        return Person(name=name, gender=gender, birth_date=birth, id_number=self._id_number(home, birth, gender))

    def name(self, gender: str) -> str:
        rng = self.rng
        while True:
            if rng.random() < COMPOUND_SURNAME_SHARE:
                surname = rng.choice(COMPOUND_SURNAMES)
            else:
                surname = rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
            length = 1 if rng.random() < SINGLE_CHARACTER_SHARE else 2
            pool = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
            given = "".join(
                rng.choice(GIVEN_RARE if rng.random() < RARE_CHARACTER_SHARE else pool) for _ in range(length)
            )
            if surname + given not in self.reserved:
                return surname + given

    def _id_number(self, home: str, birth: datetime.date, gender: str) -> str:
        """GB 11643: region, birth date, a sequence whose last digit is odd for men, check character."""
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
            first17 = f"{home}{birth:%Y%m%d}{sequence:03d}"
            if int(first17) not in self.issued:
                self.issued.add(int(first17))
                return first17 + id_check_char(first17)


def demo_phone(index: int) -> str:
    """The index-th demo phone number, distinct for the first million indexes; "" after them."""
    if index >= PHONE_SPACE:
        return ""
    return f"{PHONE_BLOCK}{(index * PHONE_STRIDE + PHONE_OFFSET) % PHONE_SPACE:06d}"


class NameKeys:
    """Full pinyin and initials by the model's own rule, computed once per distinct name:
    pinyin is the costly part of a generated member."""

    def __init__(self):
        self.probe = Member()
        self.known: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str) -> tuple[str, str]:
        keys = self.known.get(name)
        if keys is None:
            self.probe.set_name(name)
            keys = self.known[name] = (self.probe.name_pinyin, self.probe.name_initials)
        return keys
