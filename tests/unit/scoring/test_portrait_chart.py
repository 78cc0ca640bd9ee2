"""The portrait's radar chart is drawn once per set of scores: a firm's home page shows the same one all day."""

from __future__ import annotations

from datetime import date

import pygal
import pytest

from xinyidai.scoring.portrait import chart
from xinyidai.scoring.portrait.schemas import PortraitDimensionRead, PortraitRead


def _portrait(scores: list[int | None], *, enterprise_id: int = 1) -> PortraitRead:
    labels = ["经营", "纳税", "社保", "合规", "履约", "创新"]
    return PortraitRead(enterprise_id=enterprise_id, enterprise_name="某公司", as_of=date(2026, 12, 4), view="own",
                        model_version=None, note="", suggestions=[], dimensions=[
                            PortraitDimensionRead(code=f"d{n}", label=label, score=score, basis="", basis_label="",
                                                  explanation="")
                            for n, (label, score) in enumerate(zip(labels, scores, strict=True))])


def test_the_same_scores_are_drawn_once_and_other_scores_again(monkeypatch: pytest.MonkeyPatch) -> None:
    chart._drawn.cache_clear()
    drawn: list[object] = []
    real = pygal.Radar

    def counted(*args: object, **kwargs: object) -> object:
        drawn.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pygal, "Radar", counted)
    first = chart.radar_svg(_portrait([80, 70, None, 60, 90, 50]))
    # Another firm, another day's read of the same scores: the chart is the one already drawn.
    assert chart.radar_svg(_portrait([80, 70, None, 60, 90, 50], enterprise_id=2)) == first
    assert len(drawn) == 1
    other = chart.radar_svg(_portrait([80, 70, 40, 60, 90, 50]))
    assert len(drawn) == 2 and other != first
    assert "社保（无）".encode() in first and "社保（无）".encode() not in other
    assert "信用画像雷达图：经营80，纳税70，社保无".encode() in first


def test_in_english_the_radar_names_the_dimensions_in_english() -> None:
    import re

    from xinyidai.scoring.features import DIMENSION_LABELS, Dimension

    portrait = PortraitRead(
        enterprise_id=1, enterprise_name="某公司", as_of=date(2026, 12, 4), view="own", model_version=None, note="",
        suggestions=[], dimensions=[PortraitDimensionRead(code=d.value, label=DIMENSION_LABELS[d], basis="",
                                                          score=None if d is Dimension.JUDICIAL else 60,
                                                          basis_label="", explanation="") for d in Dimension])
    english = chart.radar_svg(portrait, "en").decode()
    assert "Finance and tax" in english and "Litigation (none)" in english
    assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", english)
    assert "财务纳税".encode() in chart.radar_svg(portrait)
