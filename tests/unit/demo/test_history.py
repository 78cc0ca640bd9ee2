"""The plan of the district's past loans, without a database: a few percent of defaults, driven by the hidden
creditworthiness, every window closed before training, nothing borrowed after a default, the same plan per seed."""

from __future__ import annotations

import random
import statistics
from datetime import date, timedelta
from itertools import pairwise

from xinyidai.demo.history import PastLoan, add_months, bad_rate, default_probability, plan_past_loans
from xinyidai.demo.records import Profile
from xinyidai.registry.enums import EntityKind

TODAY = date(2026, 11, 23)


def _profiles(seed: int, count: int = 2000) -> list[Profile]:
    rng = random.Random(seed)
    return [Profile(enterprise_id=i, uscc=f"U{i}", name=f"N{i}", kind=EntityKind.ENTERPRISE, industry_code="F52",
                    trade="商贸", legal_rep_name="张三",
                    registered=date(rng.randint(2006, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                    capital_fen=None, employees=rng.randint(1, 60), last_report_year=2025, abnormal_since=None,
                    latent=rng.gauss(0.0, 1.0)) for i in range(count)]


def _plan(seed: int) -> tuple[list[Profile], list[PastLoan]]:
    profiles = _profiles(seed)
    return profiles, plan_past_loans(profiles, rng=random.Random(seed), today=TODAY, lenders=["甲银行", "乙银行"])


def test_a_few_percent_default_and_the_weak_default_more() -> None:
    assert default_probability(-2.0) > 0.3 > 0.001 > default_probability(2.0)
    for seed in (1, 2, 3):
        profiles, loans = _plan(seed)
        assert len(loans) > len(profiles)
        assert 0.03 <= bad_rate(loans) <= 0.06
        latent = {p.enterprise_id: p.latent for p in profiles}
        bad = [latent[loan.enterprise_id] for loan in loans if loan.bad]
        good = [latent[loan.enterprise_id] for loan in loans if not loan.bad]
        assert statistics.mean(bad) < statistics.mean(good) - 1.0


def test_every_loan_lies_in_the_past_and_nothing_is_borrowed_after_a_default() -> None:
    profiles, loans = _plan(4)
    registered = {p.enterprise_id: p.registered for p in profiles}
    assert min(loan.application_date for loan in loans) >= add_months(TODAY, -33)
    assert all(loan.window_end <= TODAY - timedelta(days=35) for loan in loans)
    assert all(loan.application_date >= registered[loan.enterprise_id] + timedelta(days=180) for loan in loans)
    by_entity: dict[int, list[PastLoan]] = {}
    for loan in loans:
        by_entity.setdefault(loan.enterprise_id, []).append(loan)
    for history in by_entity.values():
        ordered = sorted(history, key=lambda loan: loan.application_date)
        assert all(not loan.bad for loan in ordered[:-1])  # a default ends an entity's borrowing
        # The next loan is applied for after the previous one was repaid.
        assert all(add_months(a.value_date, a.term_months) < b.application_date for a, b in pairwise(ordered))
    for loan in loans:
        if loan.bad:
            assert loan.default_date is not None and loan.value_date < loan.default_date <= loan.window_end
            assert loan.outstanding_fen > 0
        else:
            assert loan.default_date is None and loan.outstanding_fen == 0


def test_the_same_seed_gives_the_same_past() -> None:
    assert _plan(9)[1] == _plan(9)[1]
    assert _plan(9)[1] != _plan(10)[1]
