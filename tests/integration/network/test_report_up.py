"""Monthly reports sent up the network (月报上报), with two real nodes over HTTP: the provincial node 500000 and its
child, the district node 500108.

The district archives October's report; after a sync the province holds it as a received report of that node and
month, its figures and checksum identical; the district regenerates it and the province's row is replaced (revision
2), nothing duplicated; the province's own report never goes down to the district."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.conftest import uscc
from tests.integration.network.nodes import NodeProcess, free_port, node_database, seed
from xinyidai import db
from xinyidai.audit.actor import Actor
from xinyidai.network import policy, service
from xinyidai.network.models import NetworkFlowRule
from xinyidai.network.policy import Direction
from xinyidai.network.policy import Role as NodeRole
from xinyidai.network.reports_policy import REPORT_TOPIC
from xinyidai.reporting import service as reporting_service

FIRM = uscc("MA0000001")
ACTOR = Actor.system("test")


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """The province and the district below it, each with a firm, the district a member the province signs for."""
    province = NodeProcess("500000", NodeRole.PROVINCIAL, tmp_path / "province", free_port())
    local = NodeProcess("500108", NodeRole.LOCAL, tmp_path / "local", free_port(), parent=province)
    for node in (province, local):
        node.workdir.mkdir()
        seed(node, [(FIRM, "19800101")])
    with db.transaction(province.database.session_factory) as session:
        service.set_member(session, actor=ACTOR, node=province.node(), code=local.code, role=NodeRole.LOCAL,
                           name="南岸区", endpoint=local.endpoint,
                           public_key=policy.public_key_b64(policy.load_private_key(local.key_path.read_bytes())))
        service.publish_directory(session, node=province.node(), actor=ACTOR)
    for node in (province, local):
        node.start()
    try:
        yield province, local
    finally:
        for node in (province, local):
            node.stop()
            node.database.engine.dispose()
            node_database(node.code, node.workdir, create=False)


def _generate(node: NodeProcess, month: str) -> tuple[dict[str, Any], str, int]:
    with db.transaction(node.database.session_factory) as session:
        report = reporting_service.generate_monthly_report(session, month=month, actor=ACTOR)
        return report.figures, report.figures_sha256, report.generations


def _received(node: NodeProcess) -> list[tuple[str, str, str, dict[str, Any], str, int, int]]:
    with db.transaction(node.database.session_factory) as session:
        return [(r.node_code, r.node_name, r.month, r.figures, r.figures_sha256, r.generation, r.revisions)
                for r in reporting_service.list_received_reports(session)]


def _checksum(figures: dict[str, Any]) -> str:
    """Worked out here: SHA-256 of the figures as canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def test_the_district_s_monthly_report_goes_up_to_the_province_and_a_regeneration_replaces_it(
        network: tuple[NodeProcess, NodeProcess]) -> None:
    province, local = network
    with db.transaction(province.database.session_factory) as session:
        rules = {(r.topic, r.direction): r.allowed for r in session.scalars(
            select(NetworkFlowRule).where(NetworkFlowRule.topic == REPORT_TOPIC))}
    assert rules == {(REPORT_TOPIC, "up"): True, (REPORT_TOPIC, "down"): False}

    figures, digest, generation = _generate(local, "2026-10")
    assert generation == 1 and digest == _checksum(figures)
    _generate(province, "2026-10")  # the province's own report: it never goes down
    local.sync()  # the district fetches the province's directory (and captures its report)
    province.sync()
    local.sync()

    assert _received(province) == [(local.code, "南岸区", "2026-10", figures, digest, 1, 1)]
    assert _received(local) == []

    # Regenerated at the district: the province's row is replaced, its revision counted; nothing twice.
    again, again_digest, generation = _generate(local, "2026-10")
    assert generation == 2 and again_digest == _checksum(again)
    for _ in range(2):
        local.sync()
        province.sync()
    assert _received(province) == [(local.code, "南岸区", "2026-10", again, again_digest, 2, 2)]
    assert _received(local) == []

    # The province's feed holds its own report, yet nothing of it is served down to the district.
    with db.transaction(province.database.session_factory) as session:
        assert service.feed_heads(session)[REPORT_TOPIC] == 1
        member, way = service.neighbour(session, province.node(), local.code)
        assert way is Direction.DOWN
        batch = service.serve_batch(session, node=province.node(), peer=member, way=way, topic=REPORT_TOPIC,
                                    after=0, limit=10)
        assert batch["body"]["last"] == 1 and batch["body"]["entries"] == []
        assert service.verify_log(session) is None
