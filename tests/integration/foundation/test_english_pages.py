"""English mode: the pages of every role show no Chinese in the template's own words — navigation, title,
headings, form labels, table headers, buttons and the like.

Data may stay Chinese (a firm's name, a record's content, a catalogue item's name): a template marks it with a
`data-value` attribute on the element that holds it, and what is inside is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login
from xinyidai import clock
from xinyidai.demo.generator import DEMO_PASSWORD, generate
from xinyidai.identity import service as identity_service
from xinyidai.main import create_app, wire_events
from xinyidai.portal import nav

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Elements whose text is the template's own: navigation, title, headings, labels, table headers, buttons.
CHECKED = {"nav", "title", "h1", "h2", "h3", "button", "summary", "label", "th", "legend", "dt", "caption"}
# Attributes a person reads: a field's hint, a control's accessible name, a tooltip.
CHECKED_ATTRIBUTES = {"placeholder", "aria-label", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
USERS = ("good", "a.officer", "a.manager", "guarantor", "tax.officer", "admin")
# The demo's logins, one for each kind of user.
DEMO_USERS = ("enterprise.demo", "enterprise.staff", "enterprise.late", "bank.officer", "bank.manager",
              "guarantor", "agency", "ndrc", "tax.data", "amr.data", "law.data", "admin", "institution.admin",
              "grid.worker")
# Links not to follow: what changes state on a GET-less form, files, the API and the language switch.
SKIPPED_LINK = re.compile(r"^/(api|static|lang|logout|metrics)\b|\.(pdf|csv|xlsx|json)$|/(download|template)s?\b")


class _Chrome(HTMLParser):
    """The text of the checked elements and attributes outside any `data-value` element, and the page's links."""

    def __init__(self, *, title: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.checked = CHECKED if title else CHECKED - {"title"}
        self.open: list[tuple[str, bool]] = []
        self.found: list[tuple[str, str]] = []
        self.links: list[str] = []

    def _in_data(self) -> bool:
        return any(is_data for _, is_data in self.open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        is_data = "data-value" in names
        if not is_data and not self._in_data():
            for name, value in attrs:
                if name in CHECKED_ATTRIBUTES and value and CJK.search(value):
                    self.found.append((f"{tag}@{name}", value.strip()))
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)
        if tag not in VOID:
            self.open.append((tag, is_data))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if any(name == tag for name, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        checked = [name for name, _ in self.open if name in self.checked]
        if checked and not self._in_data() and CJK.search(data):
            self.found.append((checked[-1], data.strip()))


def _chrome(html: str, *, title: bool = True) -> _Chrome:
    parser = _Chrome(title=title)
    parser.feed(html)
    parser.close()
    return parser


def _shape(path: str) -> str:
    """A page's kind: its path with ids and codes replaced, so one page of each kind is visited."""
    return re.sub(r"/[0-9A-Z][0-9A-Za-z_-]*(?=/|$)", "/{id}", path)


def _visit(client: TestClient, paths: list[str]) -> Iterator[tuple[str, _Chrome]]:
    """Each of `paths` (which must answer 200), then one page of each kind they link to (whose title, which may
    name what the page is about, is not checked: it cannot mark data)."""
    seen: set[str] = set()
    linked: list[str] = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        seen.add(_shape(path))
        chrome = _chrome(response.text)
        yield path, chrome
        linked += chrome.links
    for href in linked:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIPPED_LINK.search(parts.path):
            continue
        if _shape(parts.path) in seen:
            continue
        seen.add(_shape(parts.path))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(target)
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        yield target, _chrome(response.text, title=False)


def _left_in_chinese(client: TestClient, paths: list[str]) -> set[str]:
    client.cookies.set("lang", "en")
    return {f"{path} <{tag}> {text}" for path, chrome in _visit(client, paths) for tag, text in chrome.found}


def test_the_checker_sees_labels_headers_and_buttons_and_leaves_data_alone() -> None:
    page = ('<html><head><title>Home</title></head><body><h1>Orders · <span data-value>重庆甲商贸</span></h1>'
            '<form><label for="a">金额</label><input id="a" placeholder="请输入"><button>提交</button></form>'
            '<table><tr><th>状态</th><td>待受理</td></tr></table><p>一段说明</p>'
            '<label><input type="checkbox"> <span data-value>行政处罚</span></label><br/><dt>Term</dt></body></html>')
    found = sorted(f"{tag} {text}" for tag, text in _chrome(page).found)
    assert found == ["button 提交", "input@placeholder 请输入", "label 金额", "th 状态"]


@pytest.mark.parametrize("username", USERS)
def test_the_main_pages_of_each_role_are_english_in_english_mode(
        client: TestClient, session: Session, world: World, username: str) -> None:
    login(client, username)
    paths = [e.path for e in nav.entries_for(world.principal(session, username))]
    left = _left_in_chinese(client, paths)
    assert not left, sorted(left)


@pytest.fixture
def demo_client(session: Session, session_factory: sessionmaker[Session],
                frozen_clock: clock.FixedClock) -> Iterator[TestClient]:
    """The application over a small demo district: orders, loans, objections, batches and applications to show."""
    wire_events()  # as the CLI does before generating the district
    generate(session, enterprises=40, seed=7)
    session.commit()
    with TestClient(create_app(session_factory=session_factory), base_url="http://testserver") as client:
        yield client


def test_every_demo_user_sees_its_pages_in_english_in_english_mode(
        demo_client: TestClient, session: Session) -> None:
    users = {u.username: u for u in identity_service.list_users(session)}
    left: set[str] = set()
    for username in DEMO_USERS:
        demo_client.cookies.clear()
        login(demo_client, username, DEMO_PASSWORD)
        principal = identity_service.principal_for_user(users[username])
        paths = [e.path for e in nav.entries_for(principal)]
        left |= {f"{username} {line}" for line in _left_in_chinese(demo_client, paths)}
    assert not left, "\n".join(sorted(left))


def test_the_self_report_forms_mark_the_catalogues_words_as_data(client: TestClient, world: World) -> None:
    # The catalogue's names of an item, its fields and their choices are data (Chinese in both modes).
    login(client, "good")
    # Reached from the self-report page, as a person reaches them (a page's title may name its item: not checked).
    left = _left_in_chinese(client, ["/credit-file/self-report"])
    assert "/credit-file/self-report/agri_crop" in {path for path, _ in _visit(client, ["/credit-file/self-report"])}
    assert not left, sorted(left)
