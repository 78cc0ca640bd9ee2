"""How the authorisations page names the categories a grant covers."""

from __future__ import annotations

from xinyidai.consent.pages import categories_text

NAMES = {"C04": "纳税信息", "C05": "社会保险信息", "C07": "水电气缴费信息"}


def test_a_grant_of_every_category_says_so_and_a_partial_one_names_them() -> None:
    assert categories_text(["C04", "C05", "C07"], NAMES) == "全部3类信用信息"
    assert categories_text(["C05", "C04"], NAMES) == "社会保险信息、纳税信息"
    assert categories_text(["C04", "C99"], NAMES) == "纳税信息、C99"  # a code the catalogue no longer has
    assert categories_text(["C04"], {}) == "C04"  # no catalogue wired: the codes
