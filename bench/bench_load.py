"""Load, not latency of one: the real server under a district's 9 a.m. mix at a constant rate, per route, beside
its floor, with the database's connections and the CPU of each part and the machine's load.

Run: ``.venv/bin/python -m bench.bench_load --rps 300 --minutes 10 --workers 2 --locust /path/to/locust``
(locust, the ``bench`` extra, may live in a virtualenv of its own, as it speaks HTTP only:
``python3 -m venv .venv-locust && .venv-locust/bin/pip install 'locust>=2.40'``, then
``--locust .venv-locust/bin/locust``; without ``--locust`` it is looked for on PATH, then beside this Python).

What it does, in order:

1. drops and creates the database ``xinyidai_bench_load`` (``--database``; ``--pg-url`` names the server), migrates
   it and generates the demo district (``xinyidai demo generate --enterprises N``) on it;
2. prepares what the users need (``LOADTEST_FIXTURE``, a JSON file): the firms' logins with the products each may ask
   测一测 for and apply for, each bank user's orders that its 信易查 and credit-file reads may open (each tried once
   here, in a transaction rolled back), and OAuth client credentials issued to the tax department and the water
   company for their pushes;
3. starts the real server, ``xinyidai serve --workers W`` on 127.0.0.1 and a free port, jobs on procrastinate, and
   one ``xinyidai worker`` beside it (domain events and other deferred work run there, off the request);
4. the floor: ``GET /api/v1/me`` (the cheapest authenticated request) at the same rate for ``--floor-minutes``;
5. the mix (``bench/locustfile.py``: firms 6, banks 3, department systems 1, by users) for ``--minutes``;
   statistics are reset once every user has started (its first login is not counted);
6. during 4 and 5, once a second: the database's connections by state (``pg_stat_activity``), the CPU of the
   PostgreSQL processes, the server (its workers), the job worker and locust (``/proc``), the machine's CPU and
   load average; then prints the Markdown report. Failures are listed with their messages.

Locust's percentiles are its own: exact to the millisecond below 100 ms, rounded to two significant figures above.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory, mkdtemp
from typing import Any

import psycopg

from bench.bench_night import drop_database, load_average, machine, recreate_database

DATABASE = "xinyidai_bench_load"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MIX = ["EnterpriseUser", "BankUser", "DepartmentSystem"]
FLOOR = ["FloorUser"]
# The issue's goals: p99 under 50 ms for reads and the assessment, under 150 ms for writes.
READ_GOAL_MS, WRITE_GOAL_MS = 50, 150
ASSESSMENT = "/api/v1/orders/estimate"
TICKS = os.sysconf("SC_CLK_TCK")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg", "postgresql")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_locust(given: str | None) -> str:
    """The locust executable: as given, else on PATH, else beside this Python."""
    if given:
        return given
    found = shutil.which("locust") or str(Path(sys.executable).with_name("locust"))
    if not Path(found).exists():
        sys.exit("locust not found: install it (pip install 'locust>=2.40', the `bench` extra) and pass --locust")
    return found


# Set-up ------------------------------------------------------------------------------------------------


def prepare(url: str, *, firms: int) -> dict[str, Any]:
    """The users' fixture: logins, the products and orders each may use, two departments' client credentials."""
    from xinyidai import db
    from xinyidai.demo.generator import DEMO_PASSWORD
    from xinyidai.main import wire_events

    wire_events()
    database = db.Database(url)
    try:
        with db.transaction(database.session_factory) as session:
            _more_firms(session, firms=firms, password=DEMO_PASSWORD)
        with database.session_factory() as session:
            fixture = {"password": DEMO_PASSWORD, **_users(session)}
            session.rollback()  # what the tries wrote
        fixture["departments"] = _departments(database)
    finally:
        database.engine.dispose()
    for kind in ("enterprises", "banks", "departments"):
        if not fixture[kind]:
            raise RuntimeError(f"no {kind} in the demo district can take part")
    return fixture


def _more_firms(session: Any, *, firms: int, password: str) -> None:
    """Logins for more of the district's firms (the demo gives a few dozen), so that the mix's logins and
    applications spread over `firms` of them as a district's would: administrators `load0001`... of firms that may
    apply (their annual reports filed) and have no login yet."""
    from sqlalchemy import select

    from xinyidai.auth.enums import OrgKind, Role
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.models import Organisation
    from xinyidai.identity.schemas import OrganisationCreate, UserCreate
    from xinyidai.registry import service as registry_service
    from xinyidai.registry.models import Enterprise

    have = set(session.scalars(select(Organisation.enterprise_id).where(Organisation.enterprise_id.is_not(None))))
    wanted = max(0, firms - len(have))
    for enterprise in session.scalars(select(Enterprise).order_by(Enterprise.id)):
        if wanted == 0:
            break
        if enterprise.id in have or not registry_service.annual_report_gate(enterprise).allowed:
            continue
        organisation = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id))
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=organisation.id, username=f"load{firms - wanted + 1:04d}",
            display_name=enterprise.legal_rep_name, password=password, roles=[Role.ENTERPRISE_ADMIN]))
        wanted -= 1


def _tried(session: Any, attempt: Callable[[], object]) -> bool:
    """Whether `attempt` succeeds (in a savepoint the caller's rollback undoes)."""
    from xinyidai.errors import DomainError

    try:
        with session.begin_nested():
            attempt()
    except DomainError:
        return False
    return True


def _users(session: Any) -> dict[str, list[dict[str, Any]]]:
    """Firms' administrators with the products each may ask 测一测 for and apply for; bank staff with the orders
    whose credit information each may read. Each is tried here, in the caller's transaction, rolled back."""
    from sqlalchemy import select

    from xinyidai.auth.enums import Role
    from xinyidai.creditdata.credit_file import read_credit_file
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.models import User
    from xinyidai.orders import service as orders_service
    from xinyidai.orders.schemas import EstimateCreate, OrderCreate
    from xinyidai.products import service as products_service

    products = [p.id for p in products_service.list_published(session)]
    found: dict[str, list[dict[str, Any]]] = {"enterprises": [], "banks": []}
    for user in session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id)).all():
        principal = identity_service.principal_for_user(user)
        if Role.ENTERPRISE_ADMIN in principal.roles:
            estimate = [p for p in products if _tried(session, partial(
                orders_service.estimate, session, principal=principal, estimate_in=EstimateCreate(product_id=p)))]
            apply = [p for p in products if _tried(session, partial(
                orders_service.apply, session, principal=principal, order_in=OrderCreate(
                    product_id=p, amount_fen=20_000_000, term_months=12, repayment_method="equal_installment",
                    purpose="采购原材料", authorise=True)))]
            if estimate and apply:
                found["enterprises"].append({"username": user.username, "estimate_product_ids": estimate,
                                             "apply_product_ids": apply})
        elif principal.roles & {Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER}:
            lookups = [{"order_id": o.id, "enterprise_id": o.enterprise_id, "order_no": o.order_no}
                       for o in orders_service.list_for(session, principal=principal)
                       if _tried(session, partial(read_credit_file, session, principal=principal,
                                                  enterprise_id=o.enterprise_id, purpose_ref=o.order_no))]
            if lookups:
                found["banks"].append({"username": user.username, "lookups": lookups})
    return found


def _departments(database: Any) -> list[dict[str, Any]]:
    """Client credentials issued to the tax department and the water company (committed), with the codes of the
    firms their rows are about; a push of each is tried with a token, as their systems will."""
    from sqlalchemy import select

    from xinyidai import db
    from xinyidai.auth.enums import Role
    from xinyidai.creditdata import imports
    from xinyidai.creditdata import service as creditdata_service
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.schemas import ApiClientCreate
    from xinyidai.registry.models import Enterprise

    departments: list[dict[str, Any]] = []
    with db.transaction(database.session_factory) as session:
        usccs = list(session.scalars(select(Enterprise.uscc).order_by(Enterprise.id).limit(400)))
        organisations = {d.code: d.organisation_id for d in creditdata_service.list_departments(session)}
        for code, item in (("tax", "tax_payment"), ("water", "water")):
            created = identity_service.create_api_client(session, client_in=ApiClientCreate(
                organisation_id=organisations[code], name=f"压力测试 {code}", roles=[Role.DEPARTMENT_DATA_OFFICER]))
            departments.append({"item": item, "client_id": created.client_id, "client_secret": created.client_secret,
                                "usccs": usccs})
    with database.session_factory() as session:
        for department in departments:
            issued = identity_service.issue_client_token(session, client_id=department["client_id"],
                                                         client_secret=department["client_secret"])
            assert issued.token is not None, issued.refusal
            client = identity_service.principal_from_bearer(session, token=issued.token.access_token)
            assert client is not None
            pushed = imports.push_rows(session, principal=client, item_code=department["item"],
                                       rows=[_probe_row(department["item"], usccs[0])],
                                       idempotency_key="load-test-probe").batch
            if pushed.rows_stored != 1:
                raise RuntimeError(f"a probe push of {department['item']} was not stored: {pushed.error}")
        session.rollback()
    return departments


def _probe_row(item: str, uscc: str) -> dict[str, str]:
    from datetime import date, timedelta

    month_end = date.today().replace(day=1) - timedelta(days=1)
    if item == "tax_payment":
        return {"uscc": uscc, "voucher_no": "LTPROBE0000000001", "tax_period": f"{month_end:%Y-%m}",
                "tax_kind": "增值税", "amount": "1000.00", "paid_date": month_end.isoformat()}
    return {"uscc": uscc, "month": f"{month_end:%Y-%m}", "month_end": month_end.isoformat(), "usage": "100.0",
            "amount_billed": "420.00", "amount_overdue": "0.00"}


def pool_settings(url: str) -> str:
    """Each server process's connection pool, as the server will read it, and what PostgreSQL allows."""
    from xinyidai.config import Settings

    settings = Settings()
    with psycopg.connect(_plain(url)) as connection:
        row = connection.execute("SHOW max_connections").fetchone()
    return (f"{settings.pool_size} + {settings.pool_max_overflow} overflow connections per server process "
            f"(XINYIDAI_POOL_SIZE, XINYIDAI_POOL_MAX_OVERFLOW; a wait over {settings.pool_timeout_seconds:g} s is a "
            f"503), PostgreSQL max_connections {row[0] if row else '?'}")


def password_check() -> float:
    """Milliseconds one password check takes in this process (the median of 20): what a login cannot go below."""
    from statistics import median

    from xinyidai.identity import security

    stored = security.hash_password("Load-test-password-1")
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        security.verify_password(stored, "Load-test-password-1")
        timings.append(1000 * (time.perf_counter() - started))
    return median(timings)


# The server and its worker -----------------------------------------------------------------------------


@dataclass
class Platform:
    """`xinyidai serve --workers W` and one `xinyidai worker`, on the benchmark's database."""

    url: str
    workers: int
    folder: Path
    port: int = field(default_factory=_free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        # Access logs off (a line per request would be measured too); the audit anchor in the run's own folder.
        return {**os.environ, "XINYIDAI_DATABASE_URL": self.url, "XINYIDAI_JOBS_ENGINE": "procrastinate",
                "XINYIDAI_LOG_LEVEL": "WARNING", "XINYIDAI_AUDIT_ANCHOR_PATH": str(self.folder / "anchor.jsonl")}

    def run(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        with (self.folder / log).open("wb") as out:  # the child keeps its own descriptor
            return subprocess.Popen([sys.executable, "-m", "xinyidai.cli", *args],  # noqa: S603 - our own command
                                    env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def generate(self, enterprises: int) -> None:
        """The demo district, by its own command."""
        done = self.run("demo", "generate", "--enterprises", str(enterprises), log="generate.log").wait()
        if done != 0:
            raise RuntimeError(f"demo generate failed:\n{(self.folder / 'generate.log').read_text()[-3000:]}")

    def start(self) -> None:
        """The server and the worker; returns once the server answers and the worker has registered."""
        self.worker = self.run("worker", log="worker.log")
        self.server = self.run("serve", "--host", "127.0.0.1", "--port", str(self.port),
                               "--workers", str(self.workers), log="server.log")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.check()
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as answer:  # noqa: S310 - http
                    ready = answer.status == 200
            except OSError:
                ready = False
            with psycopg.connect(_plain(self.url)) as connection:
                registered = connection.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
            if ready and registered and registered[0] >= 1:
                return
            time.sleep(0.5)
        raise RuntimeError("the server or the worker did not start within two minutes")

    def check(self) -> None:
        """Raise, with its log, when the server or the worker has died."""
        for name, process in (("server", self.server), ("worker", self.worker)):
            if process is not None and process.poll() is not None:
                log = (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the {name} exited with {process.returncode}:\n{log}")

    def stop(self) -> None:
        """SIGTERM each process group, then wait."""
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.server, self.worker):
            if process is None:
                continue
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# Sampling ----------------------------------------------------------------------------------------------


def _cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: its parent and its command name."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    text = stat.read()
            except OSError:
                continue
            name = text[text.find("(") + 1:text.rfind(")")]
            found[int(entry)] = (int(text.rsplit(")", 1)[1].split()[1]), name)
    return found


def _tree(root: int, processes: dict[int, tuple[int, str]]) -> set[int]:
    members, grew = {root}, True
    while grew:
        more = {pid for pid, (parent, _) in processes.items() if parent in members} - members
        members |= more
        grew = bool(more)
    return members


def _machine_ticks() -> tuple[int, int]:
    """Busy and total jiffies of all CPUs since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


@dataclass
class Sample:
    """What the sampler saw over one phase."""

    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # cores used on average, by part
    machine_busy: float = 0.0  # cores busy on average, everything on the machine
    connections: dict[str, int] = field(default_factory=dict)  # the most seen at once, by state
    connections_total_max: int = 0
    connections_mean: float = 0.0
    load_before: str = ""
    load_after: str = ""
    load_max: float = 0.0


class Sampler:
    """Once a second: connections by state, CPU ticks of each part's processes, the load average."""

    def __init__(self, url: str, roots: dict[str, int]) -> None:
        self.url, self.roots = url, roots
        self.stop_event = threading.Event()
        self.result = Sample()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def parts(self) -> dict[str, set[int]]:
        processes = _processes()
        parts = {name: _tree(pid, processes) for name, pid in self.roots.items()}
        parts["postgres"] = {pid for pid, (_, name) in processes.items() if name in ("postgres", "postmaster")}
        return parts

    def run(self) -> None:
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        owner: dict[int, str] = {}
        for name, pids in self.parts().items():
            for pid in pids:
                ticks = _cpu_ticks(pid)
                if ticks is not None:
                    first[pid] = last[pid] = ticks
                    owner[pid] = name
        machine_first = _machine_ticks()
        started = time.monotonic()
        totals: list[int] = []
        with psycopg.connect(_plain(self.url), autocommit=True) as connection:
            while not self.stop_event.wait(1.0):
                rows = connection.execute(
                    "SELECT coalesce(state, 'background'), count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1").fetchall()
                for state, count in rows:
                    self.result.connections[state] = max(self.result.connections.get(state, 0), count)
                totals.append(sum(count for _, count in rows))
                self.result.load_max = max(self.result.load_max, os.getloadavg()[0])
                for name, pids in self.parts().items():
                    for pid in pids:
                        ticks = _cpu_ticks(pid)
                        if ticks is not None:
                            first.setdefault(pid, 0)  # born during the phase: all its time is the phase's
                            last[pid] = ticks
                            owner.setdefault(pid, name)
        busy, total = _machine_ticks()
        self.result.seconds = time.monotonic() - started
        elapsed_ticks = self.result.seconds * TICKS
        for pid, ticks in last.items():
            self.result.cpu[owner[pid]] = self.result.cpu.get(owner[pid], 0.0) + (ticks - first[pid]) / elapsed_ticks
        cores = os.cpu_count() or 1
        self.result.machine_busy = cores * (busy - machine_first[0]) / max(1, total - machine_first[1])
        self.result.connections_total_max = max(totals, default=0)
        self.result.connections_mean = sum(totals) / len(totals) if totals else 0.0

    @contextlib.contextmanager
    def during(self) -> Iterator[Sample]:
        self.result.load_before = load_average()
        self.thread.start()
        try:
            yield self.result
        finally:
            self.stop_event.set()
            self.thread.join()
            self.result.load_after = load_average()


# Locust ------------------------------------------------------------------------------------------------


@dataclass
class Route:
    """One row of locust's statistics (times in ms)."""

    method: str
    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    max: float
    rps: float

    @property
    def is_write(self) -> bool:
        return self.method != "GET" and self.name != ASSESSMENT

    @property
    def goal(self) -> int:
        return WRITE_GOAL_MS if self.is_write else READ_GOAL_MS


@dataclass
class Phase:
    """One locust run: its routes, aggregate, failures and what the sampler saw."""

    name: str
    routes: list[Route] = field(default_factory=list)
    total: Route | None = None
    failures: list[tuple[str, str, str, int]] = field(default_factory=list)  # method, name, error, occurrences
    sample: Sample = field(default_factory=Sample)


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else math.nan


def run_locust(locust: str, platform: Platform, *, classes: list[str], users: int, rps: float, seconds: int,
               fixture: Path, url: str, name: str) -> Phase:
    """Run locust headless for `seconds`, sampling the while; its statistics."""
    prefix = platform.folder / name
    spawn_rate = max(1, users // 5)
    command = [locust, "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(spawn_rate),
               "-t", f"{seconds}s", "--host", platform.base, "--csv", str(prefix), "--reset-stats",
               "--stop-timeout", "10", "--loglevel", "WARNING", "--only-summary", *classes]
    env = {**os.environ, "LOADTEST_FIXTURE": str(fixture), "LOADTEST_RPS_PER_USER": f"{rps / users:.6f}"}
    print(f"[{datetime.now():%H:%M:%S}] {name}: {users} users at {rps:g} requests/s for {seconds} s "
          f"(load {load_average()})", flush=True)
    with (platform.folder / f"{name}.locust.log").open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603 - locust
    sampler = Sampler(url, {"server": platform.server.pid if platform.server else 0,
                            "job worker": platform.worker.pid if platform.worker else 0, "locust": process.pid})
    with sampler.during() as sample:
        process.wait()
    platform.check()
    phase = Phase(name, sample=sample)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            route = Route(row["Type"], row["Name"], int(row["Request Count"]), int(row["Failure Count"]),
                          _number(row["50%"]), _number(row["95%"]), _number(row["99%"]),
                          _number(row["Max Response Time"]), _number(row["Requests/s"]))
            if row["Name"] == "Aggregated":
                phase.total = route
            else:
                phase.routes.append(route)
    with open(f"{prefix}_failures.csv", encoding="utf-8") as failures:
        phase.failures = [(r["Method"], r["Name"], r["Error"], int(r["Occurrences"]))
                          for r in csv.DictReader(failures)]
    print(f"  {name}: {phase.total.requests if phase.total else 0} requests, "
          f"{phase.total.failures if phase.total else 0} failures (load {sample.load_after})", flush=True)
    return phase


# Report ------------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.0f}"


def backlog(url: str) -> str:
    """Domain events not yet delivered and jobs waiting, once the run has ended."""
    with psycopg.connect(_plain(url)) as connection:
        pending = connection.execute("SELECT count(*) FROM domain_event WHERE dispatched_at IS NULL").fetchone()
        jobs = connection.execute("SELECT status, count(*) FROM procrastinate_jobs GROUP BY 1 ORDER BY 1").fetchall()
    return (f"domain events not yet delivered: {pending[0] if pending else 0}; procrastinate jobs by status: "
            + (", ".join(f"{status} {count}" for status, count in jobs) or "none"))


def server_errors(folder: Path) -> list[str]:
    """Lines of the server's and worker's logs that report an error."""
    lines = []
    for log in ("server.log", "worker.log"):
        path = folder / log
        if path.exists():
            lines += [f"{log}: {line}" for line in path.read_text(errors="replace").splitlines()
                      if "Traceback" in line or "ERROR" in line or "error" in line.lower()[:40]]
    return lines


def report(args: argparse.Namespace, floor: Phase, mix: Phase, *, users: int, setup: str, after: str,
           errors: list[str], password_check_ms: float, pools: str) -> str:
    """The Markdown report."""
    floor_me = next((r for r in floor.routes if r.name == "/api/v1/me"), None)
    floor_p99 = floor_me.p99 if floor_me else math.nan
    out = [f"## Load test, {datetime.now():%Y-%m-%d %H:%M}",
           "",
           f"machine: {machine()}; {setup}",
           f"server: `xinyidai serve --workers {args.workers}` on PostgreSQL, jobs on procrastinate with one "
           f"`xinyidai worker`; demo district of {args.enterprises} market entities; locust {users} users, "
           f"constant throughput {args.rps:g} requests/s asked",
           f"pools: {pools}",
           ""]

    def sample_lines(phase: Phase) -> list[str]:
        s = phase.sample
        others = max(0.0, s.machine_busy - sum(s.cpu.values()))
        shared = (["- **the machine was shared: other processes used "
                   f"{others:.2f} cores and the load average reached {s.load_max:.1f} on {os.cpu_count()} cores; "
                   "these latencies are not the platform's alone**"]
                  if others > 0.25 or s.load_max > (os.cpu_count() or 1) else [])
        cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in sorted(s.cpu.items(), key=lambda kv: -kv[1]))
        connections = ", ".join(f"{state} {count}" for state, count in sorted(s.connections.items()))
        return [f"- achieved: {phase.total.rps if phase.total else 0:,.1f} requests/s over "
                f"{s.seconds:,.0f} s sampled; {phase.total.requests if phase.total else 0:,} requests, "
                f"{phase.total.failures if phase.total else 0:,} failures",
                f"- CPU, in cores (of {os.cpu_count()}): {cpu}; the machine {s.machine_busy:.2f} "
                f"(of which other processes {others:.2f})",
                f"- database connections to `{args.database}`: at most {s.connections_total_max} at once "
                f"(mean {s.connections_mean:.1f}); most by state: {connections or 'none'}",
                f"- load average before {s.load_before}; highest 1-minute {s.load_max:.2f}; after {s.load_after}",
                *shared]

    out += [f"### Floor: `GET /api/v1/me`, {args.floor_minutes:g} min", "", *sample_lines(floor),
            f"- and the floor of `POST /login` alone: one password check (argon2, the platform's parameters) in "
            f"process takes {password_check_ms:.0f} ms (median of 20, before the server started)", "",
            f"### The 9 a.m. mix, {args.minutes:g} min", "", *sample_lines(mix), "",
            "| route | requests | failures | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | p99 / floor p99 | goal p99 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for route in sorted(mix.routes, key=lambda r: (r.is_write, r.name, r.method)):
        ratio = route.p99 / floor_p99 if floor_p99 and not math.isnan(floor_p99) else math.nan
        met = "—" if not route.requests else "met" if route.p99 < route.goal else "**missed**"
        out.append(f"| {route.method} {route.name} | {route.requests:,} | {route.failures:,} | {_ms(route.p50)} | "
                   f"{_ms(route.p95)} | {_ms(route.p99)} | {_ms(route.max)} | "
                   f"{'—' if math.isnan(ratio) else f'{ratio:,.1f}×'} | < {route.goal} ms: {met} |")
    if floor_me:
        out.append(f"| floor: GET /api/v1/me | {floor_me.requests:,} | {floor_me.failures:,} | {_ms(floor_me.p50)} | "
                   f"{_ms(floor_me.p95)} | {_ms(floor_me.p99)} | {_ms(floor_me.max)} | 1.0× | |")
    if mix.total:
        out.append(f"| **all** | {mix.total.requests:,} | {mix.total.failures:,} | {_ms(mix.total.p50)} | "
                   f"{_ms(mix.total.p95)} | {_ms(mix.total.p99)} | {_ms(mix.total.max)} | | |")
    out += ["", f"After the run: {after}.", ""]
    failures = floor.failures + mix.failures
    out += ["### Failures", ""] + ([f"- {n}× {method} {name}: {error}" for method, name, error, n in failures]
                                   or ["none"])
    out += ["", "### Errors in the server's and worker's logs", ""] + ([f"- {line[:300]}" for line in errors[:30]]
                                                                         or ["none"])
    return "\n".join(out)


def main() -> None:
    """Set up, measure the floor and the mix, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=300, help="requests a second asked, floor and mix alike")
    parser.add_argument("--minutes", type=float, default=10, help="length of the mix")
    parser.add_argument("--floor-minutes", type=float, default=1, help="length of the floor")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--enterprises", type=int, default=1000, help="market entities in the demo district")
    parser.add_argument("--firms", type=int, default=200,
                        help="firms with a login (the demo's and more), whose logins and applications the mix spreads "
                             "over")
    parser.add_argument("--users", type=int, default=None,
                        help="locust users (default: one per 2 requests/s, so that a slow answer or a login does "
                             "not hold the rate back)")
    parser.add_argument("--pg-url", default=os.environ.get("XINYIDAI_BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432"),
                        help="the PostgreSQL server (no database)")
    parser.add_argument("--database", default=DATABASE,
                        help="the database to drop, create and fill (give each run on a shared server its own)")
    parser.add_argument("--locust", default=None, help="the locust executable (default: on PATH, or beside Python)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the run's folder (logs, CSVs)")
    parser.add_argument("--reuse", default=None, metavar="FIXTURE",
                        help="run on --database as it is (a district already generated) with this fixture file "
                             "(bench_load's or bench.profile_mix's), instead of building both; the database is kept")
    args = parser.parse_args()
    locust = find_locust(args.locust)
    users = args.users or max(10, math.ceil(args.rps / 2))
    server = args.pg_url.rstrip("/")
    if server.count("/") > 2:  # a URL naming a database: the server is what comes before it
        server = server.rsplit("/", 1)[0]
    with contextlib.ExitStack() as stack:
        # Kept, the run's folder (logs, locust's CSVs) is a fresh one that outlives the run.
        folder = Path(mkdtemp(prefix="bench-load-") if args.keep else stack.enter_context(
            TemporaryDirectory(prefix="bench-load-")))
        from xinyidai.cli import upgrade_database

        url = f"{server}/{args.database}" if args.reuse else recreate_database(server, args.database)
        platform = Platform(url, args.workers, folder)
        try:
            started = time.perf_counter()
            if args.reuse:
                fixture = json.loads(Path(args.reuse).read_text(encoding="utf-8"))
            else:
                upgrade_database(url)
                platform.generate(args.enterprises)
                fixture = prepare(url, firms=args.firms)
            fixture_path = folder / "fixture.json"
            fixture_path.write_text(json.dumps(fixture, ensure_ascii=False), encoding="utf-8")
            setup = (f"set-up {time.perf_counter() - started:.0f} s; {len(fixture['enterprises'])} firms' logins, "
                     f"{len(fixture['banks'])} bank users, {len(fixture['departments'])} department clients")
            print(setup, flush=True)
            password_check_ms = password_check()
            pools = pool_settings(url)
            platform.start()
            common = {"users": users, "rps": args.rps, "fixture": fixture_path, "url": url}
            floor = run_locust(locust, platform, classes=FLOOR, seconds=round(60 * args.floor_minutes),
                               name="floor", **common)
            mix = run_locust(locust, platform, classes=MIX, seconds=round(60 * args.minutes), name="mix",
                             **common)
            time.sleep(5)  # let the worker take what the last requests deferred
            after = backlog(url)
        finally:
            platform.stop()
            if not args.keep and not args.reuse:
                drop_database(server, args.database)
        print()
        print(report(args, floor, mix, users=users, setup=setup, after=after, errors=server_errors(folder),
                     password_check_ms=password_check_ms, pools=pools))
        if args.keep:
            print(f"\nkept: database {args.database}, logs and locust's CSVs in {folder}")


if __name__ == "__main__":
    main()
