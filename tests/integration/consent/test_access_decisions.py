"""Every access decision is on record: an allowed read leaves its read entry, a refused one (revoked, expired,
absent authorisation, or no standing at all) leaves exactly one refusal entry although the refusal rolls the
request back; the entity sees refusals on its access-log page; the chain stays intact; on PostgreSQL refused
and allowed reads running at once never deadlock on the chain head."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import MakeDatabase, World, build_world, login, page_csrf
from tests.integration.consent.test_consent import ALL, _apply, _grant, _read
from xinyidai import clock, db
from xinyidai.audit import service as audit_service
from xinyidai.audit.models import AuditEntry
from xinyidai.cli import app
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import credit_file
from xinyidai.errors import Forbidden
from xinyidai.registry import service as registry_service

REFUSED = consent_service.REFUSED_ACTION
TEST_ACTOR = audit_service.Actor.system("test")
READ = "creditdata.credit_file_read"


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_an_allowed_read_leaves_one_read_entry_and_no_refusal(
        client: TestClient, session: Session, world: World) -> None:
    order = _apply(session, world)
    login(client, "a.officer")
    assert _read(client, world, order.order_no).status_code == 200
    assert len(_entries(session, READ)) == 1
    assert _entries(session, REFUSED) == []


def test_a_read_under_a_revoked_authorisation_leaves_exactly_one_refusal_entry(
        client: TestClient, session: Session, world: World) -> None:
    order = _apply(session, world)
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    login(client, "a.officer")
    refused = _read(client, world, order.order_no)
    assert refused.status_code == 403 and "撤销" in refused.json()["message"]
    [entry] = _entries(session, REFUSED)
    officer = world.principal(session, "a.officer")
    assert (entry.outcome, entry.actor_user_id, entry.actor_organisation_id, entry.enterprise_id) == (
        "refused", officer.user_id, world.bank_a, world.good_enterprise)
    assert entry.purpose == f"financing_application:{order.order_no}"
    assert entry.detail["refusal"] == "revoked" and entry.detail["reason"] == "授权已撤销"
    assert entry.detail["authorisation_id"] == grant.id and entry.detail["categories"] is None
    assert _entries(session, READ) == []
    assert audit_service.verify(session).intact


def test_the_lookup_page_under_an_expired_authorisation_leaves_one_refusal_and_the_log_shows_it(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    _grant(session, world, "REF-EXPIRING", validity=timedelta(days=1))
    frozen_clock.advance(timedelta(days=2))
    login(client, "a.officer")
    page = client.get(f"/credit-files/{world.good_enterprise}", params={"purpose_ref": "REF-EXPIRING"})
    assert page.status_code == 403 and "过期" in page.text
    [entry] = _entries(session, REFUSED)
    assert entry.detail["refusal"] == "expired" and entry.purpose == "financing_application:REF-EXPIRING"
    client.cookies.clear()
    login(client, "good")
    log = client.get("/credit-file/access-log")
    assert log.status_code == 200
    assert "查询被拒绝：授权已过期" in log.text and "甲银行" in log.text


def test_no_authorisation_at_all_and_no_standing_at_all_are_refusals_on_record(
        client: TestClient, session: Session, world: World) -> None:
    login(client, "a.officer")
    assert _read(client, world, "NO-SUCH-REF").status_code == 403
    client.cookies.clear()
    login(client, "other")  # another entity is no institution: it has no standing to read this file
    assert _read(client, world, "NO-SUCH-REF").status_code == 403
    absent, no_standing = _entries(session, REFUSED)
    other_org = world.principal(session, "other").organisation_id
    assert absent.detail["refusal"] == "absent" and absent.actor_organisation_id == world.bank_a
    assert no_standing.detail["refusal"] == "no_standing" and no_standing.actor_organisation_id == other_org
    client.cookies.clear()
    login(client, "good")
    log = client.get("/credit-file/access-log").text
    assert "查询被拒绝：未获授权" in log and "查询被拒绝：无权查看" in log


def test_a_refused_report_download_on_the_page_leaves_one_refusal(
        client: TestClient, session: Session, world: World) -> None:
    uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    login(client, "a.officer")
    token = page_csrf(client, "/credit-reports")
    refused = client.post("/credit-reports", data={"csrf_token": token, "uscc": uscc, "purpose_ref": "RPT-NONE"})
    assert refused.status_code == 403
    [entry] = _entries(session, REFUSED)
    assert entry.purpose == "credit_report_download:RPT-NONE" and entry.detail["refusal"] == "absent"


def test_a_refusal_caught_inside_a_transaction_that_commits_is_written_once_with_it(
        session: Session, world: World) -> None:
    officer = world.principal(session, "a.officer")
    # A savepoint rolled back: the entry waits for the real outcome of the transaction.
    with pytest.raises(Forbidden), session.begin_nested():
        credit_file.require_access(session, principal=officer, enterprise_id=world.good_enterprise,
                                   purpose_ref="NOPE")
    assert _count(session, REFUSED) == 0
    session.commit()
    assert _count(session, REFUSED) == 1
    session.commit()
    assert _count(session, REFUSED) == 1
    assert audit_service.verify(session).intact


def _count(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)) or 0


# Against a database whose transactions really commit (SQLite file, or a PostgreSQL database of its own) -------

@pytest.fixture
def committed(make_committed_database: MakeDatabase, monkeypatch: pytest.MonkeyPatch) -> db.Database:
    """A fresh migrated database that really commits, made the process-wide one (the CLI uses it)."""
    # A lock wait that never ends would hang the test run: make it an error the test reports instead.
    database = make_committed_database("access_decisions", lock_timeout_ms=20000)
    monkeypatch.setattr(db, "_database", database)
    return database


def _committed_world(database: db.Database) -> World:
    with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(database.session_factory) as session:
        world = build_world(session)
        good = world.principal(session, "good").user_id or 0
        for ref in ("LIVE", "GONE"):
            consent_service.grant(session, enterprise_id=world.good_enterprise, granted_by_user_id=good,
                                  recipient_organisation_id=world.bank_a,
                                  purpose=consent_service.Purpose.FINANCING_APPLICATION, purpose_ref=ref,
                                  categories=ALL)
        gone = consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)[0]
        consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=gone.id, user_id=good)
    return world


def _read_once(database: db.Database, world: World, ref: str, *, audited_first: bool = False) -> bool:
    """One request: read the file under `ref` in its own transaction; True when allowed. `audited_first`: the
    transaction has already written an audit entry when the decision comes (which took the chain head when entries
    were chained as they were written; now they are chained at commit)."""
    try:
        with db.transaction(database.session_factory) as session:
            if audited_first:
                audit_service.record(session, actor=TEST_ACTOR, action="test.before_read", subject_id=ref)
            credit_file.read_credit_file(session, principal=world.principal(session, "a.officer"),
                                         enterprise_id=world.good_enterprise, purpose_ref=ref)
        return True
    except Forbidden:
        return False


def test_refusals_commit_on_their_own_and_the_cli_still_verifies_the_chain(committed: db.Database) -> None:
    world = _committed_world(committed)
    assert _read_once(committed, world, "LIVE")
    assert not _read_once(committed, world, "GONE")
    assert not _read_once(committed, world, "GONE", audited_first=True)
    with committed.session_factory() as session:
        assert _count(session, READ) == 1 and _count(session, REFUSED) == 2
        assert _count(session, "test.before_read") == 0  # the request's own work rolled back
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计链完整" in result.output


@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                    reason="row locks and real concurrency: PostgreSQL (SQLite serialises writers)")
def test_refused_and_allowed_reads_at_once_do_not_deadlock(committed: db.Database) -> None:
    world = _committed_world(committed)
    threads, rounds = 6, 8

    def work(worker: int) -> tuple[int, int]:
        allowed = refused = 0
        for n in range(rounds):
            if (worker + n) % 2:
                allowed += _read_once(committed, world, "LIVE", audited_first=n % 3 == 0)
            else:
                refused += not _read_once(committed, world, "GONE", audited_first=n % 3 == 0)
        return allowed, refused

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work, worker) for worker in range(threads)]
        results = [future.result(timeout=120) for future in futures]
    allowed = sum(a for a, _ in results)
    refused = sum(r for _, r in results)
    assert allowed + refused == threads * rounds and allowed == refused == threads * rounds // 2
    with committed.session_factory() as session:
        assert _count(session, READ) == allowed and _count(session, REFUSED) == refused
        result = audit_service.verify(session)
    assert result.intact
