"""The portal in a real browser: an institution applies to connect, the platform admin assesses and approves it,
the institution's admin signs the usage commitment and issues an API client, the admin suspends the institution
and the institution's next page and its earlier token are refused.

Runs against the demo district served by `xinyidai serve`; see conftest.py. The demo's platform admin is `admin`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import at, login
from xinyidai.registry.codes import uscc_check_char

pytestmark = pytest.mark.e2e

FIRST17 = "91500108MA0BK0E2E"
USCC = FIRST17 + uscc_check_char(FIRST17)
NAME = "重庆戊村镇银行"
REASON = "发现超出授权范围查询，暂停核查"


def test_an_institution_is_onboarded_issues_a_client_and_is_cut_off_when_suspended(
        page: Page, browser: Any, server: LiveServer) -> None:
    # The institution applies from the login page's link.
    page.goto("/login")
    page.get_by_role("link", name="金融机构入驻申请").click()
    expect(page).to_have_url(at("/institutions/apply"))
    page.get_by_label("机构名称").fill(NAME)
    page.get_by_label("统一社会信用代码").fill(USCC)
    page.get_by_label("机构类型").select_option(label="银行")
    page.get_by_label("许可证编号").fill("S0012H350010001")
    page.get_by_label("联系人", exact=True).fill("孙八")
    page.get_by_label("联系人手机").fill("13712345678")
    page.get_by_label("信用信息查询（信易查）").check()
    page.get_by_label("发布金融产品、在线受理融资需求").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"JR\d{8}[0-9A-F]{10}", reference)
    page.get_by_role("link", name="查询申请进度").click()
    expect(page.get_by_test_id("application-status")).to_have_text("已提交，待受理")

    # The platform admin, in another browser, assesses every checklist item and approves.
    admin_context = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    admin_context.set_default_timeout(10_000)
    admin = admin_context.new_page()
    try:
        login(admin, "admin")
        admin.goto("/admin/organisations")
        admin.get_by_test_id("onboarding-link").click()
        row = admin.get_by_test_id("applications").get_by_role("row").filter(has_text=reference)
        expect(row).to_contain_text("137****5678")
        expect(admin.get_by_text("13712345678")).to_have_count(0)
        admin.get_by_test_id(f"review-{reference}").click()
        admin.get_by_test_id("start-assessment").click()
        expect(admin.get_by_test_id("application-status")).to_have_text("安全评估中")
        items = ["mlps_level3", "data_security_system", "personnel_confidentiality", "network_isolation",
                 "incident_response", "retention_deletion", "audit_logging"]
        for code in items:
            item = admin.get_by_test_id(f"item-{code}")
            item.get_by_placeholder("评估说明").fill("材料齐全，现场核验一致")
            item.get_by_placeholder("证明材料编号").fill(f"SA-E2E-{code}")
            admin.get_by_test_id(f"record-{code}").click()
            expect(admin.get_by_test_id(f"verdict-{code}")).to_contain_text("通过")
        admin.get_by_label("机构管理员用户名").fill("wu.bank.admin")
        admin.get_by_test_id("approve").click()
        expect(admin.get_by_test_id("approval")).to_be_visible()
        password = admin.get_by_test_id("initial-password").inner_text().strip()
        expect(admin.get_by_test_id("application-status")).to_have_text("已接入")

        # The institution's admin logs in with the password the operator saw, and must replace it first.
        login(page, "wu.bank.admin", password, home="/account/password")
        expect(page.get_by_test_id("must-change-password")).to_be_visible()
        page.get_by_label("当前密码").fill(password)
        page.get_by_label("新密码", exact=True).fill("Wuhang8Credit2go")
        page.get_by_label("确认新密码").fill("Wuhang8Credit2go")
        page.get_by_role("button", name="修改密码").click()
        expect(page.get_by_test_id("password-changed")).to_be_visible()
        # Then signs the commitment and issues an API client.
        page.goto("/institution")
        expect(page.get_by_test_id("clients-locked")).to_be_visible()
        expect(page.get_by_test_id("commitment-text")).to_contain_text("不以任何方式向第三方提供")
        page.get_by_label("本人已阅读并代表本机构同意以上承诺").check()
        page.get_by_test_id("sign").click()
        expect(page.get_by_role("status")).to_have_text("承诺书已签署")
        expect(page.get_by_test_id("commitment-signed")).to_contain_text("孙八")
        page.get_by_label("接口名称").fill("戊行信贷系统")
        page.get_by_label("银行客户经理").check()
        page.get_by_test_id("issue-client").click()
        client_id = page.get_by_test_id("client-id").inner_text().strip()
        secret = page.get_by_test_id("client-secret").inner_text().strip()
        expect(page.get_by_test_id("clients")).to_contain_text(client_id)
        token = page.request.post("/api/v1/oauth/token", form={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
        assert token.status == 200
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert page.request.get("/api/v1/me", headers=bearer).json()["roles"] == ["bank_loan_officer"]

        # The admin suspends; the organisations page links the institution to its application.
        admin.reload()
        admin.get_by_label("暂停接入的原因").fill(REASON)
        admin.get_by_test_id("suspend").click()
        expect(admin.get_by_test_id("application-status")).to_have_text("已暂停接入")
        expect(admin.get_by_test_id("suspension-reason")).to_contain_text(REASON)
    finally:
        admin_context.close()

    # The institution's very next page and its token issued before are refused.
    page.reload()
    expect(page.get_by_text("已被平台暂停接入")).to_be_visible()
    expect(page.get_by_test_id("who")).to_have_count(0)
    refused = page.request.get("/api/v1/me", headers=bearer)
    assert refused.status == 401 and refused.json()["code"] == "organisation_suspended"


def test_the_public_form_refuses_a_bad_code(page: Page) -> None:
    page.goto("/institutions/apply")
    page.get_by_label("机构名称").fill(NAME)
    page.get_by_label("统一社会信用代码").fill(USCC[:17] + ("0" if USCC[17] != "0" else "1"))
    page.get_by_label("许可证编号").fill("S0012H350010001")
    page.get_by_label("联系人", exact=True).fill("孙八")
    page.get_by_label("联系人手机").fill("13712345678")
    page.get_by_label("信用信息查询（信易查）").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("校验码不正确")
    expect(page.get_by_label("机构名称")).to_have_value(NAME)

