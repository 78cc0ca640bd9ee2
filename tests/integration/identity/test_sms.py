"""Text messages: queued in the caller's transaction, sent after its commit by a job (never in the caller), retried
with exponential backoff through a gateway that fails, every attempt counted on the message's log row with the
number masked; a permanent refusal is not retried; a user without a number gets none. The gateway is a test double
of the `SmsGateway` protocol, never a real provider."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping

import pytest
import structlog.testing
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, build_world
from xinyidai import db, jobs
from xinyidai.config import get_settings
from xinyidai.identity import service as identity_service
from xinyidai.identity.notifications import sms
from xinyidai.identity.notifications.models import SmsMessage

PHONE = "13812341234"


class DoubleGateway:
    """Implements `sms.SmsGateway`: fails the first `fail_first` sends (retryable), or refuses (not retryable)."""

    def __init__(self, *, fail_first: int = 0, refuse: bool = False) -> None:
        self.fail_first, self.refuse = fail_first, refuse
        self.calls: list[tuple[str, str, dict[str, str], float, str]] = []
        self.lock = threading.Lock()

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        with self.lock:
            self.calls.append((phone, template_code, dict(params), time.monotonic(), threading.current_thread().name))
            count = len(self.calls)
        if self.refuse:
            raise sms.SmsError("HTTP 400: template not approved", retryable=False)
        if count <= self.fail_first:
            raise sms.SmsError("HTTP 503")
        return f"double-{count}"


@pytest.fixture
def district(committed_database: db.Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[db.Database, World]]:
    monkeypatch.setenv("XINYIDAI_SMS_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("XINYIDAI_SMS_MAX_ATTEMPTS", "4")
    get_settings.cache_clear()
    engine = jobs.InProcess()
    jobs.use(engine)
    sms.use_phone_book(lambda session, user_id: PHONE)
    with db.transaction(committed_database.session_factory) as session:
        world = build_world(session)
    yield committed_database, world
    engine.background.wait_idle(30)
    jobs.use(None)
    sms.use_gateway(None)
    sms.use_phone_book(None)


def _user_id(session: Session, username: str) -> int:
    return next(u.id for u in identity_service.list_users(session) if u.username == username)


def _wait(database: db.Database, message_id: int, status: str, timeout: float = 20) -> SmsMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.session_factory() as session:
            message = session.get(SmsMessage, message_id)
            if message is not None and message.status == status:
                return message
        time.sleep(0.05)
    raise AssertionError(f"message {message_id} did not reach {status}")


def test_a_message_is_sent_after_the_commit_and_retried_with_backoff_until_the_gateway_takes_it(
        district: tuple[db.Database, World]) -> None:
    database, _ = district
    double = DoubleGateway(fail_first=2)
    sms.use_gateway(double)
    with db.transaction(database.session_factory) as session:
        message = identity_service.send_sms(session, user_id=_user_id(session, "good"), template_code="order_decided",
                                            params={"order_no": "XYD202612050001", "decision": "已批准"})
        assert double.calls == []  # queued, not sent, until the commit
        message_id = message.id
    caller = threading.current_thread().name
    sent = _wait(database, message_id, "sent")
    assert (sent.attempts, sent.provider_message_id, sent.last_error) == (3, "double-3", None)
    assert sent.phone_masked == "138****1234" and sent.template_code == "order_decided"
    assert [c[:3] for c in double.calls] == [(PHONE, "order_decided", {"order_no": "XYD202612050001",
                                                                      "decision": "已批准"})] * 3
    gaps = [b[3] - a[3] for a, b in zip(double.calls, double.calls[1:], strict=False)]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.3 and gaps[1] > gaps[0]
    assert all(c[4] != caller for c in double.calls)  # never in the caller's thread


def test_a_refusal_is_not_retried_and_too_many_failures_end_in_failed(district: tuple[db.Database, World]) -> None:
    database, _ = district
    sms.use_gateway(DoubleGateway(refuse=True))
    with db.transaction(database.session_factory) as session:
        refused = identity_service.send_sms(session, user_id=_user_id(session, "good"),
                                            template_code="order_withdrawn", params={"order_no": "XYD1", "reason": ""})
    failed = _wait(database, refused.id, "failed")
    assert failed.attempts == 1 and "template not approved" in (failed.last_error or "")

    double = DoubleGateway(fail_first=99)
    sms.use_gateway(double)
    with db.transaction(database.session_factory) as session:
        flaky = identity_service.send_sms(session, user_id=_user_id(session, "good"), template_code="renewal_decided",
                                          params={"order_no": "XYD2", "decision": "已拒绝"})
    failed = _wait(database, flaky.id, "failed")
    assert failed.attempts == 4 == len(double.calls) and failed.last_error == "HTTP 503"


def test_no_number_no_message_and_a_bad_template_is_refused_at_once(district: tuple[db.Database, World]) -> None:
    database, _ = district
    double = DoubleGateway()
    sms.use_gateway(double)
    sms.use_phone_book(None)  # as today: users have no mobile number on their account
    with db.transaction(database.session_factory) as session:
        message = identity_service.send_sms(session, user_id=_user_id(session, "good"),
                                            template_code="deferral_decided", params={"order_no": "X", "decision": "y"})
        with pytest.raises(sms.UnknownTemplate):
            identity_service.send_sms(session, user_id=_user_id(session, "good"), template_code="nope", params={})
        with pytest.raises(sms.UnknownTemplate):
            identity_service.send_sms(session, user_id=_user_id(session, "good"), template_code="order_decided",
                                      params={"order_no": "X"})
    with database.session_factory() as session:
        rows = session.scalars(select(SmsMessage)).all()
        assert [(m.id, m.status, m.phone_masked) for m in rows] == [(message.id, "no_phone", None)]
    assert double.calls == []


def test_the_log_gateway_masks_the_number() -> None:
    with structlog.testing.capture_logs() as logs:
        message_id = sms.LogGateway().send(PHONE, "order_decided", {"order_no": "XYD1", "decision": "已批准"})
    assert message_id.startswith("log-")
    [entry] = logs
    assert entry["phone"] == "138****1234" and PHONE not in str(entry)
    assert entry["text"] == sms.render("order_decided", {"order_no": "XYD1", "decision": "已批准"}) == (
        "您的融资申请XYD1已有结果：已批准。详情请登录信易贷平台查看。")
