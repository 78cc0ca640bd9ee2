"""The demo district's past loans and the champion trained on them: a few percent of defaults driven by the hidden
creditworthiness, credit files consistent with that history, a champion that separates good from bad out of time
and pre-assesses the orders submitted after it, the same champion for the same seed, and rules for a small demo."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.creditdata.models import CatalogueItem, CreditRecord
from xinyidai.demo.generator import DemoSummary, generate
from xinyidai.demo.history import PastLoan
from xinyidai.identity.models import User
from xinyidai.orders.models import FinancingOrder
from xinyidai.registry.models import Enterprise
from xinyidai.scoring import feature_store
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.models import CreditDecision

ENTERPRISES = 400  # enough past loans for 20 defaults, the least the modelling pipeline trains on
SEED = 5


def _history(session: Session, loans: list[PastLoan]) -> list[tuple[str, PastLoan]]:
    """The loans with their borrower's USCC instead of its id (PostgreSQL does not give ids back on rollback)."""
    usccs = dict(session.execute(select(Enterprise.id, Enterprise.uscc)).all())
    return [(usccs[loan.enterprise_id], replace(loan, enterprise_id=0)) for loan in loans]


def _metrics(summary: DemoSummary) -> tuple[object, ...]:
    card = summary.champion.card
    return card["metrics"], card["features"], card["scorecard"], card["data_window"], summary.champion.holdout_auc


def test_past_loans_train_a_champion_that_pre_assesses_new_orders(session: Session,
                                                                    frozen_clock: clock.FixedClock) -> None:
    today = clock.today()
    with session.begin_nested() as first:
        summary = generate(session, enterprises=ENTERPRISES, seed=SEED)
        loans = summary.past_loans
        history = _history(session, loans)
        champion = registry.champion(session)
        assert champion is not None
        card = dict(champion.model_card)
        promoter = session.get(User, champion.promoted_by_user_id)
        audited = set(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "model_version")))
        defaults = {(r.enterprise_id, r.data["loan_ref"]): r for r in session.scalars(
            select(CreditRecord).join(CatalogueItem, CatalogueItem.id == CreditRecord.catalogue_item_id)
            .where(CatalogueItem.code == "financing_default"))}
        # No leakage: as of its application day a borrower that later defaulted shows no default; a day after the
        # default it does.
        defaulted = [loan for loan in loans if loan.bad]
        before_after = [(feature_store.features_as_of(session, enterprise_id=loan.enterprise_id,
                                                      as_of=day)["financing_defaults"],
                         feature_store.features_as_of(session, enterprise_id=loan.enterprise_id,
                                                      as_of=default_day + timedelta(days=1))["financing_defaults"])
                        for loan in defaulted[:5] for day, default_day in [(loan.application_date, loan.default_date)]
                        if default_day is not None]
        orders = session.scalars(select(FinancingOrder).order_by(FinancingOrder.id)).all()
        by_model = [(o.submitted_at, o.assessor_version,
                     session.scalars(select(CreditDecision.model_version_id)
                                     .where(CreditDecision.order_id == o.id)).first()) for o in orders]
        first.rollback()
    session.expunge_all()

    # Past loans over the 2¾ years before the business date, every performance window closed before training.
    assert len(loans) > ENTERPRISES
    assert min(loan.application_date for loan in loans) >= date(2024, 2, 23)
    trained = today - timedelta(days=35)
    assert all(loan.window_end <= trained for loan in loans)
    assert all(loan.default_date is not None and loan.value_date < loan.default_date <= loan.window_end
               for loan in defaulted)
    # A pure-credit small-business book: 3–6% of loans default, and the weaker borrowers default.
    assert 0.03 <= len(defaulted) / len(loans) <= 0.06
    latent = summary.latent
    assert statistics.mean(latent[loan.enterprise_id] for loan in defaulted) \
        < statistics.mean(latent[loan.enterprise_id] for loan in loans if not loan.bad) - 1.0
    # The credit file tells the same story: one default record per defaulted loan, dated and received on its
    # default day (never before), and no borrower borrowed again after defaulting.
    for loan in defaulted:
        record = defaults[(loan.enterprise_id, loan.ref)]
        assert record.fact_date == loan.default_date == clock.to_business_date(record.received_at)
        assert not [later for later in loans if later.enterprise_id == loan.enterprise_id
                    and later.application_date > loan.application_date]
    assert len([key for key in defaults if key[1].startswith("LS")]) == len(defaulted)
    assert before_after and all(pair == (0.0, 1.0) for pair in before_after)

    # The champion: registered and promoted by the platform admin, audited, trained out of time on the history.
    assert champion.id == summary.champion.version_id and promoter is not None and promoter.username == "admin"
    assert {"scoring.model_registered", "scoring.model_promoted"} <= audited
    assert card["demo_history"]["loans"] == len(loans) and card["holdout_kind"].startswith("out-of-time")
    assert card["data_window"]["development_from"] == min(loan.application_date for loan in loans).isoformat()
    assert card["data_window"]["holdout_to"] == max(loan.application_date for loan in loans).isoformat()
    assert card["metrics"]["holdout"]["scorecard"]["auc"] > 0.65
    # Orders submitted after the promotion are pre-assessed by the champion, those before it by the rules.
    promoted_at = champion.promoted_at
    assert promoted_at is not None
    after = [(version, decided) for at, version, decided in by_model if at > promoted_at]
    before = [(version, decided) for at, version, decided in by_model if at < promoted_at]
    assert after and all(v == f"model:{champion.version_label}" and d == champion.id for v, d in after)
    assert before and all(not v.startswith("model:") and d is None for v, d in before)

    # The same seed gives the same history and the same champion.
    with session.begin_nested() as second:
        again = generate(session, enterprises=ENTERPRISES, seed=SEED)
        history_again = _history(session, again.past_loans)
        second.rollback()
    assert history_again == history
    assert _metrics(again) == _metrics(summary)


def test_a_small_demo_has_too_few_past_loans_for_a_model_and_the_rules_answer(
        session: Session, frozen_clock: clock.FixedClock) -> None:
    summary = generate(session, enterprises=40, seed=7)
    assert summary.past_loans and summary.champion.version_id is None
    assert "不足以训练模型" in summary.champion.note and "按规则" in summary.champion.note
    assert registry.champion(session) is None
    versions = {o.assessor_version for o in session.scalars(select(FinancingOrder))}
    assert versions and not any(v.startswith("model:") for v in versions)
