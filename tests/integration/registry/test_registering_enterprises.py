"""Only market supervision keeps the register: its data officers and the platform admin add entities, audited."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, id_number, login, page_csrf, uscc
from xinyidai.audit.models import AuditEntry
from xinyidai.registry import service as registry_service


def _entity(body: str, name: str, world: World) -> dict[str, object]:
    return {"uscc": uscc(body), "name": name, "kind": "enterprise", "legal_rep_name": "钱七",
            "legal_rep_id_number": id_number("19850505"), "registration_date": date(2020, 1, 2).isoformat(),
            "registered_capital_fen": 100_000_000, "industry_code": "F52", "district_area_id": world.area,
            "employees": 5}


def _post(client: TestClient, username: str, entity: dict[str, object]) -> int:
    login(client, username)
    response = client.post("/api/v1/registry/enterprises", json=entity,
                           headers={"X-CSRF-Token": page_csrf(client, "/account")})
    client.cookies.clear()
    return response.status_code


@pytest.mark.parametrize("username", ["amr.officer", "admin"])
def test_market_supervision_and_the_platform_admin_register_audited(
        client: TestClient, session: Session, world: World, username: str) -> None:
    entity = _entity("MA0000101", "重庆戊贸易有限公司", world)
    assert _post(client, username, entity) == 201
    session.expire_all()
    registered = registry_service.get_by_uscc(session, uscc=str(entity["uscc"]))
    assert registered is not None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "registry.enterprise_registered",
                                                     AuditEntry.outcome == "success")).one()
    assert entry.enterprise_id == registered.id and entry.actor_user_id is not None


@pytest.mark.parametrize("username", ["tax.officer", "a.officer", "good"])
def test_other_departments_and_everyone_else_are_refused(
        client: TestClient, session: Session, world: World, username: str) -> None:
    entity = _entity("MA0000102", "重庆己贸易有限公司", world)
    assert _post(client, username, entity) == 403
    session.expire_all()
    assert registry_service.get_by_uscc(session, uscc=str(entity["uscc"])) is None
    if username == "tax.officer":  # the department's attempt is on record
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "registry.enterprise_registered"))
        assert [e.outcome for e in refused] == ["refused"]


@pytest.mark.parametrize("employees", [2**31, 2**63, 10_000_001, True, "12"])
def test_a_head_count_beyond_any_employer_or_not_a_number_is_refused_before_the_database(
        client: TestClient, session: Session, world: World, employees: object) -> None:
    # 2**31 overflows PostgreSQL's INTEGER column, 2**63 SQLite's: each a 500 if the schema let it through.
    entity = {**_entity("MA0000103", "重庆庚贸易有限公司", world), "employees": employees}
    assert _post(client, "admin", entity) == 422
    session.expire_all()
    assert registry_service.get_by_uscc(session, uscc=str(entity["uscc"])) is None


@pytest.mark.parametrize("field", ["registration_date", "abnormal_since"])
def test_a_date_before_any_register_is_refused(client: TestClient, session: Session, world: World,
                                               field: str) -> None:
    entity = {**_entity("MA0000104", "重庆辛贸易有限公司", world), field: "0001-01-01"}
    assert _post(client, "admin", entity) == 422
    session.expire_all()
    assert registry_service.get_by_uscc(session, uscc=str(entity["uscc"])) is None
