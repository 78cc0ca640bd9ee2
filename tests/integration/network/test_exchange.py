"""The network through the real database and the API: this test's database is the provincial node 500000, and the
test holds the key of its child 500108 (and of a stranger) to sign batches and requests as they would.

A good batch is applied once with its cursor; replays, gaps, forged, unsigned, malformed, oversized batches, unknown
topics and senders, suspended members and records that may not flow get a clear 4xx, change nothing and are logged.
A relayed record keeps its original channel and provenance, and the same fact by two paths is stored once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login, page_csrf, uscc
from xinyidai import clock
from xinyidai.audit.actor import Actor
from xinyidai.config import get_settings
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord, ImportBatch
from xinyidai.main import create_app
from xinyidai.network import policy, service
from xinyidai.network.models import NetworkCursor, NetworkEnterprise, NetworkMessage
from xinyidai.network.policy import MemberStatus, Role
from xinyidai.network.schemas import FlowRuleUpdate, SignedDirectory
from xinyidai.registry import service as registry_service

PROVINCE, LOCAL, STRANGER = "500000", "500108", "500112"
GOOD = uscc("MA0000001")


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[service.Node]:
    """This database as the provincial node, with a signing key of its own."""
    key_path = tmp_path / "province.pem"
    service.keygen(key_path)
    for name, value in {"NODE_CODE": PROVINCE, "NODE_ROLE": "provincial", "NODE_NAME": "重庆节点",
                        "ENDPOINT": "http://province.test", "SIGNING_KEY_PATH": str(key_path),
                        "BATCH_MAX_BYTES": "200000", "BATCH_MAX_ENTRIES": "50"}.items():
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
    """The local node 500108, a member the province signs for; its private key."""
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


def _batch(key: Ed25519PrivateKey, *, topic: str = service.RECORD_TOPIC, after: int = 0,
           entries: list[dict[str, Any]] | None = None, last: int | None = None, sender: str = LOCAL,
           receiver: str = PROVINCE, **changes: Any) -> dict[str, Any]:
    entries = entries or []
    body = {"protocol": 1, "sender": sender, "receiver": receiver, "topic": topic, "after": after,
            "last": last if last is not None else after + len(entries), "head": after + len(entries),
            "created_at": policy.iso(clock.now()), "key_id": policy.key_id(policy.public_key_b64(key)),
            "entries": entries, **changes}
    return {"body": body, "signature": policy.sign(key, policy.canonical(body))}


def _record(seq: int, item: str, values: dict[str, str], channel: str = "bulk_import") -> dict[str, Any]:
    return {"seq": seq, "item": item, "payload": {"item": item, "channel": channel, "path": [LOCAL],
                                                  "values": {"uscc": GOOD, **values}}}


def _trademark(seq: int, number: str, channel: str = "national") -> dict[str, Any]:
    return _record(seq, "trademark", {"registration_no": number, "mark": "渝商", "nice_class": "35",
                                      "registered_date": "2020-01-02"}, channel)


def _copyright(seq: int, number: str) -> dict[str, Any]:
    return _record(seq, "copyright", {"registration_no": number, "title": "管理软件", "registered_date": "2021-03-04"})


def _post(api: TestClient, envelope: dict[str, Any] | bytes) -> Any:
    content = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
    return api.post("/api/v1/network/batches", content=content, headers={"Content-Type": "application/json"})


def _records(session: Session, item: str) -> list[CreditRecord]:
    item_id = creditdata_service.get_item(session, code=item).id
    return list(session.scalars(select(CreditRecord).where(CreditRecord.catalogue_item_id == item_id)))


def _cursor(session: Session, topic: str = service.RECORD_TOPIC) -> int:
    cursor = session.get(NetworkCursor, (LOCAL, topic), populate_existing=True)
    return cursor.position if cursor else 0


def _refused(session: Session) -> list[NetworkMessage]:
    return list(session.scalars(select(NetworkMessage).where(NetworkMessage.outcome == "refused")
                                .order_by(NetworkMessage.sequence)))


def test_a_single_deployment_shows_and_serves_nothing_of_the_network(client: TestClient) -> None:
    assert service.current_node() is None
    response = client.get("/api/v1/network/directory")
    assert response.status_code == 404 and response.json()["code"] == "network_not_configured"
    login(client, "admin")
    page = client.get("/admin/network")
    assert page.status_code == 200 and 'data-testid="network-single"' in page.text


def test_a_good_batch_is_applied_once_with_its_provenance_and_the_cursor(
        session: Session, api: TestClient, child: Ed25519PrivateKey) -> None:
    envelope = _batch(child, entries=[_copyright(1, "2021SR0001"), _trademark(2, "TM-1")])
    response = _post(api, envelope)
    assert response.status_code == 200, response.text
    assert response.json() | {"stored": 2} == {"sender": LOCAL, "topic": service.RECORD_TOPIC, "cursor": 2,
                                              "entries": 2, "stored": 2, "duplicate": 0, "refused": 0}
    [copyright_record] = _records(session, "copyright")
    [trademark] = _records(session, "trademark")
    assert copyright_record.channel == Channel.BULK_IMPORT and trademark.channel == Channel.NATIONAL
    batch = session.get(ImportBatch, trademark.batch_id)
    assert batch is not None and batch.file_name == f"network/{LOCAL}/creditdata.record/1-2/trademark/national"
    assert _cursor(session) == 2

    again = _post(api, envelope)  # the same batch again: a replay, nothing changes
    assert again.status_code == 409 and again.json()["code"] == "network_replay"
    assert "message_en" in again.json()
    assert len(_records(session, "copyright")) == 1 and _cursor(session) == 2

    # The same fact by another path (another batch): stored once.
    next_batch = _post(api, _batch(child, after=2, entries=[_trademark(3, "TM-1")]))
    assert next_batch.status_code == 200 and next_batch.json()["duplicate"] == 1
    assert len(_records(session, "trademark")) == 1 and _cursor(session) == 3
    assert [m.error_code for m in _refused(session)] == ["network_replay"]
    assert service.verify_log(session) is None


def test_the_national_version_wins_over_a_local_one_arriving_by_the_network(
        session: Session, api: TestClient, child: Ed25519PrivateKey, world: World) -> None:
    creditdata_service.record_platform_fact(session, item_code="trademark", enterprise_id=world.good_enterprise,
                                            values={"registration_no": "TM-9", "mark": "本地", "nice_class": "35",
                                                    "registered_date": "2020-01-02"}, channel=Channel.BULK_IMPORT)
    session.commit()
    response = _post(api, _batch(child, entries=[_trademark(1, "TM-9")]))
    assert response.status_code == 200 and response.json()["stored"] == 1
    [entry] = [e for s in creditdata_service.credit_file(session, enterprise_id=world.good_enterprise)
               for e in s.entries if e.item.code == "trademark"]
    assert [r.channel for r in entry.current] == [Channel.NATIONAL]
    assert [r.channel for r in entry.superseded] == [Channel.BULK_IMPORT]


@pytest.mark.parametrize("case", ["gap", "overlap", "disorder"])
def test_a_batch_out_of_sequence_is_refused_and_changes_nothing(
        session: Session, api: TestClient, child: Ed25519PrivateKey, case: str) -> None:
    assert _post(api, _batch(child, entries=[_copyright(1, "A1"), _copyright(2, "A2")])).status_code == 200
    envelope = {"gap": _batch(child, after=3, entries=[_copyright(4, "A4")]),
                "overlap": _batch(child, after=1, entries=[_copyright(2, "A2"), _copyright(3, "A3")]),
                "disorder": _batch(child, after=2, last=4, entries=[_copyright(4, "A4"), _copyright(3, "A3")])}[case]
    response = _post(api, envelope)
    assert response.status_code == 409
    assert response.json()["code"] == "network_sequence"
    assert _cursor(session) == 2 and len(_records(session, "copyright")) == 2
    assert [m.error_code for m in _refused(session)] == ["network_sequence"]


def test_forged_unsigned_malformed_oversized_unknown_and_suspended_are_refused_and_logged(
        session: Session, api: TestClient, child: Ed25519PrivateKey, node: service.Node) -> None:
    stranger, _ = _new_key()
    forged = _batch(child, entries=[_copyright(1, "F1")])
    forged["body"]["entries"][0]["payload"]["values"]["title"] = "篡改"
    unsigned = _batch(child, entries=[_copyright(1, "U1")])
    del unsigned["signature"]
    cases: list[tuple[dict[str, Any] | bytes, int, str]] = [
        (forged, 401, "network_bad_signature"),
        (_batch(stranger, entries=[_copyright(1, "S1")]), 401, "network_bad_signature"),  # not the member's key
        (unsigned, 401, "network_bad_signature"),
        (b"{not json", 400, "network_malformed"),
        (json.dumps({"body": {"sender": LOCAL}, "signature": "x"}).encode(), 400, "network_malformed"),
        (b"x" * 200_001, 413, "network_oversized"),
        (_batch(child, entries=[_copyright(n, f"O{n}") for n in range(1, 52)]), 413, "network_oversized"),
        (_batch(child, topic="orders.secret"), 404, "network_unknown_topic"),
        (_batch(stranger, sender=STRANGER), 403, "network_unknown_sender"),
        (_batch(child, receiver="500112"), 403, "network_wrong_receiver"),
        # made (so it says) a day ago: a captured batch replayed, perhaps under a key retired since
        (_batch(child, entries=[_copyright(1, "D1")], created_at=policy.iso(clock.now() - timedelta(days=1))),
         401, "network_stale_batch"),
        # water needs the firm's authorisation: it never leaves its node, whatever the flow table says
        (_batch(child, entries=[_record(1, "water", {"month": "2026-01", "month_end": "2026-01-31", "usage": "1",
                                                     "amount_billed": "1", "amount_overdue": "0"})]),
         403, "network_flow_refused"),
        (_batch(child, topic=service.REGISTRY_TOPIC, entries=[]), 200, ""),  # an empty batch is fine
    ]
    for envelope, status, code in cases:
        response = _post(api, envelope)
        assert response.status_code == status, (code, response.text)
        if code:
            body = response.json()
            assert body["code"] == code and body["message"] and body["message_en"], body
    assert _records(session, "copyright") == [] and _records(session, "water") == []
    assert _cursor(session) == 0
    assert [m.error_code for m in _refused(session)] == [code for _, _, code in cases if code]

    service.set_member_status(session, actor=Actor.system("test"), code=LOCAL, status=MemberStatus.SUSPENDED)
    session.commit()
    response = _post(api, _batch(child, entries=[_copyright(1, "X1")]))
    assert response.status_code == 403 and response.json()["code"] == "network_sender_not_active"
    assert _records(session, "copyright") == []
    assert service.verify_log(session) is None


def test_a_flow_rule_set_by_the_admin_holds_on_receive(session: Session, api: TestClient,
                                                       child: Ed25519PrivateKey) -> None:
    login(api, "admin")
    token = page_csrf(api, "/admin/network")
    response = api.post("/admin/network/flow-rules", data={
        "topic": service.RECORD_TOPIC, "direction": "up", "item": "copyright", "allowed": "no", "note": "试行",
        "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    rules = api.get("/api/v1/network/flow-rules").json()
    assert {"topic": service.RECORD_TOPIC, "direction": "up", "item": "copyright", "allowed": False,
            "note": "试行"}.items() <= next(r for r in rules if r["item"] == "copyright").items()
    refused = _post(api, _batch(child, entries=[_copyright(1, "R1")]))
    assert refused.status_code == 403 and refused.json()["code"] == "network_flow_refused"
    assert _post(api, _batch(child, entries=[_trademark(1, "R2")])).status_code == 200


def _registration(seq: int, code: str, **changes: Any) -> dict[str, Any]:
    """A registry feed entry as a local node captures it."""
    return {"seq": seq, "item": "*", "payload": {
        "uscc": code, "name": "南岸新企业商贸有限公司", "kind": "enterprise", "scale": "micro",
        "legal_rep_name": "张三", "legal_rep_id_masked": "500108********1234", "registration_date": "2019-03-01",
        "registered_capital_fen": 50_000_000, "industry_code": "F52", "operating_status": "in_operation",
        "last_annual_report_year": 2025, "is_abnormal": False, "home_node": LOCAL, "path": [LOCAL], **changes}}


def test_the_registry_feed_tells_the_province_where_an_entity_lives(session: Session, api: TestClient,
                                                                    child: Ed25519PrivateKey) -> None:
    response = _post(api, _batch(child, topic=service.REGISTRY_TOPIC, entries=[
        _registration(1, uscc("MA0000099")), _registration(2, uscc("MA0000098"), kind="no such kind")]))
    assert response.status_code == 200, response.text
    known = session.get(NetworkEnterprise, uscc("MA0000099"))
    assert known is not None and known.home_node == LOCAL and known.via_peer == LOCAL
    # The province's registry holds it, in an area named after its node, its identity number masked as it came.
    held = registry_service.get_by_uscc(session, uscc=uscc("MA0000099"))
    assert held is not None and held.home_node == LOCAL and held.district_area.code == LOCAL
    read = registry_service.to_read(held)
    assert read.legal_rep_id_masked == "500108********1234" and read.registered_capital_fen == 50_000_000
    assert registry_service.get_by_uscc(session, uscc=uscc("MA0000098")) is None  # malformed: refused, not stored
    # A change arrives by the feed and updates the entry; this node's own entities are never overwritten.
    renamed = _registration(3, uscc("MA0000099"), name="南岸新企业科技有限公司")
    mine = registry_service.get_by_uscc(session, uscc=GOOD)
    assert mine is not None and mine.home_node is None
    theirs = _registration(4, GOOD, name="改名企图有限公司")
    assert _post(api, _batch(child, topic=service.REGISTRY_TOPIC, after=2, entries=[renamed, theirs])).status_code \
        == 200
    session.expire_all()
    held = registry_service.get_by_uscc(session, uscc=uscc("MA0000099"))
    assert held is not None and held.name == "南岸新企业科技有限公司"
    assert registry_service.get(session, enterprise_id=mine.id).name != "改名企图有限公司"


def _signed_get(api: TestClient, node: service.Node, path: str, query: str) -> Any:
    headers = service.signed_headers(node, method="GET", path=path, query=query)
    return api.get(f"{path}?{query}", headers=headers)


def test_the_child_pulls_a_signed_batch_without_what_may_not_leave(
        session: Session, api: TestClient, child: Ed25519PrivateKey, node: service.Node, world: World,
        tmp_path: Path) -> None:
    for item, values in (("trademark", {"registration_no": "TM-D", "mark": "渝", "nice_class": "35",
                                        "registered_date": "2020-01-02"}),
                         ("water", {"month": "2026-01", "month_end": "2026-01-31", "usage": "1",
                                    "amount_billed": "1", "amount_overdue": "0"})):
        creditdata_service.record_platform_fact(session, item_code=item, enterprise_id=world.good_enterprise,
                                                values=values, channel=Channel.NATIONAL if item == "trademark"
                                                else Channel.API_PUSH)
    # Only the trademark enters the feed: the water bill needs the firm's authorisation and never leaves the node.
    assert service.capture(session, node=node, topic=service.RECORD_TOPIC) == 1
    assert service.capture(session, node=node, topic=service.RECORD_TOPIC) == 0  # nothing new, nothing twice
    session.commit()
    # The firm lives at the child (its registry entry came from there): the way down to it.
    assert _post(api, _batch(child, topic=service.REGISTRY_TOPIC, entries=[_registration(1, GOOD)])).status_code \
        == 200
    key_path = tmp_path / "child.pem"
    key_path.write_bytes(policy.generate_private_key_pem())
    # The child signs its pull with its own key: write it where a Node reads it.
    from cryptography.hazmat.primitives import serialization
    key_path.write_bytes(child.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    child_node = service.Node(code=LOCAL, role=Role.LOCAL, name="南岸区", endpoint="http://nanan.test",
                              parent_code=PROVINCE, parent_url="http://province.test", parent_public_key=None,
                              key_path=key_path)
    path = "/api/v1/network/feeds/creditdata.record"
    response = _signed_get(api, child_node, path, "after=0&limit=10")
    assert response.status_code == 200, response.text
    envelope = response.json()
    body = envelope["body"]
    assert (body["sender"], body["receiver"], body["after"], body["last"]) == (PROVINCE, LOCAL, 0, 1)
    assert [e["item"] for e in body["entries"]] == ["trademark"]
    assert body["entries"][0]["payload"]["values"]["uscc"] == GOOD
    assert policy.verify(policy.public_key_b64(node.private_key()), policy.canonical(body), envelope["signature"])

    unsigned = api.get(f"{path}?after=0&limit=10")
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "network_bad_signature"
    stale = service.signed_headers(child_node, method="GET", path=path, query="after=0&limit=10")
    tampered = api.get(f"{path}?after=0&limit=11", headers=stale)  # the signature covers the query
    assert tampered.status_code == 401
    sent = session.scalar(select(func.count()).select_from(NetworkMessage).where(NetworkMessage.outcome == "served"))
    assert sent == 1 and len(_refused(session)) == 2

    # The admin stops trademarks going down: the entry is withheld, and the range still passes it.
    service.set_flow_rule(session, principal=world.principal(session, "admin"), rule_in=FlowRuleUpdate(
        topic=service.RECORD_TOPIC, direction="down", item="trademark", allowed=False))
    session.commit()
    withheld = _signed_get(api, child_node, path, "after=0&limit=10").json()["body"]
    assert (withheld["entries"], withheld["last"]) == ([], 1)


def test_the_directory_is_signed_verified_rolled_over_and_never_goes_back(
        session: Session, api: TestClient, child: Ed25519PrivateKey, node: service.Node, tmp_path: Path) -> None:
    published = service.publish_directory(session, node=node, actor=Actor.system("test"))
    session.commit()
    signed = SignedDirectory.model_validate(api.get("/api/v1/network/directory").json())
    assert signed.document == published.document
    # The child trusts the province's key as configured, and keeps the copy.
    parent_key = policy.public_key_b64(node.private_key())
    child_node = service.Node(code=LOCAL, role=Role.LOCAL, name="南岸区", endpoint="http://nanan.test",
                              parent_code=PROVINCE, parent_url="http://province.test", parent_public_key=parent_key,
                              key_path=tmp_path / "unused.pem")
    assert service.accept_directory(session, node=child_node, signed=signed).version == 1
    # Forged: a member added to the document after signing.
    forged_doc = json.loads(signed.document)
    forged_doc["version"] = 2
    forged_doc["members"][0]["status"] = "active"
    forged_doc["members"].append({**forged_doc["members"][0], "code": "500199"})
    forged = SignedDirectory(document=policy.canonical(forged_doc).decode(), signatures=signed.signatures)
    with pytest.raises(service.DirectoryRefused):
        service.accept_directory(session, node=child_node, signed=forged)

    # Rollover: the province's new key signs beside the old; the child learns it from the copy it trusts.
    service.keygen(node.key_path, rotate=True)
    rotated = service.publish_directory(session, node=node, actor=Actor.system("test"))
    assert len(rotated.signatures) == 2
    assert service.accept_directory(session, node=child_node, signed=SignedDirectory(
        document=rotated.document, signatures=rotated.signatures)).version == 2
    node.previous_key_path.unlink()  # the overlap is over: only the new key signs
    only_new = service.publish_directory(session, node=node, actor=Actor.system("test"))
    assert len(only_new.signatures) == 1
    configured_only = service.Node(**{**child_node.__dict__, "parent_public_key": None})
    assert service.accept_directory(session, node=configured_only, signed=SignedDirectory(
        document=only_new.document, signatures=only_new.signatures)).version == 3
    # An older version is refused: the last good copy stays.
    with pytest.raises(service.DirectoryRefused):
        service.accept_directory(session, node=child_node, signed=signed)
    assert service.parent_directory(session, node=child_node).version == 3  # type: ignore[union-attr]


def test_the_network_page_shows_the_node_its_rules_and_the_log(session: Session, api: TestClient,
                                                                child: Ed25519PrivateKey) -> None:
    _post(api, _batch(child, entries=[_copyright(1, "P1")]))
    _post(api, b"{broken")
    login(api, "admin")
    page = api.get("/admin/network")
    assert page.status_code == 200
    for text in ('data-testid="network-node"', PROVINCE, LOCAL, "network_malformed", 'data-testid="network-rules"'):
        assert text in page.text, text
    assert 'data-testid="network-log-intact">完整' in page.text
    refused = api.get("/admin/network?outcome=refused")
    assert "network_malformed" in refused.text and "applied" not in refused.text.split("network-messages")[1]
    messages = api.get("/api/v1/network/messages", params={"outcome": "refused"}).json()
    assert [m["error_code"] for m in messages] == ["network_malformed"]
    status = api.get("/api/v1/network/status").json()
    assert status["code"] == PROVINCE and status["cursors"][0]["position"] == 1 and status["log_intact"]


def test_the_network_page_reads_in_english(session: Session, api: TestClient, child: Ed25519PrivateKey) -> None:
    from tests.integration.foundation.test_english_pages import _left_in_chinese

    _post(api, _batch(child, entries=[_copyright(1, "E1")]))
    login(api, "admin")
    assert not _left_in_chinese(api, ["/admin/network"])


def test_on_a_single_deployment_the_network_jobs_do_nothing(session_factory: sessionmaker[Session],
                                                            session: Session, world: World) -> None:
    from xinyidai.network import jobs as network_jobs

    assert service.current_node() is None
    before = session.scalar(select(func.count()).select_from(NetworkMessage))
    network_jobs.capture(session_factory)
    network_jobs.refresh_directory(session_factory)
    network_jobs.pull_all(session_factory)
    network_jobs.pull(session_factory, peer=LOCAL, topic=service.RECORD_TOPIC)
    assert session.scalar(select(func.count()).select_from(NetworkMessage)) == before
    assert service.feed_heads(session) == {}


def test_the_jobs_capture_and_pull_once_configured(session_factory: sessionmaker[Session], session: Session,
                                                    child: Ed25519PrivateKey, node: service.Node,
                                                    world: World) -> None:
    from xinyidai.network import jobs as network_jobs

    creditdata_service.record_platform_fact(session, item_code="copyright", enterprise_id=world.good_enterprise,
                                            values={"registration_no": "J1", "title": "软件",
                                                    "registered_date": "2021-03-04"}, channel=Channel.BULK_IMPORT)
    session.commit()
    network_jobs.capture(session_factory)
    assert service.feed_heads(session)[service.RECORD_TOPIC] == 1
    assert service.feed_heads(session)[service.REGISTRY_TOPIC] == 4  # the fixture world's entities
    # The child's endpoint does not answer: the pull notes the error on its cursor and changes nothing else.
    network_jobs.pull(session_factory, peer=LOCAL, topic=service.RECORD_TOPIC)
    cursor = session.get(NetworkCursor, (LOCAL, service.RECORD_TOPIC), populate_existing=True)
    assert cursor is not None and cursor.position == 0 and cursor.last_error


def test_the_admin_re_syncs_a_topic_from_a_sequence_and_nothing_is_stored_twice(
        session: Session, api: TestClient, child: Ed25519PrivateKey) -> None:
    envelope = _batch(child, entries=[_copyright(1, "Z1"), _copyright(2, "Z2")])
    assert _post(api, envelope).status_code == 200
    login(api, "admin")
    token = page_csrf(api, "/admin/network")
    forward = api.post("/admin/network/resync", data={"peer": LOCAL, "topic": service.RECORD_TOPIC, "after": "5",
                                                      "csrf_token": token})
    assert forward.status_code == 409 and _cursor(session) == 2  # only back, never past what was applied
    back = api.post("/admin/network/resync", data={"peer": LOCAL, "topic": service.RECORD_TOPIC, "after": "0",
                                                   "csrf_token": token}, follow_redirects=False)
    assert back.status_code == 303 and _cursor(session) == 0
    again = _post(api, _batch(child, entries=[_copyright(1, "Z1"), _copyright(2, "Z2"), _copyright(3, "Z3")]))
    assert again.status_code == 200, again.text
    assert (again.json()["stored"], again.json()["duplicate"]) == (1, 2)
    assert len(_records(session, "copyright")) == 3 and _cursor(session) == 3


def test_personal_numbers_never_travel_in_clear(session: Session, node: service.Node, world: World) -> None:
    creditdata_service.record_platform_fact(session, item_code="equity_change", enterprise_id=world.good_enterprise,
                                            values={"change_date": "2025-05-06", "item": "股东变更",
                                                    "before": f"张三 {world.good_id_number} 13812341234",
                                                    "after": "李四"}, channel=Channel.BULK_IMPORT)
    service.capture(session, node=node, topic=service.RECORD_TOPIC)
    service.capture(session, node=node, topic=service.REGISTRY_TOPIC)
    from xinyidai.network.models import NetworkFeedEntry

    payloads = json.dumps([e.payload for e in session.scalars(select(NetworkFeedEntry))], ensure_ascii=False)
    assert world.good_id_number not in payloads and "13812341234" not in payloads
    assert "500108********" in payloads and "138****1234" in payloads


def test_a_sender_whose_feed_went_back_is_refused_until_re_synced(
        session: Session, api: TestClient, child: Ed25519PrivateKey, node: service.Node) -> None:
    assert _post(api, _batch(child, entries=[_copyright(1, "B1"), _copyright(2, "B2")])).status_code == 200
    restored = _batch(child, after=2, last=2, head=1)  # the child restored from a backup: its feed ends at 1
    response = _post(api, restored)
    assert response.status_code == 409 and "re-sync" in response.json()["message_en"]
    assert _cursor(session) == 2
    service.resync(session, actor=Actor.system("test"), node=node, peer_code=LOCAL, topic=service.RECORD_TOPIC,
                   after=1)
    session.commit()
    again = _post(api, _batch(child, after=1, entries=[_copyright(2, "B2-new")]))
    assert again.status_code == 200 and again.json()["stored"] == 1 and _cursor(session) == 2


def test_capture_takes_everything_new_a_page_at_a_time_and_nothing_twice(
        session_factory: sessionmaker[Session], session: Session, node: service.Node, world: World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "CAPTURE_PAGE", 2)
    for n in range(5):
        creditdata_service.record_platform_fact(session, item_code="copyright", enterprise_id=world.good_enterprise,
                                                values={"registration_no": f"C{n}", "title": "软件",
                                                        "registered_date": "2021-03-04"}, channel=Channel.API_PUSH)
    session.commit()
    # Five records, the world's four entities and its banks' two products.
    assert service.capture_all(session_factory, node=node) == 5 + 4 + 2
    assert service.capture_all(session_factory, node=node) == 0
    from xinyidai.network.models import NetworkFeedEntry

    sequences = list(session.scalars(select(NetworkFeedEntry.sequence).where(
        NetworkFeedEntry.topic == service.RECORD_TOPIC).order_by(NetworkFeedEntry.sequence)))
    assert sequences == [1, 2, 3, 4, 5]


def test_a_batch_stops_at_its_byte_budget_and_the_next_starts_where_it_stopped(
        session: Session, node: service.Node, world: World, child: Ed25519PrivateKey) -> None:
    for n in range(6):
        creditdata_service.record_platform_fact(session, item_code="copyright", enterprise_id=world.good_enterprise,
                                                values={"registration_no": f"BUDGET-{n}", "title": "软件",
                                                        "registered_date": "2021-03-04"}, channel=Channel.API_PUSH)
    service.capture(session, node=node, topic=service.RECORD_TOPIC)
    # The firm lives at the child (its registry entry came from there): its records go down to it.
    session.add(NetworkEnterprise(uscc=GOOD, home_node=LOCAL, name="企业", data={}, via_peer=LOCAL,
                                  received_at=clock.now()))
    session.flush()
    member, way = service.neighbour(session, node, LOCAL)

    def serve(at: service.Node, after: int) -> dict[str, Any]:
        return service.serve_batch(session, node=at, peer=member, way=way, topic=service.RECORD_TOPIC, after=after,
                                   limit=50)["body"]

    whole = serve(node, 0)
    entries = whole["entries"]
    assert len(entries) >= 6
    sizes = [len(policy.canonical(e)) for e in entries]
    # Half the byte bound is a batch's budget: three entries and a half.
    tight = dataclasses.replace(node, max_bytes=2 * (sum(sizes[:3]) + sizes[3] // 2))
    first = serve(tight, 0)
    assert first["entries"] == entries[:3] and first["last"] == entries[3]["seq"] - 1
    second = serve(tight, first["last"])
    assert second["entries"] == entries[3:6]
