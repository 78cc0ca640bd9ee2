"""The in-process engine (the embedded default): a job deferred within a unit of work runs after its commit, with
its database, and never when it rolls back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db, jobs
from xinyidai.workdays import PublicHoliday

seen: list[int] = []


@jobs.job("test.count_holidays")
def count_holidays(factory: sessionmaker[Session], *, label: str) -> None:
    with factory() as session:
        seen.append(session.scalar(select(func.count()).select_from(PublicHoliday).where(PublicHoliday.name == label)))


@pytest.fixture(autouse=True)
def in_process() -> Iterator[None]:
    seen.clear()
    jobs.use(jobs.InProcess())
    yield
    jobs.use(None)


def test_a_job_deferred_in_a_transaction_runs_after_its_commit_and_sees_it(
        session_factory: sessionmaker[Session]) -> None:
    with db.transaction(session_factory) as session:
        session.add(PublicHoliday(day=db.utcnow_column_default().date().replace(year=2031), name="测试日",
                                  is_workday=False))
        jobs.defer_after_commit(session, "test.count_holidays", label="测试日")
        assert seen == []  # not before the commit
    assert seen == [1]


def test_a_job_deferred_in_a_transaction_that_rolls_back_never_runs(session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), db.transaction(session_factory) as session:
        jobs.defer_after_commit(session, "test.count_holidays", label="测试日")
        raise RuntimeError("the use case failed")
    with db.transaction(session_factory):
        pass
    assert seen == []


def test_an_unknown_job_is_refused_when_deferred(session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(LookupError), db.transaction(session_factory) as session:
        jobs.defer_after_commit(session, "test.no_such_job")


def test_after_commit_work_that_fails_leaves_the_committed_transaction_and_its_caller_standing(
        session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(session: Session, factory: sessionmaker[Session]) -> None:
        raise RuntimeError("database is locked")

    # The events module's dispatch is such a hook: on SQLite under concurrent writers it can meet a locked file.
    monkeypatch.setattr(db, "after_commit_hooks", [busy, *db.after_commit_hooks])
    day = db.utcnow_column_default().date().replace(year=2032)
    with db.transaction(session_factory) as session:
        session.add(PublicHoliday(day=day, name="提交后", is_workday=False))
        jobs.defer_after_commit(session, "test.count_holidays", label="提交后")
    assert seen == [1]  # the hooks after the failing one still ran
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(PublicHoliday).where(PublicHoliday.day == day)) == 1
