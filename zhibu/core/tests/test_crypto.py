import io

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.test import override_settings

from zhibu.core import crypto
from zhibu.core.models import AuditEvent
from zhibu.registry.models import Member


def test_round_trip_and_random_nonce():
    first, second = crypto.encrypt("13800138000", b"ctx"), crypto.encrypt("13800138000", b"ctx")
    assert first != second
    assert "13800138000" not in first
    assert crypto.decrypt(first, b"ctx") == crypto.decrypt(second, b"ctx") == "13800138000"


def test_ciphertext_is_bound_to_its_field():
    token = crypto.encrypt("13800138000", b"member.phone")
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, b"member.id_number")


def test_blind_index_is_keyed_and_kind_specific():
    assert crypto.blind_index("phone", "13800138000") == crypto.blind_index("phone", "13800138000")
    assert crypto.blind_index("phone", "13800138000") != crypto.blind_index("id_number", "13800138000")


def test_blind_index_depends_on_the_key():
    before = crypto.blind_index("phone", "13800138000")
    with override_settings(ZHIBU_BLIND_INDEX_KEY="another-key-of-enough-length"):
        assert crypto.blind_index("phone", "13800138000") != before


def test_rotation_re_encrypts_under_the_new_key(world, settings):
    old_spec = settings.ZHIBU_FIELD_KEYS
    settings.ZHIBU_FIELD_KEYS = "k2:a-brand-new-key-for-rotation-tests," + old_spec
    call_command("rotate_field_keys", stdout=io.StringIO())
    tokens = list(Member.objects.values_list("id_number_sealed", "phone_sealed"))
    assert tokens and all(crypto.key_id_of(t) == "k2" for pair in tokens for t in pair if t)
    settings.ZHIBU_FIELD_KEYS = "k2:a-brand-new-key-for-rotation-tests"
    zhang = Member.objects.get(pk=world.zhang.pk)
    assert zhang.phone == "13800138000"
    assert AuditEvent.objects.filter(action="key_rotation").exists()
