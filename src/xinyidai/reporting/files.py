"""The monthly report's files, drawn from its figures snapshot alone: an Excel workbook (one sheet per table, and
the definitions) and a PDF with static charts drawn by fpdf2, set in the credit report's embedded Chinese font."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from xinyidai.creditdata import service as creditdata_service
from xinyidai.reporting import definitions as d
from xinyidai.spreadsheet import safe_cell

FONT = "cjk"
HEAD_FILL = "EBF0F7"
BAR = (31, 119, 180)
BAR_SECOND = (179, 38, 30)
TARGET = (178, 107, 0)
MARGIN = 15.0

# Amount columns of the tables are in fen; the files show yuan.
FEN_COLUMN_MARK = "（分）"


@dataclass(frozen=True, slots=True)
class TargetLine:
    """A target as the files show it beside its figure."""

    name: str
    figure_code: str
    value: Decimal
    unit: str
    due: str


def shown(code: str, value: Any) -> Any:
    """A figure's value in the unit the reader expects: yuan for amounts, a Decimal ratio or rate, else as is."""
    if value is None:
        return None
    if code in d.MONEY_FIGURES:
        return Decimal(int(value)) / 100
    if isinstance(value, str):
        return Decimal(value)
    return value


def shown_text(code: str, value: Any) -> str:
    """A figure's value as text (a percentage for ratios and rates, yuan with separators for amounts)."""
    number = shown(code, value)
    if number is None:
        return "—"
    if code in d.RATIO_FIGURES or code == "average_rate":
        return f"{(Decimal(number) * 100).quantize(Decimal('0.01'))}%"
    if code in d.MONEY_FIGURES:
        return f"{Decimal(number):,.2f}"
    if isinstance(number, Decimal) and code.endswith("_days"):
        return str(number)
    if isinstance(number, Decimal) and number == number.to_integral_value():
        return f"{int(number):,}"
    return str(number)


def _column_name(name: str) -> str:
    return name.replace(FEN_COLUMN_MARK, "（元）")


def _cell(column: str, value: Any) -> Any:
    if column.endswith(FEN_COLUMN_MARK) and isinstance(value, int):
        return Decimal(value) / 100
    if isinstance(value, str) and column.endswith("率"):
        return Decimal(value)
    return safe_cell(value)


def _sheet_title(text: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31]


def workbook(month: str, snapshot: Mapping[str, Any], targets: Sequence[TargetLine]) -> bytes:
    """The workbook: the headline figures beside their targets, one sheet per table, then the definitions."""
    book = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=HEAD_FILL)
    sheet = book.active
    assert sheet is not None
    sheet.title = "总体指标"
    sheet.append([f"融资信用服务平台月报 {month}"])
    sheet.append([f"统计期 {snapshot['first_day']} 至 {snapshot['last_day']}，数据截至期末日24时（北京时间）"])
    sheet.append([])
    head = ["代码", "指标", "数值", "单位", "目标", "统计口径"]
    sheet.append(head)
    by_figure = {t.figure_code: t for t in targets}
    figures = snapshot["figures"]
    for figure in d.FIGURES:
        target = by_figure.get(figure.code)
        unit = "元" if figure.unit == "元" else figure.unit
        sheet.append([figure.code, figure.name, shown(figure.code, figures.get(figure.code)), unit,
                      None if target is None else target.value, figure.definition])
    for cell in sheet[4]:
        cell.font, cell.fill = bold, fill
    sheet["A1"].font = Font(bold=True, size=14)
    for column, width in zip("ABCDEF", (24, 22, 18, 8, 14, 80), strict=True):
        sheet.column_dimensions[column].width = width
    for table in snapshot["tables"]:
        ws = book.create_sheet(_sheet_title(table["title"]))
        columns = list(table["columns"])
        ws.append([_column_name(c) for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for row in table["rows"]:
            ws.append([_cell(c, v) for c, v in zip(columns, row, strict=True)])
        for index in range(len(columns)):
            ws.column_dimensions[ws.cell(row=1, column=index + 1).column_letter].width = 16
    defs = book.create_sheet("统计口径")
    defs.append(["代码", "指标", "单位", "统计口径", "数据来源", "时点规则"])
    for cell in defs[1]:
        cell.font, cell.fill = bold, fill
    for figure in d.FIGURES:
        defs.append([figure.code, figure.name, figure.unit, figure.definition, figure.source, figure.as_of])
    for column, width in zip("ABCDEF", (24, 22, 8, 80, 40, 40), strict=True):
        defs.column_dimensions[column].width = width
        for cell in defs[column]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Pdf(FPDF):
    def __init__(self, month: str, font: creditdata_service.CjkFont) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.month = month
        self.cjk = font

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(self.cjk.printable(text))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"融资信用服务平台月报 {self.month}    第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)


def _bars(pdf: FPDF, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
          unit: str = "", target: float | None = None) -> None:
    """A horizontal bar chart: a row per label, a bar per series, a dashed target line when given."""
    rows = max(len(labels), 1)
    height = 10 + rows * (4 + 3 * len(series)) + 8
    if pdf.get_y() + height > pdf.h - 20:
        pdf.add_page()
    _heading(pdf, title)
    left, width = MARGIN + 48, pdf.w - 2 * MARGIN - 48 - 22
    top = pdf.get_y() + 1
    values = [v for _, vs in series for v in vs] + ([target] if target is not None else [])
    top_value = max([v for v in values if v is not None] + [0.0]) or 1.0
    y = top
    for index, label in enumerate(labels or ["（无数据）"]):
        pdf.set_xy(MARGIN, y)
        pdf.set_font(FONT, size=8)
        pdf.cell(46, 3 * len(series) + 1, label[:18], align="R")
        for number, (_, vs) in enumerate(series):
            value = vs[index] if index < len(vs) else 0.0
            pdf.set_fill_color(*(BAR if number == 0 else BAR_SECOND))
            pdf.rect(left, y + number * 3, max(width * value / top_value, 0.2), 2.6, style="F")
            pdf.set_xy(left + width * value / top_value + 1, y + number * 3 - 0.4)
            pdf.set_font(FONT, size=6.5)
            pdf.cell(20, 3, f"{value:,.2f}".rstrip("0").rstrip("."))
        y += 3 * len(series) + 4
    if target is not None:
        x = left + width * target / top_value
        pdf.set_draw_color(*TARGET)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.line(x, top - 1, x, y)
        pdf.set_dash_pattern()
        pdf.set_text_color(*TARGET)
        pdf.set_xy(x - 10, y)
        pdf.cell(20, 4, f"目标 {target:g}", align="C")
        pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    legend_y = y + (4 if target is not None else 0)
    pdf.set_xy(left, legend_y)
    for number, (name, _) in enumerate(series):
        pdf.set_fill_color(*(BAR if number == 0 else BAR_SECOND))
        pdf.rect(pdf.get_x(), legend_y + 1, 3, 2.5, style="F")
        pdf.set_x(pdf.get_x() + 4)
        pdf.set_font(FONT, size=7.5)
        pdf.cell(50, 4, f"{name}{'（' + unit + '）' if unit else ''}")
    pdf.set_y(legend_y + 7)


def _table(pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    pdf.set_font(FONT, size=7.5)
    with pdf.table(text_align="LEFT", line_height=4.5, first_row_as_headings=True) as table:
        table.row([str(h) for h in headers])
        for row in rows:
            table.row(["—" if v is None else str(v) for v in row])


def _table_dict(snapshot: Mapping[str, Any], code: str) -> dict[str, Any]:
    return next((t for t in snapshot["tables"] if t["code"] == code), {"columns": [], "rows": []})


def _ratio(value: Any) -> float:
    return 0.0 if value is None else float(Decimal(str(value)) * 100)


def pdf(month: str, snapshot: Mapping[str, Any], targets: Sequence[TargetLine],
        font: creditdata_service.CjkFont) -> bytes:
    """The PDF: the headline figures with their targets, then charts and tables of the month."""
    doc = _Pdf(month, font)
    doc.set_margins(MARGIN, MARGIN, MARGIN)
    doc.set_auto_page_break(True, margin=18)
    doc.add_font(FONT, "", str(font.regular.path), collection_font_number=font.regular.index)
    doc.add_font(FONT, "B", str(font.bold.path), collection_font_number=font.bold.index)
    doc.set_title(f"融资信用服务平台月报 {month}")
    doc.set_creator("xinyidai 融资信用服务平台")
    doc.set_lang("zh-CN")
    doc.add_page()
    doc.set_font(FONT, "B", 16)
    doc.cell(0, 10, f"融资信用服务平台月报（{month}）", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, size=9)
    doc.cell(0, 6, f"统计期 {snapshot['first_day']} 至 {snapshot['last_day']}；数据截至期末日24时（北京时间）",
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    figures = snapshot["figures"]
    by_figure = {t.figure_code: t for t in targets}

    _heading(doc, "一、目标完成情况")
    progress = []
    for target in targets:
        actual = shown(target.figure_code, figures.get(target.figure_code))
        share = (float(actual) / float(target.value) * 100) if actual is not None and target.value else 0.0
        progress.append((target.name, share))
    _bars(doc, "目标完成进度", [p[0] for p in progress], [("完成率", [p[1] for p in progress])], unit="%",
          target=100.0)

    _heading(doc, "二、主要指标")
    _table(doc, ["指标", "数值", "目标"], [
        [f.name + ("" if f.unit in ("比例", "年利率") else f"（{f.unit}）"), shown_text(f.code, figures.get(f.code)),
         "" if f.code not in by_figure else shown_text(f.code, by_figure[f.code].value
                                                       * (100 if f.code in d.MONEY_FIGURES else 1))]
        for f in d.FIGURES])

    trend = _table_dict(snapshot, "trend")
    if trend["rows"]:
        _bars(doc, "三、近期各月放款金额（万元）", [r[0] for r in trend["rows"]],
              [("放款金额", [r[1] / 1_000_000 for r in trend["rows"]]),
               ("其中信用贷款", [r[2] / 1_000_000 for r in trend["rows"]])], unit="万元")
    areas = _table_dict(snapshot, "by_area")
    _bars(doc, "四、各镇街本期放款金额（万元）", [r[0] for r in areas["rows"]],
          [("放款金额", [r[3] / 1_000_000 for r in areas["rows"]])], unit="万元")
    sharing = _table_dict(snapshot, "sharing_by_department")
    _bars(doc, "五、各部门信息归集覆盖率与及时率（%）", [r[1] for r in sharing["rows"]],
          [("覆盖率", [_ratio(r[5]) for r in sharing["rows"]]), ("及时率", [_ratio(r[6]) for r in sharing["rows"]])],
          unit="%")
    late = _table_dict(snapshot, "late_orders_by_bank")
    _bars(doc, "六、超期未办结融资申请（按银行，笔）", [r[0] for r in late["rows"]],
          [("笔数", [float(r[1]) for r in late["rows"]])], unit="笔")

    doc.add_page()
    _heading(doc, "附表")
    for table in snapshot["tables"]:
        _heading(doc, table["title"])
        columns = list(table["columns"])
        _table(doc, [_column_name(c) for c in columns],
               [[_cell(c, v) for c, v in zip(columns, row, strict=True)] for row in table["rows"]])
    _heading(doc, "统计口径")
    _table(doc, ["指标", "统计口径", "时点规则"], [[f.name, f.definition, f.as_of] for f in d.FIGURES])
    return bytes(doc.output())
