"""The model sandbox in a real browser: an enterprise authorises a bank's models on 新增授权 (confirming the summary),
nine more of the district's entities have authorised it too (a run needs ten), the bank's manager uploads a model (a
refused one first), runs it and reads the scores, and the enterprise sees the computation on its access log.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import sandbox_onnx
from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import at, login, logout
from xinyidai import db
from xinyidai.consent import service as consent_service
from xinyidai.consent.policy import Purpose
from xinyidai.creditdata import service as creditdata_service
from xinyidai.identity.models import Organisation, User
from xinyidai.scoring.sandbox.service import MIN_ENTITIES

pytestmark = pytest.mark.e2e

BANK = "渝南城市商业银行南岸支行"
REF = "E2E-SANDBOX-01"
COMPUTED = "该机构的模型在平台内对您的数据进行了计算"


def _upload(page: Page, path: Path, name: str) -> None:
    page.goto("/sandbox")
    page.get_by_label("模型名称").fill(name)
    page.set_input_files("#file", str(path))
    page.get_by_label("所用特征").fill("tax_paid_12m, penalties_36m, penalties_12m")
    page.get_by_label("分数输出名").fill("score")
    page.get_by_test_id("sandbox-upload-submit").click()


def _others_authorise(server: LiveServer, count: int) -> None:
    """`count` other entities of the district authorise the bank's models under the reference, each by one of its
    own users, as each would on its own 新增授权 page."""
    database = db.Database(server.database_url)
    try:
        with database.session_factory() as session:
            bank = session.scalars(select(Organisation).where(Organisation.name == BANK)).one()
            categories = [c.code for c in creditdata_service.list_categories(session)]
            demo = session.scalars(select(User).where(User.username == "enterprise.demo")).one()
            granted: dict[int, int] = {}
            for user in session.scalars(select(User).join(Organisation).where(
                    Organisation.enterprise_id.is_not(None),
                    Organisation.enterprise_id != demo.organisation.enterprise_id).order_by(User.id)):
                granted.setdefault(user.organisation.enterprise_id or 0, user.id)
            assert len(granted) >= count
            for enterprise_id, user_id in list(granted.items())[:count]:
                consent_service.grant(session, enterprise_id=enterprise_id, granted_by_user_id=user_id,
                                      recipient_organisation_id=bank.id, purpose=Purpose.MODEL_RUN,
                                      purpose_ref=REF, categories=categories)
            session.commit()
    finally:
        database.engine.dispose()


def test_a_bank_runs_its_model_on_authorising_enterprises_and_the_enterprise_sees_it(page: Page, tmp_path: Path,
                                                                                    server: LiveServer) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/sandbox/authorise")  # the old address: the one grant form, model runs chosen
    expect(page).to_have_url(at(r"/authorisations/new\?purpose=model_run"))
    expect(page.locator("input[name=purpose][value=model_run]")).to_be_checked()
    page.get_by_label("被授权机构").select_option(label=f"{BANK}（银行）")
    page.get_by_label("机构提供的业务编号").fill(REF)
    for box in page.locator("input[name=categories]").all():
        box.check()
    page.locator("input[name=mode][value=periodic]").check()
    page.get_by_test_id("grant-preview").click()
    expect(page.get_by_test_id("grant-summary")).to_contain_text(f"机构业务编号：{REF}")
    page.get_by_test_id("grant-confirm").click()
    expect(page).to_have_url(at(r"/authorisations\?granted=\d+"))
    expect(page.get_by_test_id("authorisations")).to_contain_text("模型可用不可见计算")
    logout(page)
    _others_authorise(server, MIN_ENTITIES - 1)

    login(page, "bank.manager")
    refused = tmp_path / "loop.onnx"
    refused.write_bytes(sandbox_onnx.with_operator("Loop"))
    _upload(page, refused, "含循环的模型")
    expect(page.get_by_test_id("model-status")).to_have_text("已拒收")
    expect(page.get_by_test_id("refusal-reason")).to_contain_text("不允许的算子“Loop”")
    expect(page.get_by_test_id("sandbox-run")).to_have_count(0)

    model = tmp_path / "linear.onnx"
    model.write_bytes(sandbox_onnx.scorecard([0.0001, 1.0, 1.0], bias=-1.8))
    _upload(page, model, "小微评分卡")
    expect(page.get_by_test_id("model-status")).to_have_text("已通过校验")
    expect(page.get_by_test_id("run-rules")).to_contain_text(f"每次运行至少需要{MIN_ENTITIES}户")
    page.get_by_label("授权业务编号").fill(REF)
    page.get_by_test_id("sandbox-run-submit").click()
    expect(page).to_have_url(at(r"/sandbox/runs/\d+"))
    expect(page.get_by_test_id("run-status")).to_have_text("完成")
    expect(page.get_by_test_id("run-scores").locator("tbody tr").first).to_be_visible()
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file/access-log")
    row = page.get_by_test_id("access-log").locator("tbody tr").filter(has_text=COMPUTED)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(BANK)
    expect(row).to_contain_text(f"模型可用不可见计算 {REF}")
