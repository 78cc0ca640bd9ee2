"""Every audit entry names its caller, whatever kind it is: a user's portal session, an institution's API client
(the bank client that changed its classification bands was once recorded as nobody), an operator at the command
line (the operating-system account and the command) and a job of the platform (its name); the search page shows
each in words, and the chain stays intact with entries of every kind."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.integration.conftest import World, login
from tests.integration.rights.test_rights import REASON, _grade
from xinyidai import clock, db
from xinyidai.audit import service as audit_service
from xinyidai.audit.actor import Actor, ActorKind
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import Role
from xinyidai.cli import app, upgrade_database
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import ApiClientCreate
from xinyidai.rights import service as rights_service

BANDS = [{"category": "normal", "min_days_past_due": 0}, {"category": "special_mention", "min_days_past_due": 1},
         {"category": "substandard", "min_days_past_due": 91}, {"category": "doubtful", "min_days_past_due": 181},
         {"category": "loss", "min_days_past_due": 361}]


def _only(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).one()


def test_a_bank_api_client_changing_the_bands_is_named_as_the_client(session: Session, world: World,
                                                                     client: TestClient) -> None:
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.bank_a, name="信贷系统", roles=[Role.BANK_MANAGER]))
    session.commit()
    token = identity_service.issue_client_token(session, client_id=created.client_id,
                                                client_secret=created.client_secret).token
    session.commit()
    assert token is not None
    response = client.put("/api/v1/bank/classification-bands", json=BANDS,
                          headers={"Authorization": f"Bearer {token.access_token}"})
    assert response.status_code == 200, response.text
    entry = _only(session, "loans.classification_bands_set")
    assert (entry.actor_kind, entry.actor_api_client_id, entry.actor_user_id, entry.actor_organisation_id) == (
        ActorKind.API_CLIENT, created.id, None, world.bank_a)
    assert entry.sequence is not None  # the request committed: the entry is chained
    issued = _only(session, "identity.token_issued")
    assert (issued.actor_kind, issued.actor_api_client_id) == (ActorKind.API_CLIENT, created.id)
    assert audit_service.verify(session).intact


def test_a_user_session_is_named_as_the_user(session: Session, world: World, client: TestClient) -> None:
    login(client, "admin")
    assert client.get("/admin/audit", params={"action": "orders.accepted"}).status_code == 200
    admin = world.principal(session, "admin")
    entry = _only(session, "audit.searched")
    assert (entry.actor_kind, entry.actor_user_id, entry.actor_api_client_id, entry.actor_organisation_id) == (
        ActorKind.USER, admin.user_id, None, admin.organisation_id)
    assert entry.actor_label is None
    page = client.get("/admin/audit", params={"action": "audit.searched"})
    assert f'data-testid="audit-actor-{entry.sequence}">用户 #{admin.user_id}<' in page.text


def test_a_platform_job_is_named_by_the_job(session: Session, world: World, client: TestClient,
                                            frozen_clock: clock.FixedClock) -> None:
    record = _grade(session, world)
    rights_service.file_objection(session, principal=world.principal(session, "good"), record_id=record.id,
                                  reason=REASON)
    session.commit()
    frozen_clock.advance(timedelta(days=8))
    assert len(rights_service.escalate_overdue(session)) == 1
    session.commit()
    entry = _only(session, "rights.objection_escalated")
    assert (entry.actor_kind, entry.actor_label, entry.actor_user_id, entry.actor_api_client_id) == (
        ActorKind.SYSTEM, "objection_escalation", None, None)
    login(client, "admin")
    page = client.get("/admin/audit", params={"action": "rights.objection_escalated"})
    assert f'data-testid="audit-actor-{entry.sequence}">系统任务：异议逾期督办<' in page.text
    assert audit_service.verify(session).intact


def test_an_unsigned_caller_is_named_public(session: Session, world: World) -> None:
    assert not identity_service.login(session, username="nobody-at-all", password="wrong-password-1").ok
    session.commit()
    entry = _only(session, "identity.login")
    assert (entry.actor_kind, entry.actor_user_id, entry.outcome) == (ActorKind.PUBLIC, None, "failure")


@pytest.fixture
def committed_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[db.Database]:
    url = f"sqlite:///{tmp_path / 'actors.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    yield database
    database.engine.dispose()


def test_a_command_line_operator_is_named_by_account_and_command(committed_sqlite: db.Database) -> None:
    result = CliRunner().invoke(app, ["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    with committed_sqlite.session_factory() as session:
        entry = _only(session, "crypto.rotated")
        assert entry.actor_kind == ActorKind.CLI
        assert entry.actor_label == f"{getpass.getuser()}: xinyidai crypto rotate"
        assert entry.actor_user_id is None and entry.actor_organisation_id is None
        # Entries of every kind chain together, and the command line says the chain is intact.
        with db.transaction(committed_sqlite.session_factory) as writing:
            for actor in (Actor.system("end_of_day"), Actor.public(), Actor.user(1, organisation_id=1),
                          Actor.api_client(2, organisation_id=1)):
                audit_service.record(writing, actor=actor, action="test.kind")
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "审计链完整" in verified.output and "5 条" in verified.output


def test_a_principal_of_either_kind_becomes_its_actor(world: World, session: Session) -> None:
    user = world.principal(session, "a.manager")
    assert Actor.of(user) == Actor(kind=ActorKind.USER, user_id=user.user_id, organisation_id=world.bank_a)
    machine = type(user)(organisation_id=world.bank_a, organisation_kind=user.organisation_kind, roles=user.roles,
                         api_client_id=9)
    assert Actor.of(machine) == Actor(kind=ActorKind.API_CLIENT, api_client_id=9, organisation_id=world.bank_a)
