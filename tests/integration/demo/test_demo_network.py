"""`xinyidai demo network`: four nodes built from nothing, served, synced once up and down; the province and the
nation then hold the districts' firms with their homes and the records that may travel, and nothing that may not;
the bank connected at the province serves both districts; the districts' login pages offer the one login."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.integration.network.nodes import free_ports
from xinyidai.demo import network as demo_network


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_the_demo_network_builds_serves_and_syncs_four_nodes(tmp_path: Path) -> None:
    layout = demo_network.Layout(root=tmp_path / "network", base_port=free_ports(len(demo_network.NODES)))
    said: list[str] = []
    demo_network.build(layout, enterprises=12, seed=7, say=said.append)
    with pytest.raises(demo_network.StepFailed, match="not empty"):
        demo_network.build(layout, enterprises=12, seed=7, say=said.append)  # never over a built network
    with demo_network.serving(layout):
        demo_network.first_sync(layout, say=said.append)
        for node in demo_network.NODES:
            assert httpx.get(f"{layout.endpoint(node)}/healthz", timeout=10).status_code == 200
            assert "admin" in (layout.folder(node) / "logins.txt").read_text(encoding="utf-8")
            if node.role.value == "local":  # one login across the network, through the province
                assert "统一身份认证登录" in httpx.get(f"{layout.endpoint(node)}/login", timeout=10).text
    db = {node.code: layout.folder(node) / "node.db" for node in demo_network.NODES}
    homes = {code: dict(_rows(path, "SELECT uscc, home_node FROM enterprise")) for code, path in db.items()}
    # Each district holds its own twelve firms, registered there; their division codes are the district's.
    for district in ("500108", "500112"):
        assert len(homes[district]) == 12 and set(homes[district].values()) == {None}
        assert {uscc[2:8] for uscc in homes[district]} == {district}
    # The province and the nation hold all twenty-four, each with its home.
    expected = {uscc: code for code in ("500108", "500112") for uscc in homes[code]}
    assert homes["500000"] == expected and homes["100000"] == expected
    # The bank connected at the province serves the districts: its product reached both, marked as served there.
    for district in ("500108", "500112"):
        assert _rows(db[district], "SELECT code FROM product WHERE served_by_node = '500000'") == [("YUHUIDAI",)]
    assert "bank.officer" in (layout.folder(demo_network.by_code("500000")) / "logins.txt").read_text("utf-8")
    public = "SELECT count(*) FROM credit_record r JOIN catalogue_item i ON i.id = r.catalogue_item_id WHERE "
    for upper in ("500000", "100000"):
        assert _rows(db[upper], public + "i.sensitivity = 'public'")[0][0] > 0
        assert _rows(db[upper], public + "i.sensitivity <> 'public'")[0][0] == 0  # authorisation: never travels
