"""States and kinds of loan servicing."""

from __future__ import annotations

from enum import StrEnum


class LineStatus(StrEnum):
    """A credit line's state: only an active line takes drawdowns."""

    ACTIVE = "active"
    FROZEN = "frozen"
    EXPIRED = "expired"
    CLOSED = "closed"


class DrawdownStatus(StrEnum):
    """A drawdown's state. A defaulted drawdown whose guarantors have paid the bank their share (代偿) is
    compensated: the bank's claim is (partly) settled, the borrower's debt is not, it now owes the guarantors."""

    ACTIVE = "active"
    SETTLED = "settled"
    DEFAULTED = "defaulted"
    COMPENSATED = "compensated"


class FeeMode(StrEnum):
    """How the guarantee fee is charged."""

    DAILY = "daily"
    UPFRONT = "upfront"


class Classification(StrEnum):
    """The five-category loan classification (五级分类)."""

    NORMAL = "normal"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"


class Account(StrEnum):
    """Ledger accounts of a drawdown. Receivables carry debit balances, the rest credit balances."""

    PRINCIPAL = "principal"
    PRINCIPAL_OVERDUE = "principal_overdue"
    INTEREST_ACCRUED = "interest_accrued"
    INTEREST_OVERDUE = "interest_overdue"
    PENALTY = "penalty"
    FEE_ACCRUED = "fee_accrued"
    FEE_OVERDUE = "fee_overdue"
    CASH = "cash"
    INTEREST_INCOME = "interest_income"
    PENALTY_INCOME = "penalty_income"
    FEE_PAYABLE = "fee_payable"


RECEIVABLES = (
    Account.PRINCIPAL, Account.PRINCIPAL_OVERDUE, Account.INTEREST_ACCRUED, Account.INTEREST_OVERDUE,
    Account.PENALTY, Account.FEE_ACCRUED, Account.FEE_OVERDUE,
)

LINE_STATUS_LABELS = {
    LineStatus.ACTIVE: "有效", LineStatus.FROZEN: "已冻结", LineStatus.EXPIRED: "已到期", LineStatus.CLOSED: "已关闭",
}
DRAWDOWN_STATUS_LABELS = {
    DrawdownStatus.ACTIVE: "还款中", DrawdownStatus.SETTLED: "已结清", DrawdownStatus.DEFAULTED: "已违约",
    DrawdownStatus.COMPENSATED: "已代偿",
}
CLASSIFICATION_LABELS = {
    Classification.NORMAL: "正常", Classification.SPECIAL_MENTION: "关注", Classification.SUBSTANDARD: "次级",
    Classification.DOUBTFUL: "可疑", Classification.LOSS: "损失",
}
