"""Webhooks on the job engine of production (procrastinate on PostgreSQL): a firm's application, committed in this
process, is delivered by a separate `xinyidai worker` process to a real receiver that fails twice: three signed
attempts with a growing delay (the retries kept by the engine until their time), one delivery recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import build_world
from tests.integration.webhooks.receiver import Receiver, running, verify_signature
from xinyidai import db, events, jobs
from xinyidai.config import get_settings
from xinyidai.orders.events import OrderSubmitted
from xinyidai.webhooks import service as webhooks_service
from xinyidai.webhooks.models import WebhookAttempt, WebhookDelivery
from xinyidai.webhooks.schemas import EndpointCreate

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="the job engine (procrastinate) runs on PostgreSQL: tested in the PostgreSQL run of make test",
)

SETTINGS = {"XINYIDAI_WEBHOOK_ALLOW_LOCAL_HTTP": "true", "XINYIDAI_WEBHOOK_RETRY_BASE_SECONDS": "1",
            "XINYIDAI_WEBHOOK_MAX_ATTEMPTS": "4", "XINYIDAI_JOBS_POLL_SECONDS": "0.2"}


@pytest.fixture
def worker(committed_database: db.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[str, Path]]:
    url = committed_database.engine.url.render_as_string(hide_password=False)
    for key, value in SETTINGS.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "xinyidai.cli", "worker", "--queue", "events", "--queue", "webhooks"],
        env={**os.environ, **SETTINGS, "XINYIDAI_DATABASE_URL": url, "XINYIDAI_JOBS_ENGINE": "procrastinate"},
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    jobs.use(jobs.Procrastinate(url))
    try:
        yield url, log
    finally:
        jobs.use(None)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_worker_delivers_with_retries_kept_by_the_engine(committed_database: db.Database,
                                                           worker: tuple[str, Path]) -> None:
    database = committed_database
    with running(Receiver(fail_first=2)) as receiver:
        with db.transaction(database.session_factory) as session:
            world = build_world(session)
            manager = world.principal(session, "a.manager")
            _, secret = webhooks_service.create_endpoint(session, principal=manager, endpoint_in=EndpointCreate(
                url=receiver.url, events=["orders.submitted"]))
        with db.transaction(database.session_factory) as session:
            events.publish(session=session, event=OrderSubmitted(
                order_id=1, order_no="XYD202612050001", enterprise_id=world.good_enterprise,
                bank_organisation_id=world.bank_a, amount_fen=20_000_000))
        try:
            got = receiver.wait_for(3, timeout=90)
        except AssertionError:
            raise AssertionError(worker[1].read_text(errors="replace")[-4000:]) from None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with database.session_factory() as session:
                delivery = session.scalars(select(WebhookDelivery)).one()
                if delivery.status == "delivered":
                    break
            time.sleep(0.1)
    assert [r.answered for r in got] == [500, 500, 200]
    first_gap, second_gap = got[1].at - got[0].at, got[2].at - got[1].at
    assert first_gap >= 0.9 and second_gap >= 1.8 and second_gap > first_gap, (first_gap, second_gap)
    assert all(verify_signature(secret, body=r.body, timestamp=r.headers["X-Xinyidai-Timestamp"],
                                signature_header=r.headers["X-Xinyidai-Signature"]) for r in got)
    with database.session_factory() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("delivered", 3)
        codes = [a.status_code for a in session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.number))]
        assert codes == [500, 500, 200]
