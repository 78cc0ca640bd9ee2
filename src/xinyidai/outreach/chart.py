"""The coverage chart: each town or street's merchants, visited, registered, credited and financed, as the portal's
interactive chart (portal.charts: drawn in the browser, its numbers in a table under it)."""

from __future__ import annotations

from xinyidai.outreach import policy
from xinyidai.outreach.service import Coverage
from xinyidai.portal import i18n
from xinyidai.portal.charts import Chart, Series

TITLE = "各镇街覆盖情况"
UNIT = "户"


def coverage_chart(coverage: Coverage, lang: str) -> Chart:
    """Grouped bars of the five figures for each town or street (its communities' lines left out), in the page's
    language."""
    def t(text: str) -> str:
        return i18n.translate(text, lang)

    areas = [line for line in coverage.lines if line.community_name is None]
    return Chart(title=t(TITLE), categories=[line.area_name for line in areas], kind="bar", unit=t(UNIT),
                 series=[Series(t(policy.FIGURE_LABELS[figure]), [getattr(line.figures, figure) for line in areas])
                         for figure in policy.FIGURES])
