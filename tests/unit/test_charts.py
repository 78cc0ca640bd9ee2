"""A chart is data: the figure plotly.js draws, and the table under it, say the same numbers."""

from __future__ import annotations

import json
from decimal import Decimal

from xinyidai.portal.charts import Chart, Series, figure, figure_json


def test_a_bar_chart_carries_each_series_over_the_categories_as_plain_numbers() -> None:
    chart = Chart(title="放款", categories=["9月", "10月"], unit="万元",
                  series=[Series("金额", [Decimal("12.50"), 30]), Series("笔数", [3, None])])
    drawn = figure(chart)
    assert [(t["type"], t["name"], t["x"], t["y"]) for t in drawn["data"]] == [  # type: ignore[attr-defined]
        ("bar", "金额", ["9月", "10月"], [12.5, 30]), ("bar", "笔数", ["9月", "10月"], [3, None])]
    assert drawn["layout"]["yaxis"]["title"]["text"] == "万元"  # type: ignore[index]
    assert "barmode" not in drawn["layout"]  # type: ignore[operator]
    assert chart.rows == [("9月", [Decimal("12.50"), 3]), ("10月", [30, None])]


def test_a_stacked_chart_stacks_and_a_target_is_a_labelled_line_across_it() -> None:
    drawn = figure(Chart(title="t", categories=["a"], series=[Series("s", [1])], kind="stacked",
                         targets=[("目标", 400.0)]))
    layout = drawn["layout"]
    assert layout["barmode"] == "stack"  # type: ignore[index]
    assert [(s["y0"], s["y1"]) for s in layout["shapes"]] == [(400.0, 400.0)]  # type: ignore[index]
    assert [a["text"] for a in layout["annotations"]] == ["目标"]  # type: ignore[index]


def test_a_line_chart_joins_its_points_and_a_pie_shows_its_first_series_as_shares() -> None:
    line = figure(Chart(title="t", categories=["a", "b"], series=[Series("s", [1, 2])], kind="line"))
    assert line["data"][0]["type"] == "scatter" and line["data"][0]["mode"] == "lines+markers"  # type: ignore[index]
    pie = figure(Chart(title="t", categories=["严重", "预警"], series=[Series("s", [2, 5])], kind="pie"))
    assert pie["data"][0]["labels"] == ["严重", "预警"] and pie["data"][0]["values"] == [2, 5]  # type: ignore[index]
    assert "yaxis" not in pie["layout"]  # type: ignore[operator]


def test_the_attribute_json_keeps_chinese_and_escapes_nothing_the_template_will_not() -> None:
    text = figure_json(Chart(title="按镇街 <b>", categories=["南坪街道"], series=[Series("户数", [1])]))
    assert "南坪街道" in text and json.loads(text)["layout"]["title"]["text"] == "按镇街 <b>"


def test_a_series_that_means_a_colour_keeps_it_and_the_others_take_the_palette() -> None:
    drawn = figure(Chart(title="t", categories=["a"], kind="stacked",
                         series=[Series("严重", [1], "#b3261e"), Series("其他", [2]), Series("无", [3], "#9aa5b1")]))
    assert [t["marker"]["color"] for t in drawn["data"]] == [  # type: ignore[attr-defined]
        "#b3261e", "#1f77b4", "#9aa5b1"]  # the second series takes the palette's second colour
