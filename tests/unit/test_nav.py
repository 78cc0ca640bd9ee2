"""Which navigation entry a page belongs to."""

from __future__ import annotations

from xinyidai.portal.nav import NavEntry, current, items


def _entry(path: str) -> NavEntry:
    return NavEntry(label=path, path=path, roles=frozenset({"x"}), order=1, landing=True)


def test_the_longest_entry_a_page_lies_under_is_current_and_only_on_segment_boundaries() -> None:
    entries = [_entry("/credit-file"), _entry("/credit-file/access-log"), _entry("/loans")]
    assert current(entries, "/credit-file") == "/credit-file"
    assert current(entries, "/credit-file/self-report") == "/credit-file"
    assert current(entries, "/credit-file/access-log") == "/credit-file/access-log"
    assert current(entries, "/loans/drawdowns/7") == "/loans"
    assert current(entries, "/loansharks") is None and current(entries, "/") is None


def test_grouped_entries_become_one_menu_where_the_first_of_them_stands() -> None:
    def entry(path: str, group: str | None = None) -> NavEntry:
        return NavEntry(label=path, path=path, roles=frozenset({"x"}), group=group)

    bar = items([entry("/home"), entry("/file", "信用信息"), entry("/loans"), entry("/log", "信用信息"),
                  entry("/calc", "更多")])
    assert [(item.label, [e.path for e in item.entries], item.is_menu) for item in bar] == [
        ("/home", ["/home"], False), ("信用信息", ["/file", "/log"], True), ("/loans", ["/loans"], False),
        ("更多", ["/calc"], False)]  # a group with one visible entry is just that link
