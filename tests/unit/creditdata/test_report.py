"""Rules of the credit report without a database: verification codes, report numbers, the summary, the table
layout, and the font: a text it cannot set is printed with □, never refused."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from xinyidai.creditdata.enums import Sensitivity
from xinyidai.creditdata.report import pdf as report_pdf
from xinyidai.creditdata.report import policy as report_policy
from xinyidai.creditdata.schemas import (
    CreditFileEntryRead,
    CreditFileRead,
    CreditFileSectionRead,
    CreditRecordRead,
)

# Crockford's base32 alphabet, as published (https://www.crockford.com/base32.html): no I, L, O, U.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_a_code_is_sixteen_crockford_characters_printed_in_four_groups() -> None:
    code = report_policy.new_verification_code()
    assert len(code) == 16 and set(code) <= set(CROCKFORD)
    counter = itertools.count()
    assert report_policy.new_verification_code(lambda n: next(counter) % n) == "0123456789ABCDEF"
    assert report_policy.format_code("0123456789ABCDEF") == "0123-4567-89AB-CDEF"


def test_codes_do_not_repeat() -> None:
    codes = {report_policy.new_verification_code() for _ in range(20_000)}
    assert len(codes) == 20_000


@pytest.mark.parametrize(("typed", "stored"), [
    ("0123-4567-89AB-CDEF", "0123456789ABCDEF"),
    ("0123 4567 89ab cdef", "0123456789ABCDEF"),
    (" o123-4567-89ab-cdef\n", "0123456789ABCDEF"),  # O read as zero
    ("I1L1-4567-89AB-CDEF", "11114567" + "89ABCDEF"),  # I and L read as one
    ("0123—4567–89AB_CDEF", "0123456789ABCDEF"),
])
def test_a_typed_code_is_read_leniently(typed: str, stored: str) -> None:
    assert report_policy.normalise_code(typed) == stored


@pytest.mark.parametrize("typed", ["", "ABC", "0123-4567-89AB-CDE", "0123-4567-89AB-CDEFG", "UUUU-4567-89AB-CDEF",
                                   "不是校验码不是校验码不是校验码不是", "0123-4567-89AB-CD!F"])
def test_anything_else_is_not_a_code(typed: str) -> None:
    assert report_policy.normalise_code(typed) is None


def test_a_report_number_carries_its_date() -> None:
    number = report_policy.new_report_no(date(2026, 11, 23), lambda n: 42)
    assert number == "XYR2026112300000042"
    assert report_policy.REPORT_NO_PATTERN.match(number)


def _record(key: str, *, past: bool = False, source: str = "区税务局") -> CreditRecordRead:
    return CreditRecordRead(id=1, record_key=key, data={}, fact_date=None, channel="bulk_import",
                            source_department="tax", batch_id=None, received_at=datetime(2026, 11, 1, tzinfo=UTC),
                            source_label=source, past_publicity=past)


def _entry(code: str, records: list[CreditRecordRead], *, negative: bool = False) -> CreditFileEntryRead:
    return CreditFileEntryRead(item_code=code, item_name=code, sensitivity=Sensitivity.PUBLIC, is_negative=negative,
                               current=records, history=[], hidden=sum(r.past_publicity for r in records))


def test_the_summary_counts_records_negative_ones_and_those_past_publicity_by_category() -> None:
    penalties = CreditFileSectionRead(category_code="C03", category_name="行政许可与行政处罚信息", entries=[
        _entry("admin_penalty", [_record("a", past=True, source="区执法局"), _record("b")], negative=True),
        _entry("admin_licence", [_record("c")]),
    ])
    tax = CreditFileSectionRead(category_code="C04", category_name="纳税信息", entries=[_entry("tax", [_record("d")])])
    file = CreditFileRead(enterprise_id=1, uscc="x", name="x", generated_at=datetime(2026, 11, 23, tzinfo=UTC),
                          sections=[penalties, tax])
    summary = report_policy.summarise(file)
    assert [(c.code, c.records, c.negative, c.past_publicity) for c in summary.categories] == [
        ("C03", 3, 2, 1), ("C04", 1, 0, 0)]
    assert (summary.records, summary.negative, summary.past_publicity) == (4, 2, 1)
    assert summary.sources == ("区执法局", "区税务局")


def test_column_widths_fill_the_line_in_proportion_with_a_floor() -> None:
    widths = report_policy.column_widths(("编号", "名称"), [("1", "重庆甲商贸有限公司重庆甲商贸有限公司")], 180)
    assert sum(widths) == pytest.approx(180)
    assert widths[0] >= 14 and widths[1] > widths[0] * 3
    many = report_policy.column_widths([str(i) for i in range(20)], [], 100)
    assert sum(many) == pytest.approx(100) and min(many) == pytest.approx(5)
    assert report_policy.column_widths([], [], 100) == []


def test_a_configured_font_that_is_missing_is_refused_in_chinese() -> None:
    with pytest.raises(report_pdf.ReportFontMissing) as refused:
        report_pdf.find_font("/nonexistent/font.ttf")
    assert "配置的报告字体 /nonexistent/font.ttf 不存在" in refused.value.message


def test_no_chinese_font_at_all_is_refused_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_pdf, "DEBIAN_FONTS", (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", ""),))
    report_pdf.find_font.cache_clear()
    try:
        with pytest.raises(report_pdf.ReportFontMissing) as refused:
            report_pdf.find_font("")
        assert "服务器未安装中文字体" in refused.value.message and "fonts-noto-cjk" in refused.value.message
        assert refused.value.status_code == 503
    finally:
        report_pdf.find_font.cache_clear()


def _document(name: str) -> report_pdf.ReportDocument:
    return report_pdf.ReportDocument(
        report_no="XYR2026112300000042", code="0123-4567-89AB-CDEF", verify_url="http://x/verify-report?code=0",
        verify_page="http://x/verify-report", generated_at="2026-11-23 10:00:00", subject_name=name,
        subject_facts=(("主体名称", name),), recipient=name, purpose="企业自查（免费）", view_note="自查版",
        summary=report_policy.Summary(categories=(), records=0, negative=0, past_publicity=0, sources=()),
        publicity=("经营异常名录：未列入",), sections=(), sources="—", as_of="2026-11-23 10:00:00")


def test_a_report_is_set_in_an_embedded_chinese_font() -> None:
    pdf = report_pdf.render(_document("重庆甲商贸有限公司"), report_pdf.find_font(""))
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "").replace(" ", "")
    assert "企业信用报告" in text and "重庆甲商贸有限公司" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile3" in descriptor or "/FontFile2" in descriptor


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "").replace(" ", "")


def test_a_character_the_font_lacks_is_printed_as_a_box_and_bidi_controls_are_dropped() -> None:
    font = report_pdf.find_font("")
    assert font.missing(["企业 😀\n"]) == ["😀"]
    assert font.printable("重庆😀商贸\u202e有限\u200b公司\x07\n") == "重庆□商贸有限公司 \n"
    text = _text(report_pdf.render(_document("重庆😀商贸\u202e有限公司"), font))
    assert "重庆□商贸有限公司" in text and "\u202e" not in text


def _with_records(rows: tuple[tuple[str, ...], ...]) -> report_pdf.ReportDocument:
    table = report_pdf.RecordTable(name="登记注册基本信息", negative=False, sensitivity="公开类",
                                   headers=("主体名称", "法定代表人", "成立日期", "登记状态", "经营范围", "信息来源",
                                            "归集时间"), rows=rows)
    return dataclasses.replace(_document("重庆甲商贸有限公司"), sections=(
        report_pdf.ReportSection(code="C01", name="基础信息", tables=(table,)),))


@pytest.mark.parametrize("length", [1_000, 5_000])
def test_a_cell_longer_than_a_page_is_continued_on_the_next_rows_and_pages(length: int) -> None:
    scope = "".join(f"{n % 10}批发零售办公用品与劳保用品；" for n in range(length))[:length]
    facts = ("重庆甲商贸有限公司", "张三", "2020-05-01", "存续")
    pdf = report_pdf.render(_with_records(((*facts, scope, "区市场监督管理局", "2026-11-23 10:00"),
                                           (*facts, "短", "区市场监督管理局", "2026-11-23 10:00"))),
                            report_pdf.find_font(""))
    # The cell's lines in order, once the page footers, the headings repeated on each new page and the row's other
    # cells (printed beside its first part) are set aside.
    text = re.sub(r"报告编号XYR\d+校验码[0-9A-Z-]+核验网址\S+?第\d+页/共\d+页|区市场监督管理局2026-11-2310:00"
                  r"|主体名称法定代表人成立日期登记状态经营范围信息来源归集时间", "", _text(pdf).replace("\n", ""))
    assert f"存续{scope}重庆甲商贸有限公司张三2020-05-01存续短" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= (2 if length == 1_000 else 5)


def test_the_guess_limiter_counts_failures_per_address_inside_its_window() -> None:
    limiter = report_policy.GuessLimiter(limit=2, window=timedelta(minutes=10))
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert limiter.allowed("10.0.0.1", start)
    limiter.failed("10.0.0.1", start)
    limiter.failed("10.0.0.1", start + timedelta(minutes=5))
    assert not limiter.allowed("10.0.0.1", start + timedelta(minutes=6))
    assert limiter.allowed("10.0.0.2", start + timedelta(minutes=6))  # another address is not affected
    # The first failure leaves the window at exactly ten minutes.
    assert limiter.allowed("10.0.0.1", start + timedelta(minutes=10))
    limiter.reset()
    assert limiter.allowed("10.0.0.1", start)
