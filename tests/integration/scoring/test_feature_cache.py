"""The features' cache (`feature_store.features_as_of`): a second read of an unchanged file computes nothing, and
whatever changes the file known by the day — a new record, a correction, a credit repair and its revocation, a
catalogue edit — shows at the next read, on the firm's home page too; the day before keeps what it knew then, and
nothing computed in a transaction that rolled back is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login
from xinyidai import clock
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel, MarkKind
from xinyidai.creditdata.models import CatalogueItem, CreditRecord
from xinyidai.creditdata.schemas import CatalogueItemUpdate
from xinyidai.registry import service as registry_service
from xinyidai.scoring import feature_store

PENALTY = {"violation": "占道经营", "penalty_kind": "罚款", "amount": "500", "severity": "一般",
           "decision_date": "2026-10-20", "authority": "重庆市南岸区综合行政执法局"}


def _store(session: Session, enterprise_id: int, item_code: str, channel: Channel = Channel.BULK_IMPORT,
           **values: str) -> None:
    item = creditdata_service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    assert creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed)],
                                    channel=channel).stored == 1


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[date]]:
    """The days for which features were computed (not taken from the cache)."""
    days: list[date] = []
    compute = feature_store.compute

    def counting(as_of: date, *args: object) -> dict[str, float | None]:
        days.append(as_of)
        return compute(as_of, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(feature_store, "compute", counting)
    yield days


def _features(session: Session, world: World, day: date | None = None) -> dict[str, float | None]:
    values = feature_store.features_as_of(session, enterprise_id=world.good_enterprise, as_of=day or clock.today())
    session.commit()  # what the request's commit does: the computed value is kept from here on
    return values


def test_an_unchanged_file_is_computed_once_a_day(session: Session, world: World, computed: list[date]) -> None:
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    session.commit()
    first = _features(session, world)
    again = _features(session, world)
    assert again == first and first["penalties_12m"] == 1.0
    assert computed == [clock.today()]
    yesterday = clock.today() - timedelta(days=1)
    _features(session, world, yesterday)
    assert computed == [clock.today(), yesterday]  # another day is another value


def test_a_new_record_and_a_correction_show_at_once(session: Session, world: World, computed: list[date]) -> None:
    assert _features(session, world)["penalties_12m"] == 0.0
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    session.commit()
    assert _features(session, world)["penalties_12m"] == 1.0
    _store(session, world.good_enterprise, "tax_credit_grade", year="2025", grade="B", evaluated_date="2026-04-20")
    session.commit()
    assert _features(session, world)["tax_credit_grade"] == 4.0
    # A correction: a new version of the same fact, by the authoritative channel.
    _store(session, world.good_enterprise, "tax_credit_grade", Channel.API_PUSH, year="2025", grade="A",
           evaluated_date="2026-04-20")
    session.commit()
    assert _features(session, world)["tax_credit_grade"] == 5.0
    assert len(computed) == 4


def test_a_credit_repair_and_its_revocation_show_at_once(session: Session, world: World) -> None:
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    session.commit()
    assert _features(session, world)["penalties_12m"] == 1.0
    penalty = session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == world.good_enterprise)
                              .order_by(CreditRecord.id.desc())).first()
    assert penalty is not None
    creditdata_service.mark_record(session, record_id=penalty.id, kind=MarkKind.REPAIRED, reference="XF-1",
                                   user_id=None)
    session.commit()
    assert _features(session, world)["penalties_12m"] == 0.0
    assert creditdata_service.clear_marks(session, reference="XF-1", kind=MarkKind.REPAIRED, user_id=None) == 1
    session.commit()
    assert _features(session, world)["penalties_12m"] == 1.0


def test_a_catalogue_edit_shows_at_once(session: Session, world: World) -> None:
    # A penalty shown for 30 days only is past its publicity period today (decided 2026-10-20): it stops counting.
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    session.commit()
    assert _features(session, world)["penalties_12m"] == 1.0
    item = session.scalars(select(CatalogueItem).where(CatalogueItem.code == "admin_penalty")).one()
    with clock.use(clock.at(2026, 11, 23, 10, 5)):
        creditdata_service.update_item(session, code=item.code, item_in=CatalogueItemUpdate(visible_days=30),
                                       user_id=world.principal(session, "admin").user_id or 0)
    session.commit()
    assert _features(session, world)["penalties_12m"] == 0.0


def test_the_day_before_keeps_what_it_knew_then(session: Session, world: World) -> None:
    yesterday = clock.today() - timedelta(days=1)
    assert _features(session, world, yesterday)["penalties_12m"] == 0.0
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    session.commit()
    assert _features(session, world)["penalties_12m"] == 1.0
    assert _features(session, world, yesterday)["penalties_12m"] == 0.0  # received today


def test_nothing_computed_in_a_rolled_back_transaction_is_kept(session: Session, world: World,
                                                                computed: list[date]) -> None:
    savepoint = session.begin_nested()
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    assert feature_store.features_as_of(session, enterprise_id=world.good_enterprise,
                                        as_of=clock.today())["penalties_12m"] == 1.0
    savepoint.rollback()
    session.commit()  # what was computed in the savepoint is not kept by the commit around it
    # The same ids again (SQLite reuses them): what the rolled-back write showed must not come back.
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕2号",
           **{**PENALTY, "amount": "800", "decision_date": "2025-06-01"})
    session.commit()
    values = _features(session, world)
    assert values["penalties_12m"] == 0.0 and values["penalties_36m"] == 1.0
    assert len(computed) == 2


def test_the_home_page_shows_a_new_record_at_once(client: TestClient, session: Session, world: World) -> None:
    login(client, "good")
    before = client.get("/enterprise")
    assert before.status_code == 200
    assert client.get("/enterprise").text.count("合规守信") == before.text.count("合规守信")
    portrait = client.get("/api/v1/enterprises/me/portrait").json()
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号",
           **{**PENALTY, "severity": "严重"})
    session.commit()
    after = client.get("/api/v1/enterprises/me/portrait").json()
    compliance = {d["code"]: d["score"] for d in after["dimensions"]}["compliance"]
    assert compliance < {d["code"]: d["score"] for d in portrait["dimensions"]}["compliance"]
    assert client.get("/enterprise").text != before.text


def test_nothing_computed_in_a_session_closed_without_commit_is_kept(session: Session, world: World) -> None:
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕1号", **PENALTY)
    assert feature_store.features_as_of(session, enterprise_id=world.good_enterprise,
                                        as_of=clock.today())["penalties_12m"] == 1.0
    session.close()  # rolls the write back, without a rollback event
    session.commit()  # the same session again: it must not keep what the closed transaction computed
    _store(session, world.good_enterprise, "admin_penalty", decision_no="南岸执罚〔2026〕2号",
           **{**PENALTY, "amount": "800", "decision_date": "2025-06-01"})
    session.commit()
    values = _features(session, world)
    assert values["penalties_12m"] == 0.0 and values["penalties_36m"] == 1.0
