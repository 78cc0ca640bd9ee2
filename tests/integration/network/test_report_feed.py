"""Receiving the monthly reports of the nodes below (月报上报) through the real database and the API: this test's
database is the provincial node 500000; the test holds the key of its child 500108 (and of a stranger) to sign
batches of `reporting.monthly_report` as they would.

A report is kept once per node and month; a later generation replaces it (its revision counted), a replay or an
older one changes nothing; figures that do not match their checksum, a report of another node, a bad month are
refused entry by entry; a forged batch or a stranger's is refused whole; the commission and the admin see the list,
a firm does not."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login
from xinyidai import clock
from xinyidai.audit.actor import Actor
from xinyidai.config import get_settings
from xinyidai.main import create_app
from xinyidai.network import policy, service
from xinyidai.network.exceptions import FlowRefused
from xinyidai.network.policy import Role
from xinyidai.network.reports_policy import REPORT_TOPIC
from xinyidai.network.schemas import FlowRuleUpdate, SignedDirectory
from xinyidai.reporting.models import ReceivedMonthlyReport

PROVINCE, LOCAL, STRANGER = "500000", "500108", "500112"
PAGE = "/supervision/node-reports"


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[service.Node]:
    """This database as the provincial node, with a signing key of its own."""
    key_path = tmp_path / "province.pem"
    service.keygen(key_path)
    for name, value in {"NODE_CODE": PROVINCE, "NODE_ROLE": "provincial", "NODE_NAME": "重庆节点",
                        "ENDPOINT": "http://province.test", "SIGNING_KEY_PATH": str(key_path)}.items():
        monkeypatch.setenv(f"XINYIDAI_NETWORK_{name}", value)
    get_settings.cache_clear()
    current = service.current_node()
    assert current is not None
    yield current
    get_settings.cache_clear()


def _new_key() -> tuple[Ed25519PrivateKey, str]:
    private = policy.load_private_key(policy.generate_private_key_pem())
    return private, policy.public_key_b64(private)


@pytest.fixture
def child(session: Session, world: World, node: service.Node) -> Ed25519PrivateKey:
    """The district node 500108, a member the province signs for; its private key."""
    private, public = _new_key()
    service.set_member(session, actor=Actor.system("test"), node=node, code=LOCAL, role=Role.LOCAL, name="南岸区",
                       endpoint="http://nanan.test", public_key=public)
    service.seed_flow_rules(session)
    session.commit()
    return private


@pytest.fixture
def api(session_factory: sessionmaker[Session], world: World, node: service.Node) -> Iterator[TestClient]:
    with TestClient(create_app(session_factory=session_factory), base_url="http://testserver") as client:
        yield client


def _figures(registered: int) -> dict[str, Any]:
    return {"first_day": "2026-10-01", "last_day": "2026-10-31",
            "figures": {"registered_firms": registered, "orders_submitted": 7, "pass_rate": "0.5000"}, "tables": []}


def _sha(figures: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def _entry(seq: int, *, registered: int = 12, generation: int = 1, **changes: Any) -> dict[str, Any]:
    figures = _figures(registered)
    payload = {"node": LOCAL, "month": "2026-10", "figures": figures, "figures_sha256": _sha(figures),
               "generated_at": "2026-11-02T18:00:05+00:00", "generation": generation, "path": [LOCAL], **changes}
    return {"seq": seq, "item": "*", "payload": payload}


def _batch(key: Ed25519PrivateKey, entries: list[dict[str, Any]], *, after: int = 0,
           sender: str = LOCAL) -> dict[str, Any]:
    body = {"protocol": 1, "sender": sender, "receiver": PROVINCE, "topic": REPORT_TOPIC, "after": after,
            "last": after + len(entries), "head": after + len(entries), "created_at": policy.iso(clock.now()),
            "key_id": policy.key_id(policy.public_key_b64(key)), "entries": entries}
    return {"body": body, "signature": policy.sign(key, policy.canonical(body))}


def _post(api: TestClient, envelope: dict[str, Any]) -> Any:
    return api.post("/api/v1/network/batches", content=json.dumps(envelope).encode(),
                    headers={"Content-Type": "application/json"})


def _rows(session: Session) -> list[tuple[str, str, int, int, int]]:
    session.expire_all()
    return [(r.node_code, r.month, r.figures["figures"]["registered_firms"], r.generation, r.revisions)
            for r in session.scalars(select(ReceivedMonthlyReport))]


def test_a_report_is_kept_once_per_node_and_month_and_a_new_generation_replaces_it(
        session: Session, api: TestClient, child: Ed25519PrivateKey) -> None:
    first = _post(api, _batch(child, [_entry(1)]))
    assert first.status_code == 200, first.text
    assert (first.json()["stored"], first.json()["duplicate"], first.json()["refused"]) == (1, 0, 0)
    assert _rows(session) == [(LOCAL, "2026-10", 12, 1, 1)]

    # The same generation again (a re-sync), then generation 2 with a corrected figure, then generation 1 late.
    again = _post(api, _batch(child, [_entry(2), _entry(3, registered=13, generation=2), _entry(4)], after=1))
    assert again.status_code == 200, again.text
    assert (again.json()["stored"], again.json()["duplicate"], again.json()["refused"]) == (1, 2, 0)
    assert _rows(session) == [(LOCAL, "2026-10", 13, 2, 2)]

    login(api, "admin")
    page = api.get(PAGE)
    assert page.status_code == 200
    row = page.text.split(f'data-testid="node-report-{LOCAL}-2026-10"')[1].split("</tr>")[0]
    assert "南岸区" in row and ">13<" in row and ">7<" in row and ">50.00%<" in row
    assert '<td data-value data-testid="revisions">2</td>' in row
    login(api, "good")
    assert api.get(PAGE).status_code == 403


def test_bad_forged_and_strangers_reports_are_refused_and_nothing_is_stored(
        session: Session, api: TestClient, child: Ed25519PrivateKey) -> None:
    altered = _entry(1)
    altered["payload"]["figures"]["figures"]["registered_firms"] = 99  # changed after its checksum was taken
    refused = _post(api, _batch(child, [
        altered, _entry(2, node=STRANGER, path=[STRANGER]), _entry(3, month="2026-13"), _entry(4, figures=[]),
        _entry(5, generation=0), _entry(6, generated_at="2026-11-02T18:00:05")]))
    assert refused.status_code == 200, refused.text
    assert (refused.json()["stored"], refused.json()["refused"]) == (0, 6)
    assert _rows(session) == []

    forged = _batch(child, [_entry(7)], after=6)
    forged["body"]["entries"][0]["payload"]["figures"]["figures"]["registered_firms"] = 1  # tampered on the way
    answer = _post(api, forged)
    assert answer.status_code == 401 and answer.json()["code"] == "network_bad_signature"
    stranger, _ = _new_key()
    answer = _post(api, _batch(stranger, [_entry(7)], after=6, sender=STRANGER))
    assert answer.status_code == 403 and answer.json()["code"] == "network_unknown_sender"
    assert session.scalar(select(func.count()).select_from(ReceivedMonthlyReport)) == 0
    assert service.verify_log(session) is None


def test_a_report_never_comes_down_from_the_parent_even_if_the_flow_table_let_it(
        session: Session, api: TestClient, child: Ed25519PrivateKey, node: service.Node, world: World,
        tmp_path: Path) -> None:
    # The same database seen as the district below the province, which trusts the province's directory.
    published = service.publish_directory(session, node=node, actor=Actor.system("test"))
    district = service.Node(code=LOCAL, role=Role.LOCAL, name="南岸区", endpoint="http://nanan.test",
                            parent_code=PROVINCE, parent_url="http://province.test",
                            parent_public_key=policy.public_key_b64(node.private_key()),
                            key_path=tmp_path / "unused.pem")
    service.accept_directory(session, node=district, signed=SignedDirectory(
        document=published.document, signatures=published.signatures))
    session.commit()
    down = _batch(node.private_key(), [_entry(1, node=PROVINCE, path=[PROVINCE])], sender=PROVINCE)
    down["body"]["receiver"] = LOCAL
    down["signature"] = policy.sign(node.private_key(), policy.canonical(down["body"]))
    raw = json.dumps(down).encode()
    with pytest.raises(FlowRefused):
        service.receive(session, node=district, raw=raw)
    session.rollback()

    # The admin opens the way down: the batch passes the flow table, and its report is still refused.
    service.set_flow_rule(session, principal=world.principal(session, "admin"), rule_in=FlowRuleUpdate(
        topic=REPORT_TOPIC, direction="down", allowed=True))
    received = service.receive(session, node=district, raw=raw)
    assert (received.stored, received.refused) == (0, 1)
    assert session.scalar(select(func.count()).select_from(ReceivedMonthlyReport)) == 0
