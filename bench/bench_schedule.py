"""Time `loans.schedule.build` against a vectorised numpy / numpy-financial schedule, and compare them.

Run: ``.venv/bin/python -m bench.bench_schedule [--runs N]``

Cases: 1,000,000 yuan over 360 months at 4.9%, equal installment (等额本息) and equal principal
(等额本金). Each side is timed per call (one whole 360-period schedule) with `time.perf_counter`,
`--runs` times after a warm-up; the median is reported.

The reference side is float64 and vectorised over the 360 periods:

* equal installment: `numpy_financial.pmt`, `ipmt` and `ppmt` over ``per = 1 … 360``;
* equal principal: numpy-financial has no equal-principal function, so plain numpy: principal P/n
  each period, interest = (P − (k−1)·P/n) · r.

Both are then rounded half up to the fen and compared period by period. They are *not* the same
convention, so exact agreement is not expected everywhere, and the script says how far apart they are:

* numpy-financial amortises with the **unrounded** payment and the **unrounded** balance, so its
  interest and principal are each rounded on their own; `build` rounds the payment once (月供
  5,307.27) and each period's interest on the **actual** fen balance, and the principal is the
  payment minus that interest. A period's principal or interest may therefore differ by a fen
  (the two roundings straddle a half fen), and the drift of the rounded payment slowly moves the
  actual balance below the exact one (2.06 yuan by period 359 in this case), which shifts the
  interest by up to 0.84 fen late in the term.
* the **last period** of `build` absorbs every residual (principal = whatever is outstanding), so
  it differs from the exact annuity by the accumulated drift (about two yuan here); it is reported
  apart and not counted as a disagreement.
* equal principal: `build` repays 2,777.78 (P/n rounded to the fen) each month, numpy 2,777.7778;
  the balances part by 0.0022 yuan a month, so the interest can differ by a fen late in the term,
  and the last principal is the residual (2,776.98).

The check passes when every period but the last agrees within one fen on the interest and within
two fen on the principal. Why two: the principal of `build` is the rounded payment (0.28 fen above
the exact 5,307.2672) minus the interest rounded on its own, while numpy-financial rounds the exact
principal once; 0.28 + 0.5 + 0.5 fen of rounding plus the drifted balance × r can reach 2 fen.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import numpy_financial as npf  # type: ignore[import-untyped]
from numpy.typing import NDArray

from xinyidai.loans.schedule import Schedule, build
from xinyidai.products.enums import RepaymentMethod

PRINCIPAL_FEN = 100_000_000  # 1,000,000 yuan
ANNUAL_RATE = Decimal("0.049")
MONTHS = 360
START = date(2026, 1, 15)

FloatArray = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class Comparison:
    """How the two schedules agree, period by period, in fen."""

    exact_principal: int
    exact_interest: int
    max_diff_principal_fen: int
    max_diff_interest_fen: int
    last_diff_principal_fen: int
    last_diff_interest_fen: int

    @property
    def ok(self) -> bool:
        """Every period but the last agrees within two fen on the principal and one on the interest."""
        return self.max_diff_principal_fen <= 2 and self.max_diff_interest_fen <= 1


def _round_half_up_fen(yuan: FloatArray) -> NDArray[np.int64]:
    """Yuan floats to integer fen, half up (the float's binary value decides exact halves)."""
    return np.floor(np.abs(yuan) * 100 + 0.5).astype(np.int64)


def _numpy_equal_installment() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    rate = float(ANNUAL_RATE) / 12
    per = np.arange(1, MONTHS + 1)
    pv = PRINCIPAL_FEN / 100
    npf.pmt(rate, MONTHS, pv)  # the payment itself, as a calculator would show it
    interest = npf.ipmt(rate, per, MONTHS, pv)
    principal = npf.ppmt(rate, per, MONTHS, pv)
    return _round_half_up_fen(principal), _round_half_up_fen(interest)


def _numpy_equal_principal() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    rate = float(ANNUAL_RATE) / 12
    pv = PRINCIPAL_FEN / 100
    step = pv / MONTHS
    opening = pv - step * np.arange(MONTHS)
    principal = np.full(MONTHS, step)
    return _round_half_up_fen(principal), _round_half_up_fen(opening * rate)


def _build(method: RepaymentMethod) -> Schedule:
    return build(principal_fen=PRINCIPAL_FEN, annual_rate=ANNUAL_RATE, months=MONTHS, method=method, start_date=START)


def _compare(schedule: Schedule, principal: NDArray[np.int64], interest: NDArray[np.int64]) -> Comparison:
    ours_p = np.array([i.principal_fen for i in schedule.installments], dtype=np.int64)
    ours_i = np.array([i.interest_fen for i in schedule.installments], dtype=np.int64)
    dp = np.abs(ours_p - principal)
    di = np.abs(ours_i - interest)
    return Comparison(
        exact_principal=int((dp[:-1] == 0).sum()),
        exact_interest=int((di[:-1] == 0).sum()),
        max_diff_principal_fen=int(dp[:-1].max()),
        max_diff_interest_fen=int(di[:-1].max()),
        last_diff_principal_fen=int(ours_p[-1] - principal[-1]),
        last_diff_interest_fen=int(ours_i[-1] - interest[-1]),
    )


def _median_us(fn: Callable[[], object], runs: int) -> float:
    for _ in range(max(5, runs // 20)):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table; exit 1 if the schedules disagree beyond a fen."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=500, help="timed calls per side and case (default 500)")
    args = parser.parse_args(argv)

    cases = [
        ("等额本息 equal_installment", RepaymentMethod.EQUAL_INSTALLMENT, _numpy_equal_installment,
         "numpy-financial pmt/ipmt/ppmt"),
        ("等额本金 equal_principal", RepaymentMethod.EQUAL_PRINCIPAL, _numpy_equal_principal,
         "numpy (no npf function)"),
    ]
    print(f"loans.schedule.build vs vectorised float64, 1,000,000 yuan, {MONTHS} months, 4.9%, "
          f"median of {args.runs} calls; Python {platform.python_version()}, numpy {np.__version__}, "
          f"numpy-financial {npf.__version__}")
    print()
    print("| schedule | build (µs/call) | reference | reference (µs/call) | build / reference "
          "| periods 1–359 equal to the fen (principal, interest) | max diff 1–359 (fen) | last period diff (fen) |")
    print("| --- | ---: | --- | ---: | ---: | --- | --- | --- |")
    ok = True
    for label, method, reference, reference_name in cases:
        ours_us = _median_us(partial(_build, method), args.runs)
        ref_us = _median_us(reference, args.runs)
        comparison = _compare(_build(method), *reference())
        ok = ok and comparison.ok
        print(f"| {label} | {ours_us:,.0f} | {reference_name} | {ref_us:,.0f} | {ours_us / ref_us:,.1f}× "
              f"| {comparison.exact_principal}, {comparison.exact_interest} of {MONTHS - 1} "
              f"| {comparison.max_diff_principal_fen}, {comparison.max_diff_interest_fen} "
              f"| principal {comparison.last_diff_principal_fen:+d}, interest {comparison.last_diff_interest_fen:+d} |")
    print()
    verdict = "within 2 fen (principal) and 1 fen (interest)" if ok else "DISAGREEMENT beyond the documented tolerance"
    print("agreement of periods 1–359:", verdict, "; the last period carries the residual by design")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
