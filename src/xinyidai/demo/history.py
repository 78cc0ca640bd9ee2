"""The district's past financing: pure-credit loans of the 33 months before the demo's business date, their
outcomes, and the first champion model trained on them.

A share of the entities borrowed before: one loan after another (6 or 12 months, equal instalments), each
repaid or defaulted. Whether a loan defaults is drawn from the same hidden creditworthiness that drives the
entity's records (`records.Profile.latent`), at the rate a pure-credit small-business book sees: a few percent
overall (`BAD_RATE_TARGET`). An entity that defaulted borrows no more.

How they are represented: the plan is pure (`plan_past_loans`); what the platform would hold of it is written
to the real tables. A default is what the credit file keeps of a past loan: it is stored through
`creditdata.service.record_platform_fact` with exactly the fields the `DrawdownDefaulted` handler writes, with
the clock at the end of the default day, so the record is dated and received on the default date, never before.
The loans themselves are not replayed through orders and loans: three years of daily end-of-day runs and
monthly repayments for a thousand loans would take minutes, and the servicing history of the last 150 days
already shows every state a loan can be in (see `generator._loan_history`).

Training: for each past application, the features as of the application date (`scoring.feature_store` loads the
entity's file, `scoring.features.compute` applies the as-of rule: only records received by that day count) and
whether the loan defaulted within its performance window (its term plus the 90 days past due that make a
default). The scorecard is developed with the project's modelling package, out of time (the latest 20% of
applications held out), registered with its model card and promoted as champion by the platform admin, with
the clock on `TRAINED_DAYS_AGO`; every loan's window has closed by then, and orders submitted later are
pre-assessed by the champion.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.principal import Principal
from xinyidai.clock import BUSINESS_TZ, FixedClock
from xinyidai.creditdata import service as creditdata_service
from xinyidai.demo.records import Profile, logistic, yuan
from xinyidai.scoring import feature_store, features
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.models import ModelVersion

PAST_MONTHS = 33  # the earliest past application: 2¾ years before the business date
TRAINED_DAYS_AGO = 35  # the champion is trained and promoted before the demo's open orders were submitted
DEFAULT_DAYS_PAST_DUE = 90  # a loan 90 days past due is in default (the demo products' trigger)
BORROWER_SHARE = 0.85  # share of the entities that borrowed before
# P(default) = logistic(DEFAULT_INTERCEPT + DEFAULT_SLOPE · latent): about 4% over the book, nearly half for the weakest
# entities (latent −2) and a hundredth of a percent for the strongest (latent +2).
DEFAULT_INTERCEPT = -4.8
DEFAULT_SLOPE = -2.3
BAD_RATE_TARGET = (0.03, 0.06)
TERMS = (6, 12, 12, 12)
MIN_LOANS = 100  # below these the development pipeline says nothing (scoring.modelling.dataset)
MIN_PER_CLASS = 20
MIN_FILLED_SHARE = 0.1  # a feature filled for fewer development applications is left out of the model


@dataclass(frozen=True, slots=True)
class PastLoan:
    """One past loan: who borrowed what, when, from whom, and how it ended."""

    ref: str
    enterprise_id: int
    lender: str
    application_date: date
    value_date: date
    amount_fen: int
    term_months: int
    outcome: str  # "repaid" or "defaulted"
    default_date: date | None = None
    outstanding_fen: int = 0

    @property
    def bad(self) -> bool:
        """Whether the loan defaulted within its performance window."""
        return self.outcome == "defaulted"

    @property
    def window_end(self) -> date:
        """The end of the performance window: maturity plus the days past due that make a default."""
        return add_months(self.value_date, self.term_months) + timedelta(days=DEFAULT_DAYS_PAST_DUE)


@dataclass(slots=True)
class Champion:
    """What training on the past loans gave: the promoted version, or why there is none."""

    version_id: int | None = None
    version_label: str | None = None
    note: str = ""
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def holdout_auc(self) -> float | None:
        """The AUC on the out-of-time hold-out of what the champion decides with."""
        if not self.card:
            return None
        return float(self.card["metrics"]["holdout"]["shipped"]["auc"])


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the 28th at most, as the demo's due days are)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def default_probability(latent: float) -> float:
    """The chance that one loan of an entity with this hidden creditworthiness defaults."""
    return logistic(DEFAULT_INTERCEPT + DEFAULT_SLOPE * latent)


def plan_past_loans(profiles: list[Profile], *, rng: random.Random, today: date,
                    lenders: list[str]) -> list[PastLoan]:
    """The past loans of the district (pure: no database), oldest application first."""
    earliest = add_months(today, -PAST_MONTHS)
    closed_by = today - timedelta(days=TRAINED_DAYS_AGO)
    loans: list[PastLoan] = []
    for profile in profiles:
        if rng.random() >= BORROWER_SHARE:
            continue
        lender = rng.choice(lenders)
        applied = max(earliest, profile.registered + timedelta(days=180)) + timedelta(days=rng.randint(0, 150))
        while True:
            term = rng.choice(TERMS)
            value_date = applied + timedelta(days=rng.randint(2, 10))
            if add_months(value_date, term) + timedelta(days=DEFAULT_DAYS_PAST_DUE) > closed_by:
                break
            amount = rng.choice([5, 10, 20, 30, 50]) * 10_000 * 100 * (2 if profile.employees >= 20 else 1)
            ref = f"LS{applied:%Y%m}{len(loans) + 1:05d}"
            if rng.random() < default_probability(profile.latent):
                missed = rng.randint(1, term)  # the first instalment not paid
                default_date = add_months(value_date, missed) + timedelta(days=DEFAULT_DAYS_PAST_DUE)
                outstanding = amount * (term - missed + 1) // term
                outstanding += outstanding * 6 // 100 * (DEFAULT_DAYS_PAST_DUE + 30) // 365  # interest and penalty
                loans.append(PastLoan(ref, profile.enterprise_id, lender, applied, value_date, amount, term,
                                      "defaulted", default_date, outstanding))
                break
            loans.append(PastLoan(ref, profile.enterprise_id, lender, applied, value_date, amount, term, "repaid"))
            applied = add_months(value_date, term) + timedelta(days=rng.randint(10, 120))
    return sorted(loans, key=lambda loan: (loan.application_date, loan.ref))


def record_defaults(session: Session, *, loans: list[PastLoan]) -> int:
    """Each default into the borrower's credit file as the platform records one: on the default day, at its end."""
    stored = 0
    for loan in loans:
        if loan.default_date is None:
            continue
        moment = datetime.combine(loan.default_date, datetime.min.time(), BUSINESS_TZ) + timedelta(hours=23)
        with clock.use(FixedClock(moment)):
            creditdata_service.record_platform_fact(
                session, item_code="financing_default", enterprise_id=loan.enterprise_id,
                values={"loan_ref": loan.ref, "lender": loan.lender, "default_date": loan.default_date.isoformat(),
                        "days_past_due": str(DEFAULT_DAYS_PAST_DUE), "outstanding": yuan(loan.outstanding_fen)})
        stored += 1
    return stored


def training_features(session: Session, *, loans: list[PastLoan]) -> list[dict[str, float | None]]:
    """The features of each loan's borrower as of its application date, in the order of `loans`.

    One load per borrower (everything received by its latest application), then `features.compute` per
    application, which keeps out whatever was received after that application's day."""
    latest: dict[int, date] = {}
    for loan in loans:
        latest[loan.enterprise_id] = max(latest.get(loan.enterprise_id, loan.application_date), loan.application_date)
    files = {e: feature_store.snapshot(session, enterprise_id=e, as_of=day) for e, day in latest.items()}
    return [features.compute(loan.application_date, *files[loan.enterprise_id]) for loan in loans]


def bad_rate(loans: list[PastLoan]) -> float:
    """The share of loans that defaulted."""
    return sum(loan.bad for loan in loans) / len(loans) if loans else 0.0


def train_champion(session: Session, *, loans: list[PastLoan], admin: Principal, seed: int,
                   today: date) -> Champion:
    """Develop the scorecard on the past loans, register it and promote it as champion as the platform admin.

    Too few loans or defaults for a model that means anything: no champion, and the note says why (orders are
    then pre-assessed by the rules)."""
    bads = sum(loan.bad for loan in loans)
    if len(loans) < MIN_LOANS or min(bads, len(loans) - bads) < MIN_PER_CLASS:
        return Champion(note=f"历史贷款 {len(loans)} 笔（违约 {bads} 笔）不足以训练模型（至少 {MIN_LOANS} 笔、"
                             f"每类 {MIN_PER_CLASS} 笔），预评估按规则进行")
    import numpy as np
    import pandas as pd

    from xinyidai.scoring.modelling import development, store
    from xinyidai.scoring.modelling.dataset import TrainingData

    rows = training_features(session, loans=loans)
    frame = pd.DataFrame({name: [np.nan if r[name] is None else r[name] for r in rows] for name in features.NAMES},
                         dtype=float)
    # A feature hardly ever filled in the development sample (self-reports, housing fund: few entities have
    # them) cannot be binned in every fold: it is left out, and the model card lists it as dropped.
    development_rows = frame.iloc[: round(len(frame) * (1 - development.HOLDOUT_SHARE))]
    empty = [name for name in features.NAMES if development_rows[name].notna().mean() < MIN_FILLED_SHARE]
    data = TrainingData(frame=frame.drop(columns=empty), y_bad=np.array([int(loan.bad) for loan in loans]),
                        numeric=[n for n in features.NAMES if n not in empty], categorical=[],
                        dates=pd.Series(pd.to_datetime([loan.application_date for loan in loans])), dropped=empty)
    trained_at = datetime.combine(today - timedelta(days=TRAINED_DAYS_AGO), datetime.min.time(),
                                  BUSINESS_TZ) + timedelta(hours=10)
    with clock.use(FixedClock(trained_at)), tempfile.TemporaryDirectory(prefix="xyd-demo-model-") as tmp:
        try:
            developed = development.develop(data, seed=seed, source=f"demo district past loans (seed {seed})")
        except ValueError as exc:  # a hold-out or development sample with a single class
            return Champion(note=f"历史贷款无法训练模型（{exc}），预评估按规则进行")
        developed.card["demo_history"] = {
            "loans": len(loans), "defaults": bads, "bad_rate": bad_rate(loans),
            "borrowers": len({loan.enterprise_id for loan in loans}),
            "applications_from": loans[0].application_date.isoformat(),
            "applications_to": loans[-1].application_date.isoformat(),
            "performance_window": f"term + {DEFAULT_DAYS_PAST_DUE} days past due",
            "bad_definition": f"{DEFAULT_DAYS_PAST_DUE}+ days past due within the performance window",
            "features_as_of": "application date (records received by the end of that day)",
        }
        directory = Path(tmp) / "version"
        store.save(developed, directory)
        version: ModelVersion = registry.register(session, principal=admin, files=registry.read_directory(directory))
        registry.promote(session, principal=admin, version_id=version.id)
    return Champion(version_id=version.id, version_label=version.version_label, card=dict(version.model_card),
                    note=f"冠军模型 {version.version_label}：{len(loans)} 笔历史贷款（违约率 {bad_rate(loans):.1%}），"
                         f"决策模型：{registry.DECIDES_WITH_LABELS[registry.decides_with(version)]}，"
                         f"样本外 AUC {float(version.model_card['metrics']['holdout']['shipped']['auc']):.3f}")
