"""The pure rules of webhooks: signatures (HMAC-SHA256 of "timestamp.body", both secrets during a rotation),
verification, the retry schedule and which addresses an endpoint may have."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from xinyidai.events import DomainEvent
from xinyidai.webhooks import catalogue, policy

BODY = b'{"id":"evt_1","event":"orders.submitted"}'


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    assert policy.sign("Jefe", timestamp=1, body=b"x") == hmac.new(b"Jefe", b"1.x", hashlib.sha256).hexdigest()


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    header = policy.signature_header(["new", "old"], timestamp=1_700_000_000, body=BODY)
    first = policy.sign("new", timestamp=1_700_000_000, body=BODY)
    assert header.count("v1=") == 2 and header.startswith(f"v1={first},v1=")
    for secret in ("new", "old"):
        assert policy.verify(secret, header=header, timestamp="1700000000", body=BODY, now=1_700_000_010)
    assert not policy.verify("other", header=header, timestamp="1700000000", body=BODY, now=1_700_000_010)
    assert not policy.verify("new", header=header, timestamp="1700000000", body=BODY + b" ", now=1_700_000_010)
    assert not policy.verify("new", header=header, timestamp="1700000000", body=BODY, now=1_700_001_000)  # stale
    assert not policy.verify("new", header=header, timestamp="soon", body=BODY, now=1_700_000_000)


def test_the_retry_delay_doubles_up_to_its_cap() -> None:
    assert [policy.retry_delay(n, base_seconds=30, max_seconds=300) for n in range(1, 7)] == [
        30, 60, 120, 240, 300, 300]
    with pytest.raises(ValueError):
        policy.retry_delay(0, base_seconds=30, max_seconds=300)


@pytest.mark.parametrize(("url", "local", "problem"), [
    ("https://bank.example.com/hooks", False, None),
    ("https://bank.example.com:8443/a?b=c", False, None),
    ("https://1.2.3.4/hooks", False, None),
    ("https://203.0.113.5/hooks", False, "不能向内网或保留地址推送"),  # a documentation range
    ("http://bank.example.com/hooks", False, "仅接受 https 地址"),
    ("http://bank.example.com/hooks", True, "仅接受 https 地址"),
    ("http://127.0.0.1:8080/hooks", False, "仅接受 https 地址"),
    ("http://127.0.0.1:8080/hooks", True, None),
    ("http://localhost/hooks", True, None),
    ("https://localhost/hooks", False, "不能向本机地址推送"),
    ("https://192.168.1.1/hooks", False, "不能向内网或保留地址推送"),
    ("https://169.254.169.254/latest", False, "不能向内网或保留地址推送"),
    ("https://a:b@bank.example.com/", False, "地址不能包含用户名、密码或片段（#）"),
    ("https://bank.example.com/#x", False, "地址不能包含用户名、密码或片段（#）"),
    ("https://bank.example.com:99999/", False, "地址格式不正确"),
    ("bank.example.com/hooks", False, "地址应以 https:// 开头并包含主机名"),
    ("https://bank.example.com/a b", False, "地址不能包含空白字符"),
])
def test_an_endpoint_is_https_to_a_public_host(url: str, local: bool, problem: str | None) -> None:
    assert policy.url_problem(url, allow_local_http=local) == problem


def test_unknown_event_names_are_named() -> None:
    assert policy.unknown_events(["orders.submitted", "x", "x", "a"], catalogue.EVENT_NAMES) == ["a", "x"]


def test_every_catalogue_entry_has_a_chinese_title_and_an_example_that_fits() -> None:
    for spec in catalogue.CATALOGUE.values():
        assert spec.title and spec.description
        spec.payload.model_validate(spec.example)
        body = catalogue.body_model(spec)
        assert body.model_json_schema()["examples"][0]["data"] == spec.example


def _published_events() -> dict[str, type[DomainEvent]]:
    import xinyidai.main  # noqa: F401  (imports every context, so every domain event class exists)

    found: dict[str, type[DomainEvent]] = {}
    pending = list(DomainEvent.__subclasses__())
    while pending:
        event_type = pending.pop()
        pending.extend(event_type.__subclasses__())
        name = getattr(event_type, "name", None)
        if isinstance(name, str):
            found[name] = event_type
    return found


def test_every_catalogued_event_is_one_the_platform_publishes_and_its_example_fits_the_event() -> None:
    published = _published_events()
    assert set(catalogue.EVENT_NAMES) - set(published) == set()
    for name, spec in catalogue.CATALOGUE.items():
        # The fields a receiver is promised are fields the event carries.
        promised = set(spec.payload.model_fields) - {"bank_organisation_id"}
        assert promised <= set(published[name].model_fields), name


def test_every_decision_a_bank_makes_or_learns_of_is_catalogued() -> None:
    assert {"orders.offered", "orders.offer_accepted", "orders.offer_declined", "orders.renewal_decided",
            "orders.deferral_decided"} <= set(catalogue.EVENT_NAMES)
