import pytest

from zhibu.registry.pinyin import pinyin_keys


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
