"""Pinyin keys for searching names: full pinyin and initials (张晓明 → zhangxiaoming, zxm)."""

from functools import lru_cache

from pypinyin import lazy_pinyin

# Characters read differently as a surname than in ordinary words (曾 is zēng, not céng).
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "秘": "bi",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "种": "chong",
    "折": "she",
    "隗": "wei",
    "尉": "yu",
    "万": "wan",
    "长": "chang",
    "晟": "cheng",
    "员": "yun",
    "召": "shao",
    "都": "du",
    "繁": "po",
}


def pinyin_keys(name: str) -> tuple[str, str]:
    """Returns (full pinyin, initials), lower case, ignoring characters without a reading."""
    if not name:
        return "", ""
    surname_full, surname_initials = _surname_keys(name[0])
    given_full, given_initials = _keys(name[1:])
    return surname_full + given_full, surname_initials + given_initials


@lru_cache(maxsize=4096)
def _surname_keys(surname: str) -> tuple[str, str]:
    return (SURNAME_READINGS[surname], SURNAME_READINGS[surname][0]) if surname in SURNAME_READINGS else _keys(surname)


# Given names repeat far more than whole names: caching them makes bulk imports fast.
@lru_cache(maxsize=65536)
def _keys(text: str) -> tuple[str, str]:
    syllables = [s.lower() for s in lazy_pinyin(text, errors="ignore") if s.isalpha()]
    return "".join(syllables), "".join(s[0] for s in syllables)
