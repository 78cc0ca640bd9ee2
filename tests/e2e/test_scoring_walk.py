"""The portal in a real browser: the platform admin finds last night's batch scoring run with its distribution and
PSI, and the model versions page, where the champion is retired after a confirmation.

The model is trained on a synthetic frame named after the platform's features, registered and promoted with the
CLI, and the batch is run with `xinyidai model batch-score` against the live server's database (see conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, _run_cli, _server_env
from tests.e2e.test_financing_walk import at, login, nav_to
from tests.integration.scoring.test_model_registry import _train
from xinyidai import clock

pytestmark = pytest.mark.e2e


def test_the_admin_sees_the_batch_run_and_the_model_versions(page: Page, server: LiveServer, tmp_path: Path) -> None:
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        model = _train(tmp_path / "model", seed=11)
    env = _server_env(server.database_url)
    _run_cli(["model", "register", "--model", str(model), "--as", "admin"], env=env, cwd=tmp_path)
    _run_cli(["model", "promote", "1", "--as", "admin"], env=env, cwd=tmp_path)
    _run_cli(["model", "batch-score"], env=env, cwd=tmp_path)

    login(page, "admin")
    page.goto("/admin/scoring/runs")
    nav_to(page, "评分批次")
    runs = page.get_by_test_id("scoring-runs")
    expect(runs).to_be_visible()
    expect(runs.locator("tbody tr")).to_have_count(1)
    expect(runs).to_contain_text("已完成")
    runs.locator("tbody tr a").first.click()
    expect(page).to_have_url(at(r"/admin/scoring/runs/\d+"))
    expect(page.get_by_test_id("run-scored")).not_to_have_text("0")
    expect(page.get_by_test_id("score-histogram").locator("meter")).not_to_have_count(0)
    expect(page.get_by_test_id("run-psi")).to_contain_text("对开发样本")
    expect(page.get_by_text("PSI ≥ 0.25")).to_be_visible()

    nav_to(page, "模型版本")
    expect(page).to_have_url(at("/admin/models"))
    version = page.get_by_test_id("model-1")
    expect(version).to_contain_text("冠军")
    version.get_by_role("link", name="退役").click()
    expect(page.get_by_text("这是当前冠军版本")).to_be_visible()
    page.get_by_test_id("confirm").click()
    expect(page).to_have_url(at(r"/admin/models\?done=retire"))
    expect(page.get_by_test_id("model-1")).to_contain_text("已退役")
