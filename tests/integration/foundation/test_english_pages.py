"""English mode: the main pages of every role show no Chinese in their navigation, title, headings and buttons."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login
from xinyidai.portal import nav

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
CHECKED = {"nav", "h1", "h2", "button", "summary", "title"}
USERS = ("good", "a.officer", "a.manager", "guarantor", "tax.officer", "admin")


class _Chrome(HTMLParser):
    """The text inside the page's navigation, title, headings and buttons; `data-value` marks
    what is data (a name, an order number) rather than the page's own words."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.data_depth = 0
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "br", "img", "meta", "link"):
            return
        self.open.append(tag)
        if self.data_depth or any(name == "data-value" for name, _ in attrs):
            self.data_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass
            if self.data_depth:
                self.data_depth -= 1

    def handle_data(self, data: str) -> None:
        checked = [t for t in self.open if t in CHECKED]
        if checked and not self.data_depth and CJK.search(data):
            self.found.append((checked[-1], data.strip()))


@pytest.mark.parametrize("username", USERS)
def test_the_main_pages_of_each_role_are_english_in_english_mode(
        client: TestClient, session: Session, world: World, username: str) -> None:
    login(client, username)
    client.cookies.set("lang", "en")
    principal_pages = [e.path for e in nav.entries_for(world.principal(session, username))]
    left: set[str] = set()
    for path in principal_pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        parser = _Chrome()
        parser.feed(response.text)
        left |= {f"{path} <{tag}> {text}" for tag, text in parser.found}
    assert not left, sorted(left)
