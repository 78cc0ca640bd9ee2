"""The demo district: valid codes, the promised variety, records across the catalogue driven by a hidden
creditworthiness, and the same district for the same seed."""

from __future__ import annotations

import re
import statistics
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai import clock, crypto
from xinyidai.auth.enums import Role
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.models import CatalogueCategory, CatalogueItem, CreditRecord, ImportBatch, SourceDepartment
from xinyidai.demo.districts import YU_BEI
from xinyidai.demo.generator import SANDBOX_PROGRAMME, DemoSummary, generate
from xinyidai.guarantee.models import Compensation
from xinyidai.identity.models import Organisation, User
from xinyidai.loans.models import Drawdown
from xinyidai.orders.models import FinancingOrder
from xinyidai.outreach import service as outreach_service
from xinyidai.products.supermarket import service as supermarket_service
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import validate_id_number, validate_uscc
from xinyidai.registry.models import DistrictArea, Enterprise
from xinyidai.registry.realname import ID_CONTEXT
from xinyidai.scoring.sandbox.service import MIN_ENTITIES

# Their content carries numbers drawn at random by the self-report service or database ids (a loan reference).
NOT_REPRODUCIBLE = {"credit_commitment", "commitment_fulfilment", "financing_default"}


def _fingerprint(session: Session) -> list[tuple[str, str, str, str | None]]:
    return [(e.uscc, e.name, e.legal_rep_name, e.address)
            for e in session.scalars(select(Enterprise).order_by(Enterprise.id))]


def _records(session: Session) -> list[tuple[str, str, str, str, str]]:
    rows = session.execute(
        select(Enterprise.uscc, CatalogueItem.code, CreditRecord.record_key, CreditRecord.fingerprint,
               CreditRecord.channel)
        .join(Enterprise, Enterprise.id == CreditRecord.enterprise_id)
        .join(CatalogueItem, CatalogueItem.id == CreditRecord.catalogue_item_id)
        .where(CatalogueItem.code.not_in(NOT_REPRODUCIBLE))).all()
    return sorted((a, b, c, d, e) for a, b, c, d, e in rows)


def test_the_demo_district_is_valid_varied_and_reproducible(session: Session, frozen_clock: clock.FixedClock) -> None:
    with session.begin_nested() as first:
        summary = generate(session, enterprises=120, seed=11)
        district = _fingerprint(session)
        records = _records(session)
        enterprises = session.scalars(select(Enterprise)).all()
        areas = session.scalars(select(DistrictArea)).all()
        roles = {grant for user in session.scalars(select(User)) for grant in user.roles}
        firm_users_without_mobile = [u.username for u in session.scalars(select(User)) if u.mobile_masked is None
                                     and {"enterprise_admin", "enterprise_staff"} & set(u.roles)]
        orders = Counter(o.status for o in session.scalars(select(FinancingOrder)))
        gates = Counter(registry_service.annual_report_gate(e).allowed for e in enterprises)
        loan_states = Counter(d.status for d in session.scalars(select(Drawdown)))
        overdue = [d for d in session.scalars(select(Drawdown)) if d.days_past_due > 0 and d.status == "active"]
        compensations = session.scalars(select(Compensation)).all()
        programme = {a.enterprise_id for a in consent_service.list_for_reference(session, purpose_ref=SANDBOX_PROGRAMME)
                     if consent_service.status(a) == consent_service.Status.ACTIVE}
        recovered = sum(c.recovered_fen for c in compensations)
        policies = supermarket_service.list_published(session)
        plan = outreach_service.plan(session)
        coverage = outreach_service.coverage(session)
        referred = sum(a.counts["referred"] for a in outreach_service.attribution(session).by_worker)
        first.rollback()
    session.expunge_all()
    assert summary.enterprises == 120 and len(district) == 120
    assert firm_users_without_mobile == []  # a decision on a demo order texts the firm (to the log)
    assert len(areas) == 15 and sum(a.is_pilot for a in areas) == 3
    for enterprise in enterprises:
        validate_uscc(enterprise.uscc)
        validate_id_number(crypto.decrypt(enterprise.legal_rep_id_cipher, context=ID_CONTEXT))
    assert len({e.uscc for e in enterprises}) == 120
    # Addresses on the district's roads, house numbers in digits: 重庆市南岸区<town/street><road><n>号.
    assert [e.address for e in enterprises if not re.fullmatch(r"重庆市南岸区\w+?(镇|街道)\w+?(路|街|大道)\d{1,3}号",
                                                                e.address or "")] == []
    assert Counter(e.kind for e in enterprises).keys() >= {"enterprise", "individual_business"}
    assert any(e.is_abnormal for e in enterprises) and gates[False] >= 5 and gates[True] >= 80
    assert roles == set(Role)  # a login for every role
    assert orders.keys() >= {"submitted", "accepted", "approved", "rejected"}
    # The demo's defaulted loan is compensated by its guarantor (代偿), a state of its own.
    assert loan_states.keys() >= {"active", "settled", "compensated"} and overdue
    assert compensations and recovered > 0
    # The bank officer can try the model sandbox: enough firms authorised its programme for a run.
    assert len(programme) == summary.sandbox_grants >= MIN_ENTITIES
    assert {"amr.data", "tax.data"} <= {login.username for login in summary.logins}
    # The supermarket's policy pages carry the city's plan and the national one it follows.
    assert {p.document_no for p in policies} >= {"国办发〔2021〕52号"} and len(policies) == 3
    # The roll-out: the three pilot areas first, the rest in later waves; grid workers who visited and brought in.
    assert sorted(p.phase or 0 for p in plan) == [1, 1, 1] + [2] * 6 + [3] * 6
    assert {p.area_name for p in plan if p.phase == 1} == {a.name for a in areas if a.is_pilot}
    assert coverage.total.merchants == 120 and 0 < coverage.total.visited <= 3 * 6 and referred > 0
    assert {"grid.worker", "grid.worker2", "grid.worker3"} <= {login.username for login in summary.logins}

    with session.begin_nested() as second:
        generate(session, enterprises=120, seed=11)
        again = _fingerprint(session)
        records_again = _records(session)
        second.rollback()
    assert again == district
    assert len(records) > 120 * 20 and records_again == records


def _generated(session: Session) -> DemoSummary:
    return generate(session, enterprises=120, seed=11)


def test_demo_records_cover_the_catalogue_parse_under_it_and_agree_with_the_registry(
        session: Session, frozen_clock: clock.FixedClock) -> None:
    summary = _generated(session)
    per_category = dict(session.execute(
        select(CatalogueItem.category_code, func.count(CreditRecord.id))
        .join(CreditRecord, CreditRecord.catalogue_item_id == CatalogueItem.id)
        .group_by(CatalogueItem.category_code)).all())
    assert set(per_category) == set(session.scalars(select(CatalogueCategory.code)))
    assert summary.records == sum(summary.records_by_item.values()) > 0
    # Every source department is an organisation of the district, and its deliveries are committed batches.
    assert all(d.organisation_id is not None for d in session.scalars(select(SourceDepartment)))
    batches = session.scalars(select(ImportBatch)).all()
    assert len(batches) == summary.import_batches and {b.status for b in batches} == {"committed"}
    assert {b.channel for b in batches} == {"bulk_import", "api_push", "national"}
    assert sum(b.rows_stored for b in batches) == summary.records
    # A record re-parsed from the row as the department sent it gives back the stored typed values.
    items = {item.id: item for item in creditdata_service.list_items(session)}
    sample = session.scalars(select(CreditRecord).where(CreditRecord.batch_id.is_not(None))
                             .order_by(CreditRecord.id)).all()[::97]
    assert len({r.catalogue_item_id for r in sample}) > 10
    for record in sample:
        item = items[record.catalogue_item_id]
        by_label = {spec.label: spec.name for spec in creditdata_service.field_specs(item)}
        assert record.original is not None
        parsed = creditdata_service.parser_for(item).parse({by_label[k]: v for k, v in record.original.items()})
        assert not isinstance(parsed, list), parsed
        assert parsed.data == record.data and parsed.fingerprint == record.fingerprint
        assert record.received_at <= clock.now()
    # The abnormal-operations list and the registry tell the same story: the current version of a listing
    # (the latest delivered) is still open exactly for the entities the registry shows as abnormal.
    latest: dict[tuple[int, str], CreditRecord] = {}
    for record in session.scalars(
            select(CreditRecord).join(CatalogueItem, CatalogueItem.id == CreditRecord.catalogue_item_id)
            .where(CatalogueItem.code == "abnormal_operation").order_by(CreditRecord.received_at, CreditRecord.id)):
        latest[(record.enterprise_id, record.record_key)] = record
    listed_now = {e for (e, _key), record in latest.items() if "removed_date" not in record.data}
    assert len(latest) > len(listed_now) > 0  # some listings were lifted
    assert listed_now == {e.id for e in session.scalars(select(Enterprise).where(Enterprise.is_abnormal.is_(True)))}


def test_the_hidden_creditworthiness_shows_in_records_and_loan_fates(
        session: Session, frozen_clock: clock.FixedClock) -> None:
    summary = _generated(session)
    negatives = Counter(dict(session.execute(
        select(CreditRecord.enterprise_id, func.count(CreditRecord.id))
        .join(CatalogueItem, CatalogueItem.id == CreditRecord.catalogue_item_id)
        .where(CatalogueItem.is_negative.is_(True)).group_by(CreditRecord.enterprise_id)).all()))
    ranked = sorted(summary.latent, key=summary.latent.__getitem__)
    quarter = len(ranked) // 4
    bottom, top = ranked[:quarter], ranked[-quarter:]
    assert statistics.mean(negatives[e] for e in bottom) > 3 * statistics.mean(negatives[e] for e in top)
    # Loans: every fate occurs, and those that went bad belong to weaker borrowers than those that went well.
    plans = summary.loan_plans
    assert set(plans.values()) == {"current", "prepaid", "settled", "overdue", "defaulted"}
    bad = [summary.latent[e] for e, plan in plans.items() if plan in ("overdue", "defaulted")]
    good = [summary.latent[e] for e, plan in plans.items() if plan not in ("overdue", "defaulted")]
    assert statistics.mean(bad) < statistics.mean(good)
    defaulted = {d.enterprise_id for d in session.scalars(select(Drawdown).where(
        Drawdown.status.in_(["defaulted", "compensated"])))}
    assert defaulted == {e for e, plan in plans.items() if plan == "defaulted"}


def test_a_second_district_is_its_own_codes_names_places_and_authorities(
        session: Session, frozen_clock: clock.FixedClock) -> None:
    with session.begin_nested() as nested:
        generate(session, enterprises=40, seed=11, district=YU_BEI)
        enterprises = session.scalars(select(Enterprise)).all()
        areas = {a.code: a.name for a in session.scalars(select(DistrictArea))}
        texts = [str(data) for data in session.scalars(select(CreditRecord.data))]
        organisations = [o.name for o in session.scalars(select(Organisation))]
        nested.rollback()
    # Credit codes carry the district's division code at positions 3–8, identity numbers at 1–6.
    assert enterprises and all(e.uscc[2:8] == "500112" for e in enterprises)
    assert areas["500112001"] == "双龙湖街道" and len(areas) == 15
    assert all((e.address or "").startswith("重庆市渝北区") for e in enterprises)
    assert "渝北区企业数字信用管理平台运营中心" in organisations and "渝南城市商业银行渝北支行" in organisations
    assert not [t for t in texts if "南岸" in t] and not [n for n in organisations if "南岸" in n]
