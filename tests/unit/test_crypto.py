"""Field encryption (AES-256-GCM with key ids, so keys rotate) and blind indexes."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from xinyidai.config import Settings
from xinyidai.crypto import DecryptionError, blind_index, decrypt, encrypt, is_current, key_id_of, rotate

K1 = base64.b64encode(bytes(range(32))).decode()
K2 = base64.b64encode(bytes(range(100, 132))).decode()
SECRET = "unit-test-secret-key-0123456789abcdef"
CONTEXT = "enterprise.legal_rep_id"
ID = "11010519491231002X"


def _settings(keys: dict[str, str], active: str, secret: str = SECRET) -> Settings:
    return Settings(env="test", secret_key=SecretStr(secret),
                    data_keys={k: SecretStr(v) for k, v in keys.items()}, active_data_key_id=active)


ONLY_K1 = _settings({"k1": K1}, "k1")
ROTATED = _settings({"k1": K1, "k2": K2}, "k2")
ONLY_K2 = _settings({"k2": K2}, "k2")


def test_round_trip() -> None:
    token = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    assert decrypt(token, context=CONTEXT, settings=ONLY_K1) == ID


def test_round_trip_of_chinese_and_empty_text() -> None:
    for text in ("张三", "重庆市渝北区", ""):
        assert decrypt(encrypt(text, context=CONTEXT, settings=ONLY_K1), context=CONTEXT, settings=ONLY_K1) == text


def test_ciphertext_names_its_key_and_hides_the_value() -> None:
    token = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    assert token.startswith("v1.k1.")
    assert ID not in token
    assert ID.encode() not in base64.urlsafe_b64decode(token.split(".", 2)[2])


def test_encryption_is_randomised() -> None:
    assert encrypt(ID, context=CONTEXT, settings=ONLY_K1) != encrypt(ID, context=CONTEXT, settings=ONLY_K1)


def test_wrong_context_fails() -> None:
    token = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    with pytest.raises(DecryptionError):
        decrypt(token, context="user.phone", settings=ONLY_K1)


def test_key_rotation_old_values_still_decrypt() -> None:
    old = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    assert decrypt(old, context=CONTEXT, settings=ROTATED) == ID
    new = encrypt(ID, context=CONTEXT, settings=ROTATED)
    assert new.startswith("v1.k2.")
    assert decrypt(new, context=CONTEXT, settings=ROTATED) == ID


def test_retired_key_no_longer_decrypts() -> None:
    old = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    with pytest.raises(DecryptionError, match="unknown data key id 'k1'"):
        decrypt(old, context=CONTEXT, settings=ONLY_K2)


def test_same_key_id_with_other_key_material_fails() -> None:
    token = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    with pytest.raises(DecryptionError):
        decrypt(token, context=CONTEXT, settings=_settings({"k1": K2}, "k1"))


def test_tampered_ciphertext_fails() -> None:
    version, key_id, body = encrypt(ID, context=CONTEXT, settings=ONLY_K1).split(".", 2)
    blob = bytearray(base64.urlsafe_b64decode(body))
    blob[-1] ^= 0x01
    tampered = f"{version}.{key_id}.{base64.urlsafe_b64encode(bytes(blob)).decode()}"
    with pytest.raises(DecryptionError):
        decrypt(tampered, context=CONTEXT, settings=ONLY_K1)


@pytest.mark.parametrize("token", ["", "garbage", "v1.k1.", "v1.k1.!!!notbase64", "v2.k1.AAAA"])
def test_malformed_ciphertext_fails(token: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt(token, context=CONTEXT, settings=ONLY_K1)


def test_key_of_wrong_length_is_refused() -> None:
    short = _settings({"k1": base64.b64encode(b"too short").decode()}, "k1")
    with pytest.raises(DecryptionError, match="not 32 bytes"):
        encrypt(ID, context=CONTEXT, settings=short)


def test_blind_index_is_deterministic() -> None:
    first = blind_index(ID, context=CONTEXT, settings=ONLY_K1)
    assert first == blind_index(ID, context=CONTEXT, settings=ONLY_K1)
    assert len(first) == 64
    assert int(first, 16) >= 0
    assert ID not in first


def test_blind_index_separates_contexts_and_values() -> None:
    index = blind_index(ID, context=CONTEXT, settings=ONLY_K1)
    assert index != blind_index(ID, context="user.id_number", settings=ONLY_K1)
    assert index != blind_index("440524188001010014", context=CONTEXT, settings=ONLY_K1)


def test_blind_index_depends_on_the_secret_key_not_the_data_keys() -> None:
    index = blind_index(ID, context=CONTEXT, settings=ONLY_K1)
    assert index == blind_index(ID, context=CONTEXT, settings=ROTATED)  # rotating data keys keeps lookups
    assert index != blind_index(ID, context=CONTEXT, settings=_settings({"k1": K1}, "k1", secret="another-secret"))


def test_rotation_re_encrypts_under_the_active_key() -> None:
    old = encrypt(ID, context=CONTEXT, settings=ONLY_K1)
    assert key_id_of(old) == "k1" and not is_current(old, settings=ROTATED)
    new = rotate(old, context=CONTEXT, settings=ROTATED)
    assert key_id_of(new) == "k2" and is_current(new, settings=ROTATED)
    assert decrypt(new, context=CONTEXT, settings=ONLY_K2) == ID  # the old key may now be retired
    with pytest.raises(DecryptionError):
        rotate(old, context="other.field", settings=ROTATED)


def test_a_blind_index_key_of_its_own_lets_the_secret_key_rotate() -> None:
    own = Settings(env="test", secret_key=SecretStr(SECRET), blind_index_key=SecretStr("index-key-0123456789"),
                   data_keys={"k1": SecretStr(K1)}, active_data_key_id="k1")
    moved = own.model_copy(update={"secret_key": SecretStr("another-secret-key-0123456789abcdef")})
    assert blind_index(ID, context=CONTEXT, settings=own) == blind_index(ID, context=CONTEXT, settings=moved)
    assert blind_index(ID, context=CONTEXT, settings=own) != blind_index(ID, context=CONTEXT, settings=ONLY_K1)


def test_production_refuses_the_development_keys() -> None:
    with pytest.raises(ValueError, match="XINYIDAI_DATA_KEYS must be set in production"):
        Settings(env="production", secret_key=SecretStr(SECRET), session_cookie_secure=True)
    with pytest.raises(ValueError, match="XINYIDAI_AUDIT_ANCHOR_KEY must be set in production"):
        Settings(env="production", secret_key=SecretStr(SECRET), session_cookie_secure=True,
                 data_keys={"k1": SecretStr(K1)}, active_data_key_id="k1")
    with pytest.raises(ValueError, match="XINYIDAI_AUDIT_ANCHOR_KEY must differ from XINYIDAI_SECRET_KEY"):
        Settings(env="production", secret_key=SecretStr(SECRET), session_cookie_secure=True,
                 data_keys={"k1": SecretStr(K1)}, active_data_key_id="k1", audit_anchor_key=SecretStr(SECRET))
    Settings(env="production", secret_key=SecretStr(SECRET), session_cookie_secure=True,
             data_keys={"k1": SecretStr(K1)}, active_data_key_id="k1", public_url="https://credit.example.gov.cn",
             audit_anchor_key=SecretStr("another-long-random-anchor-key"))
