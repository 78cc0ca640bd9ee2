"""Portal pages of loan servicing and risk sharing: the enterprise's loans, drawdown and repayment forms, the
schedule preview, the bank's portfolio, the public calculator and the guarantor's page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.loans.test_loans import _draw, _end_days, _line
from xinyidai import clock, events
from xinyidai.audit.models import AuditEntry
from xinyidai.events import DomainEventRecord
from xinyidai.guarantee import service as guarantee_service
from xinyidai.guarantee.models import Compensation
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import CreditLine, Drawdown, Installment, JournalEntry, LedgerPosting, Repayment
from xinyidai.products.enums import RepaymentMethod

KEY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')
WRITTEN = (Drawdown, Installment, JournalEntry, LedgerPosting, Repayment, AuditEntry, DomainEventRecord)


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) or 0 for t in WRITTEN}


def _testid(html: str, testid: str) -> str:
    """The text inside the first element with `data-testid`, tags stripped."""
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no {testid}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _row(html: str, testid: str) -> str:
    """The text of the table row with `data-testid`, tags stripped."""
    match = re.search(rf'<tr data-testid="{re.escape(testid)}">(.*?)</tr>', html, re.S)
    assert match, f"no row {testid}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def _form_key(html: str) -> str:
    match = KEY_RE.search(html)
    assert match, "no idempotency key in the form"
    return match.group(1)


def test_the_enterprise_sees_its_line_and_its_drawdown(client: TestClient, session: Session, world: World) -> None:
    line = _line(session, world, line_fen=30_000_000)
    drawdown = _draw(session, world, line, 1_000_000, months=6)
    login(client, "good")
    page = client.get("/loans")
    assert page.status_code == 200
    html = page.text
    assert 'href="/loans"' in html and 'href="/calculator"' in html  # navigation
    assert _testid(html, "line-limit") == "300,000.00"
    assert _testid(html, "line-used") == "10,000.00"
    assert _testid(html, "line-available") == "290,000.00"
    assert _testid(html, "line-rate") == "3.50%"
    assert _testid(html, "line-status") == "有效"
    assert f'action="/loans/lines/{line.id}/drawdowns"' in html and KEY_RE.search(html)
    assert f'hx-post="/loans/lines/{line.id}/preview"' in html
    assert f'href="/loans/drawdowns/{drawdown.id}"' in html

    page = client.get(f"/loans/drawdowns/{drawdown.id}")
    assert page.status_code == 200
    html = page.text
    assert _row(html, "balance-principal") == "本金 10,000.00"
    assert _row(html, "balance-total") == "合计 10,000.00"
    for label in ("本金", "逾期本金", "应计利息", "逾期利息", "罚息", "担保费", "逾期担保费", "合计"):
        assert f"<th>{label}</th>" in html
    assert "正常" in _testid(html, "classification") and _testid(html, "drawdown-status") == "还款中"
    assert html.count('data-testid="installment"') == 6
    assert 'data-testid="entry-drawdown"' in html and "放款" in html
    assert _testid(html, "settle-amount") == "10,000.00"
    assert 'data-testid="repay-form"' in html and KEY_RE.search(html)
    # In English, the five categories keep their own names ("正常" is "Active" for accounts).
    client.cookies.set("lang", "en")
    html = client.get(f"/loans/drawdowns/{drawdown.id}").text
    assert "Classification: Normal" in _testid(html, "classification") and "Repayment schedule" in html


def test_the_schedule_preview_renders_and_writes_nothing(client: TestClient, session: Session, world: World) -> None:
    line = _line(session, world, line_fen=30_000_000)
    login(client, "good")
    token = page_csrf(client, "/loans")
    before = _counts(session)
    form = {"csrf_token": token, "idempotency_key": "ignored-by-preview", "amount": "10000", "term_months": "6",
            "repayment_method": "equal_principal"}
    response = client.post(f"/loans/lines/{line.id}/preview", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and 'data-testid="schedule"' in html
    assert html.count("<tr>") == 1 + 6  # header and six installments
    # Equal principal, 10,000 yuan at 3.5% for 6 months: 1,666.67 a month; interest 29.17 in the first month.
    assert "1,666.67" in html and "29.17" in html
    assert _counts(session) == before
    too_much = client.post(f"/loans/lines/{line.id}/preview", data={**form, "amount": "400000"})
    assert too_much.status_code == 200 and "超过可用额度" in too_much.text
    bad = client.post(f"/loans/lines/{line.id}/preview", data={**form, "amount": "十万"})
    assert bad.status_code == 200 and "金额格式不正确" in bad.text
    other_term = client.post(f"/loans/lines/{line.id}/preview", data={**form, "term_months": "7"})
    assert "请选择期限和还款方式" in other_term.text
    assert _counts(session) == before


def test_a_drawdown_through_the_form_is_made_once_however_often_it_is_submitted(
    client: TestClient, session: Session, world: World
) -> None:
    line = _line(session, world, line_fen=30_000_000)
    login(client, "good")
    page = client.get("/loans").text
    form = {"csrf_token": page_csrf(client, "/loans"), "idempotency_key": _form_key(page), "amount": "20,000",
            "term_months": "12", "repayment_method": "equal_installment"}
    first = client.post(f"/loans/lines/{line.id}/drawdowns", data=form, follow_redirects=False)
    again = client.post(f"/loans/lines/{line.id}/drawdowns", data=form, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    drawdowns = session.scalars(select(Drawdown).where(Drawdown.credit_line_id == line.id)).all()
    assert [(d.principal_fen, d.term_months, d.method) for d in drawdowns] == [(2_000_000, 12, "equal_installment")]
    shown = client.get(first.headers["location"])
    assert shown.status_code == 200 and "用信成功" in shown.text
    # The same key with a different amount is refused in Chinese; the re-rendered form has a fresh key.
    changed = client.post(f"/loans/lines/{line.id}/drawdowns", data={**form, "amount": "30000"})
    assert changed.status_code == 409 and "该幂等键已用于另一笔用信申请" in changed.text
    assert _form_key(changed.text) != form["idempotency_key"]
    assert 'value="30000"' in changed.text
    # Rules of the line come back in Chinese too, and change nothing.
    before = _counts(session)
    refused = client.post(f"/loans/lines/{line.id}/drawdowns",
                          data={**form, "idempotency_key": "fresh-key-0001", "amount": "290000"})
    assert refused.status_code == 400 and "用信金额超过可用额度280,000.00元" in refused.text
    zero = client.post(f"/loans/lines/{line.id}/drawdowns",
                       data={**form, "idempotency_key": "fresh-key-0002", "amount": "0"})
    assert zero.status_code == 422 and "金额必须大于零" in zero.text
    assert _counts(session) == before


def test_a_repayment_above_what_is_owed_is_refused_in_chinese_and_posts_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000)
    login(client, "good")
    page = client.get(f"/loans/drawdowns/{drawdown.id}").text
    form = {"csrf_token": page_csrf(client, "/loans"), "idempotency_key": _form_key(page)}
    before = _counts(session)
    response = client.post(f"/loans/drawdowns/{drawdown.id}/repayments", data={**form, "amount": "10000.01"})
    assert response.status_code == 400
    assert "还款金额超过全部应还金额10,000.00元" in _testid(response.text, "form-error")
    assert 'value="10000.01"' in response.text
    assert _counts(session) == before
    # A repayment within what is owed is applied once, however often the form is sent.
    paid = [client.post(f"/loans/drawdowns/{drawdown.id}/repayments", data={**form, "amount": "100"},
                        follow_redirects=False) for _ in range(2)]
    assert [p.status_code for p in paid] == [303, 303]
    assert session.scalar(select(func.count()).select_from(Repayment)) == 1
    shown = client.get(paid[0].headers["location"]).text
    assert "还款成功" in shown and 'data-testid="entry-repayment"' in shown
    assert _testid(shown, "settle-amount") == "9,900.00"


def test_the_bank_portfolio_summarises_only_its_own_drawdowns(
    client: TestClient, session: Session, world: World
) -> None:
    line = _line(session, world)
    first = _draw(session, world, line, 1_000_000, key="draw-0001")
    _draw(session, world, line, 2_500_000, months=6, method=RepaymentMethod.EQUAL_PRINCIPAL, key="draw-0002")
    login(client, "a.officer")
    html = client.get("/bank/portfolio").text
    assert _testid(html, "summary-count") == "2"  # the first row is 正常
    assert _testid(html, "summary-principal") == "35,000.00"
    assert _row(html, "summary-normal").startswith("正常 2 35,000.00")
    assert f'data-testid="drawdown-{first.id}"' in html and "重庆甲商贸有限公司" in html
    assert client.get(f"/loans/drawdowns/{first.id}").status_code == 200
    # Freezing needs a reason, then stops drawdowns; unfreezing brings the line back.
    token = page_csrf(client, "/bank/portfolio")
    no_reason = client.post(f"/bank/lines/{line.id}/status", data={"csrf_token": token, "status": "frozen"})
    assert no_reason.status_code == 400 and "请填写变更原因" in no_reason.text
    frozen = client.post(f"/bank/lines/{line.id}/status",
                         data={"csrf_token": token, "status": "frozen", "reason": "风险预警：欠税"},
                         follow_redirects=False)
    assert frozen.status_code == 303
    assert "授信额度已冻结" in client.get(frozen.headers["location"]).text
    session.expire_all()
    assert session.scalars(select(CreditLine.status).where(CreditLine.id == line.id)).one() == "frozen"
    closed = client.post(f"/bank/lines/{line.id}/status", data={"csrf_token": token, "status": "closed",
                                                                "reason": "不给关"})
    assert closed.status_code == 422
    client.cookies.clear()
    login(client, "good")
    html = client.get("/loans").text
    assert _testid(html, "line-status") == "已冻结" and _testid(html, "line-status-reason") == "风险预警：欠税"
    assert f'data-testid="draw-form-{line.id}"' not in html
    # Bank B sees none of bank A's drawdowns and cannot open them.
    client.cookies.clear()
    login(client, "b.officer")
    html = client.get("/bank/portfolio").text
    assert 'data-testid="drawdown-' not in html and 'data-testid="line-' not in html
    assert _testid(html, "summary-count") == "0"
    assert client.get(f"/loans/drawdowns/{first.id}").status_code == 404
    token = page_csrf(client, "/bank/portfolio")
    foreign = client.post(f"/bank/lines/{line.id}/status",
                          data={"csrf_token": token, "status": "active", "reason": "不是我的"})
    assert foreign.status_code == 404
    # Neither may the enterprise open the portfolio, nor the bank the enterprise's loans.
    assert client.get("/loans").status_code == 403


def test_the_public_calculator_shows_the_cost_of_ten_thousand_yuan_for_a_month(client: TestClient) -> None:
    # The source: 10,000 yuan for one month at 3.5% plus the 1.2% guarantee fee costs about 39 yuan:
    # interest 10,000 x 3.5% / 12 = 29.17, fee 10,000 x 1.2% / 12 = 10.00.
    query = {"principal": "10000", "annual_rate": "3.5", "months": "1", "method": "interest_first",
             "fee_rate": "1.2"}
    page = client.get("/calculator", params=query)
    assert page.status_code == 200
    assert _testid(page.text, "total-interest") == "29.17"
    assert _testid(page.text, "total-fee") == "10.00"
    assert _testid(page.text, "total-cost") == "39.17"
    assert "约39—67元" in _testid(page.text, "chongxindai-cost") or "39—67" in page.text
    partial = client.get("/calculator", params={**query, "method": "equal_installment"},
                         headers={"HX-Request": "true"})
    assert "<html" not in partial.text and _testid(partial.text, "total-cost") == "39.17"
    bad = client.get("/calculator", params={**query, "annual_rate": "三"}, headers={"HX-Request": "true"})
    assert bad.status_code == 200 and "利率格式不正确" in bad.text
    assert "贷款期数必须是 1 到 360 之间的整数" in client.get("/calculator", params={**query, "months": "0"}).text
    assert "期限须为1至360" in client.get("/calculator", params={**query, "months": "一"}).text


def test_the_guarantor_sees_its_exposure_and_then_its_compensation(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000, months=6)
    login(client, "guarantor")
    html = client.get("/guarantee").text
    assert f'data-testid="exposure-{drawdown.id}"' in html and "80.00%" in html
    assert _testid(html, "exposure-total") == "8,000.00"  # 80% of the 10,000 yuan owed today
    assert "暂无代偿" in html
    _end_days(session, frozen_clock, date(2027, 3, 23))  # 90 days past due: default
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    compensation = session.scalars(select(Compensation)).one()
    guarantee_service.recover(session, drawdown_id=drawdown.id, amount_fen=100_000, idempotency_key="recovery-1")
    session.commit()
    client.cookies.clear()  # four months later the login session has long expired
    login(client, "guarantor")
    html = client.get("/guarantee").text
    assert f'data-testid="exposure-{drawdown.id}"' not in html
    row = _row(html, f"compensation-{drawdown.id}")
    assert "重庆甲商贸有限公司" in row
    assert _testid(html, "compensation-amount") == f"{compensation.amount_fen / 100:,.2f}"
    assert _testid(html, "recovered-amount") == "800.00"
    # The bank's statement of the drawdown shows the compensation and the recovery in Chinese.
    client.cookies.clear()
    login(client, "a.officer")
    statement = client.get(f"/loans/drawdowns/{drawdown.id}").text
    assert all(f'data-testid="entry-{kind}"' in statement
               for kind in ("drawdown", "accrual", "due_transfer", "compensation", "recovery"))
    assert all(label in statement for label in ("放款", "计息", "到期转逾期", "代偿", "追偿"))
    assert "已违约" in statement and 'data-testid="repay-form"' not in statement
    assert "未到期" not in statement  # the installments not yet due belong to a defaulted drawdown
    assert loans_service.statement(session, drawdown_id=drawdown.id)[0].kind == "drawdown"
