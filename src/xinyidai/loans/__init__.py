"""Loans: credit lines, drawdowns, schedules, accrual, repayments, ledger and end of day."""
