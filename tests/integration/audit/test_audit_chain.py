"""The audit log's hash chain through the real database: real actions chain, a row changed or deleted with
plain SQL is named by `verify` and by `xinyidai audit verify`, and personal data never reaches the log."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.integration.conftest import World, login
from xinyidai import db
from xinyidai.audit import service as audit_service
from xinyidai.audit.chain import GENESIS_HASH, Breakage
from xinyidai.audit.models import AuditChainHead, AuditEntry
from xinyidai.audit.privacy import MASK
from xinyidai.cli import app, upgrade_database
from xinyidai.identity import service as identity_service
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod

TEST_ACTOR = audit_service.Actor.system("test")


def _entries(session: Session) -> list[AuditEntry]:
    """The entries in chain order, once the test's work is committed (entries are chained at commit)."""
    session.commit()
    session.expire_all()
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)))


def _order_decision(session: Session, world: World) -> None:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=50_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="备货", authorise=True))
    orders_service.accept(session, principal=world.principal(session, "a.officer"), order=order)
    session.commit()


def _tamper(session: Session, sql: str, **params: object) -> None:
    session.execute(text(sql), params)
    session.expire_all()


def test_entries_of_real_actions_form_one_gapless_chain(session: Session, world: World,
                                                        client: TestClient) -> None:
    login(client, "a.officer")
    _order_decision(session, world)
    entries = _entries(session)
    actions = [e.action for e in entries]
    assert "identity.login" in actions and "orders.submitted" in actions and "orders.accepted" in actions
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in pairwise(entries))
    head = session.get(AuditChainHead, audit_service.HEAD_ID)
    assert head is not None and (head.sequence, head.entry_hash) == (entries[-1].sequence, entries[-1].entry_hash)
    result = audit_service.verify(session)
    assert result.intact and result.count == len(entries) and result.last_hash == entries[-1].entry_hash


def test_a_row_changed_with_sql_is_named_exactly(session: Session, world: World) -> None:
    _order_decision(session, world)
    entries = _entries(session)
    target = next(e for e in entries if e.action == "orders.accepted")
    target_id, target_sequence = target.id, target.sequence
    assert audit_service.verify(session).intact
    _tamper(session, "UPDATE audit_entry SET actor_organisation_id = :org WHERE id = :id", org=world.bank_b,
            id=target_id)
    result = audit_service.verify(session)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.entry_id, result.broken.sequence) == (
        Breakage.CONTENT_CHANGED, target_id, target_sequence)
    assert result.count == target_sequence - 1


def test_a_changed_detail_is_caught(session: Session, world: World) -> None:
    _order_decision(session, world)
    target_id = next(e.id for e in _entries(session) if e.action == "orders.accepted")
    _tamper(session, """UPDATE audit_entry SET detail = '{"from": "approved"}' WHERE id = :id""", id=target_id)
    result = audit_service.verify(session)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.entry_id) == (Breakage.CONTENT_CHANGED, target_id)


def test_a_deleted_row_is_named_by_its_sequence(session: Session, world: World) -> None:
    _order_decision(session, world)
    entries = _entries(session)
    target = next(e for e in entries if e.action == "orders.submitted")
    target_id, target_sequence = target.id, target.sequence
    _tamper(session, "DELETE FROM audit_entry WHERE id = :id", id=target_id)
    result = audit_service.verify(session)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.sequence, result.broken.entry_id) == (
        Breakage.DELETED, target_sequence, None)


def test_a_rolled_back_action_leaves_no_gap(session: Session, world: World) -> None:
    before = audit_service.verify(session).last_sequence
    with pytest.raises(RuntimeError), session.begin_nested():
        audit_service.record(session, actor=TEST_ACTOR, action="test.rolled_back")
        raise RuntimeError("the action failed")
    entry = audit_service.record(session, actor=TEST_ACTOR, action="test.kept")
    assert entry.sequence is None  # numbered when the transaction commits
    session.commit()
    assert entry.sequence == before + 1
    assert audit_service.verify(session).intact


def test_failed_login_with_a_phone_number_for_a_name_keeps_it_out_of_the_log(session: Session, world: World) -> None:
    outcome = identity_service.login(session, username="13812345678", password="wrong-password-1")
    assert not outcome.ok
    entry = _entries(session)[-1]
    assert entry.action == "identity.login" and entry.outcome == "failure"
    assert "13812345678" not in str(entry.detail) and entry.detail == {"username": MASK}
    assert "wrong-password-1" not in str(entry.detail)


def test_personal_numbers_given_to_record_are_masked(session: Session, world: World) -> None:
    entry = audit_service.record(session, actor=TEST_ACTOR, action="test.detail",
                                 purpose=f"核对 {world.good_id_number}",
                                 detail={"id_number": world.good_id_number, "note": "联系 13912345678"})
    session.commit()
    session.expire_all()
    stored = session.get(AuditEntry, entry.id)
    assert stored is not None
    assert world.good_id_number not in str(stored.detail) and world.good_id_number not in (stored.purpose or "")
    assert "13912345678" not in str(stored.detail)
    assert audit_service.verify(session).intact


# The command line, against a database of its own whose transactions really commit ------------------------

@pytest.fixture
def committed_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[db.Database]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    yield database
    database.engine.dispose()


def test_cli_verify_reports_an_intact_chain_then_names_the_tampered_entry(committed_sqlite: db.Database) -> None:
    runner = CliRunner()
    with db.transaction(committed_sqlite.session_factory) as session:
        ids = [audit_service.record(session, actor=TEST_ACTOR, action="orders.accepted", subject_id=n).id
               for n in range(3)]
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计链完整" in result.output and "3 条" in result.output
    with committed_sqlite.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET outcome = 'failure' WHERE id = :id"), {"id": ids[1]})
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"条目 #{ids[1]}" in result.output and "content_changed" in result.output and "序号 2" in result.output


def test_the_migration_chains_entries_written_before_it(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from xinyidai.config import PROJECT_ROOT

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    database = db.Database(url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        for n in range(3):
            connection.execute(text(
                "INSERT INTO audit_entry (occurred_at, action, outcome, subject_id, detail) "
                "VALUES (:at, 'identity.login', 'success', :n, '{\"k\": 1}')"),
                {"at": f"2026-11-0{n + 1} 02:00:00", "n": n})
        command.upgrade(config, "head")
    with database.session_factory() as session:
        result = audit_service.verify(session)
        assert result.intact and result.count == 3
        entry = audit_service.record(session, actor=audit_service.Actor.cli("audit verify", os_user="ops"),
                                     action="identity.logout")
        session.commit()
        assert entry.sequence == 4 and entry.actor_kind == "cli" and audit_service.verify(session).intact
    database.engine.dispose()
