"""Background work (后台作业): every job the platform runs, declared in code with its schedule, on a job engine.

A job is a plain synchronous function `fn(factory, **kwargs)`: the engine hands it the session factory of the
database it serves, and JSON-able keyword arguments; the job opens and commits its own transactions. A context
declares its jobs with `@jobs.job(...)` in its own `jobs.py`; `main.wire_jobs()` imports them all, as it wires the
routers.

Two engines run the same jobs:

- **procrastinate** on PostgreSQL (`Procrastinate`): deferring writes a row into `procrastinate_jobs`; any number of
  `xinyidai worker` processes on any number of hosts fetch jobs from it (each job by one worker), retry failures,
  defer each periodic job once per tick whichever worker is first, and keep a job history. A worker sends
  heartbeats; one silent for `jobs_stalled_after_seconds` is presumed dead, and the job it held is handed to another
  (`jobs.retry_stalled`), so jobs must be idempotent: each commits its work whole or not at all.
- **in process** (`InProcess`, the embedded SQLite default): a deferred job runs at once in the caller (a job
  deferred within a transaction runs after its commit), and `serve` or `worker` run the schedule in a thread, so
  the laptop demo needs nothing else. A job declared `apart=True` (work a request must never wait for, such as a
  call to a partner's server) runs instead on a small pool of background threads of the process.

A job may be deferred to run later (`defer_later`: the retry of a webhook after its backoff): procrastinate keeps it
until its time; in process a background thread waits for it (lost if the process ends, so such work is also found
again by a periodic sweep of its own).

Schedules are cron expressions in UTC (China is UTC+8: "30 16 * * *" is half past midnight in Chongqing).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from croniter import croniter  # type: ignore[import-untyped]
from sqlalchemy import make_url
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db
from xinyidai.config import get_settings

log = structlog.get_logger(__name__)

JobFunction = Callable[..., Any]
# The job engine's own tables on PostgreSQL: created by a migration from procrastinate's schema, not by our models.
ENGINE_TABLE_PREFIX = "procrastinate_"
DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class Job:
    """A declared job: its name, function, queue, schedule and how it may run."""

    name: str
    func: JobFunction
    queue: str = DEFAULT_QUEUE
    cron: str | None = None  # periodic: defer on this schedule (UTC)
    retry: int = 0  # attempts after a failure, with backoff
    lock: str | None = None  # no two jobs holding the same lock run at once
    single_queued: bool = False  # at most one of this job waits in the queue (further defers are no-ops)
    apart: bool = False  # in process: never in the caller's thread, on the background threads


_jobs: dict[str, Job] = {}


def job(name: str, *, queue: str = DEFAULT_QUEUE, cron: str | None = None, retry: int = 0,
        lock: str | None = None, single_queued: bool = False,
        apart: bool = False) -> Callable[[JobFunction], JobFunction]:
    """Declare `fn(factory, **kwargs)` as the job `name` (optionally periodic on `cron`, UTC; `apart`: in process,
    run on a background thread, never in the caller)."""
    if cron is not None and not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression for job {name}: {cron!r}")

    def declare(func: JobFunction) -> JobFunction:
        existing = _jobs.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"job {name} is declared twice")
        _jobs[name] = Job(name, func, queue, cron, retry, lock, single_queued, apart)
        return func

    return declare


def declared() -> dict[str, Job]:
    """Every declared job by name."""
    return dict(_jobs)


def get(name: str) -> Job:
    """The declared job `name`."""
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"no job named {name} is declared (is its context wired?)") from None


class Engine(Protocol):
    """What runs jobs: defers them now and runs workers."""

    name: str

    def defer(self, name: str, kwargs: dict[str, Any], *, factory: sessionmaker[Session] | None = None) -> None:
        """Queue (or run) one job."""

    def defer_many(self, name: str, kwargs_list: list[dict[str, Any]], *,
                   factory: sessionmaker[Session] | None = None) -> None:
        """Queue (or run) a job once per set of arguments."""

    def defer_later(self, name: str, kwargs: dict[str, Any], *, delay_seconds: float,
                    factory: sessionmaker[Session] | None = None) -> None:
        """Queue one job to run `delay_seconds` from now."""

    def run_worker(self, *, queues: Iterable[str] | None, concurrency: int) -> None:
        """Work until stopped."""


def _default_factory() -> sessionmaker[Session]:
    return db.get_database().session_factory


class Background:
    """The in-process engine's background threads: calls run at their time (now, or later), a few at once, never in
    the thread that asked; a call that fails is logged."""

    def __init__(self, *, threads: int = 2) -> None:
        self._threads = threads
        self._queue: list[tuple[float, int, str, Callable[[], Any]]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._busy = 0
        self._started = 0

    def submit(self, name: str, call: Callable[[], Any], *, at: float | None = None) -> None:
        """Run `call` on a background thread at the monotonic time `at` (None: as soon as a thread is free)."""
        with self._condition:
            heapq.heappush(self._queue, (time.monotonic() if at is None else at, next(self._order), name, call))
            while self._started < self._threads:
                self._started += 1
                threading.Thread(target=self._work, name=f"xinyidai-jobs-{self._started}", daemon=True).start()
            self._condition.notify_all()

    def _work(self) -> None:
        while True:
            with self._condition:
                while not self._queue or self._queue[0][0] > time.monotonic():
                    self._condition.wait(None if not self._queue else max(0.0, self._queue[0][0] - time.monotonic()))
                _, _, name, call = heapq.heappop(self._queue)
                self._busy += 1
            try:
                call()
            except Exception:
                log.exception("background job failed", job=name)
            finally:
                with self._condition:
                    self._busy -= 1
                    self._condition.notify_all()

    def pending(self) -> int:
        """Calls waiting or running."""
        with self._condition:
            return len(self._queue) + self._busy

    def wait_idle(self, timeout: float, *, within: float | None = None) -> bool:
        """Wait until nothing is running and nothing waits to run within `within` seconds (None: nothing waits at
        all), or `timeout` passes; whether it became idle (tests, and a server shutting down)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                horizon = None if within is None else time.monotonic() + within
                waiting = [entry for entry in self._queue if horizon is None or entry[0] <= horizon]
                if not waiting and not self._busy:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(min(left, 0.05))


class InProcess:
    """The in-process engine: a deferred job runs at once in the caller (an `apart` job on a background thread);
    the schedule runs in a thread."""

    name = "in_process"

    def __init__(self) -> None:
        self.background = Background()

    def defer(self, name: str, kwargs: dict[str, Any], *, factory: sessionmaker[Session] | None = None) -> None:
        """Run the job now, in this thread (an `apart` job: on a background thread), with `factory` (the deferring
        transaction's) or the default."""
        declared_job = get(name)
        chosen = factory or _default_factory()
        if declared_job.apart:
            self.background.submit(name, lambda: declared_job.func(chosen, **kwargs))
        else:
            declared_job.func(chosen, **kwargs)

    def defer_later(self, name: str, kwargs: dict[str, Any], *, delay_seconds: float,
                    factory: sessionmaker[Session] | None = None) -> None:
        """Run the job on a background thread once `delay_seconds` have passed (lost if the process ends first)."""
        declared_job = get(name)
        chosen = factory or _default_factory()
        self.background.submit(name, lambda: declared_job.func(chosen, **kwargs),
                               at=time.monotonic() + max(0.0, delay_seconds))

    def defer_many(self, name: str, kwargs_list: list[dict[str, Any]], *,
                   factory: sessionmaker[Session] | None = None) -> None:
        """Run the job once per set of arguments, in order."""
        for kwargs in kwargs_list:
            self.defer(name, kwargs, factory=factory)

    def run_worker(self, *, queues: Iterable[str] | None, concurrency: int) -> None:
        """Run the periodic jobs on their schedule in the foreground until interrupted."""
        Schedule(queues=queues).run(threading.Event())


class Schedule:
    """The periodic jobs fired in process at their times (the in-process engine's scheduler)."""

    def __init__(self, *, queues: Iterable[str] | None = None, factory: sessionmaker[Session] | None = None) -> None:
        wanted = set(queues) if queues else None
        self._jobs = [j for j in _jobs.values() if j.cron and (wanted is None or j.queue in wanted)]
        self._factory = factory

    def due(self, after: float, until: float) -> list[Job]:
        """The jobs with a tick in (after, until]."""
        return [j for j in self._jobs if croniter(j.cron, after).get_next(float) <= until]

    def next_tick(self, after: float) -> float:
        """The earliest tick after `after` of any periodic job."""
        return min((croniter(j.cron, after).get_next(float) for j in self._jobs), default=after + 3600)

    def run(self, stop: threading.Event) -> None:
        """Fire each periodic job at its ticks until `stop` is set; a failing job is logged, not fatal."""
        last = time.time()
        while not stop.is_set():
            stop.wait(max(0.0, min(self.next_tick(last) - time.time(), 60.0)))
            now = time.time()
            for due in self.due(last, now):
                try:
                    due.func(self._factory or _default_factory())
                except Exception:  # the next tick tries again
                    log.exception("scheduled job failed", job=due.name)
            last = now

    def start(self) -> threading.Event:
        """Run in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        threading.Thread(target=self.run, args=(stop,), name="xinyidai-schedule", daemon=True).start()
        return stop


class Procrastinate:
    """The procrastinate engine on the platform's PostgreSQL database."""

    name = "procrastinate"

    def __init__(self, database_url: str) -> None:
        import procrastinate

        conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        # Its own small pool beside SQLAlchemy's: a web process only inserts jobs; a worker also listens and beats.
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1,
                                                                              max_size=8))
        self._open = False
        self._lock = threading.Lock()
        for declared_job in _jobs.values():
            self._register(declared_job)
        self._register_housekeeping()

    def _register(self, declared_job: Job) -> None:
        func = declared_job.func

        def run(**kwargs: Any) -> Any:
            kwargs.pop("timestamp", None)  # what procrastinate passes a periodic job
            return func(_default_factory(), **kwargs)

        task = self.app.task(name=declared_job.name, queue=declared_job.queue,
                             retry=declared_job.retry or False)(run)
        if declared_job.cron:
            self.app.periodic(cron=declared_job.cron, periodic_id=declared_job.name)(task)  # type: ignore[arg-type]

    def _register_housekeeping(self) -> None:
        settings = get_settings()
        from procrastinate import JobContext

        async def retry_stalled(context: JobContext, timestamp: int) -> None:
            # A worker silent this long has died (killed, host lost): the jobs it held go back to the queue.
            for stalled in await context.app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=settings.jobs_stalled_after_seconds):
                log.warning("retrying the job of a stalled worker", job_id=stalled.id, task=stalled.task_name)
                await context.app.job_manager.retry_job(stalled)

        async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
            await context.app.job_manager.delete_old_jobs(nb_hours=settings.jobs_keep_days * 24,
                                                          include_failed=True, include_cancelled=True,
                                                          include_aborted=True)

        for name, func, cron in (("jobs.retry_stalled", retry_stalled, settings.jobs_stalled_check_cron),
                                 ("jobs.remove_old", remove_old_jobs, "15 19 * * *")):
            task = self.app.task(name=name, queue="housekeeping", pass_context=True)(func)
            self.app.periodic(cron=cron, periodic_id=name)(task)

    def _opened(self) -> Any:
        with self._lock:
            if not self._open:
                self.app.open()
                self._open = True
        return self.app

    def _configured(self, name: str) -> Any:
        declared_job = get(name)
        return self._opened().configure_task(
            name, lock=declared_job.lock, queueing_lock=name if declared_job.single_queued else None)

    def defer(self, name: str, kwargs: dict[str, Any], *, factory: sessionmaker[Session] | None = None) -> None:
        """Queue one job; a single-queued job already waiting makes this a no-op."""
        from procrastinate.exceptions import AlreadyEnqueued

        with contextlib.suppress(AlreadyEnqueued):
            self._configured(name).defer(**kwargs)

    def defer_many(self, name: str, kwargs_list: list[dict[str, Any]], *,
                   factory: sessionmaker[Session] | None = None) -> None:
        """Queue the job once per set of arguments, in one statement."""
        if kwargs_list:
            self._configured(name).batch_defer(*kwargs_list)

    def defer_later(self, name: str, kwargs: dict[str, Any], *, delay_seconds: float,
                    factory: sessionmaker[Session] | None = None) -> None:
        """Queue one job that no worker takes before `delay_seconds` from now."""
        declared_job = get(name)
        self._opened().configure_task(name, lock=declared_job.lock,
                                      schedule_in={"seconds": max(0, round(delay_seconds))}).defer(**kwargs)

    def run_worker(self, *, queues: Iterable[str] | None, concurrency: int) -> None:
        """Fetch and run jobs (and defer the periodic ones) until stopped by SIGINT or SIGTERM."""
        settings = get_settings()
        logging.getLogger("procrastinate").setLevel(settings.log_level)
        asyncio.run(self._work(queues=list(queues) if queues else None, concurrency=concurrency))

    async def _work(self, *, queues: list[str] | None, concurrency: int) -> None:
        settings = get_settings()
        async with self.app.open_async():
            self._open = True  # jobs deferring more jobs (a run its pages) use the worker's open connections
            await self.app.run_worker_async(
                queues=queues, concurrency=concurrency,  # type: ignore[arg-type]  # None: every queue name=f"{socket.gethostname()}:{os.getpid()}",
                update_heartbeat_interval=settings.jobs_stalled_after_seconds / 4,
                stalled_worker_timeout=settings.jobs_stalled_after_seconds,
                fetch_job_polling_interval=settings.jobs_poll_seconds,
                delete_jobs="never")


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine_for(database_url: str) -> Engine:
    """The engine the settings choose for `database_url`: procrastinate on PostgreSQL unless told otherwise."""
    choice = get_settings().jobs_engine
    if choice == "auto":
        choice = "procrastinate" if make_url(database_url).get_backend_name() == "postgresql" else "in_process"
    if choice == "procrastinate":
        return Procrastinate(database_url)
    return InProcess()


def engine() -> Engine:
    """This process's engine, made on first use."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = engine_for(get_settings().database_url)
        return _engine


def use(new: Engine | None) -> None:
    """Replace this process's engine (tests; None: choose again from the settings on next use)."""
    global _engine
    with _engine_lock:
        _engine = new


def defer(name: str, /, *, factory: sessionmaker[Session] | None = None, **kwargs: Any) -> None:
    """Defer the job `name` now (outside any transaction, or when its data is committed already)."""
    engine().defer(name, kwargs, factory=factory)


def defer_many(name: str, kwargs_list: list[dict[str, Any]], *,
               factory: sessionmaker[Session] | None = None) -> None:
    """Defer the job `name` once per set of arguments."""
    engine().defer_many(name, kwargs_list, factory=factory)


def defer_later(name: str, /, *, delay_seconds: float, factory: sessionmaker[Session] | None = None,
                **kwargs: Any) -> None:
    """Defer the job `name` to run `delay_seconds` from now (its data committed already)."""
    engine().defer_later(name, kwargs, delay_seconds=delay_seconds, factory=factory)


def defer_after_commit(session: Session, name: str, /, **kwargs: Any) -> None:
    """Defer the job `name` once `session`'s transaction commits (never, if it rolls back)."""
    get(name)  # refuse an unknown job now, in the caller, not after the commit
    session.info.setdefault("jobs_after_commit", []).append((name, kwargs))
    session.info["after_commit_work"] = True


def run_deferred_after_commit(session: Session, factory: sessionmaker[Session]) -> None:
    """The jobs `session` deferred until its commit (an after-commit hook): a job that fails is logged, since the
    transaction that deferred it stands; its schedule tries again."""
    for name, kwargs in session.info.pop("jobs_after_commit", []):
        try:
            engine().defer(name, kwargs, factory=factory)
        except Exception:
            log.exception("deferred job failed", job=name)


db.after_commit_hooks.append(run_deferred_after_commit)
