"""Text messages (短信): the templates, a provider-neutral gateway, its adapters, and the sending with retries.

Any context sends a message to a user with `identity_service.send_sms(session, user_id=…, template_code=…,
params=…)`: it is queued in the caller's transaction (a row of `sms_message`) and sent after the commit by the job
`identity.sms_send` (declared `apart`, so never in the request), retried with exponential backoff up to
`sms_max_attempts`, every outcome kept on its row.

The gateway is anything with `send(phone, template_code, params) -> provider message id` (`SmsGateway`): `LogGateway`
(the default: the demo and development write the message to the log, the number masked) or `HttpGateway` (a
provider's HTTP API, configured by the settings; never called by the tests, which install a double).

Users have no mobile number on their account yet: the number is asked of a phone book the application installs
(`use_phone_book`); without one, or for a user without a number, the message is kept as `no_phone` and not sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import string
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol, cast

import httpx
import structlog
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import clock, db, jobs
from xinyidai.config import get_settings
from xinyidai.identity.notifications.models import SmsMessage
from xinyidai.pii import mask_mobile, normalise_mobile

log = structlog.get_logger(__name__)

SEND_JOB = "identity.sms_send"
PARAM_MAX = 100
PARAMS_MAX = 10


class SmsStatus(StrEnum):
    """Where a message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NO_PHONE = "no_phone"


SMS_STATUS_LABELS = {SmsStatus.PENDING: "待发送", SmsStatus.SENDING: "发送中", SmsStatus.SENT: "已发送",
                     SmsStatus.FAILED: "发送失败", SmsStatus.NO_PHONE: "无手机号"}

# The templates, as a provider registers them (a provider sends only registered texts): code → Chinese text with
# ${name} placeholders.
TEMPLATES: dict[str, str] = {
    "order_decided": "您的融资申请${order_no}已有结果：${decision}。详情请登录信易贷平台查看。",
    "order_withdrawn": "您的融资申请${order_no}已撤回${reason}。",
    "renewal_decided": "您的续贷申请${order_no}已有结果：${decision}。详情请登录信易贷平台查看。",
    "deferral_decided": "您的延期还本申请${order_no}已有结果：${decision}。详情请登录信易贷平台查看。",
    "order_prompted": "您机构的融资申请${order_no}已超过办理时限，已被督办，请尽快办理。",
}


class UnknownTemplate(ValueError):
    """A template code that is not in `TEMPLATES`, or values that do not fill it."""


def render(template_code: str, params: Mapping[str, str]) -> str:
    """The text of a template filled with `params` (every placeholder must be given)."""
    text = TEMPLATES.get(template_code)
    if text is None:
        raise UnknownTemplate(f"unknown SMS template {template_code!r}")
    try:
        return string.Template(text).substitute(params)
    except (KeyError, ValueError) as exc:
        raise UnknownTemplate(f"SMS template {template_code!r} needs {exc}") from exc


class SmsError(Exception):
    """The gateway did not take the message; `retryable`: worth trying again later (a timeout, a 5xx)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class SmsGateway(Protocol):
    """A provider of text messages, whatever it is."""

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        """Hand one message to the provider; its message id, or SmsError."""
        ...


class LogGateway:
    """Writes the message to the log (number masked) instead of sending it: the demo's and development's gateway."""

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        """Log the message; a made-up message id."""
        message_id = f"log-{uuid.uuid4().hex[:16]}"
        log.info("sms (log only)", phone=mask_mobile(phone), template=template_code,
                 text=render(template_code, params), message_id=message_id)
        return message_id


class HttpGateway:
    """A generic provider's HTTP API: POST JSON {phone, sign_name, template_code, params, request_id} to the URL,
    signed with the key it issued (`X-Sms-Key`, `X-Sms-Timestamp`, `X-Sms-Signature` = hex HMAC-SHA256 of
    "timestamp.body"); its answer {"message_id": …}. A timeout or a 5xx may be retried, a 4xx not."""

    def __init__(self, *, url: str, key_id: str, secret: str, sign_name: str, timeout: float,
                 client: httpx.Client | None = None) -> None:
        self.url, self.key_id, self.secret, self.sign_name, self.timeout = url, key_id, secret, sign_name, timeout
        self._client = client

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        """Post one message; the provider's message id."""
        body = json.dumps({"phone": phone, "sign_name": self.sign_name, "template_code": template_code,
                           "params": dict(params), "request_id": uuid.uuid4().hex},
                          ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Sms-Key": self.key_id,
                   "X-Sms-Timestamp": timestamp, "X-Sms-Signature": signature}
        client = self._client or httpx.Client(timeout=self.timeout, trust_env=False)
        try:
            response = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if self._client is None:
                client.close()
        if response.status_code >= 500:
            raise SmsError(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SmsError(f"HTTP {response.status_code}: {response.text[:200]}", retryable=False)
        try:
            return str(response.json()["message_id"])[:100]
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsError("the provider's answer names no message_id") from exc


_gateway: SmsGateway | None = None


def gateway() -> SmsGateway:
    """The gateway the settings choose (or the one installed by `use_gateway`)."""
    if _gateway is not None:
        return _gateway
    settings = get_settings()
    if settings.sms_gateway == "http" and settings.sms_http_url:
        return HttpGateway(url=settings.sms_http_url, key_id=settings.sms_http_key_id,
                           secret=settings.sms_http_secret.get_secret_value(), sign_name=settings.sms_sign_name,
                           timeout=settings.sms_timeout_seconds)
    return LogGateway()


def use_gateway(new: SmsGateway | None) -> None:
    """Install a gateway (tests: a double); None: the settings choose again."""
    global _gateway
    _gateway = new


PhoneBook = Callable[[Session, int], str | None]


def _no_phone_book(session: Session, user_id: int) -> str | None:
    return None


_phone_book: PhoneBook = _no_phone_book


def use_phone_book(book: PhoneBook | None) -> None:
    """Install where a user's mobile number is found (`(session, user_id) -> number or None`); None: nowhere."""
    global _phone_book
    _phone_book = book or _no_phone_book


def _phone_of(session: Session, user_id: int) -> str | None:
    raw = _phone_book(session, user_id)
    return normalise_mobile(raw) if raw else None


def send_sms(session: Session, *, user_id: int, template_code: str, params: Mapping[str, str]) -> SmsMessage:
    """Queue a text message to a user, sent after the caller's commit by a job (retried on failure)."""
    values = {str(k)[:40]: str(v)[:PARAM_MAX] for k, v in list(params.items())[:PARAMS_MAX]}
    render(template_code, values)  # an unknown template or a missing value is the caller's mistake: refused now
    phone = _phone_of(session, user_id)
    now = clock.now()
    message = SmsMessage(user_id=user_id, phone_masked=mask_mobile(phone) if phone else None,
                         template_code=template_code, params=values,
                         status=SmsStatus.PENDING if phone else SmsStatus.NO_PHONE, attempts=0,
                         next_attempt_at=now if phone else None, created_at=now)
    session.add(message)
    session.flush()
    if phone:
        jobs.defer_after_commit(session, SEND_JOB, message_id=message.id, attempts=0)
    return message


def list_messages(session: Session, *, user_id: int | None = None, limit: int = 100) -> list[SmsMessage]:
    """The latest messages (of one user), newest first: the delivery log."""
    query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(SmsMessage.user_id == user_id)
    return list(session.scalars(query))


def send_now(factory: sessionmaker[Session], *, message_id: int, attempts: int) -> SmsStatus | None:
    """One attempt of a queued message (if still due at `attempts`); schedules the retry after a failure."""
    settings = get_settings()
    now = clock.now()
    with db.transaction(factory) as session:
        claimed = cast(CursorResult[Any], session.execute(
            update(SmsMessage).where(SmsMessage.id == message_id, SmsMessage.status == SmsStatus.PENDING,
                                     SmsMessage.attempts == attempts)
            .values(status=SmsStatus.SENDING,
                    lease_until=now + timedelta(seconds=settings.sms_timeout_seconds + 60)))).rowcount
        if claimed != 1:
            return None
        message = session.get(SmsMessage, message_id)
        assert message is not None
        phone = _phone_of(session, message.user_id)
        template_code, params = message.template_code, dict(message.params)
    provider_id, error, retryable = None, None, True
    if phone is None:
        error, retryable = "无手机号", False
    else:
        try:
            provider_id = gateway().send(phone, template_code, params)
        except SmsError as exc:
            error, retryable = str(exc)[:500], exc.retryable
        except Exception as exc:  # an adapter's bug: counted as a failed attempt, never left claimed
            error = f"{type(exc).__name__}: {exc}"[:500]
    delay = None
    with db.transaction(factory) as session:
        message = session.get(SmsMessage, message_id)
        assert message is not None
        message.attempts += 1
        message.lease_until = None
        message.last_error = error
        if provider_id is not None:
            message.status, message.provider_message_id, message.sent_at = SmsStatus.SENT, provider_id, clock.now()
            message.next_attempt_at = None
        elif phone is None:
            message.status, message.next_attempt_at = SmsStatus.NO_PHONE, None
        elif not retryable or message.attempts >= settings.sms_max_attempts:
            message.status, message.next_attempt_at = SmsStatus.FAILED, None
        else:
            delay = settings.sms_retry_base_seconds * 2 ** (message.attempts - 1)
            message.status, message.next_attempt_at = SmsStatus.PENDING, clock.now() + timedelta(seconds=delay)
        status, attempts_so_far = SmsStatus(message.status), message.attempts
        log.info("sms attempt", message_id=message_id, phone=message.phone_masked, template=template_code,
                 status=str(status), attempt=attempts_so_far, error=error)
    if delay is not None:
        jobs.defer_later(SEND_JOB, delay_seconds=delay, factory=factory, message_id=message_id,
                         attempts=attempts_so_far)
    return status


def sweep(factory: sessionmaker[Session], *, limit: int = 500) -> int:
    """Give back messages whose sender died and defer those due (a retry whose timer was lost); how many."""
    now = clock.now()
    with db.transaction(factory) as session:
        session.execute(update(SmsMessage).where(SmsMessage.status == SmsStatus.SENDING,
                                                 SmsMessage.lease_until < now)
                        .values(status=SmsStatus.PENDING, lease_until=None))
        due = session.execute(select(SmsMessage.id, SmsMessage.attempts).where(
            SmsMessage.status == SmsStatus.PENDING, SmsMessage.next_attempt_at <= now).limit(limit)).all()
    jobs.defer_many(SEND_JOB, [{"message_id": m, "attempts": a} for m, a in due], factory=factory)
    return len(due)


@jobs.job(SEND_JOB, queue="notifications", apart=True)
def send_job(factory: sessionmaker[Session], *, message_id: int, attempts: int) -> None:
    """Send one queued text message."""
    send_now(factory, message_id=message_id, attempts=attempts)


@jobs.job("identity.sms_sweep", queue="notifications", cron="* * * * *", single_queued=True, apart=True)
def sweep_job(factory: sessionmaker[Session]) -> None:
    """Every minute: send the text messages that are due."""
    sweep(factory)
