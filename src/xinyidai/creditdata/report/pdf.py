"""The credit report as a PDF (fpdf2), with a Chinese font embedded (subset) so that it reads the same everywhere.

The font is found on the machine, not shipped in the repository: `XINYIDAI_REPORT_FONT` (a .ttf/.otf/.ttc file,
`path#n` for the n-th face of a collection) when set, else Debian's Noto Sans CJK SC (`fonts-noto-cjk`, which
`make install` and CI install), else a few other Debian CJK fonts. fpdf2 embeds OpenType/CFF faces as FontFile3
and TrueType ones as FontFile2. A machine without any refuses with a Chinese message that says what to install.

A report renders every valid record, whatever its text: every string drawn passes `printable` (one place: the PDF's
`normalize_text`), which drops bidirectional and other invisible format controls (U+202E would reverse what follows
it), turns other control characters into spaces, and prints a character the font lacks as □ — never a blank glyph,
never a refusal. A cell too tall for a page (a 5,000-character 经营范围) is split into continuation rows that each
fit one, so the table flows across pages.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, TableCellFillMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from xinyidai.creditdata.report.policy import Summary, column_widths
from xinyidai.errors import DomainError

FONT_FAMILY = "cjk"
# Characters every usable face must have: those of the report's fixed wording.
PROBE = "企业信用报告统一社会代码校验异议负面"
# (regular, bold) candidates in order; a face of a collection is chosen by its family name (Simplified Chinese).
DEBIAN_FONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", ""),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", ""),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", ""),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", ""),
)
INSTALL_HINT = ("请系统管理员安装中文字体（Debian/Ubuntu：apt-get install fonts-noto-cjk，或执行 make install），"
                "或设置 XINYIDAI_REPORT_FONT 指向中文字体文件")

# Printed for a character the font has no glyph for (a face without it falls back to "?").
NO_GLYPH = "□"
LINE_HEIGHT = 5.0
CELL_PADDING = 1.0

NEGATIVE_RED = (176, 32, 32)
MUTED = (110, 110, 110)
HEAD_FILL = (235, 240, 247)
PAGE_MARGIN = 15.0


class ReportFontMissing(DomainError):
    """The server has no font that can set the report's Chinese text."""

    status_code = 503
    code = "report_font_missing"


@dataclass(frozen=True, slots=True)
class FontFile:
    """One face: a font file and, for a collection (.ttc), the face's number in it."""

    path: Path
    index: int = 0


@dataclass(frozen=True, slots=True)
class CjkFont:
    """The faces a report is set in and the characters they have."""

    regular: FontFile
    bold: FontFile
    codepoints: frozenset[int]

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Characters of `texts` the font cannot draw (spaces and line breaks need no glyph)."""
        return sorted({ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in self.codepoints})

    def printable(self, text: str) -> str:
        """`text` as this font can set it: format controls (bidirectional overrides, zero-width characters) dropped,
        other control characters but the line break as spaces, and each character without a glyph as □."""
        stand_in = NO_GLYPH if ord(NO_GLYPH) in self.codepoints else "?"
        out = []
        for ch in text:
            if ch == "\n" or (ch.isspace() and ch.isprintable()) or ord(ch) in self.codepoints:
                out.append(ch)
                continue
            category = unicodedata.category(ch)
            if category == "Cf":
                continue
            out.append(" " if category.startswith(("C", "Z")) else stand_in)
        return "".join(out)


def _faces(path: Path) -> list[tuple[int, TTFont]]:
    if path.suffix.lower() in (".ttc", ".otc"):
        return list(enumerate(TTCollection(str(path), lazy=True).fonts))
    return [(0, TTFont(str(path), lazy=True))]


def _family(font: TTFont) -> str:
    name = font["name"].getDebugName(1)
    return name or ""


def _pick(path: Path, index: int | None) -> tuple[FontFile, frozenset[int]] | None:
    """The face to use from `path` (the given one, else the Simplified Chinese one, else the first) with its
    characters; None when the file is missing, unreadable or has no Chinese."""
    if not path.is_file():
        return None
    try:
        faces = _faces(path)
        if index is not None:
            faces = [f for f in faces if f[0] == index]
        elif len(faces) > 1:
            faces.sort(key=lambda f: (not _family(f[1]).endswith(" SC"), f[0]))
        for number, font in faces:
            codepoints = frozenset(font.getBestCmap() or {})
            if all(ord(ch) in codepoints for ch in PROBE):
                return FontFile(path, number), codepoints
    except Exception:  # a broken or foreign file is simply not a candidate
        return None
    return None


@lru_cache(maxsize=4)
def find_font(configured: str = "") -> CjkFont:
    """The Chinese font reports are set in; ReportFontMissing (in Chinese, saying what to install) if none."""
    candidates: list[tuple[str, str]] = [(configured, "")] if configured else []
    candidates += list(DEBIAN_FONTS)
    for regular_name, bold_name in candidates:
        path_text, _, number = regular_name.partition("#")
        found = _pick(Path(path_text), int(number) if re.fullmatch(r"[0-9]{1,4}", number) else None)
        if found is None:
            if configured and regular_name == configured:
                raise ReportFontMissing(f"配置的报告字体 {configured} 不存在或不含中文字形。{INSTALL_HINT}",
                                        message_en="XINYIDAI_REPORT_FONT is missing or has no Chinese glyphs")
            continue
        regular, codepoints = found
        bold_found = _pick(Path(bold_name), regular.index) if bold_name else None
        bold = bold_found[0] if bold_found and bold_found[1] >= codepoints else regular
        return CjkFont(regular=regular, bold=bold, codepoints=codepoints)
    raise ReportFontMissing(f"服务器未安装中文字体，无法生成信用报告 PDF。{INSTALL_HINT}",
                            message_en="no CJK font installed for the credit report (install fonts-noto-cjk)")


# The document ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordTable:
    """One sub-category's records as the reader may see them."""

    name: str
    negative: bool
    sensitivity: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Row numbers (0-based) of records past their publicity period, printed muted.
    past_rows: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ReportSection:
    """One category of the report."""

    code: str
    name: str
    tables: tuple[RecordTable, ...]


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """Everything printed on the report, as text: the renderer decides nothing about the content."""

    report_no: str
    code: str  # formatted, ABCD-EFGH-JKMN-PQRS
    verify_url: str
    verify_page: str
    generated_at: str
    subject_name: str
    subject_facts: tuple[tuple[str, str], ...]
    recipient: str
    purpose: str
    view_note: str
    summary: Summary
    publicity: tuple[str, ...]
    sections: tuple[ReportSection, ...]
    sources: str
    as_of: str
    statements: tuple[str, ...] = field(default_factory=tuple)

    def texts(self) -> list[str]:
        """Every string the renderer prints, to check the font has all their characters first."""
        out = [self.report_no, self.code, self.verify_url, self.verify_page, self.generated_at, self.subject_name,
               self.recipient, self.purpose, self.view_note, self.sources, self.as_of, *self.statements,
               *self.publicity, *FIXED_TEXTS]
        out += [t for pair in self.subject_facts for t in pair]
        out += [c.name for c in self.summary.categories]
        for section in self.sections:
            out.append(section.name)
            for table in section.tables:
                out += [table.name, table.sensitivity, *table.headers]
                out += [cell for row in table.rows for cell in row]
        return out


FIXED_TEXTS = ("企业信用报告", "报告编号", "生成时间", "报告对象", "查询用途", "一、主体基本信息", "二、信用信息概要",
               "三、信用信息明细", "四、数据来源与说明", "信息类别", "记录数", "其中负面", "已过公示期", "合计",
               "负面信息", "扫码核验", "校验码", "核验网址", "第", "页", "共", "本类别暂无可向您展示的记录。",
               "平台尚未归集到该主体的信用信息。", "公示状态", "（已过公示期）", "项目", "内容", "【负面信息】", "·：/",
               "任何人可在输入校验码核验本报告的真实性数据来源信息截至")


class _Pdf(FPDF):
    """A4 pages with the report's running footer: number, verification code and where to check it."""

    def __init__(self, document: ReportDocument, font: CjkFont) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document
        self.cjk = font

    def normalize_text(self, text: str) -> str:
        """Every text drawn, measured or wrapped passes here: set as the font can (see `CjkFont.printable`)."""
        return super().normalize_text(self.cjk.printable(text))

    def footer(self) -> None:
        """Every page carries the report number, the verification code and the verification address."""
        d = self.document
        self.set_y(-14)
        self.set_draw_color(180, 180, 180)
        self.line(PAGE_MARGIN, self.get_y(), self.w - PAGE_MARGIN, self.get_y())
        self.set_font(FONT_FAMILY, size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4.5, f"报告编号 {d.report_no}    校验码 {d.code}    核验网址 {d.verify_page}",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 4, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.R)
        self.set_text_color(0, 0, 0)


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def render(document: ReportDocument, font: CjkFont) -> bytes:
    """The report as PDF bytes, set in `font` (embedded as a subset); every text printable (see `_Pdf`)."""
    pdf = _Pdf(document, font)
    pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FONT_FAMILY, "", str(font.regular.path), collection_font_number=font.regular.index)
    pdf.add_font(FONT_FAMILY, "B", str(font.bold.path), collection_font_number=font.bold.index)
    pdf.set_title(font.printable(f"企业信用报告 {document.subject_name}"))
    pdf.set_subject(font.printable(f"报告编号 {document.report_no}"))
    pdf.set_creator("xinyidai 融资信用服务平台")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    _title(pdf, document)
    _subject(pdf, document)
    _summary(pdf, document)
    _details(pdf, document)
    _notes(pdf, document)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 12.5)
    pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=9.5)


def _title(pdf: FPDF, d: ReportDocument) -> None:
    qr_size = 30.0
    pdf.image(_qr_png(d.verify_url), x=pdf.w - PAGE_MARGIN - qr_size, y=PAGE_MARGIN, w=qr_size, h=qr_size,
              alt_text=f"核验网址 {d.verify_url}")
    pdf.set_xy(PAGE_MARGIN, PAGE_MARGIN + qr_size + 0.5)
    pdf.set_font(FONT_FAMILY, size=7)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 3, "扫码核验", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(PAGE_MARGIN, PAGE_MARGIN + 4)
    pdf.set_font(FONT_FAMILY, "B", 22)
    pdf.cell(pdf.w - 2 * PAGE_MARGIN - qr_size, 12, "企业信用报告", align=Align.C, new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=9.5)
    text_width = pdf.w - 2 * PAGE_MARGIN - qr_size - 4
    for label, value in (("报告编号", d.report_no), ("校验码", d.code), ("生成时间", d.generated_at),
                         ("报告对象", d.recipient), ("查询用途", d.purpose)):
        pdf.multi_cell(text_width, 5.5, f"{label}：{value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       wrapmode=WrapMode.CHAR)
    pdf.set_y(max(pdf.get_y(), PAGE_MARGIN + qr_size + 4))
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, d.view_note, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
    pdf.set_text_color(0, 0, 0)


def _table(pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[str]], *, widths: Sequence[float] | None = None,
           muted: frozenset[int] = frozenset(), red_columns: frozenset[int] = frozenset()) -> None:
    width = pdf.w - 2 * PAGE_MARGIN
    col_widths = list(widths) if widths else column_widths(headers, rows, width)
    # A row taller than this many lines is continued on further rows: each fits a page below the repeated headings.
    most_lines = int((pdf.h - pdf.t_margin - pdf.b_margin - 40) // LINE_HEIGHT)
    with pdf.table(width=width, col_widths=col_widths, text_align="LEFT", line_height=LINE_HEIGHT,
                   wrapmode=WrapMode.CHAR, headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
                   padding=CELL_PADDING, cell_fill_mode=TableCellFillMode.NONE, align="LEFT") as table:
        table.row(list(headers))
        for number, row in enumerate(rows):
            style = FontFace(color=MUTED) if number in muted else None
            for part in _split_row(pdf, row, col_widths, most_lines):
                cells = table.row()
                for column, text in enumerate(part):
                    red = column in red_columns and text not in ("0", "")
                    cells.cell(text, style=FontFace(color=NEGATIVE_RED, emphasis="BOLD") if red else style)


def _wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """The lines `text` wraps to in a table cell `width` wide, in the current font."""
    if not text:
        return [""]
    lines = pdf.multi_cell(max(width - 2 * CELL_PADDING, 1.0), LINE_HEIGHT, text, dry_run=True,
                           output=MethodReturnValue.LINES, wrapmode=WrapMode.CHAR)
    return [str(line) for line in lines] if isinstance(lines, list) else [text]


def _split_row(pdf: FPDF, row: Sequence[str], col_widths: Sequence[float], most_lines: int) -> list[list[str]]:
    """`row` as one row, or, when a cell wraps to more than `most_lines` lines in its column, as several rows
    that each hold the next `most_lines` lines of every cell (fpdf2 cannot break one row across pages)."""
    if sum(len(text) for text in row) < most_lines:  # too short to wrap past a page in any column
        return [list(row)]
    lines = [_wrapped(pdf, text, width) for text, width in zip(row, col_widths, strict=False)]
    tallest = max((len(cell) for cell in lines), default=1)
    if tallest <= most_lines:
        return [list(row)]
    return [["\n".join(cell[start:start + most_lines]) for cell in lines] for start in range(0, tallest, most_lines)]


def _subject(pdf: FPDF, d: ReportDocument) -> None:
    _heading(pdf, "一、主体基本信息")
    rows = [list(pair) for pair in d.subject_facts]
    _table(pdf, ("项目", "内容"), rows, widths=(35, pdf.w - 2 * PAGE_MARGIN - 35))
    if d.publicity:
        pdf.ln(2)
        pdf.set_font(FONT_FAMILY, "B", 9.5)
        pdf.cell(0, 5.5, "公示状态", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_FAMILY, size=9.5)
        for line in d.publicity:
            pdf.multi_cell(0, 5, f"· {line}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)


def _summary(pdf: FPDF, d: ReportDocument) -> None:
    _heading(pdf, "二、信用信息概要")
    s = d.summary
    if not s.categories:
        pdf.cell(0, 6, "平台尚未归集到该主体的信用信息。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    rows = [[c.name, str(c.records), str(c.negative), str(c.past_publicity)] for c in s.categories]
    rows.append(["合计", str(s.records), str(s.negative), str(s.past_publicity)])
    _table(pdf, ("信息类别", "记录数", "其中负面", "已过公示期"), rows, widths=(90, 30, 30, 30),
           red_columns=frozenset({2}))


def _details(pdf: FPDF, d: ReportDocument) -> None:
    _heading(pdf, "三、信用信息明细")
    if not d.sections:
        pdf.cell(0, 6, "平台尚未归集到该主体的信用信息。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for section in d.sections:
        if pdf.get_y() > pdf.h - 65:
            pdf.add_page()
        pdf.ln(1)
        pdf.set_font(FONT_FAMILY, "B", 11)
        pdf.cell(0, 7, section.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for table in section.tables:
            if pdf.get_y() > pdf.h - 55:  # keep a sub-category's title with the first rows of its table
                pdf.add_page()
            pdf.set_font(FONT_FAMILY, "B", 9.5)
            pdf.cell(pdf.get_string_width(table.name) + 2, 6, table.name)
            pdf.set_font(FONT_FAMILY, size=8)
            pdf.set_text_color(*MUTED)
            pdf.cell(pdf.get_string_width(table.sensitivity) + 3, 6, f"（{table.sensitivity}）")
            if table.negative:
                pdf.set_text_color(*NEGATIVE_RED)
                pdf.set_font(FONT_FAMILY, "B", 8.5)
                pdf.cell(0, 6, "【负面信息】")
            pdf.set_text_color(0, 0, 0)
            pdf.ln(6)
            pdf.set_font(FONT_FAMILY, size=8)
            if table.rows:
                _table(pdf, table.headers, table.rows, muted=table.past_rows)
            else:
                pdf.cell(0, 5, "本类别暂无可向您展示的记录。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)


def _notes(pdf: FPDF, d: ReportDocument) -> None:
    _heading(pdf, "四、数据来源与说明")
    for text in (f"数据来源：{d.sources}", f"信息截至：{d.as_of}", *d.statements,
                 f"本报告校验码 {d.code}，任何人可在 {d.verify_page} 输入校验码核验本报告的真实性。"):
        pdf.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)
        pdf.ln(0.5)
