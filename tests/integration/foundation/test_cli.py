"""The command line: the calculator prints published figures; bad input exits non-zero with a message."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from xinyidai.cli import app

runner = CliRunner()


def test_calc_prints_the_published_mortgage_figures_as_json() -> None:
    result = runner.invoke(app, ["calc", "--principal", "1000000", "--annual-rate", "4.9", "--months", "360",
                                 "--method", "equal-installment", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["installments"][0]["principal_fen"] + body["installments"][0]["interest_fen"] == 530_727
    assert body["headline_total_interest_fen"] == 91_061_619


def test_calc_explains_the_reported_cost_of_chongxindai() -> None:
    result = runner.invoke(app, ["calc", "--explain-chongxindai"])
    assert result.exit_code == 0
    assert "39.17" in result.output and "66.67" in result.output


def test_calc_refuses_bad_input() -> None:
    result = runner.invoke(app, ["calc", "--principal", "abc", "--annual-rate", "4.9", "--months", "12"])
    assert result.exit_code == 2 and "金额格式不正确" in result.output
    result = runner.invoke(app, ["calc", "--principal", "1000", "--months", "12", "--method", "balloon"])
    assert result.exit_code == 2
