"""The model sandbox in a real browser: an enterprise authorises a bank's models, the bank's manager uploads a model
(a refused one first), runs it and reads the score, and the enterprise sees the computation on its access log.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import sandbox_onnx
from tests.e2e.test_financing_walk import at, login, logout

pytestmark = pytest.mark.e2e

BANK = "渝南城市商业银行南岸支行"
REF = "E2E-SANDBOX-01"
COMPUTED = "该机构的模型在平台内对您的数据进行了计算"


def _upload(page: Page, path: Path, name: str) -> None:
    page.goto("/sandbox")
    page.get_by_label("模型名称").fill(name)
    page.set_input_files("#file", str(path))
    page.get_by_label("所用特征").fill("tax_paid_12m, penalties_36m")
    page.get_by_label("分数输出名").fill("score")
    page.get_by_test_id("sandbox-upload-submit").click()


def test_a_bank_runs_its_model_on_an_authorising_enterprise_and_the_enterprise_sees_it(page: Page,
                                                                                      tmp_path: Path) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/sandbox/authorise")
    page.get_by_label("被授权机构").select_option(label=BANK)
    page.get_by_label("业务编号").fill(REF)
    for box in page.locator("input[name=categories]").all():
        box.check()
    page.get_by_test_id("model-run-authorise-submit").click()
    expect(page).to_have_url(at("/authorisations"))
    expect(page.get_by_test_id("authorisations")).to_contain_text("模型可用不可见计算")
    logout(page)

    login(page, "bank.manager")
    refused = tmp_path / "loop.onnx"
    refused.write_bytes(sandbox_onnx.with_operator("Loop"))
    _upload(page, refused, "含循环的模型")
    expect(page.get_by_test_id("model-status")).to_have_text("已拒收")
    expect(page.get_by_test_id("refusal-reason")).to_contain_text("不允许的算子“Loop”")
    expect(page.get_by_test_id("sandbox-run")).to_have_count(0)

    model = tmp_path / "linear.onnx"
    model.write_bytes(sandbox_onnx.linear([0.001, 1.0]))
    _upload(page, model, "小微评分卡")
    expect(page.get_by_test_id("model-status")).to_have_text("已通过校验")
    page.get_by_label("授权业务编号").fill(REF)
    page.get_by_test_id("sandbox-run-submit").click()
    expect(page).to_have_url(at(r"/sandbox/runs/\d+"))
    expect(page.get_by_test_id("run-status")).to_have_text("完成")
    expect(page.get_by_test_id("run-scores").locator("tbody tr")).to_have_count(1)
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file/access-log")
    row = page.get_by_test_id("access-log").locator("tbody tr").filter(has_text=COMPUTED)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(BANK)
    expect(row).to_contain_text(f"model_run:{REF}")
