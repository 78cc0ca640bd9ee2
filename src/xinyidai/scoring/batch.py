"""Batch scoring (批量评分): every entity still on the register, as of one day, with the champion model.

A run goes in steps, each its own transaction, so that any number of workers on any number of hosts share it (the
jobs `scoring.batch` and `scoring.batch_page` in `scoring/jobs.py`; `run_job` does the same steps in one process):

1. `claim` writes the run record (`ScoringRun`, status running) for (champion version, as-of date). The unique index
   on that pair is the claim: a second start — the same host again, or another host at the same minute — finds the
   run done (nothing to do), running (someone else has it), or loses the insert race on the index; a run that
   failed, or that has been "running" past `STALE_AFTER` (its process died), is taken over and redone. `plan` cuts
   the register into pages of `CHUNK` entities by id (`ScoringPage`), committed with the claim.
2. `score_run_page` scores one page: it reads the page's records as columns with one range query (`page_records`:
   one COPY on PostgreSQL), computes the features of the whole page column-wise (`feature_columns`, held equal to
   `features.compute` by property tests; both apply the one as-of rule, `as_of.counting`: only records received by
   the end of the day count, in the version current then), scores the matrix taken from the feature frame at once
   with the version's model (`modelling.shipped`: its scorecard spec, and its challenger where it decides with
   it), applies the credit policy and finds the reasons for the page at once (`score_page`, column by column: no
   entity becomes a Python object), writes the results into `entity_score` (`write_results`:
   one binary COPY put together by column on PostgreSQL, executemany elsewhere) and keeps the page's running
   totals (`distribution.Tally`) on the page, all in one transaction: a worker killed mid-page leaves nothing, and
   its page is scored again by another; a page done is never scored twice. The results are held equal, entity by
   entity, to the one-entity path (`feature_store.features_as_of`, `champion.evaluate`) by the integration tests.
3. The last page to finish (`complete`) merges the pages' totals into the run record: counts, score distribution
   and PSI against the development sample and against the previous run.

The results carry no rate and no line: those depend on a product's bounds. The outcome and grade do not
(`policy.outcome_for`, the part of `policy.decide` that needs no product), and they are what is kept, with the
reasons as codes: the rules broken, then the features costing the most points. The batch reads every entity's
credit file for the platform's own supervision of its model; it is audited once per run (start and finish), not
once per entity.
"""

from __future__ import annotations

import json
import math
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import numpy as np
import polars as pl
from sqlalchemy import Select, Table, case, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from xinyidai import clock, db, events
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import AuthoritativeChannel
from xinyidai.registry import service as registry_service
from xinyidai.scoring import distribution, feature_columns, features, policy
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.champion import TOP_MODEL_REASONS
from xinyidai.scoring.events import ScoringRunCompleted
from xinyidai.scoring.exceptions import BatchRunRefused, ModelAdminOnly, ScoringRunNotFound
from xinyidai.scoring.models import EntityScore, ModelVersion, ScoringPage, ScoringRun
from xinyidai.scoring.policy import Outcome

CHUNK = 2000  # entities per page: a few thousand records, a matrix of CHUNK × inputs
STALE_AFTER = timedelta(hours=6)  # a "running" run older than this lost its process and may be taken over
ENTITY_SCORE = cast(Table, EntityScore.__table__)
COLUMNS = ("scoring_run_id", "enterprise_id", "score", "pd", "grade", "outcome", "tax_paid_12m", "insured_headcount",
           "reason_codes")
FAILED = "failed"


class RunStatus:
    """Where a run stands."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATUS_LABELS = {RunStatus.RUNNING: "进行中", RunStatus.DONE: "已完成", RunStatus.FAILED: "失败"}
TRIGGER_LABELS = {"cli": "命令行", "schedule": "定时任务", "portal": "管理端"}
OUTCOME_LABELS = {**{o.value: label for o, label in policy.OUTCOME_LABELS.items()}, FAILED: "评分失败"}


class BatchAlreadyDone(BatchRunRefused):
    """The run of this model version and date is finished already: nothing to do."""

    code = "batch_already_done"

    def __init__(self, run: ScoringRun, label: str) -> None:
        super().__init__(f"评价日 {run.as_of} 已用模型 {label} 完成批量评分（批次 {run.id}），不重复评分",
                         message_en=f"run {run.id} already scored {run.as_of} with {label}")
        self.run_id = run.id


class BatchInProgress(BatchRunRefused):
    """Another process holds the run of this model version and date."""

    code = "batch_in_progress"


Progress = Callable[[int, int], None]


def _require_admin(principal: Principal | None) -> None:
    # Without a principal the caller is the platform itself (the CLI on the server, the scheduled job).
    if principal is not None and (not principal.is_platform_admin or principal.user_id is None):
        raise ModelAdminOnly("只有平台管理员可以发起批量评分", message_en="only the platform admin runs batch scoring")


def claim(session: Session, *, as_of: date, trigger: str, principal: Principal | None = None,
          host: str | None = None) -> ScoringRun:
    """Claim the run of the champion for `as_of` (see the module); refused when done, held elsewhere, or impossible."""
    _require_admin(principal)
    if as_of > clock.today():
        raise BatchRunRefused("不能对未来日期批量评分", message_en="cannot score as of a future date")
    version = registry.champion(session)
    if version is None:
        raise BatchRunRefused("尚未启用冠军模型，无法批量评分；请先在“模型版本”中启用一个版本",
                              message_en="no champion model has been promoted")
    now = clock.now()
    existing = session.scalars(select(ScoringRun).where(
        ScoringRun.model_version_id == version.id, ScoringRun.as_of == as_of).with_for_update()).first()
    if existing is not None:
        if existing.status == RunStatus.DONE:
            raise BatchAlreadyDone(existing, version.version_label)
        if existing.status == RunStatus.RUNNING and existing.started_at > now - STALE_AFTER:
            raise BatchInProgress(f"评价日 {as_of} 的批量评分（批次 {existing.id}）正在进行（{existing.host}），"
                                  "不重复发起", message_en=f"run {existing.id} is in progress on {existing.host}")
        # A failed run, or one whose process died: its partial results go, and this process redoes it.
        session.execute(delete(EntityScore).where(EntityScore.scoring_run_id == existing.id))
        session.execute(delete(ScoringPage).where(ScoringPage.scoring_run_id == existing.id))
        run = existing
        _reset(run)
    else:
        run = ScoringRun(model_version_id=version.id, as_of=as_of)
        _reset(run)
    run.status, run.started_at, run.trigger = RunStatus.RUNNING, now, trigger
    run.triggered_by_user_id = principal.user_id if principal is not None else None
    run.host = (host if host is not None else socket.gethostname())[:100]
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError as exc:  # another process inserted the same (version, date) first
        raise BatchInProgress(f"评价日 {as_of} 的批量评分已由其他进程发起，不重复发起",
                              message_en="another process claimed this run") from exc
    audit_service.record(session, action="scoring.batch_started",
                         actor=principal or audit_service.Actor.system(f"scoring_batch:{trigger}"),
                         subject_type="scoring_run", subject_id=run.id,
                         detail={"as_of": as_of.isoformat(), "model": version.version_label, "trigger": trigger})
    return run


def _reset(run: ScoringRun) -> None:
    run.finished_at = run.mean_score = run.mean_pd = run.decile_counts = run.score_histogram = None
    run.psi_development = run.psi_previous = run.previous_run_id = run.error = None
    run.entities_total = run.entities_scored = run.entities_approved = run.entities_remediate = 0
    run.entities_declined = run.entities_failed = 0


# Reading the records --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    code: str
    authoritative: AuthoritativeChannel
    visible_days: int | None


def _items(session: Session) -> dict[int, _Item]:
    return {item.id: _Item(item.code, AuthoritativeChannel(item.authoritative_channel), item.visible_days)
            for item in creditdata_service.list_items(session)}


def entity_pages(session: Session, *, as_of: date, chunk: int = CHUNK) -> Iterator[list[tuple[int, date]]]:
    """(id, registration date) of every entity still on the register as of `as_of`, a page at a time, by id."""
    after = 0
    while page := registry_service.operating_page(session, registered_by=as_of, after_id=after, limit=chunk):
        after = page[-1][0]
        yield page


def page_records(session: Session, *, as_of: date, page: list[tuple[int, date]], items: dict[int, _Item]
                 ) -> pl.DataFrame:
    """The records of a page of entities received by the end of `as_of`, as `feature_columns` reads them: the
    sub-categories the features read, with the fields they read, from one range query."""
    wanted = {item_id: list(features.READS[item.code]) for item_id, item in items.items()
              if item.code in features.READS}
    frame = creditdata_service.record_columns_known_by_range(
        session, first_enterprise_id=page[0][0], last_enterprise_id=page[-1][0], as_of=as_of, fields=wanted)
    item = pl.col("catalogue_item_id")
    return frame.with_columns(
        item.replace_strict({i: items[i].code for i in wanted}, return_dtype=pl.String).alias("item"),
        item.replace_strict({i: items[i].authoritative.value for i in wanted}, return_dtype=pl.String)
        .alias("authoritative"),
        item.replace_strict({i: items[i].visible_days for i in wanted}, return_dtype=pl.Int64).alias("visible_days"),
    ).drop("catalogue_item_id")


def feature_frame(session: Session, *, as_of: date, page: list[tuple[int, date]],
                  items: dict[int, _Item] | None = None) -> pl.DataFrame:
    """The features of a page of entities as of `as_of`, computed column-wise from one range query: the frame of
    `feature_columns.compute_page` (`malformed` true: an entity whose counting records hold a malformed value; it
    alone fails)."""
    records = page_records(session, as_of=as_of, page=page, items=items if items is not None else _items(session))
    return feature_columns.compute_page(as_of, feature_columns.entities_frame(page), records)


def feature_page(session: Session, *, as_of: date, page: list[tuple[int, date]], items: dict[int, _Item] | None = None
                 ) -> list[tuple[int, dict[str, Any] | None]]:
    """`feature_frame` as (enterprise id, features as `features.compute` gives them, or None for a malformed file)."""
    return feature_columns.as_dicts(feature_frame(session, as_of=as_of, page=page, items=items))


def matrix(spec: dict[str, Any], frame: pl.DataFrame) -> np.ndarray:
    """The scorecard's input matrix from a frame of features (NaN for a missing feature, or one the frame lacks) in
    the order of the spec's inputs."""
    columns = [frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy() if name in frame.columns
               else np.full(frame.height, np.nan) for name in (i["name"] for i in spec["inputs"])]
    return np.column_stack(columns) if columns else np.empty((frame.height, 0))


def top_losses(spec: dict[str, Any], points: np.ndarray, top: int = TOP_MODEL_REASONS
               ) -> tuple[np.ndarray, np.ndarray]:
    """`scorecard.top_losses` for a whole page at once, as (feature indices [rows, top], whether each costs any
    points [rows, top]): the features costing the most points against their best bin, ties broken by IV."""
    specs = spec["features"]
    best = np.array([max([b["points"] for b in f["bins"]] + [f["missing"]["points"]]) for f in specs])
    iv = np.broadcast_to(-np.array([f["iv"] for f in specs], dtype=float), points.shape)
    lost = best[None, :] - points
    order = np.lexsort((iv, -np.round(lost, 9)), axis=-1)[:, :top]
    return order, np.take_along_axis(lost, order, axis=-1) > 1e-9


def top_loss_names(spec: dict[str, Any], points: np.ndarray, top: int = TOP_MODEL_REASONS) -> list[list[str]]:
    """`top_losses` as each row's feature names, only those costing any points."""
    names = [str(f["name"]) for f in spec["features"]]
    order, costing = top_losses(spec, points, top)
    return [[names[k] for k, cost in zip(ks, cs, strict=True) if cost]
            for ks, cs in zip(order.tolist(), costing.tolist(), strict=True)]


OUTCOMES = (FAILED, *(o.value for o in Outcome))  # the outcomes written, by their code in `PageResults`
GRADES = ("", *policy.GRADE_LABELS)  # the grades written ("": failed), likewise


@dataclass(frozen=True)
class PageResults:
    """A page's results by column, one row per entity in page order: what `entity_score` keeps of each.

    Grades, outcomes and reasons are codes into `GRADES`, `OUTCOMES` and `reasons` (a page has a few hundred
    distinct lists of reasons at most); NaN is None in the float columns (score and PD: the entity failed).
    """

    enterprise_id: np.ndarray
    score: np.ndarray
    pd: np.ndarray
    grade: np.ndarray
    outcome: np.ndarray
    tax_paid_12m: np.ndarray
    insured_headcount: np.ndarray  # float, NaN for None; written as an integer (`policy.scale_fen` reads int())
    reason: np.ndarray
    reasons: list[list[str]]

    @property
    def scored(self) -> np.ndarray:
        """Which rows were scored (the others failed)."""
        return np.asarray(~np.isnan(self.score), dtype=bool)

    def outcomes(self) -> dict[str, int]:
        """The count of each outcome (failed always named), in the order the page first meets them."""
        codes, first, counts = np.unique(self.outcome, return_index=True, return_counts=True)
        out = {FAILED: 0}
        for i in np.argsort(first).tolist():
            out[OUTCOMES[int(codes[i])]] = int(counts[i])
        return out

    def rows(self, run_id: int) -> list[tuple[Any, ...]]:
        """The results as rows in `COLUMNS` order (None for NaN)."""
        def floats(values: np.ndarray) -> list[float | None]:
            return [None if math.isnan(v) else v for v in values.tolist()]

        return list(zip([run_id] * len(self.enterprise_id), self.enterprise_id.tolist(), floats(self.score),
                        floats(self.pd), [GRADES[g] for g in self.grade.tolist()],
                        [OUTCOMES[o] for o in self.outcome.tolist()], floats(self.tax_paid_12m),
                        [None if v is None else int(v) for v in floats(self.insured_headcount)],
                        [self.reasons[r] for r in self.reason.tolist()], strict=True))


def score_page(spec: dict[str, Any], features: pl.DataFrame, challenger: Any | None = None) -> PageResults:
    """A page's results from its feature frame (`feature_frame`): the version's model on the page's matrix (its
    scorecard, with the `challenger` session where the version decides with it), then the policy's outcome and
    grade and the reasons (the rules broken, then the features costing the most points, as a decision stores them),
    all column-wise; an entity with a malformed record fails alone."""
    from xinyidai.scoring.modelling import shipped  # the modelling stack loads only when a model scores

    n = features.height
    failed = features[feature_columns.MALFORMED].fill_null(False).to_numpy().astype(bool)
    ok = features.filter(~pl.Series(failed))
    x = matrix(spec, ok)
    scores, pds, points = shipped.score(spec, x, None if challenger is None else shipped.challenger_pd(challenger, x))
    masks = policy.rule_masks({rule.feature: ok[rule.feature].fill_null(np.nan).to_numpy()
                               for rule in policy.HARD_RULES})
    # Each entity's reasons as one key (its rules' mask, then its top features, 0 for none), listed once per page.
    order, costing = top_losses(spec, points)
    span = len(spec["features"]) + 1
    key = masks.copy()
    for slot in range(order.shape[1]):
        key = key * span + np.where(costing[:, slot], order[:, slot] + 1, 0)
    keys, reason = np.unique(key, return_inverse=True)
    names = [str(f["name"]) for f in spec["features"]]
    reasons = []
    for value in keys.tolist():
        model: list[str] = []
        for _slot in range(order.shape[1]):
            value, feature = divmod(value, span)
            if feature:
                model.insert(0, f"model.{names[feature - 1]}")
        reasons.append([*policy.outcome_of_mask(value)[1], *model])
    outcome_code = {outcome: code for code, outcome in enumerate(OUTCOMES)}
    outcome_of_mask = np.array([outcome_code[policy.outcome_of_mask(mask)[0]]
                                for mask in range(1 << len(policy.HARD_RULES))])

    def spread(values: np.ndarray, fill: Any, dtype: Any = float) -> np.ndarray:
        out = np.full(n, fill, dtype=dtype)
        out[~failed] = values
        return out

    def column(name: str) -> np.ndarray:
        return features[name].cast(pl.Float64).fill_null(np.nan).to_numpy().copy()

    # A failed entity: no score, no grade, its one reason; and no feature kept.
    reasons.append(["error.features"])
    tax, headcount = column("tax_paid_12m"), column("social_insurance_headcount")
    tax[failed] = headcount[failed] = np.nan
    return PageResults(
        enterprise_id=features["enterprise_id"].to_numpy(), score=spread(scores, np.nan), pd=spread(pds, np.nan),
        grade=spread(policy.grade_indices(pds) + 1, 0, np.int64),
        outcome=spread(outcome_of_mask[masks], outcome_code[FAILED], np.int64),
        tax_paid_12m=tax, insured_headcount=headcount,
        reason=spread(reason, len(reasons) - 1, np.int64), reasons=reasons)



# Writing the results --------------------------------------------------------------------------------------------

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # no flags, no header extension
_COPY_END = b"\xff\xff"


class _Field:
    """One column of a binary COPY: each row's bytes (length word and value) as a slice of `source`."""

    def __init__(self, source: np.ndarray, start: np.ndarray, length: np.ndarray) -> None:
        self.source, self.start, self.length = source, start, length

    @classmethod
    def fixed(cls, values: np.ndarray, dtype: str, null: np.ndarray | None = None) -> _Field:
        """Numbers of one width (`dtype`, big-endian), None where `null`."""
        width = np.dtype(dtype).itemsize
        cells = np.empty(len(values), dtype=[("length", ">i4"), ("value", dtype)])
        cells["value"] = values
        cells["length"] = width
        length = np.full(len(values), 4 + width, dtype=np.int64)
        if null is not None:
            cells["length"][null] = -1
            length[null] = 4
        return cls(cells.view(np.uint8), np.arange(len(values), dtype=np.int64) * (4 + width), length)

    @classmethod
    def coded(cls, codes: np.ndarray, texts: list[bytes]) -> _Field:
        """Text from a short list of values (`texts`), by each row's index into it."""
        cells = [len(text).to_bytes(4, "big") + text for text in texts]
        sizes = np.array([len(cell) for cell in cells], dtype=np.int64)
        source = np.frombuffer(b"".join(cells), dtype=np.uint8)
        return cls(source, (np.cumsum(sizes) - sizes)[codes], sizes[codes])


def _binary_copy(fields: list[_Field], rows: int) -> bytes:
    """The rows of `fields` in PostgreSQL's binary COPY format, put together column by column: each row's field
    count and fields, one gather over the columns' bytes."""
    count = _Field(np.frombuffer(len(fields).to_bytes(2, "big"), dtype=np.uint8),  # a row starts with its width
                   np.zeros(rows, dtype=np.int64), np.full(rows, 2, dtype=np.int64))
    fields = [count, *fields]
    bases = np.cumsum([0, *(len(f.source) for f in fields)])[:-1]
    start = np.stack([f.start + base for f, base in zip(fields, bases, strict=True)], axis=1).ravel()
    length = np.stack([f.length for f in fields], axis=1).ravel()
    placed = np.cumsum(length) - length
    source = np.concatenate([f.source for f in fields])
    body = source[np.repeat(start - placed, length) + np.arange(int(length.sum()))]
    return _COPY_SIGNATURE + body.tobytes() + _COPY_END


def write_results(session: Session, *, run_id: int, results: PageResults) -> None:
    """Append a page's results to `entity_score`: on PostgreSQL one binary COPY built by column, elsewhere
    executemany."""
    n = len(results.enterprise_id)
    if not n:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(ENTITY_SCORE), [dict(zip(COLUMNS, row, strict=True)) for row in results.rows(run_id)])
        return
    missing_score, missing_tax = np.isnan(results.score), np.isnan(results.tax_paid_12m)
    missing_headcount = np.isnan(results.insured_headcount)
    fields = [
        _Field.fixed(np.full(n, run_id), ">i8"),
        _Field.fixed(results.enterprise_id, ">i8"),
        _Field.fixed(np.nan_to_num(results.score), ">f8", missing_score),
        _Field.fixed(np.nan_to_num(results.pd), ">f8", missing_score),
        _Field.coded(results.grade, [grade.encode() for grade in GRADES]),
        _Field.coded(results.outcome, [outcome.encode() for outcome in OUTCOMES]),
        _Field.fixed(np.nan_to_num(results.tax_paid_12m), ">f8", missing_tax),
        # int(), as `policy.scale_fen` reads it: toward zero
        _Field.fixed(np.nan_to_num(results.insured_headcount).astype(np.int64), ">i4", missing_headcount),
        _Field.coded(results.reason, [json.dumps(codes).encode() for codes in results.reasons]),
    ]
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f"COPY entity_score ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT binary)") as copy:
        copy.write(_binary_copy(fields, n))


# Pages and the run's completion ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Model:
    """What a page is scored with: the version's scorecard spec, and its challenger's session if it decides with it."""

    spec: dict[str, Any]
    challenger: Any | None


# A version's model by its digest, not its id: ids name different versions in different databases (a restored copy,
# the test suite's), the digest only ever the same content.
_models: dict[str, _Model] = {}


def _model(session: Session, model_version_id: int) -> _Model:
    digest = session.scalar(select(ModelVersion.digest).where(ModelVersion.id == model_version_id))
    model = _models.get(digest) if digest is not None else None
    if model is None:
        version = registry.get(session, version_id=model_version_id)
        model = _models[version.digest] = _Model(version.scorecard_spec, registry.challenger_of(version))
    return model


def _edges(spec: dict[str, Any]) -> list[float] | None:
    development = spec.get("development_score_distribution") or {}
    return [float(e) for e in development.get("edges", [])] or None


def worker_name() -> str:
    """This process as a page's `worker` names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def plan(session: Session, *, run: ScoringRun, chunk: int = CHUNK) -> list[ScoringPage]:
    """Cut the run's entities into pages of `chunk` by id, recorded so that any worker can score any of them."""
    pages = [ScoringPage(scoring_run_id=run.id, page_no=page_no, first_enterprise_id=page[0][0],
                         last_enterprise_id=page[-1][0], entities=len(page))
             for page_no, page in enumerate(entity_pages(session, as_of=run.as_of, chunk=chunk))]
    session.add_all(pages)
    run.entities_total = sum(page.entities for page in pages)
    session.flush()
    return pages


def score_run_page(session: Session, *, run_id: int, page_no: int, worker: str | None = None) -> bool:
    """Score one page of a running run and record its tally with its results; when it is the last, complete the run.

    False, and nothing done, when the page is done already (a job run twice) or the run is no longer running.
    """
    page = session.scalars(select(ScoringPage).where(ScoringPage.scoring_run_id == run_id,
                                                     ScoringPage.page_no == page_no).with_for_update()).one_or_none()
    run = session.get(ScoringRun, run_id)
    if page is None or page.done_at is not None or run is None or run.status != RunStatus.RUNNING:
        return False
    model = _model(session, run.model_version_id)
    entities = [entity for entity in registry_service.operating_page(
        session, registered_by=run.as_of, after_id=page.first_enterprise_id - 1, limit=page.entities)
        if entity[0] <= page.last_enterprise_id]
    if entities:
        results = score_page(model.spec, feature_frame(session, as_of=run.as_of, page=entities), model.challenger)
        write_results(session, run_id=run.id, results=results)
        scored = results.scored
        scores, pds, outcomes = results.score[scored], results.pd[scored], results.outcomes()
    else:
        scores, pds, outcomes = np.empty(0), np.empty(0), {FAILED: 0}
    tally = distribution.Tally(_edges(model.spec))
    tally.add(scores, pds)
    page.tally, page.outcomes = tally.state(), outcomes
    page.done_at, page.worker = clock.now(), worker or worker_name()
    session.flush()
    # The pages' last steps take turns on the run's row (NO KEY: other pages' results may still reference it) —
    # the last page to get it sees every other page committed.
    session.execute(select(ScoringRun.id).where(ScoringRun.id == run_id).with_for_update(key_share=True))
    remaining = session.scalar(select(func.count()).select_from(ScoringPage).where(
        ScoringPage.scoring_run_id == run_id, ScoringPage.done_at.is_(None)))
    if not remaining:
        complete(session, run=run)
    return True


def complete(session: Session, *, run: ScoringRun) -> ScoringRun:
    """Complete a run whose pages are all done: its counts, distribution and PSI from the pages' tallies (merged in
    page order, so that the figures do not depend on how many workers scored it)."""
    version = registry.get(session, version_id=run.model_version_id)
    spec = _model(session, run.model_version_id).spec
    development = spec.get("development_score_distribution") or {}
    edges = _edges(spec)
    tally = distribution.Tally(edges)
    outcomes: dict[str, int] = {}
    total = 0
    for page in session.scalars(select(ScoringPage).where(ScoringPage.scoring_run_id == run.id)
                                .order_by(ScoringPage.page_no)):
        tally.merge(page.tally or {})
        for outcome, count in (page.outcomes or {}).items():
            outcomes[outcome] = outcomes.get(outcome, 0) + int(count)
        total += page.entities
    run.entities_total = total
    run.entities_scored = tally.scored
    run.entities_approved = outcomes.get(Outcome.APPROVE.value, 0)
    run.entities_remediate = outcomes.get(Outcome.REMEDIATE.value, 0)
    run.entities_declined = outcomes.get(Outcome.DECLINE.value, 0)
    run.entities_failed = outcomes.get(FAILED, 0)
    run.mean_score = tally.score_sum / tally.scored if tally.scored else None
    run.mean_pd = tally.pd_sum / tally.scored if tally.scored else None
    run.decile_counts = tally.deciles()
    run.score_histogram = tally.histogram_rows()
    if edges is not None and run.decile_counts is not None:
        run.psi_development = distribution.psi_of_counts(development.get("shares", []), run.decile_counts)
        previous = _previous(session, run)
        if previous is not None:
            run.previous_run_id = previous.id
            previous_counts = (previous.decile_counts if previous.model_version_id == run.model_version_id
                               and previous.decile_counts else _counts_of(session, previous.id, edges))
            if sum(previous_counts):
                run.psi_previous = distribution.psi_of_counts(distribution.shares_of(previous_counts),
                                                              run.decile_counts)
    run.status, run.finished_at = RunStatus.DONE, clock.now()
    session.flush()
    audit_service.record(session, action="scoring.batch_finished", actor=audit_service.Actor.system("scoring_batch"),
                         subject_type="scoring_run", subject_id=run.id,
                         detail={"as_of": run.as_of.isoformat(), "model": version.version_label,
                                 "scored": run.entities_scored, "declined": run.entities_declined,
                                 "failed": run.entities_failed, "psi_development": run.psi_development})
    events.publish(session=session, event=ScoringRunCompleted(run_id=run.id, as_of=run.as_of,
                                                              previous_run_id=run.previous_run_id))
    return run


def completed_runs_after(session: Session, *, after_run_id: int) -> list[tuple[int, int | None]]:
    """The finished runs with an id past `after_run_id`, oldest first, each with its previous run: (run_id,
    previous_run_id)."""
    return [(int(r), None if p is None else int(p)) for r, p in session.execute(
        select(ScoringRun.id, ScoringRun.previous_run_id).where(
            ScoringRun.status == RunStatus.DONE, ScoringRun.id > after_run_id).order_by(ScoringRun.id)).all()]


def latest_grades(session: Session, *, enterprise_ids: list[int]) -> dict[int, tuple[str, date]]:
    """Each entity's grade in the latest finished scoring run that scored it, with the run's as-of date: {enterprise
    id: (grade, as_of)}; an entity never scored is absent. One query per 500 entities."""
    out: dict[int, tuple[str, date]] = {}
    runs: dict[int, date] = {run_id: as_of for run_id, as_of in session.execute(
        select(ScoringRun.id, ScoringRun.as_of).where(ScoringRun.status == RunStatus.DONE))}
    if not runs:
        return out
    ids = sorted(set(enterprise_ids))
    for start in range(0, len(ids), 500):
        rows = session.execute(select(EntityScore.enterprise_id, EntityScore.scoring_run_id, EntityScore.grade).where(
            EntityScore.enterprise_id.in_(ids[start:start + 500]), EntityScore.scoring_run_id.in_(list(runs))))
        best: dict[int, int] = {}
        for enterprise_id, run_id, grade in rows:
            if run_id > best.get(enterprise_id, -1):
                best[enterprise_id] = run_id
                out[enterprise_id] = (grade, runs[run_id])
    return out


def run_finished_at(session: Session, *, run_id: int) -> datetime | None:
    """When a run finished (None: unknown or not finished)."""
    return session.scalar(select(ScoringRun.finished_at).where(ScoringRun.id == run_id))


def grade_changes_query(*, run_id: int, previous_run_id: int) -> Select[int, str, str, float | None,
                                                                             float | None]:
    """Each entity scored in both runs, as rows (enterprise_id, previous_grade, grade, previous_score, score): a
    query for other contexts to narrow and join (monitoring's grade-drop signal), never a table."""
    now, before = aliased(EntityScore), aliased(EntityScore)
    return select(now.enterprise_id.label("enterprise_id"), before.grade.label("previous_grade"),
                  now.grade.label("grade"), before.score.label("previous_score"), now.score.label("score")).join(
        before, (before.enterprise_id == now.enterprise_id) & (before.scoring_run_id == previous_run_id)).where(
        now.scoring_run_id == run_id)


def pending_pages(session: Session, *, run_id: int) -> list[int]:
    """The numbers of a run's pages not yet done."""
    return list(session.scalars(select(ScoringPage.page_no).where(
        ScoringPage.scoring_run_id == run_id, ScoringPage.done_at.is_(None)).order_by(ScoringPage.page_no)))


def progress_of(session: Session, *, run_id: int) -> tuple[int, int]:
    """(entities in pages done, entities in all pages) of a run."""
    done, total = session.execute(select(
        func.coalesce(func.sum(case((ScoringPage.done_at.is_not(None), ScoringPage.entities), else_=0)), 0),
        func.coalesce(func.sum(ScoringPage.entities), 0)).where(ScoringPage.scoring_run_id == run_id)).one()
    return int(done), int(total)


def _previous(session: Session, run: ScoringRun) -> ScoringRun | None:
    """The latest finished run before this one's date (any model version)."""
    return session.scalars(select(ScoringRun).where(
        ScoringRun.status == RunStatus.DONE, ScoringRun.id != run.id, ScoringRun.as_of < run.as_of,
    ).order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(1)).first()


def _counts_of(session: Session, run_id: int, edges: list[float]) -> list[int]:
    """Another run's scores counted on these edges, in the database (its model had other deciles)."""
    s = EntityScore.score
    bucket = case(*((s < edge, literal(i)) for i, edge in enumerate(edges)), else_=literal(len(edges)))
    counts = [0] * (len(edges) + 1)
    for index, count in session.execute(select(bucket, func.count()).where(
            EntityScore.scoring_run_id == run_id, s.is_not(None)).group_by(bucket)).all():
        counts[int(index)] = int(count)
    return counts


def fail(session: Session, *, run_id: int, error: str) -> None:
    """Mark a claimed run failed (the next start redoes it), keeping the reason."""
    run = session.get(ScoringRun, run_id)
    if run is None or run.status != RunStatus.RUNNING:
        return
    run.status, run.finished_at, run.error = RunStatus.FAILED, clock.now(), error[:500]
    session.flush()
    audit_service.record(session, action="scoring.batch_failed", actor=audit_service.Actor.system("scoring_batch"),
                         outcome="failure", subject_type="scoring_run",
                         subject_id=run.id, detail={"as_of": run.as_of.isoformat(), "error": error[:200]})


@dataclass(frozen=True)
class JobResult:
    """What one start of the job did."""

    run_id: int | None
    ran: bool
    message: str
    pages: int = 0


def start(*, as_of: date, trigger: str, session_factory: sessionmaker[Session] | None = None,
          principal: Principal | None = None, chunk: int = CHUNK) -> JobResult:
    """Claim the run and plan its pages, committed; a run done already or held elsewhere is said, not raised."""
    try:
        with db.transaction(session_factory) as session:
            run = claim(session, as_of=as_of, trigger=trigger, principal=principal)
            pages = len(plan(session, run=run, chunk=chunk))
            run_id = run.id
            if not pages:  # nothing on the register that day: the run completes empty
                complete(session, run=run)
    except BatchAlreadyDone as exc:
        return JobResult(exc.run_id, False, exc.message)
    except BatchInProgress as exc:
        return JobResult(None, False, exc.message)
    return JobResult(run_id, True, f"批次 {run_id}：评价日 {as_of}，共 {pages} 页", pages)


def run_job(*, as_of: date, trigger: str, progress: Progress | None = None,
            session_factory: sessionmaker[Session] | None = None, principal: Principal | None = None,
            chunk: int = CHUNK) -> JobResult:
    """A whole run here and now (the CLI on the in-process engine, tests): start it, then score its pages in this
    process, each in its own transaction; on a failure the run is marked failed and the error re-raised."""
    started = start(as_of=as_of, trigger=trigger, session_factory=session_factory, principal=principal, chunk=chunk)
    if not started.ran or started.run_id is None:
        return started
    run_id = started.run_id
    try:
        with db.transaction(session_factory) as session:
            numbers = pending_pages(session, run_id=run_id)
        for page_no in numbers:
            with db.transaction(session_factory) as session:
                score_run_page(session, run_id=run_id, page_no=page_no)
                if progress is not None:
                    progress(*progress_of(session, run_id=run_id))
        with db.transaction(session_factory) as session:
            run = get(session, run_id=run_id)
            message = (f"批次 {run.id}：评价日 {run.as_of}，评分 {run.entities_scored} 户，"
                       f"拒绝 {run.entities_declined}，失败 {run.entities_failed}")
    except BaseException as exc:
        with db.transaction(session_factory) as session:
            fail(session, run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    return JobResult(run_id, True, message, started.pages)


# Reads for the pages --------------------------------------------------------------------------------------------


def get(session: Session, *, run_id: int) -> ScoringRun:
    """One run by id."""
    run = session.get(ScoringRun, run_id)
    if run is None:
        raise ScoringRunNotFound("未找到该评分批次", message_en="scoring run not found")
    return run


def list_runs(session: Session, *, limit: int = 100) -> list[tuple[ScoringRun, ModelVersion]]:
    """The latest runs with their model versions, newest date first."""
    return [(run, version) for run, version in session.execute(
        select(ScoringRun, ModelVersion).join(ModelVersion, ModelVersion.id == ScoringRun.model_version_id)
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(limit)).all()]


def results(session: Session, *, run_id: int, outcome: str | None = None, limit: int = 50) -> list[EntityScore]:
    """Some results of a run, riskiest first (optionally of one outcome)."""
    query = select(EntityScore).where(EntityScore.scoring_run_id == run_id)
    if outcome:
        query = query.where(EntityScore.outcome == outcome)
    riskiest = query.order_by(EntityScore.pd.desc().nulls_first(), EntityScore.id).limit(limit)
    return list(session.scalars(riskiest))


def scored_columns(session: Session, *, run_id: int) -> pl.DataFrame:
    """A run's results as columns for a whole-district projection (the policy simulator): enterprise_id, pd,
    outcome and the line rule's two features, by enterprise id."""
    query = select(EntityScore.enterprise_id, EntityScore.pd, EntityScore.outcome, EntityScore.tax_paid_12m,
                   EntityScore.insured_headcount).where(EntityScore.scoring_run_id == run_id)
    return db.select_frame(session, query, {"enterprise_id": pl.Int64, "pd": pl.Float64, "outcome": pl.String,
                                            "tax_paid_12m": pl.Float64, "insured_headcount": pl.Int64})


def latest_done(session: Session) -> ScoringRun | None:
    """The latest finished run (by date, then id), any model version."""
    return session.scalars(select(ScoringRun).where(ScoringRun.status == RunStatus.DONE).order_by(
        ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(1)).first()


def score_of(session: Session, *, run_id: int, enterprise_id: int) -> EntityScore | None:
    """One entity's result in a run."""
    return session.scalars(select(EntityScore).where(EntityScore.scoring_run_id == run_id,
                                                     EntityScore.enterprise_id == enterprise_id)).first()


def default_as_of() -> date:
    """The day a scheduled run scores as of: yesterday, the last business day whose records are complete."""
    return clock.today() - timedelta(days=1)


def find(session: Session, *, as_of: date) -> ScoringRun | None:
    """The champion's run of `as_of`, if it has been started."""
    version = registry.champion(session)
    if version is None:
        return None
    return session.scalars(select(ScoringRun).where(ScoringRun.model_version_id == version.id,
                                                    ScoringRun.as_of == as_of)).first()
