"""The model sandbox through the real database and the API: only entities that authorised the institution for
model runs are scored, from what their authorisation covers; the answer holds scores only; the enterprise sees the
run on its access log; another institution can neither run nor see the model; a refused model is recorded."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import sandbox_onnx
from tests.integration.conftest import World, login, page_csrf, uscc
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.consent import service as consent_service
from xinyidai.consent.policy import Purpose
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.registry import service as registry_service
from xinyidai.scoring.sandbox import service as sandbox_service
from xinyidai.scoring.sandbox.models import SandboxModel, SandboxRun

FEATURES = "tax_paid_12m, penalties_36m, penalties_12m"
REF = "PROG-2026-01"
# sigmoid(tax_paid_12m in yuan × 0.0001 + penalties_36m + penalties_12m − 1.8): 18,000 yuan paid and no penalty
# give sigmoid(0) = 0.5; no tax paid gives sigmoid(−1.8) = 1 / (1 + e^1.8) = 0.1418511, 0.14 to two decimals.
WEIGHTS = [0.0001, 1.0, 1.0]
BIAS = -1.8


def _scorecard() -> bytes:
    return sandbox_onnx.scorecard(WEIGHTS, bias=BIAS)


@pytest.fixture(autouse=True)
def runs_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The small world has a handful of entities: runs of one are let through here, except in the test of the
    minimum itself (`test_a_run_on_fewer_entities_than_the_minimum_is_not_run`)."""
    monkeypatch.setattr(sandbox_service, "MIN_ENTITIES", 1)


def _api(client: TestClient, username: str) -> dict[str, str]:
    client.cookies.clear()
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def _key(headers: dict[str, str]) -> dict[str, str]:
    """The headers with a fresh Idempotency-Key: a new run request."""
    return {**headers, "Idempotency-Key": uuid.uuid4().hex}


def _audits(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _grant(session: Session, world: World, enterprise_id: int, username: str, categories: list[str],
           ref: str = REF, recipient: int | None = None, data_from: date | None = None) -> int:
    user_id = world.principal(session, username).user_id or 0
    return consent_service.grant(
        session, enterprise_id=enterprise_id, granted_by_user_id=user_id,
        recipient_organisation_id=recipient or world.bank_a, purpose=Purpose.MODEL_RUN, purpose_ref=ref,
        categories=categories, data_from=data_from).id


def _pay_tax(session: Session, world: World) -> None:
    """18,000.00 yuan of VAT paid on 2026-03-10 by the good enterprise: tax_paid_12m is 18000 on 2026-11-23."""
    with clock.use(clock.at(2026, 3, 15)):
        item = creditdata_service.get_item(session, code="tax_payment")
        parsed = creditdata_service.parser_for(item).parse({
            "voucher_no": "326015001", "tax_period": "2026-02", "tax_kind": "增值税", "amount": "18000.00",
            "paid_date": "2026-03-10", "uscc": registry_service.get(session, enterprise_id=world.good_enterprise).uscc})
        assert not isinstance(parsed, list), parsed
        creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(world.good_enterprise, parsed)],
                                 channel=Channel.BULK_IMPORT)


def _upload(client: TestClient, headers: dict[str, str], content: bytes, *, features: str = FEATURES,
            name: str = "小微评分卡") -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/sandbox/models", headers=headers,
                           data={"name": name, "features": features, "output_name": "score"},
                           files={"file": ("model.onnx", content, "application/octet-stream")})
    assert response.status_code in (201, 422), response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def authorised(session: Session, world: World) -> World:
    """Good authorised bank A for model runs over the model's categories; other only for tax (C04, not the
    penalties' C02); late authorised and revoked; bank B holds a grant from other under the same reference."""
    _pay_tax(session, world)
    _grant(session, world, world.good_enterprise, "good", ["C02", "C04"])
    _grant(session, world, world.other_enterprise, "other", ["C04"])
    late = _grant(session, world, world.late_enterprise, "late", ["C02", "C04"])
    consent_service.revoke(session, enterprise_id=world.late_enterprise, authorisation_id=late,
                           user_id=world.principal(session, "late").user_id or 0)
    _grant(session, world, world.other_enterprise, "other", ["C02", "C04"], recipient=world.bank_b)
    session.commit()
    return world


def test_only_authorised_entities_are_scored_and_the_answer_holds_scores_only(
        client: TestClient, session: Session, authorised: World) -> None:
    world = authorised
    headers = _api(client, "a.manager")
    model = _upload(client, headers, _scorecard())
    assert model["status"] == "validated" and "content" not in model
    unknown = uscc("MA0000099")
    response = client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers), json={
        "purpose_ref": REF, "usccs": [registry_service.get(session, enterprise_id=e).uscc for e in (
            world.good_enterprise, world.other_enterprise, world.late_enterprise, world.unregistered_enterprise)]
        + [unknown]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "model_id", "purpose", "purpose_ref", "as_of", "status", "requested", "scored",
                         "skipped", "skipped_reasons", "scores", "started_at", "finished_at"}
    good_uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    assert body["status"] == "ok"
    assert [set(s) for s in body["scores"]] == [{"uscc", "score"}]
    assert body["scores"][0]["uscc"] == good_uscc
    assert body["scores"][0]["score"] == 0.5  # sigmoid(18000 × 0.0001 + 0 + 0 − 1.8), two decimals
    assert (body["requested"], body["scored"], body["skipped"]) == (5, 1, 4)
    assert body["skipped_reasons"] == {"categories_not_covered": 1, "not_authorised": 2, "unknown_entity": 1}
    assert "18000" not in response.text  # the feature itself never leaves
    [record] = session.scalars(select(SandboxRun)).all()
    assert record.scores == [{"uscc": good_uscc, "score": body["scores"][0]["score"]}]
    assert record.network in ("netns", "userns+netns", "sockets")
    [run_entry] = _audits(session, "scoring.sandbox_run")
    assert (run_entry.actor_organisation_id, run_entry.purpose) == (world.bank_a, f"model_run:{REF}")
    computed = _audits(session, "scoring.sandbox_computed")
    assert [(e.enterprise_id, e.actor_organisation_id) for e in computed] == [(world.good_enterprise, world.bank_a)]


def test_without_a_list_every_entity_that_authorised_the_institution_under_the_reference_is_tried(
        client: TestClient, session: Session, authorised: World) -> None:
    headers = _api(client, "a.manager")
    model = _upload(client, headers, _scorecard())
    body = client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                       json={"purpose_ref": REF}).json()
    # good, other (categories) and late (revoked): bank B's grant from other is not bank A's.
    assert (body["requested"], body["scored"]) == (3, 1)
    assert body["skipped_reasons"] == {"categories_not_covered": 1, "not_authorised": 1}


def test_features_are_computed_from_the_authorisations_data_window_only(
        client: TestClient, session: Session, authorised: World) -> None:
    world = authorised
    _grant(session, world, world.good_enterprise, "good", ["C02", "C04"], ref="WINDOW", data_from=date(2026, 6, 1))
    session.commit()
    headers = _api(client, "a.manager")
    model = _upload(client, headers, _scorecard())
    body = client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                       json={"purpose_ref": "WINDOW"}).json()
    # The March payment lies before the window: no tax paid as far as this run may know.
    assert [s["score"] for s in body["scores"]] == [0.14]


def test_the_enterprise_sees_which_institutions_model_ran_on_its_data(
        client: TestClient, session: Session, authorised: World) -> None:
    headers = _api(client, "a.officer")
    model = _upload(client, headers, _scorecard())
    assert client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                       json={"purpose_ref": REF}).status_code == 201
    client.cookies.clear()
    login(client, "good")
    page = client.get("/credit-file/access-log")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-testid="access-\d+">(.*?)</tr>', page.text, re.S)
    [row] = [r for r in rows if "模型在平台内对您的数据进行了计算" in r]
    assert "甲银行" in row and f"模型可用不可见计算 {REF}" in row and "2026-11-23" in row
    # The entity whose authorisation did not cover the model's inputs sees no run on its data.
    client.cookies.clear()
    login(client, "other")
    assert "模型在平台内对您的数据进行了计算" not in client.get("/credit-file/access-log").text


def test_another_institution_can_neither_run_nor_see_the_model(
        client: TestClient, session: Session, authorised: World) -> None:
    model = _upload(client, _api(client, "a.manager"), _scorecard())
    headers = _api(client, "b.manager")
    assert client.get(f"/api/v1/sandbox/models/{model['id']}", headers=headers).status_code == 404
    assert client.get("/api/v1/sandbox/models", headers=headers).json() == []
    refused = client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                          json={"purpose_ref": REF})
    assert refused.status_code == 404 and refused.json()["message"] == "未找到该模型"
    assert client.get(f"/sandbox/models/{model['id']}").status_code == 404
    assert session.scalars(select(SandboxRun)).all() == []
    # Nor may an enterprise upload or run models.
    enterprise = _api(client, "good")
    assert client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(enterprise),
                       json={"purpose_ref": REF}).status_code == 403


def test_a_model_with_a_disallowed_operator_is_refused_recorded_and_never_run(
        client: TestClient, session: Session, authorised: World) -> None:
    headers = _api(client, "a.manager")
    body = _upload(client, headers, sandbox_onnx.with_operator("Loop"))
    assert body["code"] == "model_refused" and "不允许的算子“Loop”" in body["message"]
    model_id = body["details"]["model"]["id"]
    stored = session.get(SandboxModel, model_id)
    assert stored is not None and stored.status == "refused" and stored.content is None
    assert len(stored.sha256) == 64
    [entry] = _audits(session, "scoring.sandbox_model_uploaded")
    assert (entry.outcome, entry.actor_organisation_id) == ("rejected", authorised.bank_a)
    run = client.post(f"/api/v1/sandbox/models/{model_id}/runs", headers=_key(headers), json={"purpose_ref": REF})
    assert run.status_code == 409 and "未通过校验" in run.json()["message"]


def test_an_incomplete_upload_is_refused_and_records_nothing(client: TestClient, session: Session,
                                                             authorised: World) -> None:
    headers = _api(client, "a.manager")
    response = client.post("/api/v1/sandbox/models", headers=headers,
                           data={"name": "", "features": FEATURES, "output_name": "score"},
                           files={"file": ("m.onnx", _scorecard(), "application/octet-stream")})
    assert response.status_code == 422
    assert session.scalars(select(SandboxModel)).all() == []


def test_the_portal_upload_shows_the_refusal_and_the_run_shows_scores(client: TestClient, session: Session,
                                                                      authorised: World) -> None:
    client.cookies.clear()
    login(client, "a.manager")
    token = page_csrf(client, "/sandbox")
    refused = client.post("/sandbox/models", data={"csrf_token": token, "name": "含循环", "features": FEATURES,
                                                   "output_name": "score"},
                          files={"file": ("m.onnx", sandbox_onnx.with_operator("Loop"), "application/octet-stream")},
                          follow_redirects=True)
    assert refused.status_code == 200 and "不允许的算子“Loop”" in refused.text
    accepted = client.post("/sandbox/models", data={"csrf_token": token, "name": "评分卡", "features": FEATURES,
                                                    "output_name": "score"},
                           files={"file": ("m.onnx", _scorecard(), "application/octet-stream")},
                           follow_redirects=False)
    assert accepted.status_code == 303
    model_path = accepted.headers["location"]
    token = page_csrf(client, model_path)
    ran = client.post(f"{model_path}/runs", data={"csrf_token": token, "purpose_ref": REF}, follow_redirects=True)
    assert ran.status_code == 200 and "完成" in ran.text
    good = registry_service.get(session, enterprise_id=authorised.good_enterprise).uscc
    assert re.search(rf"<td>{good}</td><td>0\.5</td>", ran.text)


def test_a_retry_with_the_same_idempotency_key_answers_the_run_already_made(
        client: TestClient, session: Session, authorised: World) -> None:
    headers = {**_api(client, "a.manager"), "Idempotency-Key": "run-0001-retry"}
    model = _upload(client, headers, _scorecard())
    path = f"/api/v1/sandbox/models/{model['id']}/runs"
    first = client.post(path, headers=headers, json={"purpose_ref": REF})
    again = client.post(path, headers=headers, json={"purpose_ref": REF})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(session.scalars(select(SandboxRun)).all()) == 1
    assert len(_audits(session, "scoring.sandbox_computed")) == 1
    other = client.post(path, headers=headers, json={"purpose_ref": "ANOTHER"})
    assert other.status_code == 409 and "幂等键" in other.json()["message"]
    assert client.post(path, headers=_api(client, "a.manager"), json={"purpose_ref": REF}).status_code == 422


def test_the_enterprise_grants_model_runs_on_the_one_grant_form_and_the_old_address_sends_it_there(
        client: TestClient, session: Session, world: World) -> None:
    client.cookies.clear()
    login(client, "good")
    # The sandbox's own address grants nothing any more: it sends the enterprise to 新增授权, model runs chosen.
    moved = client.get("/sandbox/authorise", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, "/authorisations/new?purpose=model_run")
    token = page_csrf(client, "/authorisations/new?purpose=model_run")
    form_page = client.get("/authorisations/new?purpose=model_run").text
    assert re.search(r'value="model_run"\s+checked', form_page) and "模型可用不可见计算" in form_page
    # An old form posted to the old address, with a days field no int() can read: sent on, nothing granted.
    old = client.post("/sandbox/authorise", data={"csrf_token": token, "recipient": str(world.bank_a),
                                                  "purpose_ref": "P1", "categories": "C01", "days": "²"},
                      follow_redirects=False)
    assert (old.status_code, old.headers["location"]) == (303, "/authorisations/new?purpose=model_run")
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    base = {"csrf_token": token, "recipient": str(world.bank_a), "purpose": "model_run", "purpose_ref": "PORTAL-1",
            "categories": ["C02", "C04"], "days": "30", "mode": "periodic"}
    no_reference = client.post("/authorisations/new", data={**base, "purpose_ref": ""})
    assert no_reference.status_code == 422 and "请填写机构提供的业务编号" in no_reference.text
    guarantor = client.post("/authorisations/new", data={**base, "recipient": str(world.guarantor_org)})
    assert guarantor.status_code == 422 and "模型可用不可见计算只能授权银行或信用服务机构" in guarantor.text
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    preview = client.post("/authorisations/new", data=base)
    assert preview.status_code == 200 and "机构业务编号：PORTAL-1" in preview.text
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    done = client.post("/authorisations/new", data={**base, "confirm": "yes"}, follow_redirects=True)
    assert done.status_code == 200 and "模型可用不可见计算" in done.text and "甲银行" in done.text
    session.expire_all()
    [grant] = consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
    assert (grant.purpose, grant.purpose_ref, grant.categories, grant.recipient_organisation_id) == (
        "model_run", "PORTAL-1", ["C02", "C04"], world.bank_a)
    assert consent_service.status(grant).value == "active"
    # Banks do not grant themselves anything.
    client.cookies.clear()
    login(client, "a.manager")
    assert client.get("/sandbox/authorise").status_code == 403


def test_the_one_node_identity_model_is_refused_at_upload(client: TestClient, session: Session,
                                                         authorised: World) -> None:
    headers = _api(client, "a.manager")
    body = _upload(client, headers, sandbox_onnx.identity_of("tax_paid_12m"), features="tax_paid_12m")
    assert body["code"] == "model_refused" and "须由至少3个声明的特征计算得出" in body["message"]
    stored = session.get(SandboxModel, body["details"]["model"]["id"])
    assert stored is not None and stored.status == "refused" and stored.content is None


def test_a_model_answering_something_other_than_a_probability_returns_nothing(
        client: TestClient, session: Session, authorised: World) -> None:
    # The plain linear model answers 18000 × 0.001 + 0 + 0 = 18 for the good enterprise: a value, not a score.
    headers = _api(client, "a.manager")
    model = _upload(client, headers, sandbox_onnx.linear([0.001, 1.0, 1.0]))
    assert model["status"] == "validated"
    body = client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                       json={"purpose_ref": REF}).json()
    assert (body["status"], body["scored"], body["scores"]) == ("failed", 0, [])


def test_every_entity_skipped_as_not_authorised_sees_the_refusal_on_its_access_log(
        client: TestClient, session: Session, authorised: World) -> None:
    headers = _api(client, "a.manager")
    model = _upload(client, headers, _scorecard())
    assert client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                       json={"purpose_ref": REF}).status_code == 201
    refused = _audits(session, "consent.access_refused")
    assert sorted((e.enterprise_id, e.detail["refusal"]) for e in refused) == sorted(
        [(authorised.other_enterprise, "categories"), (authorised.late_enterprise, "revoked")])
    assert {(e.actor_organisation_id, e.purpose) for e in refused} == {(authorised.bank_a, f"model_run:{REF}")}
    for username, reason in (("other", "授权不涵盖所查信息类别"), ("late", "授权已撤销")):
        client.cookies.clear()
        login(client, username)
        log = client.get("/credit-file/access-log").text
        assert f"查询被拒绝：{reason}" in log and "甲银行" in log and f"模型可用不可见计算 {REF}" in log


def test_a_run_on_fewer_entities_than_the_minimum_is_not_run(
        client: TestClient, session: Session, authorised: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox_service, "MIN_ENTITIES", 10)
    headers = _api(client, "a.manager")
    model = _upload(client, headers, _scorecard())
    page = client.get(f"/sandbox/models/{model['id']}")
    assert "每次运行至少需要10户已授权" in page.text
    refused = client.post(f"/api/v1/sandbox/models/{model['id']}/runs", headers=_key(headers),
                          json={"purpose_ref": REF})
    assert refused.status_code == 409, refused.text
    assert "只有1户" in refused.json()["message"] and "至少需要10户" in refused.json()["message"]
    assert session.scalars(select(SandboxRun)).all() == []
    assert _audits(session, "scoring.sandbox_computed") == []
    # The refusals of the entities it skipped stay on record although the request rolled back.
    assert len(_audits(session, "consent.access_refused")) == 2
