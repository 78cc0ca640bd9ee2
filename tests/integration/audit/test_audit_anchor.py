"""The audit chain anchored outside the database: a chain rewritten wholesale (an entry changed, every later hash
recomputed, the head updated) passes the hash walk but not the keyed checkpoints, and `audit verify` says where;
a checkpoint line made without the key is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyidai import db
from xinyidai.audit import anchor, chain
from xinyidai.audit import service as audit_service
from xinyidai.audit.chain import Breakage
from xinyidai.audit.models import AuditEntry
from xinyidai.cli import app, upgrade_database
from xinyidai.config import get_settings

TEST_ACTOR = audit_service.Actor.system("test")


@pytest.fixture
def every_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint each time the chain passes a multiple of two entries."""
    monkeypatch.setenv("XINYIDAI_AUDIT_ANCHOR_INTERVAL", "2")
    get_settings.cache_clear()


def _record(session: Session, count: int) -> None:
    for n in range(count):
        audit_service.record(session, actor=TEST_ACTOR, action="orders.accepted", subject_id=n)
        session.commit()


def _rewrite_wholesale(session: Session, *, sequence: int) -> None:
    """What someone with write access to the database can do: change the entry at `sequence`, recompute the hash
    of it and of every later entry, and move the head to the new last hash."""
    session.execute(text("UPDATE audit_entry SET outcome = 'failure' WHERE sequence = :s"), {"s": sequence})
    session.expire_all()
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)))
    prev = chain.GENESIS_HASH
    for entry in entries:
        new_hash = chain.link(prev, {name: getattr(entry, name) for name in (*chain.FIELDS, *chain.OPTIONAL_FIELDS)})
        session.execute(text("UPDATE audit_entry SET prev_hash = :p, entry_hash = :h WHERE id = :id"),
                        {"p": prev, "h": new_hash, "id": entry.id})
        prev = new_hash
    session.execute(text("UPDATE audit_chain_head SET entry_hash = :h"), {"h": prev})
    session.expire_all()


def test_checkpoints_are_written_at_commit_every_interval(session: Session, every_two: None,
                                                          _audit_anchor_of_the_test: Path) -> None:
    _record(session, 5)
    checkpoints = anchor.read()
    assert [c.sequence for c in checkpoints.valid] == [2, 4] and not checkpoints.refused
    hashes = {sequence: entry_hash for sequence, entry_hash in
              session.execute(select(AuditEntry.sequence, AuditEntry.entry_hash))}
    assert all(hashes[c.sequence] == c.entry_hash for c in checkpoints.valid)
    result = audit_service.verify(session)
    assert result.intact and result.anchors_checked == 2


def test_a_chain_rewritten_wholesale_is_caught_at_the_first_checkpoint(session: Session, every_two: None) -> None:
    _record(session, 7)  # checkpoints at 2, 4, 6
    _rewrite_wholesale(session, sequence=3)
    # The hashes alone no longer tell: every link and the head agree with the rewritten entries.
    assert chain.walk(audit_service._chain_rows(session)).intact
    result = audit_service.verify(session)
    assert result.broken is not None
    assert (result.broken.kind, result.broken.sequence) == (Breakage.CHECKPOINT_MISMATCH, 4)
    assert "库外检查点不符" in result.broken.message and result.count == 3


def test_entries_deleted_from_the_end_with_the_head_moved_back_are_caught(session: Session, every_two: None) -> None:
    _record(session, 4)
    session.execute(text("DELETE FROM audit_entry WHERE sequence > 2"))
    last = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.sequence == 2))
    session.execute(text("UPDATE audit_chain_head SET sequence = 2, entry_hash = :h"), {"h": last})
    session.expire_all()
    result = audit_service.verify(session)
    assert result.broken is not None and result.broken.kind is Breakage.DELETED and result.broken.sequence == 3


def test_a_checkpoint_line_forged_without_the_key_is_refused(session: Session, every_two: None,
                                                             _audit_anchor_of_the_test: Path) -> None:
    _record(session, 3)
    _rewrite_wholesale(session, sequence=1)
    forged_hash = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.sequence == 2))
    original = _audit_anchor_of_the_test.read_text()
    # The forger rewrites the file to agree with the rewritten chain, with a MAC under a key of their own.
    forged = anchor.line_for(b"a-guessed-key", sequence=2, entry_hash=forged_hash or "", at=audit_service.clock.now())
    _audit_anchor_of_the_test.write_text(forged + "\n" + json.dumps({"sequence": 2}) + "\n")
    result = audit_service.verify(session)
    assert not result.intact and result.anchors_checked == 0
    assert result.refused_anchors == ("检查点文件第 1 行被拒绝：校验码不符（伪造、被改动或使用了其他密钥）",
                                      "检查点文件第 2 行被拒绝：不是有效的检查点记录")
    # The genuine checkpoint left in place catches the rewrite.
    _audit_anchor_of_the_test.write_text(original + forged + "\n")
    result = audit_service.verify(session)
    assert result.broken is not None and result.broken.kind is Breakage.CHECKPOINT_MISMATCH
    assert len(result.refused_anchors) == 1


def test_cli_checkpoint_then_verify_names_the_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    runner = CliRunner()
    try:
        with db.transaction(database.session_factory) as session:
            for n in range(3):
                audit_service.record(session, actor=TEST_ACTOR, action="orders.accepted", subject_id=n)
        result = runner.invoke(app, ["audit", "checkpoint"])
        assert result.exit_code == 0, result.output
        assert "已记录检查点" in result.output and "序号 3" in result.output
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "审计链完整" in result.output and "1个库外检查点" in "".join(result.output.split())
        with database.session_factory() as session:
            _rewrite_wholesale(session, sequence=2)
            session.commit()
        result = runner.invoke(app, ["audit", "verify"])
        assert result.exit_code == 1, result.output
        output = "".join(result.output.split())
        assert "checkpoint_mismatch" in output and "序号3" in output
    finally:
        database.engine.dispose()


@pytest.mark.parametrize("lose", ["delete", "empty", "cut back"])
def test_a_checkpoint_file_deleted_emptied_or_cut_back_fails_verification(
        session: Session, every_two: None, _audit_anchor_of_the_test: Path, lose: str) -> None:
    _record(session, 5)
    assert audit_service.verify(session).intact
    if lose == "delete":
        _audit_anchor_of_the_test.unlink()
    else:
        lines = _audit_anchor_of_the_test.read_text().splitlines(keepends=True)
        _audit_anchor_of_the_test.write_text("" if lose == "empty" else lines[0])
    result = audit_service.verify(session)
    assert not result.intact
    assert result.broken is not None and result.broken.kind is Breakage.CHECKPOINT_MISSING
    assert result.broken.sequence == 4 and "库外检查点" in result.broken.message
