"""The portrait's radar chart, drawn by pygal as a standalone SVG document.

The SVG is shown through <img> (as a data: URL, which the portal's CSP allows for images): an image runs no script
and its own stylesheet stays inside it, so the page keeps `style-src 'self'; script-src 'self'`. pygal's config
script is removed all the same, and no external script is referenced (`js=[]`). Labels are drawn in Noto Sans CJK,
which setup installs (fonts-noto-cjk), so the Chinese dimension names render.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import pygal
from pygal.etree import etree
from pygal.style import Style

from xinyidai.scoring.features import DIMENSION_LABELS_EN
from xinyidai.scoring.portrait.schemas import PortraitRead

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'
STYLE = Style(font_family=FONT, background="#ffffff", plot_background="#ffffff", foreground="#333333",
              foreground_strong="#1f2937", foreground_subtle="#9ca3af", colors=("#b91c1c",),
              label_font_size=14, major_label_font_size=14, value_font_size=12, opacity=".35",
              opacity_hover=".5")
WIDTH, HEIGHT = 440, 380
_LABELS_EN = {dimension.value: label for dimension, label in DIMENSION_LABELS_EN.items()}


def radar_svg(portrait: PortraitRead, lang: str = "zh") -> bytes:
    """The six dimension scores (0–100) as a filled radar; a withheld dimension is drawn at 0 and so labelled. In
    English (`lang` "en", the portal's English mode) the dimensions are named in English."""
    english = lang == "en"
    return _drawn(tuple((_LABELS_EN.get(d.code, d.label) if english else d.label, d.score)
                        for d in portrait.dimensions), english)


# The chart depends on nothing but its labels and scores, of which there are few combinations; drawing one costs
# about as much as the rest of a firm's home page, which shows the same portrait to every view of a day.
@lru_cache(maxsize=1024)
def _drawn(dimensions: tuple[tuple[str, int | None], ...], english: bool = False) -> bytes:
    """The radar of these (label, score) pairs, its own words in English or Chinese."""
    none, name, joined = ((" (none)", "Credit portrait radar chart: ", ", ") if english
                          else ("（无）", "信用画像雷达图：", "，"))
    chart = pygal.Radar(width=WIDTH, height=HEIGHT, explicit_size=True, js=[], style=STYLE, fill=True,
                        range=(0, 100), show_legend=False, show_dots=True, dots_size=3, inner_radius=0,
                        y_labels=[0, 20, 40, 60, 80, 100], show_y_labels=False, margin=8,
                        disable_xml_declaration=True)
    chart.x_labels = [label if score is not None else f"{label}{none}" for label, score in dimensions]
    chart.add("信用画像", [score or 0 for _, score in dimensions])
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in [c for c in parent if c.tag == "script"]:
            parent.remove(child)
    title = etree.Element("title")
    if english:
        said = [f"{label} {score}" if score is not None else f"{label}{none}" for label, score in dimensions]
    else:
        said = [f"{label}{score if score is not None else '无'}" for label, score in dimensions]
    title.text = name + joined.join(said)
    tree.insert(0, title)
    return bytes(etree.tostring(tree, encoding="utf-8", xml_declaration=True))


def radar_data_url(portrait: PortraitRead, lang: str = "zh") -> str:
    """The radar chart as a data: URL for an <img>."""
    return "data:image/svg+xml;base64," + base64.b64encode(radar_svg(portrait, lang)).decode("ascii")
