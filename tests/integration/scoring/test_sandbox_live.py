"""The sandbox's limits against a live server: while a model that runs too long, and one that asks for too much
memory, are stopped in their worker processes, the same server keeps answering other requests.

The server is uvicorn in this process on 127.0.0.1 and a free port, over its own database (a SQLite file, or a
fresh PostgreSQL database when XINYIDAI_TEST_DATABASE_URL names a server), so that its requests commit for real.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from tests import sandbox_onnx
from tests.integration.conftest import PASSWORD, World, build_world
from xinyidai import db
from xinyidai.cli import upgrade_database
from xinyidai.consent import service as consent_service
from xinyidai.consent.policy import Purpose
from xinyidai.main import create_app
from xinyidai.scoring.sandbox import runner
from xinyidai.scoring.sandbox import service as sandbox_service
from xinyidai.scoring.sandbox.models import SandboxRun

REF = "LIVE-2026"
FEATURES = "tax_paid_12m, penalties_36m, penalties_12m"
LIMITS = runner.Limits(memory_bytes=256 << 20, cpu_seconds=4, wall_seconds=8.0)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_database(tmp_path: Path) -> Iterator[db.Database]:
    """A migrated database of its own, with the fixture world committed and good's model-run authorisation."""
    base = os.environ.get("XINYIDAI_TEST_DATABASE_URL", "")
    dropper = None
    if base.startswith("postgresql"):
        from tests.e2e.conftest import _drop_postgres_database, _recreate_postgres_database

        name = f"xyd_sandbox_live_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        url = _recreate_postgres_database(base, name)

        def dropper() -> None:
            _drop_postgres_database(base, name)
    else:
        url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade_database(url)
    database = db.Database(url)
    with database.session_factory() as session:
        world: World = build_world(session)
        consent_service.grant(session, enterprise_id=world.good_enterprise,
                              granted_by_user_id=world.principal(session, "good").user_id or 0,
                              recipient_organisation_id=world.bank_a, purpose=Purpose.MODEL_RUN, purpose_ref=REF,
                              categories=["C02", "C04"])
        session.commit()
    yield database
    database.engine.dispose()
    if dropper is not None:
        dropper()


@dataclass
class Live:
    """The running server and a logged-in bank manager's client."""

    url: str
    database: db.Database

    def client(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60)
        token = CSRF_RE.search(client.get("/login").text)
        assert token
        done = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token.group(1)})
        assert done.status_code in (200, 303), done.text
        token = CSRF_RE.search(client.get("/account").text)
        assert token
        client.headers["X-CSRF-Token"] = token.group(1)
        return client


@pytest.fixture
def live(live_database: db.Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """uvicorn serving the application on 127.0.0.1, the sandbox under tight limits; the world's one authorised
    entity is let run (the minimum number of entities is tested in test_sandbox.py)."""
    monkeypatch.setattr(sandbox_service, "MIN_ENTITIES", 1)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(session_factory=live_database.session_factory),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    runner.set_limits(LIMITS)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield Live(url=f"http://127.0.0.1:{port}", database=live_database)
    finally:
        runner.set_limits(None)
        server.should_exit = True
        thread.join(timeout=30)


def _run_while_serving(live: Live, content: bytes) -> tuple[dict, list[int]]:  # type: ignore[type-arg]
    """Upload and run a model; while its run is under way, ask the server other things. Returns the run and the
    status codes of the requests answered before the run came back."""
    bank = live.client("a.manager")
    uploaded = bank.post("/api/v1/sandbox/models", data={"name": "压力模型", "features": FEATURES,
                                                         "output_name": "score"},
                         files={"file": ("m.onnx", content, "application/octet-stream")})
    assert uploaded.status_code == 201, uploaded.text
    answer: dict = {}  # type: ignore[type-arg]

    def run() -> None:
        response = bank.post(f"/api/v1/sandbox/models/{uploaded.json()['id']}/runs", json={"purpose_ref": REF},
                             headers={"Idempotency-Key": "live-run-0001"})
        answer.update(response.json(), http_status=response.status_code)

    running = threading.Thread(target=run)
    running.start()
    other = live.client("b.manager")
    answered = []
    # Ask until the run has come back (at least once): liveness, and a request that reads the database.
    while True:
        answered.append(other.get("/healthz").status_code)
        answered.append(other.get("/api/v1/sandbox/models").status_code)
        if not running.is_alive():
            break
        time.sleep(0.2)
    running.join()
    return answer, answered


def test_a_model_that_runs_too_long_is_stopped_while_the_server_keeps_answering(live: Live) -> None:
    answer, answered = _run_while_serving(live, sandbox_onnx.slow(3))
    assert (answer["http_status"], answer["status"], answer["scores"]) == (201, "timeout", [])
    assert answer["skipped_reasons"] == {"run_stopped": 1}
    assert len(answered) >= 4 and set(answered) == {200}  # answered more than once while the run was under way
    with live.database.session_factory() as session:
        [record] = session.scalars(select(SandboxRun)).all()
        assert record.status == "timeout"


def test_a_model_that_eats_memory_is_stopped_while_the_server_keeps_answering(live: Live) -> None:
    answer, answered = _run_while_serving(live, sandbox_onnx.hungry(3, size=16_000))
    assert (answer["http_status"], answer["status"], answer["scores"]) == (201, "memory", [])
    assert set(answered) == {200}
    # And the server is still there for the next request.
    assert live.client("a.manager").get("/api/v1/sandbox/models").status_code == 200
