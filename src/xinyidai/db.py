"""Engine, sessions, the declarative Base and the unit-of-work helper.

Services flush; the edge (a request, a CLI command, a job) opens the transaction with
`transaction()` or the `get_session` request dependency, and commits once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import polars as pl
import structlog
from pydantic import Field
from sqlalchemy import BigInteger, DateTime, Engine, Integer, MetaData, Numeric, Select, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from xinyidai.config import get_settings

log = structlog.get_logger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table, with the explicit constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Surrogate keys: 64-bit on PostgreSQL, INTEGER on SQLite so that ROWID autoincrement works.
BigId = BigInteger().with_variant(Integer, "sqlite")
IdPk = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]

# Rates are Decimal fractions kept to six places, as money.RATE_QUANTUM rounds them: 0.035000 is 3.5% a year.
Rate = Numeric(9, 6)

MAX_ID = 2**63 - 1
# An id as it arrives from outside: bounded so a huge number is a 422, never a database overflow.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


_SQLITE_IMMEDIATE = "xinyidai_sqlite_immediate"


def select_frame(session: Session, query: Select[*tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a query of plain columns (numbers, text) as a polars frame with `schema`, for whole-table column
    work: on PostgreSQL one COPY of the result as CSV read by polars (no row becomes a Python object), elsewhere the
    rows fetched. The query's parameters must be literals SQLAlchemy can render (ids, numbers, text)."""
    if session.get_bind().dialect.name == "postgresql":
        statement = str(query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
            data = b"".join(bytes(chunk) for chunk in copy)
        return pl.read_csv(data, has_header=False, new_columns=list(schema), schema=schema, raise_if_empty=False)
    return pl.DataFrame(session.execute(query).all(), schema=schema, orient="row")


def begin_writing(session: Session) -> None:
    """Begin `session`'s transaction as one that will write: on SQLite, take the file's write lock now (waiting
    for it up to the busy timeout) rather than fail later; elsewhere nothing (PostgreSQL locks rows, not files)."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={_SQLITE_IMMEDIATE: True})


def serialise(session: Session, name: str) -> None:
    """Until `session`'s transaction ends, be the only transaction doing `name` (a check-then-write that must not
    interleave, such as counting before creating up to a cap): on PostgreSQL a transaction-level advisory lock keyed
    by the name; on SQLite the file's write lock, which one writer holds at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    else:
        begin_writing(session)


def hold_writers_back(session: Session, table: str) -> None:
    """Before reading `table` by id for a change feed: on PostgreSQL lock it against writers (SHARE) until the
    transaction ends, since a writer still open could otherwise commit an id below one already read, and the feed
    would never see it. SQLite has one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f'LOCK TABLE "{table}" IN SHARE MODE'))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`, its pool sized from settings, with SQLite set up for concurrent use.

    SQLite: WAL (readers never wait for the writer), a busy timeout (a writer waits for the file's one write lock
    instead of failing at once) and `BEGIN IMMEDIATE` for the edges' units of work (`begin_writing`): a
    transaction that reads and then writes would otherwise fail with "database is locked" whenever another wrote in
    between, because SQLite cannot upgrade a read snapshot that has gone stale, whatever the timeout. Writers are
    serialised on the file, as SQLite does anyway; plain sessions (read-only workers) begin deferred and never wait.
    PostgreSQL is the engine for concurrent production use.

    Statement parameters are never rendered into errors or the SQL echo: a failed statement's parameters hold
    names, addresses and numbers of people, and its error ends up in a traceback in the logs.
    """
    settings = get_settings()
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    in_memory = ":memory:" in url or "mode=memory" in url or url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:")
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_seconds}
    else:
        kwargs["pool_pre_ping"] = True
    if not in_memory:
        kwargs.update(pool_size=settings.pool_size, max_overflow=settings.pool_max_overflow,
                      pool_timeout=settings.pool_timeout_seconds)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        busy_ms = int(settings.sqlite_busy_timeout_seconds * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide where transactions begin, so that SAVEPOINT
            # (nested transactions, and the test harness) behaves as on PostgreSQL.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get(_SQLITE_IMMEDIATE, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)


_database: Database | None = None


def get_database() -> Database:
    """The process-wide database, built from settings on first use."""
    global _database
    if _database is None:
        settings = get_settings()
        _database = Database(settings.database_url, echo=settings.sql_echo)
    return _database


def set_database(database: Database | None) -> None:
    """Replace the process-wide database (tests, CLI with --database-url)."""
    global _database
    _database = database


# Run after a unit of work commits at the edge, with its session (its `info` says what it left to do) and its
# factory; the events and jobs modules register here so that this module imports neither.
after_commit_hooks: list[Callable[[Session, sessionmaker[Session]], None]] = []


def run_after_commit_hooks(session: Session) -> None:
    """Run what must happen once a transaction is durable (domain-event dispatch, deferred jobs)."""
    if not session.info.pop("after_commit_work", False):
        return
    factory = session.info.get("session_factory") or get_database().session_factory
    for hook in after_commit_hooks:
        # The transaction stands whatever a hook does: a dispatch that meets a busy database leaves its work in the
        # outbox for the scheduled run, and the caller is answered for what was committed.
        try:
            hook(session, factory)
        except Exception:
            log.exception("after-commit work failed; the scheduled run picks it up", hook=hook.__qualname__)


@contextmanager
def transaction(session_factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception, then after-commit hooks."""
    factory = session_factory or get_database().session_factory
    with factory() as session:
        session.info["session_factory"] = factory
        try:
            begin_writing(session)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        run_after_commit_hooks(session)


def utcnow_column_default() -> datetime:
    """Database-side default for rows created outside domain code (migrations, fixtures)."""
    return datetime.now(UTC)
