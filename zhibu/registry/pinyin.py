"""Pinyin keys for searching names: full pinyin and initials (张晓明 → zhangxiaoming, zxm)."""

import re
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


# A syllable is an optional initial, then a final, which always begins with a vowel (v stands for ü). Greedy
# matching never has to take back a letter (a final's n or ng may as well end it: the next syllable can begin
# with a vowel), so the quantifiers are possessive and a long key cannot make the match backtrack.
_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = "(?:[aeiouv]++(?:ng|n|r)?+)"
_BEGINNING_OF_PINYIN = re.compile(rf"(?:{_INITIAL}?+{_FINAL})*+(?:[zcs]h?|{_INITIAL})?+(?:[aeiouv]++(?:ng?|r)?+)?+")


def could_begin_pinyin(key: str) -> bool:
    """Whether a full pinyin could begin with `key` (lower-case letters): "zh", "li" and "xianj" could,
    "lj" and "zxm" could not, so they can only be initials."""
    return _BEGINNING_OF_PINYIN.fullmatch(key) is not None


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
