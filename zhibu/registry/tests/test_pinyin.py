import pytest

from zhibu.registry.pinyin import could_begin_pinyin, pinyin_keys


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张晓明", "zhangxiaoming", "zxm"),
        ("曾伟", "zengwei", "zw"),  # a surname reading, not céng
        ("单雪", "shanxue", "sx"),
        ("𠮷田", "tian", "t"),  # a character outside the basic plane has no reading but does not break the name
        ("", "", ""),
    ],
)
def test_pinyin_keys(name, full, initials):
    assert pinyin_keys(name) == (full, initials)


@pytest.mark.parametrize("key", ["zh", "zhang", "li", "xianj", "xiangj", "fangan", "er", "a", "z", "zhangxiaoming"])
def test_what_a_full_pinyin_could_begin_with(key):
    assert could_begin_pinyin(key)


@pytest.mark.parametrize("key", ["lj", "zxm", "zs", "nj", "hm", "zhangj" + "x" * 2, "a" * 5000 + "jj"])
def test_what_only_initials_can_be(key):
    assert not could_begin_pinyin(key)
