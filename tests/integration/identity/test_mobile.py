"""A user's own mobile number: given at registration or on the account page, kept encrypted and shown masked,
refused when it is not a mainland mobile, audited, and where the platform's text messages go."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import main
from xinyidai.audit.models import AuditEntry
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import User
from xinyidai.identity.notifications.models import SmsMessage


def _user(session: Session, username: str) -> User:
    session.expire_all()
    return session.scalars(select(User).where(User.username == username)).one()


def test_a_user_gives_changes_and_removes_their_mobile_on_the_account_page(
    client: TestClient, session: Session, world: World
) -> None:
    login(client, "good")
    token = page_csrf(client, "/account")
    saved = client.post("/account/mobile", data={"mobile": "+86 138-0013-8000", "csrf_token": token},
                        follow_redirects=False)
    assert saved.status_code == 303
    user = _user(session, "good")
    assert user.mobile_masked == "138****8000" and user.mobile_cipher and "13800138000" not in user.mobile_cipher
    assert identity_service.mobile_of(session, user_id=user.id) == "13800138000"
    page = client.get("/account")
    assert "138****8000" in page.text and "13800138000" not in page.text

    for bad in ("1380013800", "23800138000", "１３８００１３８０００", "138" * 7):
        refused = client.post("/account/mobile", data={"mobile": bad, "csrf_token": token})
        assert refused.status_code in (400, 422), bad
        assert "手机号码应为11位中国大陆手机号" in refused.text or refused.status_code == 422
    assert _user(session, "good").mobile_masked == "138****8000"  # nothing changed

    client.post("/account/mobile", data={"mobile": "", "csrf_token": token})
    assert _user(session, "good").mobile_cipher is None
    assert identity_service.mobile_of(session, user_id=user.id) is None
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "identity.mobile_changed")).all()
    assert [a.detail["given"] for a in audited] == [True, False]


def test_texts_go_to_the_number_the_user_gave(session: Session, world: World) -> None:
    main.wire_events()  # the application's phone book: the user's own number
    user = _user(session, "good")
    identity_service.set_mobile(session, user_id=user.id, mobile="13900139000")
    identity_service.send_sms(session, user_id=user.id, template_code="order_decided",
                              params={"order_no": "XYD1", "decision": "已批准"})
    other = _user(session, "other")
    identity_service.send_sms(session, user_id=other.id, template_code="order_decided",
                              params={"order_no": "XYD2", "decision": "已批准"})
    sent = {m.user_id: (m.status, m.phone_masked) for m in session.scalars(select(SmsMessage))}
    assert sent == {user.id: ("pending", "139****9000"), other.id: ("no_phone", None)}
