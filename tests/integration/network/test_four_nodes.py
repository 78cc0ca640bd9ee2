"""The network of four: the national node 100000, the provincial node 500000 and the local nodes 500108 (A) and
500112 (B), each a uvicorn process with its own database (PostgreSQL when the suite runs on it) and its own key,
the directory signed down the tree, exchanging over HTTP by the same sync the scheduled jobs run.

Up: A's registrations reach the province and the nation, which then hold the firm with its home; A's public records
go up, what needs the firm's authorisation never leaves A. Down: a record delivered at the nation reaches A's credit
file once, with its provenance, and not B. A's server killed in the middle of the province's pull, and A's own sync
killed in the middle of its pull, both end with equal counts and nothing twice. A forged batch, a replayed batch and
a batch from a removed member are refused at the province and logged. One login: the firm's user, registered by real
name at A, signs in at B through the province's identity provider. One bank service: the bank connected at the
province serves a product that reaches A; the firm files an order at A; the bank approves it at the province; the
firm sees the approval at A."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, id_number, uscc
from tests.integration.network.nodes import NodeProcess, free_port, node_database, seed
from xinyidai import clock, db
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.enums import Role as UserRole
from xinyidai.auth.principal import Principal
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord, ImportBatch
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import User
from xinyidai.identity.schemas import EnterpriseRegistrationCreate, OrganisationCreate, UserCreate
from xinyidai.network import banking, policy, service
from xinyidai.network.models import NetworkCursor, NetworkMessage
from xinyidai.network.policy import MemberStatus, Role
from xinyidai.orders import service as orders_service
from xinyidai.orders.policy import OrderStatus
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.schemas import ProductCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.models import Enterprise

FIRM_A = uscc("MA0000001")
FIRM_B = uscc("MA0000002")
BANK = uscc("MA0000009")
FIRM_PASSWORD = "Firm-pass-2026x"
SIGNON = {"XINYIDAI_NETWORK_SIGNON_ENABLED": "true"}


@pytest.fixture
def network(tmp_path: Path) -> Iterator[dict[str, NodeProcess]]:
    """Four nodes, seeded; each parent signs its children into its directory."""
    nation = NodeProcess("100000", Role.NATIONAL, tmp_path / "nation", free_port())
    province = NodeProcess("500000", Role.PROVINCIAL, tmp_path / "province", free_port(), parent=nation,
                           extra_env=SIGNON)
    a = NodeProcess("500108", Role.LOCAL, tmp_path / "a", free_port(), parent=province, extra_env=SIGNON)
    b = NodeProcess("500112", Role.LOCAL, tmp_path / "b", free_port(), parent=province, extra_env=SIGNON)
    nodes = {"nation": nation, "province": province, "a": a, "b": b}
    for node in nodes.values():
        node.workdir.mkdir()
    # Keys first: a child's settings carry its parent's public key.
    seed(nation, [])
    seed(province, [])
    seed(a, [(FIRM_A, "19800101")])
    seed(b, [(FIRM_B, "19810202")])
    with db.transaction(a.database.session_factory) as session:  # the firm's user, by real name at A
        identity_service.register_enterprise_user(session, registration_in=EnterpriseRegistrationCreate(
            uscc=FIRM_A, legal_rep_name="张三", id_number=id_number("19800101"), username="firm_a",
            display_name="张经理", password=FIRM_PASSWORD))
    with db.transaction(province.database.session_factory) as session:  # the bank, connected at the province
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="重庆某银行", kind=OrgKind.BANK, uscc=BANK))
        for username, roles in (("officer", [UserRole.BANK_LOAN_OFFICER]), ("manager", [UserRole.BANK_MANAGER])):
            identity_service.create_user(session, user_in=UserCreate(
                organisation_id=bank.id, username=username, display_name=username, password=PASSWORD,
                roles=roles))
        manager = _principal(session, "manager")
        product = products_service.create(session, principal=manager, product_in=ProductCreate(
            code="SHENGXINDAI", name="省信贷", min_rate=Decimal("0.035"), max_rate=Decimal("0.08"),
            guarantee_fee_rate=Decimal("0.01"), min_amount_fen=1_000_000, max_line_fen=100_000_000,
            repayment_methods=list(RepaymentMethod), term_options=[6, 12, 24]))
        products_service.publish(session, principal=manager, product_id=product.id)
    for parent, children in ((nation, [province]), (province, [a, b])):
        with db.transaction(parent.database.session_factory) as session:
            for child in children:
                service.set_member(session, actor=Actor.system("test"), node=parent.node(), code=child.code,
                                   role=child.role, name=f"节点{child.code}", endpoint=child.endpoint,
                                   public_key=policy.public_key_b64(policy.load_private_key(
                                       child.key_path.read_bytes())))
            service.publish_directory(session, node=parent.node(), actor=Actor.system("test"))
    for node in nodes.values():
        node.start()
    try:
        yield nodes
    finally:
        for node in nodes.values():
            node.stop()
            node.database.engine.dispose()
            node_database(node.code, node.workdir, create=False)


def _principal(session: Session, username: str) -> Principal:
    [user] = [u for u in identity_service.list_users(session) if u.username == username]
    return identity_service.principal_for_user(user)


def _fact(node: NodeProcess, item: str, values: dict[str, str], channel: Channel, firm: str = FIRM_A) -> None:
    with db.transaction(node.database.session_factory) as session:
        enterprise = registry_service.get_by_uscc(session, uscc=firm)
        assert enterprise is not None, f"{firm} unknown at {node.code}"
        creditdata_service.record_platform_fact(session, item_code=item, enterprise_id=enterprise.id, values=values,
                                                channel=channel)


def _copyright(number: str) -> dict[str, str]:
    return {"registration_no": number, "title": "管理软件", "registered_date": "2021-03-04"}


def _trademark(number: str) -> dict[str, str]:
    return {"registration_no": number, "mark": "渝商", "nice_class": "35", "registered_date": "2020-01-02"}


WATER = {"month": "2026-01", "month_end": "2026-01-31", "usage": "12.5", "amount_billed": "30",
         "amount_overdue": "0"}
ARREARS = {"tax_kind": "增值税", "amount": "3500.00", "announced_date": "2026-09-01"}


def _sync(*nodes: NodeProcess) -> None:
    for node in nodes:
        results = node.sync()
        assert all(p.error is None and not p.refused for p in results), (node.code, results)


def _homes(node: NodeProcess) -> dict[str, str | None]:
    with db.transaction(node.database.session_factory) as session:
        return {e.uscc: e.home_node for e in session.scalars(select(Enterprise))}


def _caught_up(node: NodeProcess) -> bool:
    with db.transaction(node.database.session_factory) as session:
        return all(c.position == c.peer_head for c in session.scalars(select(NetworkCursor)))


def _batch_from(node: NodeProcess, receiver: str, *, after: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch signed with `node`'s own key, as its server would serve it."""
    key = policy.load_private_key(node.key_path.read_bytes())
    body = {"protocol": 1, "sender": node.code, "receiver": receiver, "topic": service.RECORD_TOPIC,
            "after": after, "last": after + len(entries), "head": after + len(entries),
            "created_at": policy.iso(clock.now()), "key_id": policy.key_id(policy.public_key_b64(key)),
            "entries": entries}
    return {"body": body, "signature": policy.sign(key, policy.canonical(body))}


def _post(node: NodeProcess, envelope: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{node.endpoint}/api/v1/network/batches", content=json.dumps(envelope).encode(),
                      headers={"Content-Type": "application/json"}, timeout=30)


def test_four_nodes_exchange_up_and_down_survive_kills_and_refuse_forgery_replay_and_removal(
        network: dict[str, NodeProcess]) -> None:
    nation, province, a, b = network["nation"], network["province"], network["a"], network["b"]

    # Up: registrations and public records climb to the nation; the water bill (authorisation) stays at A.
    for n in range(3):
        _fact(a, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    _fact(a, "water", WATER, Channel.API_PUSH)
    _sync(a, b, province, nation)
    assert _homes(province) == {FIRM_A: "500108", FIRM_B: "500112"}
    assert _homes(nation) == {FIRM_A: "500108", FIRM_B: "500112"}
    for upper in (province, nation):
        assert upper.count("copyright", Channel.BULK_IMPORT) == 3 and upper.count("water") == 0

    # Down: the nation's record about A's firm reaches A's credit file once, with its provenance; B never sees it.
    _fact(nation, "tax_arrears", ARREARS, Channel.NATIONAL)
    _sync(nation, province, a, b)
    _sync(a, b, province, nation, province, a, b)  # another round everywhere: nothing new, nothing back up
    assert a.count("tax_arrears", Channel.NATIONAL) == 1 and b.count("tax_arrears") == 0
    assert nation.count("tax_arrears") == 1 and province.count("tax_arrears") == 1
    assert a.count("copyright") == 3 and province.count("copyright") == 3 and nation.count("copyright") == 3
    with db.transaction(a.database.session_factory) as session:
        enterprise = registry_service.get_by_uscc(session, uscc=FIRM_A)
        assert enterprise is not None
        [entry] = [e for s in creditdata_service.credit_file(session, enterprise_id=enterprise.id)
                   for e in s.entries if e.item.code == "tax_arrears"]
        [record] = entry.current
        assert record.channel == Channel.NATIONAL and record.data["tax_kind"] == "增值税"
        origin = session.scalar(select(ImportBatch.file_name)
                                .join(CreditRecord, CreditRecord.batch_id == ImportBatch.id)
                                .where(CreditRecord.id == record.id))
        assert origin is not None and origin.startswith("network/500000/creditdata.record/"), origin

    # A's server killed (no clean-up) while the province pulls its new records; restarted, the province catches up.
    for n in range(3, 43):
        _fact(a, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    _sync(a)  # captured into A's feed
    puller = subprocess.Popen([sys.executable, "-m", "xinyidai.cli", "network", "sync"], env=province.env(),
                              cwd=province.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    assert a.process is not None
    a.process.send_signal(signal.SIGKILL)
    a.process.wait(timeout=15)
    puller.wait(timeout=120)
    a.start()
    _sync(province)
    assert province.count("copyright") == 43 and _caught_up(province)

    # A's own sync killed in the middle of pulling the nation's records down; run again, every record once.
    for n in range(30):
        _fact(nation, "trademark", _trademark(f"TM-{n:03d}"), Channel.NATIONAL)
    _sync(nation, province)
    killed = subprocess.Popen([sys.executable, "-m", "xinyidai.cli", "network", "sync"], env=a.env(), cwd=a.workdir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    killed.kill()
    killed.wait(timeout=15)
    _sync(a)
    assert a.count("trademark", Channel.NATIONAL) == 30 and _caught_up(a) and b.count("trademark") == 0

    # One login: the firm's user of A signs in at B through the province (which asks A to check the password).
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(b.endpoint + "/sso/login")
        assert page.url.port == province.port and page.url.path == "/oidc/authorize"
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        landed = browser.post(str(page.url.copy_with(query=None)), data={
            **fields, "home_node": a.code, "username": "firm_a", "password": FIRM_PASSWORD})
        assert landed.status_code == 200 and landed.url.port == b.port and "张经理" in landed.text
    with db.transaction(b.database.session_factory) as session:
        assert session.scalars(select(User).where(User.username == "firm_a@500108")).one_or_none() is not None

    # One bank service: the bank's product reaches A; the firm files there; the bank approves at the province; the
    # firm sees it at A. (The commits' own relay jobs push at once; here the sync, their safety net, carries it.)
    _sync(province, a)
    with db.transaction(a.database.session_factory) as session:
        [product] = [p for p in products_service.list_published(session) if p.code == "SHENGXINDAI"]
        assert product.served_by_node == province.code
        order = orders_service.apply(session, principal=_principal(session, "firm_a"), order_in=OrderCreate(
            product_id=product.id, amount_fen=50_000_000, term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
        order_id, order_no = order.id, order.order_no
    banking.relay(a.database.session_factory, node=a.node())
    _sync(province)
    with db.transaction(province.database.session_factory) as session:
        officer = _principal(session, "officer")
        [relayed] = orders_service.list_for(session, principal=officer)
        assert relayed.order_no == order_no and relayed.origin_node == a.code
        orders_service.accept(session, principal=officer, order=relayed)
        orders_service.propose(session, principal=officer, order=relayed, proposal_in=OrderPropose(
            line_fen=40_000_000, annual_rate=Decimal("0.045"), term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, note="内部建议"))
        orders_service.approve(session, principal=_principal(session, "manager"), order=relayed,
                               decision_in=OrderApprove())
    _sync(province, a)
    with db.transaction(a.database.session_factory) as session:
        firm = _principal(session, "firm_a")
        mine = orders_service.to_read(session, orders_service.get_for(session, principal=firm, order_id=order_id))
        assert mine.status == OrderStatus.APPROVED and mine.approved_line_fen == 40_000_000
        banks = {o.id for o in identity_service.list_organisations(session, kind=OrgKind.BANK)}
        assert not [u for u in identity_service.list_users(session) if u.organisation_id in banks]

    # At the province: a forged batch, a replayed one, and one from a removed member are refused and logged.
    with db.transaction(province.database.session_factory) as session:
        cursor = session.get(NetworkCursor, ("500108", service.RECORD_TOPIC))
        assert cursor is not None
        after = cursor.position
    entry = {"seq": after + 1, "item": "copyright", "payload": {
        "item": "copyright", "channel": "bulk_import", "path": ["500108"],
        "values": {"uscc": FIRM_A, **_copyright("2021SR9999")}}}
    good = _batch_from(a, province.code, after=after, entries=[entry])
    forged = json.loads(json.dumps(good))
    forged["body"]["entries"][0]["payload"]["values"]["title"] = "篡改"
    assert _post(province, forged).status_code == 401
    assert _post(province, good).status_code == 200
    assert _post(province, good).status_code == 409  # the same batch again
    with db.transaction(province.database.session_factory) as session:
        service.set_member_status(session, actor=Actor.system("test"), code=b.code, status=MemberStatus.REMOVED)
    errors = [p.error or "" for p in b.sync()]
    assert errors and all("network_sender_not_active" in e for e in errors), errors
    assert province.count("copyright") == 44  # the good batch, once
    with db.transaction(province.database.session_factory) as session:
        refused = session.scalars(select(NetworkMessage.error_code).where(NetworkMessage.outcome == "refused")).all()
        assert {"network_bad_signature", "network_replay", "network_sender_not_active"} <= set(refused)
        assert service.verify_log(session) is None
        held = session.scalar(select(func.count()).select_from(CreditRecord))
    assert held == 44 + 1 + 30  # copyrights, the nation's arrears and trademarks: each once
