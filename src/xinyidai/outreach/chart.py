"""The coverage chart: each town or street's merchants, visited, registered, credited and financed, drawn by pygal
as a standalone SVG shown through <img> (a data: URL), as the portrait's chart is: no script runs, the page keeps
`script-src 'self'; style-src 'self'`."""

from __future__ import annotations

import base64

import pygal
from pygal.etree import etree
from pygal.style import Style

from xinyidai.outreach.service import Coverage

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'
STYLE = Style(font_family=FONT, background="#ffffff", plot_background="#ffffff", foreground="#333333",
              foreground_strong="#1f2937", foreground_subtle="#d1d5db",
              colors=("#9ca3af", "#60a5fa", "#2563eb", "#f59e0b", "#b91c1c"),
              label_font_size=12, major_label_font_size=12, legend_font_size=12, value_font_size=11)
SERIES = (("merchants", "登记在册"), ("visited", "已走访"), ("registered", "已注册"), ("credited", "已授信"),
          ("financed", "已获贷"))


def coverage_svg(coverage: Coverage) -> bytes:
    """Grouped bars of the five figures for each town or street."""
    areas = [line for line in coverage.lines if line.community_name is None]
    chart = pygal.Bar(width=760, height=360, explicit_size=True, js=[], style=STYLE, legend_at_bottom=True,
                      legend_at_bottom_columns=5, x_label_rotation=30, margin=8, disable_xml_declaration=True,
                      print_values=False)
    chart.x_labels = [line.area_name for line in areas]
    for figure, label in SERIES:
        chart.add(label, [getattr(line.figures, figure) for line in areas])
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in [c for c in parent if c.tag == "script"]:
            parent.remove(child)
    title = etree.Element("title")
    title.text = "各镇街覆盖情况：" + "；".join(
        f"{line.area_name}登记{line.figures.merchants}、走访{line.figures.visited}、注册{line.figures.registered}、"
        f"授信{line.figures.credited}、获贷{line.figures.financed}" for line in areas)
    tree.insert(0, title)
    return bytes(etree.tostring(tree, encoding="utf-8", xml_declaration=True))


def coverage_data_url(coverage: Coverage) -> str:
    """The chart as a data: URL for an <img>."""
    return "data:image/svg+xml;base64," + base64.b64encode(coverage_svg(coverage)).decode("ascii")
