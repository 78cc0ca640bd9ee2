"""The credit-record store through the real database: de-duplication, history, channel precedence, the file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World
from xinyidai import clock
from xinyidai.creditdata import service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.exceptions import DeliveryRefused, NotTheSource
from xinyidai.creditdata.models import CreditRecord
from xinyidai.registry import service as registry_service


def _rows(session: Session, item_code: str, enterprise_id: int, *rows: dict[str, str]) -> list[service.Delivered]:
    item = service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parser = service.parser_for(item)
    out = []
    for number, values in enumerate(rows, start=1):
        parsed = parser.parse({**values, "uscc": uscc})
        assert not isinstance(parsed, list), parsed
        out.append(service.Delivered(enterprise_id, parsed, number, dict(values)))
    return out


def test_the_catalogue_has_fourteen_categories_and_the_national_sub_categories(session: Session, world: World) -> None:
    assert len(service.list_categories(session)) == 14
    codes = {item.code for item in service.list_items(session)}
    assert len(codes) >= 37
    assert {"registration", "annual_report", "abnormal_operation", "admin_licence", "admin_penalty",
            "admin_enforcement", "dishonest_debtor", "enforcement_case", "judgment", "tax_credit_grade",
            "tax_payment", "tax_arrears", "social_insurance_payment", "housing_fund", "water", "electricity", "gas",
            "real_estate", "customs_trade", "patent", "high_tech", "honour", "agri_entity", "agri_subsidy",
            "agri_insurance", "government_procurement", "bidding", "credit_commitment",
            "commitment_fulfilment"} <= codes


def test_the_same_fact_twice_is_stored_once_and_a_changed_fact_keeps_its_history(
        session: Session, world: World) -> None:
    item = service.get_item(session, code="tax_credit_grade")
    first = _rows(session, "tax_credit_grade", world.good_enterprise,
                  {"year": "2025", "grade": "B", "evaluated_date": "2026-04-20"})
    assert service.store(session, item=item, rows=first, channel=Channel.BULK_IMPORT) == service.StoreResult(1, 0)
    assert service.store(session, item=item, rows=first, channel=Channel.BULK_IMPORT) == service.StoreResult(0, 1)
    clock_now = clock.now()
    regraded = _rows(session, "tax_credit_grade", world.good_enterprise,
                     {"year": "2025", "grade": "A", "evaluated_date": "2026-06-30"})
    assert service.store(session, item=item, rows=regraded, channel=Channel.API_PUSH).stored == 1
    assert clock_now <= clock.now()
    sections = service.credit_file(session, enterprise_id=world.good_enterprise)
    [entry] = [e for s in sections for e in s.entries if e.item.code == "tax_credit_grade"]
    assert [r.data["grade"] for r in entry.current] == ["A"]
    assert [r.data["grade"] for r in entry.superseded] == ["B"]
    assert [r.channel for r in service.history(session, enterprise_id=world.good_enterprise, item=item)] == [
        "bulk_import", "api_push"]


def test_the_national_channel_wins_and_refused_channels_store_nothing(session: Session, world: World) -> None:
    item = service.get_item(session, code="dishonest_debtor")
    national = _rows(session, "dishonest_debtor", world.good_enterprise, {
        "case_no": "（2026）渝0108执123号", "court": "南岸区人民法院", "obligation": "支付货款",
        "published_date": "2026-05-01"})
    local = _rows(session, "dishonest_debtor", world.good_enterprise, {
        "case_no": "（2026）渝0108执123号", "court": "南岸区法院", "obligation": "支付货款",
        "published_date": "2026-05-01"})
    assert service.store(session, item=item, rows=national, channel=Channel.NATIONAL).stored == 1
    assert service.store(session, item=item, rows=local, channel=Channel.BULK_IMPORT) == service.StoreResult(0, 1)
    customs = service.get_item(session, code="customs_trade")
    officer = world.principal(session, "tax.officer")
    with pytest.raises(DeliveryRefused, match="总对总"):
        service.require_source(session, principal=officer, item=customs, channel=Channel.BULK_IMPORT)
    with pytest.raises(NotTheSource):
        service.require_source(session, principal=world.principal(session, "amr.officer"),
                               item=service.get_item(session, code="tax_payment"), channel=Channel.BULK_IMPORT)
    service.require_source(session, principal=officer, item=service.get_item(session, code="tax_payment"),
                           channel=Channel.BULK_IMPORT)
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == 1


def test_a_penalty_leaves_the_file_after_its_publicity_period(session: Session, world: World,
                                                                frozen_clock: clock.FixedClock) -> None:
    item = service.get_item(session, code="admin_penalty")
    rows = _rows(session, "admin_penalty", world.good_enterprise, {
        "decision_no": "南岸执法罚〔2025〕12号", "violation": "占道经营", "penalty_kind": "罚款", "amount": "2,000",
        "severity": "一般", "decision_date": "2025-01-10", "authority": "区综合行政执法局"})
    service.store(session, item=item, rows=rows, channel=Channel.BULK_IMPORT)
    [entry] = [e for s in service.credit_file(session, enterprise_id=world.good_enterprise) for e in s.entries]
    assert entry.current[0].data["amount"] == 200_000 and entry.hidden == 0
    frozen_clock.advance(timedelta(days=3 * 365))
    [entry] = [e for s in service.credit_file(session, enterprise_id=world.good_enterprise) for e in s.entries]
    assert entry.current == [] and entry.hidden == 1
