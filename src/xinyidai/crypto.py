"""Field encryption for personal data at rest, and blind indexes to find it without decrypting.

Ciphertexts carry the id of the key that made them ("v1.<key id>.<base64>"), so keys can rotate:
the active key encrypts, every configured key decrypts, and `rotate` re-encrypts a value under the active key
(`xinyidai crypto rotate` walks the encrypted columns in batches). Keys come from the settings
(XINYIDAI_DATA_KEYS, XINYIDAI_ACTIVE_DATA_KEY_ID), never from the repository; the development key is refused in
production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xinyidai.config import Settings, get_settings

_VERSION = "v1"


class DecryptionError(ValueError):
    """A ciphertext that cannot be opened with the configured keys."""


def _key(settings: Settings, key_id: str) -> bytes:
    secret = settings.data_keys.get(key_id)
    if secret is None:
        raise DecryptionError(f"unknown data key id {key_id!r}")
    raw = base64.b64decode(secret.get_secret_value())
    if len(raw) != 32:
        raise DecryptionError(f"data key {key_id!r} is not 32 bytes")
    return raw


def encrypt(plaintext: str, *, context: str, settings: Settings | None = None) -> str:
    """Encrypt `plaintext` with AES-256-GCM under the active key; `context` binds it to its field."""
    settings = settings or get_settings()
    key_id = settings.active_data_key_id
    nonce = os.urandom(12)
    sealed = AESGCM(_key(settings, key_id)).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}.{key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str, settings: Settings | None = None) -> str:
    """Open a value made by `encrypt` with the same `context`."""
    settings = settings or get_settings()
    try:
        version, key_id, body = token.split(".", 2)
        if version != _VERSION:
            raise DecryptionError(f"unknown ciphertext version {version!r}")
        blob = base64.urlsafe_b64decode(body)
        return AESGCM(_key(settings, key_id)).decrypt(blob[:12], blob[12:], context.encode()).decode()
    except DecryptionError:
        raise
    except Exception as exc:
        raise DecryptionError("ciphertext cannot be opened") from exc


def key_id_of(token: str) -> str:
    """The id of the key a ciphertext was made with."""
    version, key_id, _ = token.split(".", 2)
    if version != _VERSION:
        raise DecryptionError(f"unknown ciphertext version {version!r}")
    return key_id


def is_current(token: str, *, settings: Settings | None = None) -> bool:
    """Whether a ciphertext was made with the active key (else `rotate` should re-encrypt it)."""
    settings = settings or get_settings()
    return key_id_of(token) == settings.active_data_key_id


def rotate(token: str, *, context: str, settings: Settings | None = None) -> str:
    """The value re-encrypted under the active key (opened with whichever configured key made it)."""
    settings = settings or get_settings()
    return encrypt(decrypt(token, context=context, settings=settings), context=context, settings=settings)


def blind_index(value: str, *, context: str, settings: Settings | None = None) -> str:
    """A keyed hash (HMAC-SHA256) of `value`, for equality lookups of encrypted fields.

    Keyed by XINYIDAI_BLIND_INDEX_KEY, or when that is not set by a key derived from XINYIDAI_SECRET_KEY; after
    changing either, `xinyidai crypto rotate --all` recomputes every index from the decrypted values.
    """
    settings = settings or get_settings()
    secret = settings.blind_index_key or settings.secret_key
    key = hashlib.sha256(b"blind-index:" + secret.get_secret_value().encode()).digest()
    # Length-prefixed so that no (context, value) pair can collide with another.
    encoded = context.encode()
    message = len(encoded).to_bytes(2, "big") + encoded + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(message: bytes, *, context: str, settings: Settings | None = None) -> str:
    """The platform's seal (签章) on `message`: HMAC-SM3 under a key derived from XINYIDAI_SECRET_KEY for `context`,
    hex. Only the platform can make or check one: whoever holds a sealed answer checks it on the platform."""
    settings = settings or get_settings()
    key = hashlib.sha256(b"seal:" + context.encode() + b":" + settings.secret_key.get_secret_value().encode()).digest()
    signer = crypto_hmac.HMAC(key, hashes.SM3())
    signer.update(message)
    return signer.finalize().hex()


def seal_matches(message: bytes, given: str, *, context: str, settings: Settings | None = None) -> bool:
    """Whether `given` is the platform's seal on `message` for `context` (in constant time)."""
    return hmac.compare_digest(seal(message, context=context, settings=settings), given)
