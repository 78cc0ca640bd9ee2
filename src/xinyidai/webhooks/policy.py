"""Pure rules of webhooks: the signature of a delivery, its verification, the retry schedule, which addresses an
endpoint may have, and the status words. No I/O.

A delivery is signed with HMAC-SHA256 over `"<timestamp>.<body>"` (the timestamp in Unix seconds, as sent in
`X-Xinyidai-Timestamp`; the body as sent, byte for byte), hex-encoded, and sent as
`X-Xinyidai-Signature: v1=<hex>`; while a rotated secret's grace period lasts, a second `v1=<hex>` made with the old
secret follows, so a receiver holding either secret can verify. docs/webhooks.md shows a receiver doing it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import urlsplit

SIGNATURE_SCHEME = "v1"
SECRET_PREFIX = "whsec_"
HEADER_TIMESTAMP = "X-Xinyidai-Timestamp"
HEADER_SIGNATURE = "X-Xinyidai-Signature"
HEADER_EVENT = "X-Xinyidai-Event"
HEADER_DELIVERY = "X-Xinyidai-Delivery"
# A receiver refuses a timestamp further than this from its own clock (a replayed old delivery).
DEFAULT_TOLERANCE_SECONDS = 300
URL_MAX = 500
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class EndpointStatus(StrEnum):
    """Whether an endpoint receives deliveries."""

    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


class DeliveryStatus(StrEnum):
    """Where a delivery stands: waiting for (another) attempt, being sent, delivered, or given up (dead letter)."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    DEAD = "dead"


ENDPOINT_STATUS_LABELS = {EndpointStatus.ACTIVE: "启用", EndpointStatus.DISABLED: "已停用",
                          EndpointStatus.DELETED: "已删除"}
DELIVERY_STATUS_LABELS = {DeliveryStatus.PENDING: "待发送", DeliveryStatus.SENDING: "发送中",
                          DeliveryStatus.DELIVERED: "已送达", DeliveryStatus.DEAD: "死信"}


def new_secret() -> str:
    """A new signing secret, shown to the institution once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, *, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: Iterable[str], *, timestamp: int, body: bytes) -> str:
    """`v1=<hex>[,v1=<hex>]`: one signature per secret in use (the current first, then one in its grace period)."""
    return ",".join(f"{SIGNATURE_SCHEME}={sign(s, timestamp=timestamp, body=body)}" for s in secrets_in_use)


def verify(secret: str, *, header: str, timestamp: str, body: bytes, now: float,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """Whether a delivery is genuine for a receiver holding `secret`: its timestamp is recent and one of the
    signatures in the header is the HMAC of `"<timestamp>.<body>"` under the secret (the procedure of
    docs/webhooks.md)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    expected = sign(secret, timestamp=sent_at, body=body)
    offered = [part.partition("=")[2] for part in header.split(",")
               if part.strip().partition("=")[0] == SIGNATURE_SCHEME]
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in offered)


def retry_delay(failed_attempts: int, *, base_seconds: float, max_seconds: float) -> float:
    """Seconds to wait after the `failed_attempts`-th failure: base, 2×base, 4×base, … capped at `max_seconds`."""
    if failed_attempts < 1:
        raise ValueError("a delay follows a failed attempt")
    return float(min(max_seconds, base_seconds * 2 ** (failed_attempts - 1)))


def url_problem(url: str, *, allow_local_http: bool) -> str | None:
    """Why an endpoint may not have this address (Chinese), or None: https to a host name or a public address;
    plain http only to this machine (127.0.0.1, localhost) and only when the deployment allows it (tests, demo);
    no credentials, no fragment."""
    if len(url) > URL_MAX:
        return f"地址不能超过{URL_MAX}个字符"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "地址格式不正确"
    del port
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "地址应以 https:// 开头并包含主机名"
    if parts.username or parts.password or parts.fragment:
        return "地址不能包含用户名、密码或片段（#）"
    if any(ch.isspace() for ch in url):
        return "地址不能包含空白字符"
    local = host in LOCAL_HOSTS
    if parts.scheme == "http" and not (local and allow_local_http):
        return "仅接受 https 地址"
    if local and not allow_local_http:
        return "不能向本机地址推送"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not local and (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
                      or address.is_multicast or address.is_unspecified):
        return "不能向内网或保留地址推送"
    return None


def unknown_events(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """The names that are not in the catalogue."""
    catalogue = set(known)
    return sorted({name for name in names if name not in catalogue})
