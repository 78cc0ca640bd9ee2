"""The scoring context's background jobs: the nightly batch scoring (批量评分), cut into pages any worker takes."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db, jobs
from xinyidai.scoring import batch


# 02:00 in Chongqing, after end of day: the register as of yesterday, with the champion.
@jobs.job("scoring.batch", queue="scoring", cron="0 18 * * *", single_queued=True)
def batch_run(factory: sessionmaker[Session], as_of: str | None = None, trigger: str = "schedule",
              chunk: int = batch.CHUNK) -> None:
    """Claim the run of `as_of` (default yesterday) and defer one job per page; a run done or held is left alone."""
    started = batch.start(as_of=date.fromisoformat(as_of) if as_of else batch.default_as_of(), trigger=trigger,
                          session_factory=factory, chunk=chunk)
    if not started.ran or started.run_id is None:
        return
    try:
        jobs.defer_many("scoring.batch_page", [{"run_id": started.run_id, "page_no": page_no}
                                               for page_no in range(started.pages)], factory=factory)
    except Exception as exc:  # in process the pages run here: the run is marked failed, for the next start to redo
        with db.transaction(factory) as session:
            batch.fail(session, run_id=started.run_id, error=f"{type(exc).__name__}: {exc}")
        raise


@jobs.job("scoring.batch_page", queue="scoring", retry=3)
def batch_page(factory: sessionmaker[Session], run_id: int, page_no: int) -> None:
    """Score one page of a run (nothing, if it is done already); the last page completes the run."""
    with db.transaction(factory) as session:
        batch.score_run_page(session, run_id=run_id, page_no=page_no)
