"""`xinyidai crypto rotate`: personal data re-encrypted under a new key in committed batches, every encrypted column
of it, still found by its blind index, readable once the old key is retired; a new blind-index key is taken up with
--all."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import xinyidai.models  # noqa: F401  (every table in Base.metadata)
from tests.integration.conftest import id_number, uscc
from xinyidai import crypto, db
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.cli import app, encrypted_columns, upgrade_database
from xinyidai.config import get_settings
from xinyidai.identity import service as identity_service
from xinyidai.identity.onboarding import service as onboarding
from xinyidai.identity.onboarding.models import InstitutionApplication
from xinyidai.identity.onboarding.schemas import InstitutionApplicationCreate
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.models import Enterprise
from xinyidai.registry.realname import ID_CONTEXT
from xinyidai.registry.schemas import EnterpriseCreate
from xinyidai.webhooks import service as webhooks_service
from xinyidai.webhooks.schemas import EndpointCreate

K1 = base64.b64encode(bytes(range(32))).decode()
K2 = base64.b64encode(bytes(range(100, 132))).decode()


@pytest.fixture
def committed_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[db.Database]:
    url = f"sqlite:///{tmp_path / 'crypto.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    yield database
    database.engine.dispose()
    get_settings.cache_clear()


def _keys(monkeypatch: pytest.MonkeyPatch, keys: dict[str, str], active: str, index_key: str | None = None) -> None:
    monkeypatch.setenv("XINYIDAI_DATA_KEYS", json.dumps(keys))
    monkeypatch.setenv("XINYIDAI_ACTIVE_DATA_KEY_ID", active)
    if index_key:
        monkeypatch.setenv("XINYIDAI_BLIND_INDEX_KEY", index_key)
    get_settings.cache_clear()


def _every_cipher(database: db.Database) -> dict[str, list[str]]:
    """Each encrypted column's stored values (where there is one: a nullable column's empty rows are not), read with
    plain SQL."""
    with database.session_factory() as session:
        tables = {table.name: table for table in db.Base.metadata.sorted_tables}
        return {column.name: list(session.scalars(select(tables[table].c[name]).where(
                    tables[table].c[name].is_not(None))))
                for column in encrypted_columns() for table, name in [column.name.split(".")]}


def test_rotation_knows_every_encrypted_column() -> None:
    ciphers = {f"{table.name}.{column.name}" for table in db.Base.metadata.sorted_tables for column in table.columns
               if column.name.endswith("_cipher")}
    assert ciphers and {column.name for column in encrypted_columns()} == ciphers


def _ciphers(database: db.Database) -> dict[str, tuple[str, str]]:
    with database.session_factory() as session:
        return {e.uscc: (e.legal_rep_id_cipher, e.legal_rep_id_index) for e in session.scalars(select(Enterprise))}


def test_rotate_re_encrypts_in_batches_and_the_old_key_can_then_be_retired(
        committed_sqlite: db.Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _keys(monkeypatch, {"k1": K1}, "k1")
    with db.transaction(committed_sqlite.session_factory) as session:
        area = registry_service.create_area(session, code="500108001", name="南坪街道", kind="street")
        for n in range(5):
            registry_service.create(session, enterprise_in=EnterpriseCreate(
                uscc=uscc(f"MA000010{n}"), name=f"重庆测试{n}有限公司", kind="enterprise", legal_rep_name="张三",
                legal_rep_id_number=id_number(f"1980010{n + 1}"), registration_date=date(2018, 5, 1),
                industry_code="F52", district_area_id=area.id))
        for n in range(3):
            onboarding.submit_application(session, application_in=InstitutionApplicationCreate(
                organisation_name=f"重庆测试{n}银行", uscc=uscc(f"MA0BK010{n}"), kind="bank",
                licence_number="B1234H250010001", contact_name="钱七", contact_mobile=f"1391234567{n}",
                requested_scopes=["credit_query"]))
        # A webhook endpoint whose secret was rotated: both its secrets are read to sign, so both must rotate.
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="重庆测试银行", kind=OrgKind.BANK))
        manager = Principal(organisation_id=bank.id, organisation_kind=OrgKind.BANK,
                            roles=frozenset({Role.BANK_MANAGER}))
        endpoint, _ = webhooks_service.create_endpoint(session, principal=manager, endpoint_in=EndpointCreate(
            url="https://bank.example.com/hooks", events=["orders.submitted"]))
        webhooks_service.rotate_secret(session, principal=manager, endpoint_id=endpoint.id)
        # Users' own mobile numbers: two given, one not.
        for n in range(3):
            user = identity_service.create_user(session, user_in=UserCreate(
                organisation_id=bank.id, username=f"bank.user{n}", display_name=f"行员{n}",
                password="Xyd-rotation-2026", roles=[Role.BANK_LOAN_OFFICER]))
            if n < 2:
                identity_service.set_mobile(session, user_id=user.id, mobile=f"1381234567{n}")
    before = _ciphers(committed_sqlite)
    assert {crypto.key_id_of(c) for c, _ in before.values()} == {"k1"}
    assert {crypto.key_id_of(c) for values in _every_cipher(committed_sqlite).values() for c in values} == {"k1"}

    _keys(monkeypatch, {"k1": K1, "k2": K2}, "k2")
    result = CliRunner().invoke(app, ["crypto", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "11 条个人信息已使用密钥 k2 重新加密" in result.output
    after = _ciphers(committed_sqlite)
    assert {crypto.key_id_of(c) for c, _ in after.values()} == {"k2"}
    assert all(after[code][1] == before[code][1] for code in before)  # same index key: same index
    every = _every_cipher(committed_sqlite)
    assert {name: len(values) for name, values in every.items()} == {
        "enterprise.legal_rep_id_cipher": 5, "institution_application.contact_mobile_cipher": 3,
        "webhook_endpoint.secret_cipher": 1, "webhook_endpoint.previous_secret_cipher": 1,
        "user_account.mobile_cipher": 2}
    assert {crypto.key_id_of(c) for values in every.values() for c in values} == {"k2"}

    _keys(monkeypatch, {"k2": K2}, "k2")  # k1 retired: every encrypted column still opens
    for column in encrypted_columns():
        for cipher in every[column.name]:
            assert crypto.decrypt(cipher, context=column.context)
    with committed_sqlite.session_factory() as session:
        mobiles = {crypto.decrypt(a.contact_mobile_cipher, context=onboarding.MOBILE_CONTEXT)
                   for a in session.scalars(select(InstitutionApplication))}
        assert mobiles == {"13912345670", "13912345671", "13912345672"}
        first = registry_service.get_by_uscc(session, uscc=uscc("MA0000100"))
        assert first is not None
        assert crypto.decrypt(first.legal_rep_id_cipher, context=ID_CONTEXT) == id_number("19800101")
        assert registry_service.verify_real_name(session, uscc=first.uscc, legal_rep_name="张三",
                                                 id_number=id_number("19800101")).matched
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "crypto.rotated")).all()
        assert entry.detail == {"reencrypted": 11, "everything": False, "columns": [
            {"column": "enterprise.legal_rep_id_cipher", "reencrypted": 5},
            {"column": "institution_application.contact_mobile_cipher", "reencrypted": 3},
            {"column": "user_account.mobile_cipher", "reencrypted": 2},
            {"column": "webhook_endpoint.secret_cipher", "reencrypted": 1},  # the endpoint, both its secrets
            {"column": "webhook_endpoint.previous_secret_cipher", "reencrypted": 0}]}
    again = CliRunner().invoke(app, ["crypto", "rotate"])
    assert again.exit_code == 0 and "0 条" in again.output  # nothing left under another key

    _keys(monkeypatch, {"k2": K2}, "k2", index_key="a-blind-index-key-of-its-own-0123456789")
    with committed_sqlite.session_factory() as session:
        assert not registry_service.verify_real_name(session, uscc=uscc("MA0000100"), legal_rep_name="张三",
                                                     id_number=id_number("19800101")).matched
    assert CliRunner().invoke(app, ["crypto", "rotate", "--all"]).exit_code == 0
    with committed_sqlite.session_factory() as session:
        assert registry_service.verify_real_name(session, uscc=uscc("MA0000100"), legal_rep_name="张三",
                                                 id_number=id_number("19800101")).matched
