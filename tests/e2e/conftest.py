"""Browser end-to-end fixtures: a fresh demo district behind a real `xinyidai serve`, and Debian's Chromium.

The server runs as a subprocess on 127.0.0.1 and a free port, against its own database: a SQLite file in
a pytest temporary directory, or, when XINYIDAI_TEST_DATABASE_URL names a PostgreSQL server, a database
`xinyidai_e2e` created afresh on that server. Playwright drives /usr/bin/chromium (never a downloaded
browser); without it the tests are skipped, unless XINYIDAI_REQUIRE_BROWSER=1 makes that a failure.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_ENTERPRISES = 40
DEMO_SEED = 7
E2E_DATABASE = "xinyidai_e2e"
READY_TIMEOUT_S = 90.0
COMMAND_TIMEOUT_S = 180.0
LOG_TAIL_CHARS = 6000

_running: list[LiveServer] = []


def _browser_required() -> bool:
    return os.environ.get("XINYIDAI_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    """Skip, or fail loudly when the run demands a browser."""
    if _browser_required():
        pytest.fail(f"XINYIDAI_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _tail(path: Path, limit: int = LOG_TAIL_CHARS) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output)"
    return text[-limit:] if text.strip() else "(empty)"


@dataclass
class LiveServer:
    """A running `xinyidai serve`."""

    url: str
    port: int
    database_url: str
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    def stderr(self) -> str:
        """The tail of the server's stderr (uvicorn and the application log there)."""
        return _tail(self.stderr_path)

    def stdout(self) -> str:
        """The tail of the server's stdout (uvicorn's access log)."""
        return _tail(self.stdout_path)

    def check_alive(self) -> None:
        """Fail the test with the server's stderr if the server has died."""
        code = self.process.poll()
        if code is not None:
            pytest.fail(f"the xinyidai server exited with code {code}; its stderr:\n{self.stderr()}", pytrace=False)


# --------------------------------------------------------------------------- the database


def _xinyidai_command() -> list[str]:
    script = Path(sys.executable).parent / "xinyidai"
    return [str(script)] if script.exists() else [sys.executable, "-m", "xinyidai.cli"]


def _postgres_admin_conninfo(url: str) -> str:
    """The same server's `postgres` database, as a plain libpq URL for psycopg."""
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return admin.render_as_string(hide_password=False)


def _e2e_database_name() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # one database per xdist worker, each with its own server
    return f"{E2E_DATABASE}_{worker}" if worker else E2E_DATABASE


def _recreate_postgres_database(base_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    with psycopg.connect(_postgres_admin_conninfo(base_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(base_url).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


def _drop_postgres_database(base_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_postgres_admin_conninfo(base_url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for the e2e server (PostgreSQL when configured, else a SQLite file)."""
    base = os.environ.get("XINYIDAI_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        name = _e2e_database_name()
        url = _recreate_postgres_database(base, name)
        yield url
        try:
            _drop_postgres_database(base, name)
        except Exception as exc:  # cleanup only: leave it for the next run's drop
            print(f"could not drop the e2e database {name}: {exc}", file=sys.stderr)
    else:
        path = (tmp_path_factory.mktemp("e2e-db") / "xinyidai.db").resolve()
        yield f"sqlite:///{path}"


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYIDAI_")}
    env.update({
        "XINYIDAI_DATABASE_URL": database_url,
        "XINYIDAI_ENV": "test",
        "XINYIDAI_LOG_LEVEL": "INFO",
        # Jobs run in the server's process (a job deferred by a request runs after its commit), on PostgreSQL too,
        # so the walks need no worker beside it; the nightly schedule does not fire while they walk.
        "XINYIDAI_JOBS_ENGINE": "in_process",
        "XINYIDAI_JOBS_SCHEDULE_IN_PROCESS": "false",
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        "_TYPER_STANDARD_TRACEBACK": "1",  # plain tracebacks, so the tail of a failure names the error
    })
    return env


def _run_cli(args: list[str], *, env: dict[str, str], cwd: Path) -> None:
    command = [*_xinyidai_command(), *args]
    try:
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`xinyidai {' '.join(args)}` took longer than {COMMAND_TIMEOUT_S:.0f} s:\n"
                    f"{exc.stdout or ''}\n{exc.stderr or ''}", pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"`xinyidai {' '.join(args)}` failed with code {done.returncode}:\n"
                    f"stdout:\n{done.stdout[-LOG_TAIL_CHARS:]}\nstderr:\n{done.stderr[-LOG_TAIL_CHARS:]}",
                    pytrace=False)


def _readyz_status(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/readyz")
        return connection.getresponse().status
    finally:
        connection.close()


def _wait_ready(server: LiveServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the xinyidai server exited with code {server.process.returncode} before it was ready; "
                        f"its stderr:\n{server.stderr()}", pytrace=False)
        try:
            status = _readyz_status(server.port)
        except OSError as exc:
            last_error = str(exc)
        else:
            if status == 200:
                return
            last_error = f"HTTP {status}"
        time.sleep(0.1)
    pytest.fail(f"the xinyidai server did not answer /readyz with 200 within {READY_TIMEOUT_S:.0f} s "
                f"(last: {last_error}); its stderr:\n{server.stderr()}", pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(chromium_executable: str, e2e_database_url: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Migrate, generate the demo district (40 entities, seed 7) and serve it on 127.0.0.1:<free port>."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    env = _server_env(e2e_database_url)
    _run_cli(["db", "upgrade"], env=env, cwd=workdir)
    _run_cli(["demo", "generate", "--enterprises", str(DEMO_ENTERPRISES), "--seed", str(DEMO_SEED)],
             env=env, cwd=workdir)
    port = _free_port()
    stdout_path, stderr_path = workdir / "server.out", workdir / "server.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [*_xinyidai_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=workdir, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", port=port, database_url=e2e_database_url, process=process,
                        stdout_path=stdout_path, stderr_path=stderr_path)
    _running.append(server)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)
        _running.remove(server)


@pytest.fixture
def server(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server, checked alive before and after each test."""
    live_server.check_alive()
    yield live_server
    live_server.check_alive()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failed e2e test, attach the server's stderr and access log to the report."""
    report = yield
    if report.failed and _running:
        for server in _running:
            report.sections.append((f"xinyidai server stderr ({server.url})", server.stderr()))
            report.sections.append((f"xinyidai server stdout ({server.url})", server.stdout()))
    return report


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium; skipped (or failed, with XINYIDAI_REQUIRE_BROWSER=1) when it is missing."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)"
                     + (f"; found {found}, but the e2e tests use only {CHROMIUM}" if found else ""))
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Any]:
    """One headless Chromium for the session."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:
        _unavailable(f"Python Playwright is not installed ({exc})")
    # An assertion waits until its condition holds, up to this: 5 s (Playwright's default) is short for a page that
    # loads a large script on a CI machine whose two cores also run the other test run and its servers.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS,
                                                 headless=True, timeout=30_000)
        except PlaywrightError as exc:
            _unavailable(f"{chromium_executable} did not start under Playwright: {exc}")
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: Any, server: LiveServer) -> Iterator[Any]:
    """A fresh browser context on the live server for each test."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: Any) -> Any:
    """A page in the test's fresh context."""
    return context.new_page()
