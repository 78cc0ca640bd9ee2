"""A small world for integration tests: the platform, two banks with products, entities and users."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TEST_DATABASE_URL
from xinyidai import clock, db
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.cli import upgrade_database
from xinyidai.creditdata import service as creditdata_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import ApiClientCreate, OrganisationCreate, UserCreate
from xinyidai.main import create_app
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.schemas import ProductCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import id_check_char, uscc_check_char
from xinyidai.registry.schemas import EnterpriseCreate

PASSWORD = "Test2026pass"


def uscc(body: str, prefix: str = "91") -> str:
    """A valid USCC for a 9-character organisation-code body."""
    first17 = f"{prefix}500108{body}"
    return first17 + uscc_check_char(first17)


def id_number(birth: str, seq: str = "123") -> str:
    """A valid identity number issued in Nan'an for a YYYYMMDD birth date."""
    first17 = f"500108{birth}{seq}"
    return first17 + id_check_char(first17)


@dataclass
class World:
    """Ids and principals of the fixture world."""

    platform_org: int
    bank_a: int
    bank_b: int
    product_a: int
    product_b: int
    good_enterprise: int
    good_id_number: str
    other_enterprise: int
    late_enterprise: int
    unregistered_enterprise: int
    unregistered_id_number: str
    area: int
    guarantor_org: int
    tax_org: int
    amr_org: int

    def principal(self, session: Session, username: str) -> Principal:
        users = [u for u in identity_service.list_users(session) if u.username == username]
        return identity_service.principal_for_user(users[0])


def _user(session: Session, org: int, username: str, roles: list[Role]) -> None:
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=org, username=username, display_name=username, password=PASSWORD, roles=roles,
    ))


def _enterprise(session: Session, area: int, body: str, name: str, rep: str, idn: str, **kw: object) -> int:
    data: dict[str, object] = dict(
        uscc=uscc(body), name=name, kind="enterprise", legal_rep_name=rep, legal_rep_id_number=idn,
        registration_date=date(2018, 5, 1), registered_capital_fen=200_000_000, industry_code="F52",
        district_area_id=area, last_annual_report_year=2025, employees=12,
    )
    data.update(kw)
    return registry_service.create(session, enterprise_in=EnterpriseCreate.model_validate(data)).id


def _enterprise_org(session: Session, enterprise_id: int, username: str) -> None:
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id,
    ))
    _user(session, org.id, username, [Role.ENTERPRISE_ADMIN])


def build_world(session: Session) -> World:
    """Create the fixture world in the test's transaction."""
    org = identity_service.create_organisation
    platform = org(session, organisation_in=OrganisationCreate(name="平台运营中心", kind=OrgKind.PLATFORM_OPERATOR))
    _user(session, platform.id, "admin", [Role.PLATFORM_ADMIN])
    bank_a = org(session, organisation_in=OrganisationCreate(name="甲银行", kind=OrgKind.BANK))
    bank_b = org(session, organisation_in=OrganisationCreate(name="乙银行", kind=OrgKind.BANK))
    _user(session, bank_a.id, "a.officer", [Role.BANK_LOAN_OFFICER])
    _user(session, bank_a.id, "a.manager", [Role.BANK_MANAGER])
    _user(session, bank_b.id, "b.officer", [Role.BANK_LOAN_OFFICER])
    _user(session, bank_b.id, "b.manager", [Role.BANK_MANAGER])
    guarantor = org(session, organisation_in=OrganisationCreate(name="丙担保", kind=OrgKind.GUARANTEE_COMPANY))
    _user(session, guarantor.id, "guarantor", [Role.GUARANTEE_OFFICER])
    departments = {}
    for code, name, username in (("tax", "南岸区税务局", "tax.officer"), ("amr", "南岸区市场监管局", "amr.officer")):
        department = org(session, organisation_in=OrganisationCreate(name=name, kind=OrgKind.GOVERNMENT_DEPARTMENT))
        _user(session, department.id, username, [Role.DEPARTMENT_DATA_OFFICER])
        creditdata_service.bind_department(session, code=code, organisation_id=department.id)
        departments[code] = department.id
    products = []
    for bank_username, code in (("a.manager", "CHONGXINDAI"), ("b.manager", "OTHER")):
        users = [u for u in identity_service.list_users(session) if u.username == bank_username]
        manager = identity_service.principal_for_user(users[0])
        product = products_service.create(session, principal=manager, product_in=ProductCreate(
            code=code, name="重信贷" if code == "CHONGXINDAI" else "乙行贷", min_rate=Decimal("0.035"),
            max_rate=Decimal("0.08"), guarantee_fee_rate=Decimal("0.012"), min_amount_fen=1_000_000,
            max_line_fen=100_000_000, repayment_methods=list(RepaymentMethod), term_options=[6, 12, 24],
        ))
        products_service.publish(session, principal=manager, product_id=product.id)
        products.append(product.id)
    area = registry_service.create_area(session, code="500108001", name="南坪街道", kind="street", is_pilot=True)
    good_idn = id_number("19800101")
    good = _enterprise(session, area.id, "MA0000001", "重庆甲商贸有限公司", "张三", good_idn)
    other = _enterprise(session, area.id, "MA0000002", "重庆乙餐饮有限公司", "李四", id_number("19810202"))
    late = _enterprise(session, area.id, "MA0000003", "南岸区丙商行", "王五", id_number("19820303"),
                       kind="individual_business", last_annual_report_year=2023)
    unreg_idn = id_number("19830404")
    unregistered = _enterprise(session, area.id, "MA0000004", "重庆丁科技有限公司", "赵六", unreg_idn)
    _enterprise_org(session, good, "good")
    _enterprise_org(session, other, "other")
    _enterprise_org(session, late, "late")
    session.commit()
    return World(
        platform_org=platform.id, bank_a=bank_a.id, bank_b=bank_b.id, product_a=products[0],
        product_b=products[1], good_enterprise=good, good_id_number=good_idn, other_enterprise=other,
        late_enterprise=late, unregistered_enterprise=unregistered, unregistered_id_number=unreg_idn,
        area=area.id, guarantor_org=guarantor.id, tax_org=departments["tax"], amr_org=departments["amr"],
    )


@pytest.fixture
def world(session: Session, frozen_clock: clock.FixedClock) -> World:
    """The fixture world, inside the test's transaction."""
    return build_world(session)


@pytest.fixture
def client(session_factory: sessionmaker[Session], world: World) -> Iterator[TestClient]:
    """The application over the test's transaction."""
    with TestClient(create_app(session_factory=session_factory), base_url="http://testserver") as client:
        yield client


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def committed_tax_client(factory: sessionmaker[Session]) -> tuple[World, str]:
    """A committed world and a bearer token of the tax department's API client (its data officer role), for tests
    that push over HTTP from many threads."""
    with db.transaction(factory) as session:
        world = build_world(session)
        created = identity_service.create_api_client(session, client_in=ApiClientCreate(
            organisation_id=world.tax_org, name="税务数据交换", roles=[Role.DEPARTMENT_DATA_OFFICER]))
    with db.transaction(factory) as session:
        token = identity_service.issue_client_token(session, client_id=created.client_id,
                                                    client_secret=created.client_secret).token
    assert token is not None
    return world, token.access_token


def page_csrf(client: TestClient, path: str) -> str:
    """The CSRF token a page's forms carry."""
    response = client.get(path)
    match = CSRF_RE.search(response.text)
    assert match, f"no CSRF token on {path}: {response.status_code}"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the portal form; the client keeps the session cookie."""
    token = page_csrf(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


@contextmanager
def counted_selects(connection: Connection) -> Iterator[list[str]]:
    """The SELECT statements sent on the test's connection while the block runs (to hold a page's queries fixed)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", count)


MakeDatabase = Callable[..., db.Database]


def _fresh_committed(directory: Path, suffix: str, *, lock_timeout_ms: int | None = None, durable: bool = True
                     ) -> tuple[db.Database, str | None]:
    """A fresh migrated database whose transactions really commit, and its PostgreSQL name (None on SQLite).
    Not `durable`: a commit does not wait for the disk (nothing a test reads depends on surviving a power cut)."""
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
        base, _, test_name = TEST_DATABASE_URL.rpartition("/")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        name = "_".join(part for part in (test_name.partition("?")[0], suffix, worker) if part)
        _drop_create(base, name, create=True)
        url = f"{base}/{name}"
        upgrade_database(url)
        settings = ([f"lock_timeout={lock_timeout_ms}"] if lock_timeout_ms else []) + (
            [] if durable else ["synchronous_commit=off"])
        options = "?options=" + "%20".join(f"-c%20{setting.replace('=', '%3D')}" for setting in settings)
        return db.Database(url + (options if settings else "")), name
    url = f"sqlite:///{directory / f'{suffix}.db'}"
    upgrade_database(url)
    database = db.Database(url)
    if not durable:
        event.listen(database.engine, "connect",
                     lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA synchronous=OFF"))
    return database, None


def _discard(database: db.Database, name: str | None) -> None:
    database.engine.dispose()
    if name:
        _drop_create(TEST_DATABASE_URL.rpartition("/")[0] if TEST_DATABASE_URL else "", name, create=False)


@pytest.fixture
def make_committed_database(tmp_path: Path) -> Iterator[MakeDatabase]:
    """Makes fresh migrated databases whose transactions really commit (threads contend, subprocesses see the
    data): `make("import_a")`. On PostgreSQL each is a database named after the test database plus the suffix (and
    the xdist worker), so that runs against different test databases never collide, dropped after the test; on
    SQLite a file in the test's temporary directory. `lock_timeout_ms` turns a lock wait that never ends into an
    error the test reports (PostgreSQL)."""
    made: list[tuple[db.Database, str | None]] = []

    def make(suffix: str, *, lock_timeout_ms: int | None = None) -> db.Database:
        made.append(_fresh_committed(tmp_path, suffix, lock_timeout_ms=lock_timeout_ms))
        return made[-1][0]

    yield make
    for database, name in made:
        _discard(database, name)


@pytest.fixture(scope="module")
def module_committed_database(tmp_path_factory: pytest.TempPathFactory,
                              request: pytest.FixtureRequest) -> Iterator[db.Database]:
    """One fresh database whose transactions really commit, shared by the tests of a module (a world built once
    that many requests work on, each committing as in production), named after the module and dropped after it."""
    suffix = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    database, name = _fresh_committed(tmp_path_factory.mktemp(suffix), f"{suffix}_module", durable=False)
    yield database
    _discard(database, name)


def _drop_create(base: str, name: str, *, create: bool) -> None:
    server = base.replace("+psycopg", "")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            admin.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture
def committed_database(make_committed_database: MakeDatabase, request: pytest.FixtureRequest) -> db.Database:
    """One fresh database whose transactions really commit, named after the test module."""
    return make_committed_database(request.module.__name__.rpartition(".")[2].removeprefix("test_"))
