"""English mode: the pages of every role show no Chinese in the template's own words — navigation, title,
headings, form labels, table headers, buttons and the like.

Data may stay Chinese (a firm's name, a record's content, a catalogue item's name): a template marks it with a
`data-value` attribute on the element that holds it, and what is inside is not checked.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord
from xinyidai.demo.generator import DEMO_PASSWORD, generate
from xinyidai.identity import service as identity_service
from xinyidai.main import create_app, wire_events
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.portal import nav
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service

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


class _Within(HTMLParser):
    """The text inside the elements marked `data-testid="<testid>"`, outside any `data-value` element."""

    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.open: list[tuple[str, bool, bool]] = []  # (tag, is the element, is data)
        self.found = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        named = dict(attrs).get("data-testid") == self.testid
        self.found += named
        self.open.append((tag, named, "data-value" in dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if any(name == tag for name, _, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if any(named for _, named, _ in self.open) and not any(is_data for _, _, is_data in self.open):
            self.text.append(data)


def _chinese_in(html: str, testid: str) -> list[str]:
    """The Chinese left in the element(s) of `testid` (which must be on the page)."""
    parser = _Within(testid)
    parser.feed(html)
    parser.close()
    assert parser.found, f"no data-testid={testid!r} on the page"
    return [text.strip() for text in parser.text if CJK.search(text)]


def _store(session: Session, enterprise_id: int, item_code: str, **values: str) -> int:
    item = creditdata_service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed)],
                             channel=Channel.BULK_IMPORT)
    session.flush()
    return session.scalars(select(CreditRecord.id).where(CreditRecord.fingerprint == parsed.fingerprint)).one()


def test_the_texts_the_platform_composes_read_in_english_in_english_mode(
        client: TestClient, session: Session, world: World) -> None:
    # What the scoring, loans and rights contexts compose at run time (a portrait's explanations and suggestions,
    # an estimate's reasons and remedies, the calculator's worked example, why a record cannot be repaired) is no
    # template word the page walk above checks: each is looked at here, in English mode.
    left: dict[str, list[str]] = {}

    def check(label: str, html: str, *testids: str) -> None:
        for testid in testids:
            if found := _chinese_in(html, testid):
                left[f"{label} [{testid}]"] = found

    client.cookies.set("lang", "en")
    check("calculator", client.get("/calculator").text, "chongxindai-cost")

    login(client, "good")
    client.cookies.set("lang", "en")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    check("estimate", client.post(f"/enterprise/estimate/{world.product_a}", headers=headers).text, "estimate")
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    # Tax arrears (a hard rule), a recent penalty (not yet repairable) and a tax grade (no penalty at all).
    with clock.use(clock.at(2026, 9, 2)):
        _store(session, world.good_enterprise, "tax_arrears", tax_kind="增值税", amount="3500.00",
               announced_date="2026-09-01")
    penalty = _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执法罚〔2026〕31号",
                     violation="占道经营", penalty_kind="罚款", amount="2,000", severity="一般",
                     decision_date="2026-10-01", authority="区综合行政执法局")
    grade = _store(session, world.good_enterprise, "tax_credit_grade", year="2025", grade="B",
                   evaluated_date="2026-04-20")
    session.commit()
    check("declined estimate", client.post(f"/enterprise/estimate/{world.product_a}", headers=headers).text,
          "estimate-declined")
    home = client.get("/enterprise").text
    check("firm's home", home, "portrait-dimensions", "portrait-note", "portrait-suggestions")
    radar = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', home)
    assert radar is not None
    if found := CJK.findall(base64.b64decode(radar[1]).decode()):
        left["firm's home [portrait-radar]"] = found
    check("firm's order", client.get(f"/orders/{order.id}").text, "estimate-reasons", "assessor-version")
    for record_id in (penalty, grade):
        check(f"repair of record {record_id}", client.get(f"/rights/repairs/new?record_id={record_id}").text,
              "not-eligible")

    client.cookies.clear()
    login(client, "a.officer")
    client.cookies.set("lang", "en")
    check("bank's order", client.get(f"/orders/{order.id}").text, "estimate-reasons", "portrait-dimensions")
    assert not left, "\n".join(f"{where}: {texts}" for where, texts in sorted(left.items()))
    assert "Breaks an admission rule: Tax arrears" in home  # the rule broken, in the policy's English words
