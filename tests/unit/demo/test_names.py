"""The demo's names read like a district's: taken trade names give way to other trade names, never digits."""

from __future__ import annotations

import re
from typing import Any, cast

from xinyidai.demo.districts import NAN_AN
from xinyidai.demo.generator import _Builder
from xinyidai.registry.enums import EntityKind

CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")


def test_a_thousand_firms_of_one_trade_have_distinct_names_without_digits() -> None:
    builder = _Builder(cast(Any, None), seed=3, district=NAN_AN)
    names = [builder.entity_name(kind, "餐饮", builder.fake.name())
             for kind in (EntityKind.ENTERPRISE, EntityKind.INDIVIDUAL_BUSINESS, EntityKind.FAMILY_FARM) * 400]
    assert len(set(names)) == len(names)
    assert [n for n in names if not CHINESE.match(n)] == []
