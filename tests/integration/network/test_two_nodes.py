"""Two real nodes over HTTP: the provincial node 500000 and the local node 500108, each a uvicorn process on
127.0.0.1 with its own SQLite file and signing key, exchanging by `xinyidai network sync` (capture, directory, pulls).

Up: the local node's registrations and public records reach the province once, with provenance; what needs the
firm's authorisation stays home. Down: a national record reaches the local node once, with its channel, and does not
come back. A sender down during a sync changes nothing and is caught up after; a removed member is refused and
logged. Batches are kept small so that every exchange takes several."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.conftest import uscc
from tests.integration.network.nodes import NodeProcess, free_port, node_database, seed
from xinyidai import db
from xinyidai.audit.actor import Actor
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import ImportBatch
from xinyidai.network import policy, service
from xinyidai.network.models import NetworkCursor, NetworkEnterprise, NetworkMessage
from xinyidai.network.policy import MemberStatus, Role
from xinyidai.registry import service as registry_service
from xinyidai.registry.models import Enterprise

FIRM = uscc("MA0000001")
OTHER = uscc("MA0000002")


def _fact(node: NodeProcess, item: str, values: dict[str, str], channel: Channel, firm: str = FIRM) -> None:
    with db.transaction(node.database.session_factory) as session:
        enterprise = registry_service.get_by_uscc(session, uscc=firm)
        assert enterprise is not None
        creditdata_service.record_platform_fact(session, item_code=item, enterprise_id=enterprise.id, values=values,
                                                channel=channel)


def _copyright(number: str) -> dict[str, str]:
    return {"registration_no": number, "title": "管理软件", "registered_date": "2021-03-04"}


WATER = {"month": "2026-01", "month_end": "2026-01-31", "usage": "12.5", "amount_billed": "30",
         "amount_overdue": "0"}


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """The province and one local node, seeded, the province signing the local node into its directory."""
    province = NodeProcess("500000", Role.PROVINCIAL, tmp_path / "province", free_port())
    local = NodeProcess("500108", Role.LOCAL, tmp_path / "local", free_port(), parent=province)
    for node in (province, local):
        node.workdir.mkdir()
    # The firms are registered at the local node only: the province learns them from its registry feed.
    seed(province, [])
    seed(local, [(FIRM, "19800101"), (OTHER, "19810202")])
    with db.transaction(province.database.session_factory) as session:
        service.set_member(session, actor=Actor.system("test"), node=province.node(), code=local.code,
                           role=Role.LOCAL, name="南岸区", endpoint=local.endpoint,
                           public_key=policy.public_key_b64(policy.load_private_key(local.key_path.read_bytes())))
        service.publish_directory(session, node=province.node(), actor=Actor.system("test"))
    for node in (province, local):
        node.start()
    try:
        yield province, local
    finally:
        for node in (province, local):
            node.stop()
            node.database.engine.dispose()
            node_database(node.code, node.workdir, create=False)


def test_two_nodes_exchange_up_and_down_once_and_refuse_a_removed_member(
        network: tuple[NodeProcess, NodeProcess]) -> None:
    province, local = network
    for n in range(5):
        _fact(local, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    _fact(local, "water", WATER, Channel.API_PUSH)  # needs the firm's authorisation: never leaves

    out = local.cli("network", "sync")  # captures its feeds, fetches and verifies the province's directory
    assert "500000 creditdata.record" in out, out
    out = province.cli("network", "sync")  # pulls the local node's registrations and records
    assert "500108 creditdata.record: 3 batches" in out, out
    assert province.count("copyright", Channel.BULK_IMPORT) == 5 and province.count("water") == 0
    with db.transaction(province.database.session_factory) as session:
        homes = dict(session.execute(select(NetworkEnterprise.uscc, NetworkEnterprise.home_node)).all())
        assert homes == {FIRM: "500108", OTHER: "500108"}
        held = {e.uscc: e.home_node for e in session.scalars(select(Enterprise))}
        assert held == {FIRM: "500108", OTHER: "500108"}  # in the provincial registry, with their home
        origins = set(session.scalars(select(ImportBatch.file_name).where(ImportBatch.channel == "bulk_import")))
        assert origins and all(o and o.startswith("network/500108/creditdata.record/") for o in origins)
        cursor = session.get(NetworkCursor, ("500108", service.RECORD_TOPIC))
        assert cursor is not None and cursor.position == cursor.peer_head == 5  # the water bill is not in the feed
    with db.transaction(local.database.session_factory) as session:
        assert service.parent_directory(session, node=local.node()) is not None

    # Nothing twice: another sync on both sides adds nothing.
    local.sync()
    again = province.sync()
    assert all(p.entries == 0 and p.error is None for p in again), again
    assert province.count("copyright") == 5

    # Down: a national record at the province reaches the firm's node once, and does not come back.
    _fact(province, "trademark", {"registration_no": "TM-1", "mark": "渝商", "nice_class": "35",
                                  "registered_date": "2020-01-02"}, Channel.NATIONAL)
    province.sync()
    local.sync()
    local.sync()
    assert local.count("trademark", Channel.NATIONAL) == 1
    province.sync()
    assert province.count("trademark") == 1

    # The sender down in the middle: the sync fails, changes nothing; after its restart everything arrives once.
    for n in range(5, 8):
        _fact(local, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    local.sync()
    local.stop()
    assert all(p.error for p in province.sync())
    assert province.count("copyright") == 5
    local.start()
    province.sync()
    assert province.count("copyright") == 8

    # The receiver killed in the middle of a sync (SIGKILL: no clean-up): run again, it resumes from its cursor, every
    # record once. Batches of two make the sync long enough to be cut; if the machine is fast, the counts must
    # match all the same.
    for n in range(8, 40):
        _fact(local, "copyright", _copyright(f"2021SR{n:04d}"), Channel.BULK_IMPORT)
    local.sync()
    killed = subprocess.Popen([sys.executable, "-m", "xinyidai.cli", "network", "sync"], env=province.env(),
                              cwd=province.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)
    killed.kill()
    killed.wait(timeout=15)
    province.sync()
    assert province.count("copyright") == 40
    with db.transaction(province.database.session_factory) as session:
        cursor = session.get(NetworkCursor, ("500108", service.RECORD_TOPIC))
        assert cursor is not None and cursor.position == cursor.peer_head

    # A removed member is refused from its next exchange, and the refusal is logged.
    with db.transaction(province.database.session_factory) as session:
        service.set_member_status(session, actor=Actor.system("test"), code=local.code, status=MemberStatus.REMOVED)
    errors = [p.error or "" for p in local.sync()]
    assert errors and all("network_sender_not_active" in e for e in errors), errors
    with db.transaction(province.database.session_factory) as session:
        refused = session.scalars(select(NetworkMessage.error_code).where(NetworkMessage.outcome == "refused")).all()
        assert "network_sender_not_active" in refused
        assert service.verify_log(session) is None
