"""Two real nodes over HTTP: the provincial node 500000 and the local node 500108, each a uvicorn process on
127.0.0.1 with its own SQLite file and signing key, exchanging by `xinyidai network sync` (capture, directory, pulls).

Up: the local node's registrations and public records reach the province once, with provenance; what needs the
firm's authorisation stays home. Down: a national record reaches the local node once, with its channel, and does not
come back. A sender down during a sync changes nothing and is caught up after; a removed member is refused and
logged. Batches are kept small so that every exchange takes several."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.integration.conftest import id_number, uscc
from xinyidai import db
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind
from xinyidai.cli import upgrade_database
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord, ImportBatch
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate
from xinyidai.network import policy, service
from xinyidai.network.models import NetworkCursor, NetworkEnterprise, NetworkMessage
from xinyidai.network.policy import MemberStatus, Role
from xinyidai.registry import service as registry_service
from xinyidai.registry.schemas import EnterpriseCreate

# On PostgreSQL (XINYIDAI_TEST_DATABASE_URL) each node has a database of its own beside the test database
# (`<test database>_500000`, ...); otherwise a SQLite file.
TEST_DATABASE_URL = os.environ.get("XINYIDAI_TEST_DATABASE_URL", "")

SRC = Path(__file__).resolve().parents[3]
FIRM = uscc("MA0000001")
OTHER = uscc("MA0000002")


def _node_database(code: str, workdir: Path, *, create: bool = True) -> str:
    if not TEST_DATABASE_URL.startswith("postgresql"):
        return f"sqlite:///{workdir / 'node.db'}"
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_{code}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return base.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class NodeProcess:
    """One node: its settings, its database, its server process."""

    code: str
    role: Role
    workdir: Path
    port: int
    parent: NodeProcess | None = None
    process: subprocess.Popen[bytes] | None = None
    database: db.Database = field(init=False)

    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = _node_database(self.code, self.workdir)
        self.database = db.Database(self.url)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def key_path(self) -> Path:
        return self.workdir / "signing-key.pem"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XINYIDAI_")}
        env.update({
            "PYTHONPATH": f"{SRC / 'src'}{os.pathsep}{SRC}", "XINYIDAI_DATABASE_URL": self.url,
            "XINYIDAI_ENV": "test", "XINYIDAI_JOBS_ENGINE": "in_process", "XINYIDAI_JOBS_SCHEDULE_IN_PROCESS": "false",
            "XINYIDAI_AUDIT_ANCHOR_PATH": str(self.workdir / "anchor.jsonl"), "NO_COLOR": "1",
            "XINYIDAI_NETWORK_NODE_CODE": self.code, "XINYIDAI_NETWORK_NODE_ROLE": self.role.value,
            "XINYIDAI_NETWORK_ENDPOINT": self.endpoint, "XINYIDAI_NETWORK_SIGNING_KEY_PATH": str(self.key_path),
            "XINYIDAI_NETWORK_BATCH_MAX_ENTRIES": "2", "COLUMNS": "200",
        })
        if self.parent is not None:
            env.update({"XINYIDAI_NETWORK_PARENT_CODE": self.parent.code,
                        "XINYIDAI_NETWORK_PARENT_URL": self.parent.endpoint,
                        "XINYIDAI_NETWORK_PARENT_PUBLIC_KEY": policy.public_key_b64(
                            policy.load_private_key(self.parent.key_path.read_bytes()))})
        return env

    def node(self) -> service.Node:
        parent_key = (policy.public_key_b64(policy.load_private_key(self.parent.key_path.read_bytes()))
                      if self.parent else None)
        return service.Node(code=self.code, role=self.role, name=self.code, endpoint=self.endpoint,
                            parent_code=self.parent.code if self.parent else None,
                            parent_url=self.parent.endpoint if self.parent else None, parent_public_key=parent_key,
                            key_path=self.key_path, max_entries=2)

    def sync(self) -> list[service.Pulled]:
        """What `xinyidai network sync` does, run from the test's process (the exchange is still over HTTP)."""
        return service.sync(self.database.session_factory, node=self.node())

    def start(self) -> None:
        err = (self.workdir / "server.err").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "xinyidai.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port)], env=self.env(), cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=err,
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.workdir / "server.err").read_text()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"node {self.code} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "xinyidai.cli", *args], env=self.env(), cwd=self.workdir,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def count(self, item: str, channel: Channel | None = None) -> int:
        with db.transaction(self.database.session_factory) as session:
            query = select(func.count()).select_from(CreditRecord).where(
                CreditRecord.catalogue_item_id == creditdata_service.get_item(session, code=item).id)
            if channel is not None:
                query = query.where(CreditRecord.channel == channel.value)
            return int(session.scalar(query) or 0)


def _seed(node: NodeProcess, firms: list[tuple[str, str]]) -> None:
    upgrade_database(node.url)
    service.keygen(node.key_path)
    with db.transaction(node.database.session_factory) as session:
        identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=f"平台运营 {node.code}", kind=OrgKind.PLATFORM_OPERATOR))
        area = registry_service.create_area(session, code=f"{node.code}001", name="南坪街道", kind="street")
        for code, birth in firms:
            registry_service.create(session, enterprise_in=EnterpriseCreate.model_validate(dict(
                uscc=code, name=f"企业{code[-4:]}", kind="enterprise", legal_rep_name="张三",
                legal_rep_id_number=id_number(birth), registration_date=date(2018, 5, 1), industry_code="F52",
                district_area_id=area.id, last_annual_report_year=2025)))


def _fact(node: NodeProcess, item: str, values: dict[str, str], channel: Channel, firm: str = FIRM) -> None:
    with db.transaction(node.database.session_factory) as session:
        enterprise = registry_service.get_by_uscc(session, uscc=firm)
        assert enterprise is not None
        creditdata_service.record_platform_fact(session, item_code=item, enterprise_id=enterprise.id, values=values,
                                                channel=channel)


def _copyright(number: str) -> dict[str, str]:
    return {"registration_no": number, "title": "管理软件", "registered_date": "2021-03-04"}


WATER = {"month": "2026-01", "month_end": "2026-01-31", "usage": "12.5", "amount_billed": "30",
         "amount_overdue": "0"}


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """The province and one local node, seeded, the province signing the local node into its directory."""
    province = NodeProcess("500000", Role.PROVINCIAL, tmp_path / "province", _free_port())
    local = NodeProcess("500108", Role.LOCAL, tmp_path / "local", _free_port(), parent=province)
    for node in (province, local):
        node.workdir.mkdir()
    # The firm is registered at both (the provincial registry holds every firm of the province); OTHER only here.
    _seed(province, [(FIRM, "19800101")])
    _seed(local, [(FIRM, "19800101"), (OTHER, "19810202")])
    with db.transaction(province.database.session_factory) as session:
        service.set_member(session, actor=Actor.system("test"), node=province.node(), code=local.code,
                           role=Role.LOCAL, name="南岸区", endpoint=local.endpoint,
                           public_key=policy.public_key_b64(policy.load_private_key(local.key_path.read_bytes())))
        service.publish_directory(session, node=province.node(), actor=Actor.system("test"))
    for node in (province, local):
        node.start()
    try:
        yield province, local
    finally:
        for node in (province, local):
            node.stop()
            node.database.engine.dispose()
            _node_database(node.code, node.workdir, create=False)


def test_two_nodes_exchange_up_and_down_once_and_refuse_a_removed_member(
        network: tuple[NodeProcess, NodeProcess]) -> None:
    province, local = network
    for n in range(5):
        _fact(local, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    _fact(local, "water", WATER, Channel.API_PUSH)  # needs the firm's authorisation: never leaves

    out = local.cli("network", "sync")  # captures its feeds, fetches and verifies the province's directory
    assert "500000 creditdata.record" in out, out
    out = province.cli("network", "sync")  # pulls the local node's registrations and records
    assert "500108 creditdata.record: 3 batches" in out, out
    assert province.count("copyright", Channel.BULK_IMPORT) == 5 and province.count("water") == 0
    with db.transaction(province.database.session_factory) as session:
        homes = dict(session.execute(select(NetworkEnterprise.uscc, NetworkEnterprise.home_node)).all())
        assert homes == {FIRM: "500108", OTHER: "500108"}
        origins = set(session.scalars(select(ImportBatch.file_name).where(ImportBatch.channel == "bulk_import")))
        assert origins and all(o and o.startswith("network/500108/creditdata.record/") for o in origins)
        cursor = session.get(NetworkCursor, ("500108", service.RECORD_TOPIC))
        assert cursor is not None and cursor.position == cursor.peer_head == 6  # the water entry passed, withheld
    with db.transaction(local.database.session_factory) as session:
        assert service.parent_directory(session, node=local.node()) is not None

    # Nothing twice: another sync on both sides adds nothing.
    local.sync()
    again = province.sync()
    assert all(p.entries == 0 and p.error is None for p in again), again
    assert province.count("copyright") == 5

    # Down: a national record at the province reaches the firm's node once, and does not come back.
    _fact(province, "trademark", {"registration_no": "TM-1", "mark": "渝商", "nice_class": "35",
                                  "registered_date": "2020-01-02"}, Channel.NATIONAL)
    province.sync()
    local.sync()
    local.sync()
    assert local.count("trademark", Channel.NATIONAL) == 1
    province.sync()
    assert province.count("trademark") == 1

    # The sender down in the middle: the sync fails, changes nothing; after its restart everything arrives once.
    for n in range(5, 8):
        _fact(local, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    local.sync()
    local.stop()
    assert all(p.error for p in province.sync())
    assert province.count("copyright") == 5
    local.start()
    province.sync()
    assert province.count("copyright") == 8

    # The receiver killed in the middle of a sync (SIGKILL: no clean-up): run again, it resumes from its cursor, every
    # record once. Batches of two make the sync long enough to be cut; if the machine is fast, the counts must
    # match all the same.
    for n in range(8, 40):
        _fact(local, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    local.sync()
    killed = subprocess.Popen([sys.executable, "-m", "xinyidai.cli", "network", "sync"], env=province.env(),
                              cwd=province.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)
    killed.kill()
    killed.wait(timeout=15)
    province.sync()
    assert province.count("copyright") == 40
    with db.transaction(province.database.session_factory) as session:
        cursor = session.get(NetworkCursor, ("500108", service.RECORD_TOPIC))
        assert cursor is not None and cursor.position == cursor.peer_head

    # A removed member is refused from its next exchange, and the refusal is logged.
    with db.transaction(province.database.session_factory) as session:
        service.set_member_status(session, actor=Actor.system("test"), code=local.code, status=MemberStatus.REMOVED)
    errors = [p.error or "" for p in local.sync()]
    assert errors and all("network_sender_not_active" in e for e in errors), errors
    with db.transaction(province.database.session_factory) as session:
        refused = session.scalars(select(NetworkMessage.error_code).where(NetworkMessage.outcome == "refused")).all()
        assert "network_sender_not_active" in refused
        assert service.verify_log(session) is None
