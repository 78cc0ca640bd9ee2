"""The network exchange: N credit records from a local node to the provincial node over HTTP on loopback, timed
beside a bare HTTP transfer of the same bytes in the same number of requests.

Run: ``.venv/bin/python -m bench.bench_network --records 1000000`` (``--entities 20000``; ``--batch-sizes
1000,5000``: the first is the settings' default ``network_batch_max_entries``; ``--profile FILE`` writes a cProfile
of the first pull (the puller's process: receive and apply); ``--keep`` leaves the databases behind; ``--pg-url``
points at another server; ``--prefix`` names the databases, ``<prefix>province`` and ``<prefix>local``; ``--json``
writes the figures to a file).

Setting up (not measured):

1. two databases on PostgreSQL, each migrated with ``xinyidai.cli.upgrade_database``, each with its own Ed25519
   key, the platform operator, the IP office (source of ``copyright``, a public sub-category that may flow up) and
   its data officer, and the same ``--entities`` registered entities (one through the service, the others copied
   from it by one ``INSERT … SELECT`` under valid USCCs, as ``bench_import`` makes them): the province holds every
   firm of the province;
2. the province signs the local node into its directory; both nodes start as real uvicorn processes on
   127.0.0.1 (as ``tests/integration/network/nodes.py`` starts them); the local node fetches and verifies the
   province's directory;
3. the local node receives N software-copyright records by the bulk import (``creditdata.imports.import_file`` of
   a CSV file, the COPY path), timed as "load".

Measured, each with ``time.perf_counter``:

1. **capture**: ``network.service.capture`` of ``creditdata.record`` page after page, each page committed, until
   nothing is left (what ``capture_all`` does), at the local node, in this process;
2. **exchange**, per batch size: the province pulls everything (``network.service.pull``, as ``xinyidai network
   sync`` runs it, from this process on the province's database): signed GET requests to the local node's
   server, which reads its feed, applies the flow table, signs the batch and logs it; the province verifies the
   signature and sequence, checks every entry against the flow table, stores the records through
   ``creditdata.imports.relay_rows`` and advances its cursor, one transaction per batch. Checked afterwards: the
   province holds exactly N records and its cursor is at the feed's head. Between sizes the province's records,
   batches and cursor are emptied (TRUNCATE) so each size starts alike;
3. **lag**, from the databases' own times: a record's capture time is its feed entry's ``created_at`` (set in the
   capture transaction), its commit at the province the ``occurred_at`` of the "applied" message-log entry of the
   batch that carried it (written last in that batch's transaction). The whole backlog is captured before the
   pull starts, so the distribution over the N records is mostly queueing; the lag of a single record on an idle
   pipeline (one record stored, captured, pulled) is measured after the last size;
4. **floor**, per batch size: the signed batch bodies exactly as the exchange received them, served by a minimal
   ASGI application under uvicorn (a separate process, each body prepared in memory) and fetched in the same
   order with the same httpx client: the bytes moved, in the same number of requests, by a bare HTTP transfer on
   loopback. Exchange / floor is the share of the bare transfer's speed the exchange reaches (aim: ≥ 1/3).

Printed: machine, load average before and after, PostgreSQL's settings, and a markdown table.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import http.client
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import func, select, text

from bench.bench_night import drop_database, load_average, machine, recreate_database, server_settings, usccs
from xinyidai import db
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.cli import upgrade_database
from xinyidai.creditdata import imports
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.network import policy, service
from xinyidai.network.models import NetworkCursor, NetworkFeedEntry, NetworkMessage
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import id_check_char
from xinyidai.registry.schemas import EnterpriseCreate

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "Bench2026pass"
HEADER = ["统一社会信用代码", "登记号", "软件名称", "登记日期"]
TITLES = ["企业资源管理软件", "供应链协同平台", "智慧物流调度系统", "财务核算软件", "客户关系管理系统", "仓储管理软件"]
ROOT = Path(__file__).resolve().parents[1]
FEED = service.FEED_PATH.format(topic=service.RECORD_TOPIC)


# The nodes ---------------------------------------------------------------------------------------------------------


@dataclass
class BenchNode:
    """One node: its database, key, settings and server process."""

    code: str
    role: policy.Role
    url: str
    workdir: Path
    port: int
    serve_entries: int
    parent: BenchNode | None = None
    process: subprocess.Popen[bytes] | None = None
    database: db.Database = field(init=False)

    def __post_init__(self) -> None:
        self.database = db.Database(self.url)

    @property
    def endpoint(self) -> str:
        """Where its server listens."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def key_path(self) -> Path:
        """Its signing key."""
        return self.workdir / "signing-key.pem"

    def public_key(self) -> str:
        """Its public key, base64."""
        return policy.public_key_b64(policy.load_private_key(self.key_path.read_bytes()))

    def node(self, max_entries: int = 1000) -> service.Node:
        """The node as the service sees it, pulling `max_entries` at a time."""
        return service.Node(code=self.code, role=self.role, name=self.code, endpoint=self.endpoint,
                            parent_code=self.parent.code if self.parent else None,
                            parent_url=self.parent.endpoint if self.parent else None,
                            parent_public_key=self.parent.public_key() if self.parent else None,
                            key_path=self.key_path, max_entries=max_entries)

    def env(self) -> dict[str, str]:
        """The server's environment (as the integration tests' nodes run)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("XINYIDAI_")}
        env.update({
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "XINYIDAI_DATABASE_URL": self.url,
            "XINYIDAI_ENV": "test", "XINYIDAI_JOBS_ENGINE": "in_process", "XINYIDAI_JOBS_SCHEDULE_IN_PROCESS": "false",
            "XINYIDAI_AUDIT_ANCHOR_PATH": str(self.workdir / "anchor.jsonl"), "NO_COLOR": "1",
            "XINYIDAI_NETWORK_NODE_CODE": self.code, "XINYIDAI_NETWORK_NODE_ROLE": self.role.value,
            "XINYIDAI_NETWORK_ENDPOINT": self.endpoint, "XINYIDAI_NETWORK_SIGNING_KEY_PATH": str(self.key_path),
            "XINYIDAI_NETWORK_BATCH_MAX_ENTRIES": str(self.serve_entries), "XINYIDAI_LOG_LEVEL": "WARNING",
        })
        if self.parent is not None:
            env.update({"XINYIDAI_NETWORK_PARENT_CODE": self.parent.code,
                        "XINYIDAI_NETWORK_PARENT_URL": self.parent.endpoint,
                        "XINYIDAI_NETWORK_PARENT_PUBLIC_KEY": self.parent.public_key()})
        return env

    def start(self) -> None:
        """Start its uvicorn process and wait until it answers."""
        self.process = start_server(["-m", "uvicorn", "xinyidai.main:create_app", "--factory", "--host",
                                     "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                                    env=self.env(), workdir=self.workdir, port=self.port)

    def stop(self) -> None:
        """Stop its server."""
        stop_server(self.process)
        self.database.engine.dispose()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(args: list[str], *, env: dict[str, str], workdir: Path, port: int,
                 probe: str = "/healthz") -> subprocess.Popen[bytes]:
    """A server process of ours on 127.0.0.1:`port`, once it answers `probe`."""
    err = (workdir / f"server-{port}.err").open("ab")
    process = subprocess.Popen([sys.executable, *args], env=env, cwd=workdir,  # noqa: S603 - our own modules
                               stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((workdir / f"server-{port}.err").read_text())
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", probe)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def stop_server(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server process we started."""
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def seed(node: BenchNode, codes: list[str]) -> None:
    """Migrate, make its key, reference rows and the registered entities."""
    upgrade_database(node.url)
    service.keygen(node.key_path)
    with db.transaction(node.database.session_factory) as session:
        identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=f"平台运营 {node.code}", kind=OrgKind.PLATFORM_OPERATOR))
        office = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=f"知识产权局 {node.code}", kind=OrgKind.GOVERNMENT_DEPARTMENT))
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=office.id, username="ip.officer", display_name="知识产权数据专员", password=PASSWORD,
            roles=[Role.DEPARTMENT_DATA_OFFICER]))
        creditdata_service.bind_department(session, code="ip", organisation_id=office.id)
        area = registry_service.create_area(session, code=f"{node.code}001", name="南坪街道", kind="street")
        template = registry_service.create(session, enterprise_in=EnterpriseCreate.model_validate(dict(
            uscc=codes[0], name="重庆样本科技有限公司0", kind="enterprise", legal_rep_name="张三",
            legal_rep_id_number="50010819800101123" + id_check_char("50010819800101123"),
            registration_date=date(2018, 5, 1), registered_capital_fen=200_000_000, industry_code="I65",
            district_area_id=area.id, last_annual_report_year=2025, employees=12)))
        session.execute(text(
            "INSERT INTO enterprise (uscc, name, kind, scale, legal_rep_name, legal_rep_id_cipher, legal_rep_id_index, "
            "registration_date, registered_capital_fen, industry_code, district_area_id, address, operating_status, "
            "last_annual_report_year, is_abnormal, employees, created_at) "
            "SELECT c.code, '重庆样本科技有限公司' || c.n, e.kind, e.scale, e.legal_rep_name, e.legal_rep_id_cipher, "
            "e.legal_rep_id_index, e.registration_date, e.registered_capital_fen, e.industry_code, "
            "e.district_area_id, e.address, e.operating_status, e.last_annual_report_year, e.is_abnormal, "
            "e.employees, e.created_at FROM enterprise e, unnest(CAST(:codes AS text[])) WITH ORDINALITY AS c(code, n) "
            "WHERE e.id = :template"), {"codes": codes[1:], "template": template.id})
    vacuum(node)


def join(province: BenchNode, local: BenchNode) -> None:
    """The province signs the local node into its directory, both servers start, and the local node fetches and
    verifies the province's directory."""
    with db.transaction(province.database.session_factory) as session:
        service.set_member(session, actor=Actor.system("bench"), node=province.node(), code=local.code,
                           role=policy.Role.LOCAL, name="南岸区", endpoint=local.endpoint,
                           public_key=local.public_key())
        service.publish_directory(session, node=province.node(), actor=Actor.system("bench"))
    province.start()
    local.start()
    assert service.fetch_directory(local.database.session_factory, node=local.node()) is not None


def vacuum(node: BenchNode) -> None:
    """VACUUM ANALYZE a node's database."""
    with node.database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def write_records(path: Path, rows: int, codes: list[str]) -> None:
    """`rows` software copyrights as the IP office's file: entity round robin, a unique registration number."""
    start = date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([codes[n % len(codes)], f"2024SR{n:08d}", TITLES[n % len(TITLES)],
                             (start + timedelta(days=n % 3650)).isoformat()])


def load_records(node: BenchNode, path: Path) -> int:
    """The file imported at `node` by its IP officer (the bulk import's COPY path); rows stored."""
    with node.database.session_factory() as session:
        officer = next(u for u in identity_service.list_users(session) if u.username == "ip.officer")
        principal = identity_service.principal_for_user(officer)
    with db.transaction(node.database.session_factory) as session, path.open("rb") as source:
        batch = imports.import_file(session, principal=principal, item_code="copyright", source=source,
                                    file_name=path.name)
        assert batch.status == "committed", batch.error
        return batch.rows_stored


# Measuring ---------------------------------------------------------------------------------------------------------


class RecordingTransport(httpx.HTTPTransport):
    """The HTTP transport, keeping each feed batch's body as received and the time spent waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []
        self.seconds = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send, read the whole body, and keep it when it is a feed batch."""
        started = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - started
        if request.url.path == FEED:
            self.bodies.append(response.content)
        return response


@dataclass
class Exchange:
    """One pull of everything at one batch size, and its floor."""

    batch_size: int
    seconds: float = 0.0
    batches: int = 0
    entries: int = 0
    stored: int = 0
    body_bytes: int = 0
    # Requests in flight: the local node reading, signing and sending batches (the pull asks for the next batch
    # while it applies one, so this overlaps the applying).
    http_seconds: float = 0.0
    floor_seconds: float = 0.0
    # CPU seconds of this process (the province pulling and applying) and of the local node's server process:
    # on a shared machine they say more than the wall clock about what the exchange costs.
    puller_cpu: float = 0.0
    server_cpu: float = 0.0
    lag: dict[str, float] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""

    def rate(self) -> float:
        """Records a second."""
        return self.entries / self.seconds if self.seconds else 0.0

    def floor_rate(self) -> float:
        """Records a second of the bare transfer of the same bodies."""
        return self.entries / self.floor_seconds if self.floor_seconds else 0.0


def capture_records(node: BenchNode) -> tuple[int, float]:
    """Capture the record feed page by page, each page committed, until nothing is new: entries and seconds."""
    started = time.perf_counter()
    added = 0
    while True:
        with db.transaction(node.database.session_factory) as session:
            count = service.capture(session, node=node.node(), topic=service.RECORD_TOPIC)
        added += count
        if count == 0:
            return added, time.perf_counter() - started


def reset_province(province: BenchNode) -> None:
    """Empty what the province received, so the next pull starts from the beginning again."""
    with province.database.engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE credit_record, import_row_error, import_batch CASCADE")
        connection.execute(text("DELETE FROM network_cursor"))
    vacuum(province)


def cpu_seconds(pid: int | None = None) -> float:
    """User and system CPU seconds of this process, or of another of ours by its pid (from /proc)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pull_all(province: BenchNode, local: BenchNode, size: int, expected: int, profile: Path | None,
             first: bool) -> tuple[Exchange, list[bytes]]:
    """The province pulls the whole record feed at `size` entries a batch; timed, checked."""
    exchange = Exchange(batch_size=size, load_before=load_average())
    assert local.process is not None
    cpu, server_cpu = cpu_seconds(), cpu_seconds(local.process.pid)
    transport = RecordingTransport()
    profiler = cProfile.Profile() if profile else None
    with httpx.Client(transport=transport, timeout=120) as client:
        started_at = datetime.now().astimezone()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        pulled = service.pull(province.database.session_factory, node=province.node(size), peer_code=local.code,
                              topic=service.RECORD_TOPIC, client=client)
        if profiler:
            profiler.disable()
        exchange.seconds = time.perf_counter() - started
    exchange.puller_cpu = cpu_seconds() - cpu
    exchange.server_cpu = cpu_seconds(local.process.pid) - server_cpu
    exchange.load_after = load_average()
    if profiler and profile:
        profiler.dump_stats(profile)
    assert pulled.error is None, pulled.error
    exchange.batches, exchange.entries, exchange.stored = pulled.batches, pulled.entries, pulled.stored
    exchange.http_seconds = transport.seconds
    exchange.body_bytes = sum(len(b) for b in transport.bodies)
    with province.database.session_factory() as session:
        held = session.scalar(select(func.count()).select_from(CreditRecord))
        cursor = session.get(NetworkCursor, (local.code, service.RECORD_TOPIC))
        assert cursor is not None and cursor.position == cursor.peer_head == expected, cursor
    assert held == expected == pulled.stored, (held, expected, pulled)
    if first:  # later sizes pull records captured before the earlier sizes ran: their lag says nothing
        exchange.lag = lag_distribution(province, local, since=started_at, upto=expected)
    return exchange, transport.bodies


def lag_distribution(province: BenchNode, local: BenchNode, *, since: datetime, upto: int) -> dict[str, float]:
    """Seconds from each record's capture at the local node to the commit of its batch at the province."""
    captured = np.zeros(upto + 1)
    with local.database.session_factory() as session:
        pages = session.execute(select(func.min(NetworkFeedEntry.sequence), func.max(NetworkFeedEntry.sequence),
                                       NetworkFeedEntry.created_at)
                                .where(NetworkFeedEntry.topic == service.RECORD_TOPIC,
                                       NetworkFeedEntry.sequence <= upto)
                                .group_by(NetworkFeedEntry.created_at)).all()
    for first, last, at in pages:
        captured[first:last + 1] = at.timestamp()
    committed = np.zeros(upto + 1)
    with province.database.session_factory() as session:
        batches = session.execute(select(NetworkMessage.first_sequence, NetworkMessage.last_sequence,
                                         NetworkMessage.occurred_at)
                                  .where(NetworkMessage.direction == "received", NetworkMessage.outcome == "applied",
                                         NetworkMessage.topic == service.RECORD_TOPIC,
                                         NetworkMessage.occurred_at >= since)).all()
    for first_sequence, last_sequence, at in batches:
        committed[int(first_sequence or 0):int(last_sequence or 0) + 1] = at.timestamp()
    lag = (committed - captured)[1:]
    batch_times = sorted(at.timestamp() for _, _, at in batches)
    per_batch = np.diff(np.array(batch_times)) if len(batch_times) > 1 else np.zeros(1)
    return {"min": float(lag.min()), "p50": float(np.percentile(lag, 50)), "p95": float(np.percentile(lag, 95)),
            "max": float(lag.max()), "batch_p50": float(np.percentile(per_batch, 50)),
            "batch_max": float(per_batch.max())}


def single_record_lag(province: BenchNode, local: BenchNode, size: int) -> float:
    """One record stored at the local node, captured, pulled: seconds from its capture's commit to its batch's
    commit at the province (what a record waits when the province syncs as it arrives)."""
    with db.transaction(local.database.session_factory) as session:
        enterprise = registry_service.get_by_uscc(session, uscc=usccs(1)[0])
        assert enterprise is not None
        creditdata_service.record_platform_fact(session, item_code="copyright", enterprise_id=enterprise.id,
                                                values={"registration_no": "2026SR-MARKER", "title": "标记软件",
                                                        "registered_date": "2026-01-02"},
                                                channel=Channel.BULK_IMPORT)
    with db.transaction(local.database.session_factory) as session:
        assert service.capture(session, node=local.node(), topic=service.RECORD_TOPIC) == 1
    captured = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        pulled = service.pull(province.database.session_factory, node=province.node(size), peer_code=local.code,
                              topic=service.RECORD_TOPIC, client=client)
    seconds = time.perf_counter() - captured
    assert pulled.error is None and pulled.stored == 1, pulled
    return seconds


# The floor ---------------------------------------------------------------------------------------------------------


def write_bodies(path: Path, bodies: list[bytes]) -> None:
    """The bodies, each prefixed by its length."""
    with path.open("wb") as handle:
        for body in bodies:
            handle.write(struct.pack("<I", len(body)))
            handle.write(body)


def read_bodies(path: Path) -> list[bytes]:
    """What `write_bodies` wrote."""
    data, bodies, at = path.read_bytes(), [], 0
    while at < len(data):
        (size,) = struct.unpack_from("<I", data, at)
        bodies.append(data[at + 4:at + 4 + size])
        at += 4 + size
    return bodies


def floor_app(path: Path) -> Any:
    """A bare ASGI application answering GET /<n> with the n-th prepared body (and /healthz)."""
    bodies = read_bodies(path)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        name = scope["path"].lstrip("/")
        body = bodies[int(name)] if name.isdigit() else b"ok"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


def serve_floor(path: Path, port: int) -> None:
    """Run the floor's server (in its own process)."""
    import uvicorn

    uvicorn.run(floor_app(path), host="127.0.0.1", port=port, log_level="warning")


def floor(bodies: list[bytes], workdir: Path) -> float:
    """Seconds to fetch every body, in order, from the bare server with an httpx client like the exchange's."""
    path = workdir / f"bodies-{len(bodies)}.bin"
    write_bodies(path, bodies)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    process = start_server(["-m", "bench.bench_network", "--floor-server", str(path), "--port", str(port)],
                           env=env, workdir=workdir, port=port)
    try:
        with httpx.Client(timeout=120) as client:
            started = time.perf_counter()
            for n, body in enumerate(bodies):
                content = client.get(f"http://127.0.0.1:{port}/{n}").content
                assert len(content) == len(body)
            return time.perf_counter() - started
    finally:
        stop_server(process)
        path.unlink()


# Running -----------------------------------------------------------------------------------------------------------


@contextmanager
def nodes(server: str, prefix: str, workdir: Path, serve_entries: int, keep: bool) -> Iterator[
        tuple[BenchNode, BenchNode]]:
    """The province and the local node, databases created and dropped (unless `keep`), servers stopped."""
    province = BenchNode("500000", policy.Role.PROVINCIAL, recreate_database(server, f"{prefix}province"),
                         workdir / "province", free_port(), serve_entries)
    local = BenchNode("500108", policy.Role.LOCAL, recreate_database(server, f"{prefix}local"), workdir / "local",
                      free_port(), serve_entries, parent=province)
    try:
        yield province, local
    finally:
        for node in (local, province):
            node.stop()
        if not keep:
            drop_database(server, f"{prefix}province")
            drop_database(server, f"{prefix}local")


def step(label: str, started: float) -> None:
    """Print how long a setting-up step took."""
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, and return the figures."""
    sizes = [int(s) for s in args.batch_sizes.split(",")]
    figures: dict[str, Any] = {"records": args.records, "entities": args.entities, "machine": machine(),
                               "load_before": load_average(), "started": datetime.now().astimezone().isoformat()}
    print(f"{figures['machine']}; load {figures['load_before']}", flush=True)
    with tempfile.TemporaryDirectory() as folder, \
            nodes(args.pg_url, args.prefix, Path(folder), max(sizes), args.keep) as (province, local):
        for node in (province, local):
            node.workdir.mkdir()
        codes = usccs(args.entities)
        started = time.perf_counter()
        for node in (province, local):
            seed(node, codes)
        join(province, local)
        step("two nodes seeded and started", started)
        figures["postgres"] = server_settings(province.database.engine)

        started = time.perf_counter()
        path = Path(folder) / "copyright.csv"
        write_records(path, args.records, codes)
        assert load_records(local, path) == args.records
        vacuum(local)
        figures["load_seconds"] = time.perf_counter() - started
        step(f"{args.records:,} records imported at the local node", started)

        captured, seconds = capture_records(local)
        assert captured == args.records, captured
        figures["capture_seconds"] = seconds
        print(f"  capture: {seconds:.1f} s ({captured / seconds:,.0f} records/s)", flush=True)
        vacuum(local)

        exchanges = []
        for n, size in enumerate(sizes):
            if n:
                reset_province(province)
            exchange, bodies = pull_all(province, local, size, args.records, args.profile if n == 0 else None,
                                        first=n == 0)
            print(f"  exchange at {size}: {exchange.seconds:.1f} s ({exchange.rate():,.0f} records/s, "
                  f"{exchange.batches} batches, {exchange.body_bytes / 2**20:.0f} MiB, requests in flight "
                  f"{exchange.http_seconds:.1f} s; CPU {exchange.puller_cpu:.1f} s puller, "
                  f"{exchange.server_cpu:.1f} s local node; load {exchange.load_before} → {exchange.load_after})",
                  flush=True)
            exchange.floor_seconds = floor(bodies, Path(folder))
            del bodies
            print(f"  floor at {size}: {exchange.floor_seconds:.2f} s ({exchange.floor_rate():,.0f} records/s); "
                  f"exchange / floor {exchange.rate() / exchange.floor_rate():.3f}", flush=True)
            exchanges.append(exchange)
        figures["single_record_lag"] = single_record_lag(province, local, sizes[0])
        figures["exchanges"] = [vars(e) for e in exchanges]
    figures["load_after"] = load_average()
    return figures


def report(figures: dict[str, Any], command: str) -> None:
    """The figures as markdown."""
    records = figures["records"]
    print(f"\n`{command}`; {figures['machine']}; load average {figures['load_before']} before, "
          f"{figures['load_after']} after; {figures['postgres']}\n")
    print(f"Load (bulk import at the local node, not measured): {figures['load_seconds']:.1f} s. Capture: "
          f"{figures['capture_seconds']:.1f} s ({records / figures['capture_seconds']:,.0f} records/s). "
          f"One record on an idle pipeline, capture → commit at the province: "
          f"{figures['single_record_lag'] * 1000:.0f} ms.\n")
    print("| batch size | batches | MiB | exchange (s) | records/s | requests in flight (s) | CPU puller / local "
          "node (s) | floor (s) | floor records/s | exchange / floor | lag p50 / p95 / max (s) | seconds a batch |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for e in figures["exchanges"]:
        rate = e["entries"] / e["seconds"]
        floor_rate = e["entries"] / e["floor_seconds"]
        lag = e["lag"]
        lags = f"{lag['p50']:.1f} / {lag['p95']:.1f} / {lag['max']:.1f}" if lag else "—"
        print(f"| {e['batch_size']:,} | {e['batches']:,} | {e['body_bytes'] / 2**20:.0f} | {e['seconds']:.1f} | "
              f"{rate:,.0f} | {e['http_seconds']:.1f} | {e['puller_cpu']:.1f} / {e['server_cpu']:.1f} | "
              f"{e['floor_seconds']:.2f} | {floor_rate:,.0f} | "
              f"{rate / floor_rate:.3f} | {lags} | "
              f"{e['seconds'] / e['batches']:.3f} |")


def main() -> None:
    """Parse arguments, run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--batch-sizes", default="1000,5000")
    parser.add_argument("--pg-url", default=DEFAULT_SERVER)
    parser.add_argument("--prefix", default="netbench_")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--floor-server", type=Path)
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.floor_server:
        serve_floor(args.floor_server, args.port)
        return
    figures = run(args)
    report(figures, "python -m bench.bench_network " + " ".join(sys.argv[1:]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
