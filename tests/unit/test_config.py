"""Settings a deployment must decide: the public address printed on credit reports."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from xinyidai.config import Settings

PRODUCTION = {"env": "production", "secret_key": SecretStr("a-production-secret-0123456789abcdef"),
              "session_cookie_secure": True, "data_keys": {"k1": SecretStr(base64.b64encode(b"k" * 32).decode())},
              "audit_anchor_key": SecretStr("a-production-anchor-key-0123456789abcdef")}


def test_production_refuses_to_start_without_its_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINYIDAI_PUBLIC_URL", raising=False)
    with pytest.raises(ValueError, match="XINYIDAI_PUBLIC_URL must be set in production"):
        Settings(**PRODUCTION)  # type: ignore[arg-type]
    assert Settings(**PRODUCTION, public_url="https://credit.example.gov.cn").public_url == (  # type: ignore[arg-type]
        "https://credit.example.gov.cn")
    # Development and tests run without one: a report then names the address its request came in on.
    assert Settings(env="development").public_url is None


def test_the_public_address_is_read_from_the_environment_and_must_be_an_address(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYIDAI_PUBLIC_URL", "https://xyd.nanan.gov.cn/credit")
    assert Settings().public_url == "https://xyd.nanan.gov.cn/credit"
    for bad in ("xyd.nanan.gov.cn", "ftp://xyd.nanan.gov.cn", "https://xyd.nanan.gov.cn/?a=1", "https://a b"):
        with pytest.raises(ValueError, match="XINYIDAI_PUBLIC_URL must be an http"):
            Settings(public_url=bad)
