"""The public face of loan servicing: what other contexts, main.py, cli.py, the router and the pages call.

The use cases live by what they do; this module re-exports them so that callers import one name
(`from xinyidai.loans import service as loans_service`):
- `lines`: open, freeze and read credit lines;
- `lifecycle`: renew a line (续贷) and defer a drawdown's principal (延期还本) as orders decide;
- `drawdowns`: draw on a line and read drawdowns;
- `repayments`: repayments and settlements of a claim by third parties (guarantors, recoveries);
- `ledger`: balanced entries, cached balances and their check;
- `statements`: a drawdown's statement and the portfolio by classification;
- `classification`: each bank's classification bands;
- `policy`: the pure rules all of them apply (no I/O).
"""

from __future__ import annotations

from xinyidai.loans.classification import get_classification_bands, set_classification_bands
from xinyidai.loans.drawdowns import (
    Arrears,
    active_drawdowns_of_products,
    arrears_of_enterprises,
    draw,
    get_drawdown,
    get_drawdown_for_settlement,
    list_drawdowns,
    to_drawdown_read,
    use_community_drawable,
)
from xinyidai.loans.ledger import BALANCE_COLUMNS, ledger_balances, total_owed, verify_balances
from xinyidai.loans.lifecycle import (
    defer_drawdown,
    drawdown_facts,
    on_deferral_decided,
    on_renewal_decided,
    renew_line,
    renewals_of,
)
from xinyidai.loans.lines import (
    credited_enterprises_query,
    exposure_query,
    financed_enterprises_query,
    get_line,
    line_reference,
    lines_of_enterprise,
    list_lines,
    on_order_approved,
    open_line,
    product_id_of,
    set_line_status,
    to_line_read,
)
from xinyidai.loans.policy import StatementEntry, merge_accruals
from xinyidai.loans.repayments import owed, repay, settle_claim, to_repayment_read
from xinyidai.loans.statements import portfolio_summary, principal_as_of, statement
from xinyidai.loans.statistics import (
    LendingTotals,
    defaults,
    drawdown_rows,
    first_loan_rows,
    first_loans,
    lending_totals,
)

__all__ = [
    "BALANCE_COLUMNS",
    "Arrears",
    "LendingTotals",
    "StatementEntry",
    "active_drawdowns_of_products",
    "arrears_of_enterprises",
    "credited_enterprises_query",
    "defaults",
    "defer_drawdown",
    "draw",
    "drawdown_facts",
    "drawdown_rows",
    "exposure_query",
    "financed_enterprises_query",
    "first_loan_rows",
    "first_loans",
    "get_classification_bands",
    "get_drawdown",
    "get_drawdown_for_settlement",
    "get_line",
    "ledger_balances",
    "lending_totals",
    "line_reference",
    "lines_of_enterprise",
    "list_drawdowns",
    "list_lines",
    "merge_accruals",
    "on_deferral_decided",
    "on_order_approved",
    "on_renewal_decided",
    "open_line",
    "owed",
    "portfolio_summary",
    "principal_as_of",
    "product_id_of",
    "renew_line",
    "renewals_of",
    "repay",
    "set_classification_bands",
    "set_line_status",
    "settle_claim",
    "statement",
    "to_drawdown_read",
    "to_line_read",
    "to_repayment_read",
    "total_owed",
    "use_community_drawable",
    "verify_balances",
]
