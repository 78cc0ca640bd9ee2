"""Parallel wrong passwords (and client secrets) on PostgreSQL: every failure is counted, the lock holds against
the right one until it ends, and no request is a 5xx."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import CSRF_RE, PASSWORD, build_world
from xinyidai import clock, db
from xinyidai.auth.enums import Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import LoginThrottle
from xinyidai.identity.schemas import ApiClientCreate
from xinyidai.main import create_app

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)
ATTEMPTS = 50


def _in_parallel(attempt: object, n: int) -> Counter[int]:
    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(attempt, range(n)))  # type: ignore[arg-type]


def test_parallel_wrong_passwords_lock_the_name_and_the_right_one_waits_for_the_lock_to_end(
        committed_database: db.Database, frozen_clock: clock.FixedClock) -> None:
    with db.transaction(committed_database.session_factory) as session:
        build_world(session)
    with TestClient(create_app(session_factory=committed_database.session_factory)) as client:
        match = CSRF_RE.search(client.get("/login").text)
        assert match
        token = match.group(1)

        def attempt(n: int, username: str = "good") -> int:
            return client.post("/login", data={"username": username, "password": f"wrong{n}pass",
                                               "csrf_token": token}, follow_redirects=False).status_code

        statuses = _in_parallel(attempt, ATTEMPTS)
        # Exactly max_failures - 1 passwords were refused as wrong; the fifth failure locked the name and every
        # attempt after it was refused unchecked. Nothing was a 5xx.
        assert statuses == Counter({401: 4, 429: ATTEMPTS - 4}), statuses
        right = {"username": "good", "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=right, follow_redirects=False).status_code == 429
        # A name never seen before: 50 first failures at once are no unique violation.
        unknown = _in_parallel(lambda n: attempt(n, username="nobody.new"), ATTEMPTS)
        assert unknown == Counter({401: 4, 429: ATTEMPTS - 4}), unknown
        with committed_database.session_factory() as session:
            counts = dict(session.execute(select(LoginThrottle.username_key, LoginThrottle.failure_count)).all())
        assert counts == {"good": 5, "nobody.new": 5}
        frozen_clock.advance(timedelta(minutes=16))
        assert client.post("/login", data=right, follow_redirects=False).status_code == 303


def test_parallel_wrong_client_secrets_lock_the_client_id(
        committed_database: db.Database, frozen_clock: clock.FixedClock) -> None:
    with db.transaction(committed_database.session_factory) as session:
        world = build_world(session)
        created = identity_service.create_api_client(session, client_in=ApiClientCreate(
            organisation_id=world.bank_a, name="甲银行信贷系统", roles=[Role.BANK_LOAN_OFFICER]))
    form = {"grant_type": "client_credentials", "client_id": created.client_id}
    with TestClient(create_app(session_factory=committed_database.session_factory)) as client:
        statuses = _in_parallel(lambda n: client.post("/api/v1/oauth/token", data={
            **form, "client_secret": f"guess-{n}"}).status_code, ATTEMPTS)
        assert statuses == Counter({401: 4, 429: ATTEMPTS - 4}), statuses
        locked = client.post("/api/v1/oauth/token", data={**form, "client_secret": created.client_secret})
        assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
        frozen_clock.advance(timedelta(minutes=16))
        assert client.post("/api/v1/oauth/token", data={
            **form, "client_secret": created.client_secret}).status_code == 200
