"""A small Chinese font for tests that issue many credit reports: the installed report font (Noto Sans CJK SC on
Debian) cut down to the characters the project's own text and test data can put in a report.

Setting a report embeds and subsets its font; from the whole Noto Sans CJK collection that takes well over a second
a report, from this cut-down face a fifth of that. The report's code, layout and checks are the same: a character
the cut lacks is printed as □ by `creditdata.report.pdf.render` (never a blank glyph), so a test that looks for a
text with one more character fails. tests/integration/creditdata/test_creditdata_report.py issues
reports in the real font.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from xinyidai.config import get_settings
from xinyidai.creditdata.report import pdf as report_pdf

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "src" / "xinyidai", ROOT / "tests" / "integration")
# ASCII, Latin-1 and Latin Extended-A, general punctuation, CJK symbols and punctuation, full-width forms.
RANGES = ((0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0))


def _characters() -> set[int]:
    found = {cp for low, high in RANGES for cp in range(low, high)}
    for root in SOURCES:
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in (".py", ".toml", ".html"):
                found |= {ord(ch) for ch in path.read_text(encoding="utf-8")}
    return found


def cut_font(target: Path) -> Path:
    """Write the installed report font's face, limited to the project's characters, to `target`."""
    face = report_pdf.find_font("").regular
    font = (TTCollection(str(face.path), lazy=True).fonts[face.index]
            if face.path.suffix.lower() in (".ttc", ".otc") else TTFont(str(face.path), lazy=True))
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.layout_features = ["*"], True, []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_characters())
    subsetter.subset(font)
    font.save(str(target))
    return target


@pytest.fixture(scope="session")
def small_report_font_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cut-down face, made once per test session."""
    return cut_font(tmp_path_factory.mktemp("report-font") / "report-font.otf")


@pytest.fixture
def small_report_font(small_report_font_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Reports in this test are set in the cut-down face (XINYIDAI_REPORT_FONT)."""
    monkeypatch.setenv("XINYIDAI_REPORT_FONT", str(small_report_font_file))
    get_settings.cache_clear()
    yield small_report_font_file
    monkeypatch.delenv("XINYIDAI_REPORT_FONT")
    get_settings.cache_clear()
