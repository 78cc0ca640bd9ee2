"""Real nodes for network tests: each a uvicorn process on 127.0.0.1 with its own database (a SQLite file, or on
PostgreSQL a database of its own beside the test database) and its own signing key; `seed` migrates and fills one,
`NodeProcess.cli` runs the command line against it."""

from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import sibling_database
from tests.integration.conftest import id_number
from xinyidai import db
from xinyidai.auth.enums import OrgKind
from xinyidai.cli import upgrade_database
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate
from xinyidai.network import policy, service
from xinyidai.network.policy import Role
from xinyidai.registry import service as registry_service
from xinyidai.registry.schemas import EnterpriseCreate

# On PostgreSQL (XINYIDAI_TEST_DATABASE_URL) each node has a database of its own beside the test database
# (`<test database>_500000`, ...); otherwise a SQLite file.
TEST_DATABASE_URL = os.environ.get("XINYIDAI_TEST_DATABASE_URL", "")

SRC = Path(__file__).resolve().parents[3]
# A loaded CI machine (two cores, both test runs and their servers) starts a server and answers a push slowly.
START_TIMEOUT = 180
PUSH_TIMEOUT = 60.0


def node_database(code: str, workdir: Path, *, create: bool = True) -> str:
    """The node's database: a SQLite file in its folder, or on PostgreSQL a database beside the test database named
    after the xdist worker and the node (two workers' network tests must not drop each other's nodes)."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        return f"sqlite:///{workdir / 'node.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return sibling_database(TEST_DATABASE_URL, f"{worker}_{code}" if worker else code, create=create)


def free_ports(count: int = 1) -> int:
    """The first of `count` consecutive free ports, below the ephemeral range: a port the system hands out (bind
    to 0) may be handed to another test's server or client between this check and the node's start, and the
    node would then fail to bind while the other answers its health check."""
    rng = random.Random()
    for _ in range(100):
        base = rng.randrange(20_000, 32_000 - count)
        try:
            for port in range(base, base + count):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    pytest.fail("no free ports")


def free_port() -> int:
    """A free port below the ephemeral range."""
    return free_ports(1)


@dataclass
class NodeProcess:
    """One node: its settings, its database, its server process."""

    code: str
    role: Role
    workdir: Path
    port: int
    parent: NodeProcess | None = None
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    database: db.Database = field(init=False)

    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = node_database(self.code, self.workdir)
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
            # On a loaded machine a neighbour may take longer than production's 5 s to answer a push; the tests
            # assert what a push delivers, so it must not give up and leave it to a pull that the test never runs.
            "XINYIDAI_NETWORK_PUSH_TIMEOUT_SECONDS": str(PUSH_TIMEOUT),
        })
        if self.parent is not None:
            env.update({"XINYIDAI_NETWORK_PARENT_CODE": self.parent.code,
                        "XINYIDAI_NETWORK_PARENT_URL": self.parent.endpoint,
                        "XINYIDAI_NETWORK_PARENT_PUBLIC_KEY": policy.public_key_b64(
                            policy.load_private_key(self.parent.key_path.read_bytes()))})
        env.update(self.extra_env)
        return env

    def node(self) -> service.Node:
        parent_key = (policy.public_key_b64(policy.load_private_key(self.parent.key_path.read_bytes()))
                      if self.parent else None)
        return service.Node(code=self.code, role=self.role, name=self.code, endpoint=self.endpoint,
                            parent_code=self.parent.code if self.parent else None,
                            parent_url=self.parent.endpoint if self.parent else None, parent_public_key=parent_key,
                            key_path=self.key_path, max_entries=2, push_timeout=PUSH_TIMEOUT)

    def sync(self) -> list[service.Pulled]:
        """What `xinyidai network sync` does, run from the test's process (the exchange is still over HTTP)."""
        return service.sync(self.database.session_factory, node=self.node())

    def start(self) -> None:
        err = (self.workdir / "server.err").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "xinyidai.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port)], env=self.env(), cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=err,
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
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
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:  # a request still hanging: do not leave the server behind
                self.process.kill()
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


def seed(node: NodeProcess, firms: list[tuple[str, str]]) -> None:
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


