"""The coverage chart is data: one bar group per town or street (its communities left out), the five figures in
the coverage table's order, in the page's language."""

from __future__ import annotations

from xinyidai.outreach.chart import coverage_chart
from xinyidai.outreach.policy import Figures
from xinyidai.outreach.service import Coverage, CoverageLine
from xinyidai.portal.charts import figure

COVERAGE = Coverage(lines=[
    CoverageLine("南坪街道", None, Figures(merchants=7, visited=4, registered=3, credited=1, financed=1), True),
    CoverageLine("南坪街道", "一社区", Figures(merchants=5, visited=3, registered=2, credited=1, financed=1)),
    CoverageLine("南坪街道", "二社区", Figures(merchants=2, visited=1, registered=1, credited=0, financed=0)),
    CoverageLine("长生桥镇", None, Figures(merchants=3, visited=0, registered=2, credited=0, financed=0)),
], total=Figures(merchants=10, visited=4, registered=5, credited=1, financed=1), target=15_000)


def test_each_town_or_street_is_a_category_and_each_figure_a_series() -> None:
    chart = coverage_chart(COVERAGE, "zh")
    assert chart.title == "各镇街覆盖情况" and chart.kind == "bar" and chart.unit == "户"
    assert list(chart.categories) == ["南坪街道", "长生桥镇"]
    assert [(s.name, list(s.values)) for s in chart.series] == [
        ("登记在册", [7, 3]), ("已走访", [4, 0]), ("已注册", [3, 2]), ("已授信", [1, 0]), ("已获贷", [1, 0])]
    # The table under the chart: one row per town or street, the five figures across.
    assert chart.rows == [("南坪街道", [7, 4, 3, 1, 1]), ("长生桥镇", [3, 0, 2, 0, 0])]
    assert [trace["name"] for trace in figure(chart)["data"]] == [  # type: ignore[attr-defined]
        "登记在册", "已走访", "已注册", "已授信", "已获贷"]


def test_the_chart_speaks_the_pages_language() -> None:
    chart = coverage_chart(COVERAGE, "en")
    assert chart.title == "Coverage by town/street" and chart.unit == "firms"
    assert [s.name for s in chart.series] == [
        "On the register", "Visited", "Registered", "Credit line granted", "Financed"]
    assert list(chart.categories) == ["南坪街道", "长生桥镇"]  # place names are data, not translated


def test_a_district_without_towns_draws_an_empty_chart() -> None:
    chart = coverage_chart(Coverage(lines=[], total=Figures(), target=15_000), "zh")
    assert list(chart.categories) == [] and all(list(s.values) == [] for s in chart.series)
