"""Field encryption (AES-GCM) and the keyed hash used as a blind index.

Ciphertexts are text: "<key id>$<base64url(nonce || ciphertext || tag)>". The key id lets old
values be read after a new key is put first in ZHIBU_FIELD_KEYS; `manage.py rotate_field_keys`
then re-encrypts them under the newest key.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _derive_aes_key(material: str) -> bytes:
    """Any key text of enough entropy becomes a 256-bit AES key."""
    return hashlib.sha256(b"zhibu-field-key:" + material.encode()).digest()


@lru_cache(maxsize=4)
def _keyring(spec: str) -> tuple[str, dict[str, AESGCM]]:
    keys: dict[str, AESGCM] = {}
    primary = ""
    for item in spec.split(","):
        key_id, sep, material = item.strip().partition(":")
        if not sep or not key_id or len(material) < 16 or "$" in key_id:
            raise ImproperlyConfigured("ZHIBU_FIELD_KEYS must be 'id:key' pairs with keys of 16+ characters")
        keys[key_id] = AESGCM(_derive_aes_key(material))
        primary = primary or key_id
    return primary, keys


def keyring() -> tuple[str, dict[str, AESGCM]]:
    return _keyring(settings.ZHIBU_FIELD_KEYS)


def encrypt(plaintext: str, associated_data: bytes = b"") -> str:
    primary, keys = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys[primary].encrypt(nonce, plaintext.encode(), associated_data)
    return f"{primary}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(token: str, associated_data: bytes = b"") -> str:
    key_id, _, payload = token.partition("$")
    raw = _b64decode(payload)
    return keyring()[1][key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data).decode()


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


def blind_index(kind: str, normalised_value: str) -> str:
    """Keyed hash for exact lookup; the kind keeps equal values of different fields apart."""
    keyed = _keyed_hmac(settings.ZHIBU_BLIND_INDEX_KEY).copy()
    keyed.update(f"{kind}:{normalised_value}".encode())
    return keyed.hexdigest()


@lru_cache(maxsize=4)
def _keyed_hmac(key: str) -> hmac.HMAC:
    """An HMAC with the key already absorbed: copying it spares hashing the key again for every value."""
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def seal_bytes(data: bytes, associated_data: bytes) -> bytes:
    """Binary form of `encrypt`, for files: b"<key id>$" + nonce + ciphertext + tag."""
    primary, keys = keyring()
    nonce = os.urandom(NONCE_BYTES)
    return primary.encode() + b"$" + nonce + keys[primary].encrypt(nonce, data, associated_data)


def open_bytes(blob: bytes, associated_data: bytes) -> bytes:
    key_id, _, raw = blob.partition(b"$")
    return keyring()[1][key_id.decode()].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
