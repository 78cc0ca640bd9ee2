"""Single sign-on across three real nodes over HTTP: the province 500000 (the identity provider), local node A
500101 where a firm registered by real name, and local node B 500102 where it has never registered.

The firm's user signs in at B through the province with a browser-like client following redirects: the province
asks A (a signed node-to-node request) to check the password under A's lockout throttle, B redeems the code with an
assertion signed by its own key and verifies the ID token, and makes the firm's organisation and user from the
claims; a second sign-in reuses them, and logging out at B ends the provider session too. A wrong password is
refused and counted at A. At the token endpoint a replayed code, a wrong code_verifier and a wrong redirect_uri are
refused. With the province stopped, B's login page says so and B's own accounts still log in."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from tests.integration.conftest import id_number, uscc
from tests.integration.network.nodes import NodeProcess, free_port, node_database, seed
from xinyidai import clock, db
from xinyidai.audit.actor import Actor
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import LoginThrottle, Organisation, User
from xinyidai.identity.schemas import EnterpriseRegistrationCreate, OrganisationCreate, UserCreate
from xinyidai.network import policy as net_policy
from xinyidai.network import service
from xinyidai.network.models import NetworkMessage
from xinyidai.network.policy import Role as NodeRole
from xinyidai.network.signon import policy
from xinyidai.network.signon.models import FederatedIdentity

FIRM = uscc("MA0000001")
BANK = uscc("MA0000009")
PASSWORD = "Firm-pass-2026x"
ADMIN_B_PASSWORD = "Local-node-2026q"
SIGNON = {"XINYIDAI_NETWORK_SIGNON_ENABLED": "true"}


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess, NodeProcess]]:
    """The province and two local nodes, single sign-on on; a firm registered by real name at A only."""
    province = NodeProcess("500000", NodeRole.PROVINCIAL, tmp_path / "province", free_port(), extra_env=SIGNON)
    a = NodeProcess("500101", NodeRole.LOCAL, tmp_path / "a", free_port(), parent=province, extra_env=SIGNON)
    b = NodeProcess("500102", NodeRole.LOCAL, tmp_path / "b", free_port(), parent=province, extra_env=SIGNON)
    nodes = (province, a, b)
    for node in nodes:
        node.workdir.mkdir()
    seed(province, [])
    seed(a, [(FIRM, "19800101")])
    seed(b, [])
    with db.transaction(a.database.session_factory) as session:
        identity_service.register_enterprise_user(session, registration_in=EnterpriseRegistrationCreate(
            uscc=FIRM, legal_rep_name="张三", id_number=id_number("19800101"), username="firm_a",
            display_name="张经理", password=PASSWORD))
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="重庆某银行南岸支行", kind=OrgKind.BANK, uscc=BANK))
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=bank.id, username="officer_a", display_name="李客户经理", password=PASSWORD,
            roles=[Role.BANK_LOAN_OFFICER, Role.INSTITUTION_ADMIN]))
    with db.transaction(b.database.session_factory) as session:
        operator = identity_service.list_organisations(session, kind=OrgKind.PLATFORM_OPERATOR)[0]
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=operator.id, username="admin_b", display_name="管理员", password=ADMIN_B_PASSWORD,
            roles=[Role.PLATFORM_ADMIN]))
    with db.transaction(province.database.session_factory) as session:
        for child, name in ((a, "甲区"), (b, "乙区")):
            service.set_member(session, actor=Actor.system("test"), node=province.node(), code=child.code,
                               role=NodeRole.LOCAL, name=name, endpoint=child.endpoint,
                               public_key=net_policy.public_key_b64(
                                   net_policy.load_private_key(child.key_path.read_bytes())))
        service.publish_directory(session, node=province.node(), actor=Actor.system("test"))
    for node in nodes:
        node.start()
    for child in (a, b):
        service.fetch_directory(child.database.session_factory, node=child.node())
    try:
        yield province, a, b
    finally:
        for node in nodes:
            node.stop()
            node.database.engine.dispose()
            node_database(node.code, node.workdir, create=False)


def _form(html: str) -> dict[str, str]:
    """The hidden fields of the page's form (the CSRF token and the authorisation request carried through)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def _provider_login(browser: httpx.Client, page: httpx.Response, *, home: str, username: str,
                    password: str) -> httpx.Response:
    assert "统一身份认证" in page.text and "所属节点" in page.text, page.text[:500]
    fields = {**_form(page.text), "home_node": home, "username": username, "password": password}
    return browser.post(str(page.url.copy_with(query=None)), data=fields)


def _count(node: NodeProcess, model: type, *where: object) -> int:
    with db.transaction(node.database.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _failures_at(node: NodeProcess, username: str) -> int:
    with db.transaction(node.database.session_factory) as session:
        throttle = session.scalars(select(LoginThrottle).where(LoginThrottle.username_key == username)).one_or_none()
        return throttle.failure_count if throttle else 0


def _sign_in_at_b(b: NodeProcess, province: NodeProcess, a: NodeProcess, browser: httpx.Client,
                  username: str = "firm_a", button: bool = True) -> httpx.Response:
    if button:
        login_page = browser.get(b.endpoint + "/login")
        assert "统一身份认证登录" in login_page.text
    page = browser.get(b.endpoint + "/sso/login")
    assert page.url.host == "127.0.0.1" and page.url.port == province.port and page.url.path == "/oidc/authorize"
    # The province lists itself first, then its member nodes.
    options = re.findall(r'<option value="(\d{6})"', page.text)
    assert options == ["500000", "500101", "500102"]
    return _provider_login(browser, page, home=a.code, username=username, password=PASSWORD)


def test_a_firm_of_node_a_signs_in_at_node_b_through_the_province(
        network: tuple[NodeProcess, NodeProcess, NodeProcess]) -> None:
    province, a, b = network
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        landed = _sign_in_at_b(b, province, a, browser)
        assert landed.status_code == 200, landed.text[:800]
        assert landed.url.path == "/account", [(r.status_code, str(r.url)) for r in landed.history]
        assert landed.url.port == b.port and landed.url.path == "/account"
        assert "张经理" in landed.text
    with db.transaction(b.database.session_factory) as session:
        organisation = session.scalars(select(Organisation).where(Organisation.uscc == FIRM)).one()
        assert organisation.kind == "enterprise" and organisation.name == f"企业{FIRM[-4:]}"
        assert organisation.enterprise_id is None  # the entity is registered at A, not here
        user = session.scalars(select(User).where(User.username == "firm_a@500101")).one()
        assert user.organisation_id == organisation.id and user.roles == {Role.ENTERPRISE_ADMIN.value}
        link = session.scalars(select(FederatedIdentity)).one()
        assert (link.provider, link.home_node, link.user_id) == ("500000", "500101", user.id)
        assert link.subject.startswith("500101:")
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"network.signon_signed_in", "network.signon_organisation_created", "identity.login"} <= actions
    with db.transaction(a.database.session_factory) as session:
        verified = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "network.signon_authenticated")).all()
        assert [(e.outcome, e.detail) for e in verified] == [("success", {"provider": "500000", "client": "500102"})]
        assert not any(PASSWORD in str(e.detail) for e in session.scalars(select(AuditEntry)))

    # A second sign-in (a new browser: no provider session) reuses the organisation and the user.
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        landed = _sign_in_at_b(b, province, a, browser)
        assert landed.status_code == 200 and landed.url.path == "/account"
        # Logging out at B ends the provider session as well, and comes back to B's login page.
        csrf = _form(landed.text)["csrf_token"]
        out = browser.post(b.endpoint + "/logout", data={"csrf_token": csrf})
        assert [r.url.port for r in out.history] == [b.port, province.port]
        assert out.url.port == b.port and out.url.path == "/login"
        again = browser.get(b.endpoint + "/sso/login")
        assert again.url.port == province.port and "所属节点" in again.text  # asked for the password again
    assert _count(b, Organisation, Organisation.uscc == FIRM) == 1
    assert _count(b, User, User.username == "firm_a@500101") == 1
    assert _count(b, FederatedIdentity) == 1
    assert _count(province, AuditEntry, AuditEntry.action == "network.signon_logout") == 1

    # A bank's officer likewise: the bank's organisation made at B from the claims, its officer's role kept, the
    # institution administrator's not.
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        landed = _sign_in_at_b(b, province, a, browser, username="officer_a")
        assert landed.status_code == 200 and landed.url.port == b.port and landed.url.path != "/login"
    with db.transaction(b.database.session_factory) as session:
        bank = session.scalars(select(Organisation).where(Organisation.uscc == BANK)).one()
        assert (bank.kind, bank.name) == ("bank", "重庆某银行南岸支行")
        officer = session.scalars(select(User).where(User.username == "officer_a@500101")).one()
        assert officer.organisation_id == bank.id and officer.roles == {Role.BANK_LOAN_OFFICER.value}

    # A wrong password is refused at the province's page and counted by A's throttle.
    before = _failures_at(a, "firm_a")
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(b.endpoint + "/sso/login")
        refused = _provider_login(browser, page, home=a.code, username="firm_a", password="Wrong-pass-2026")
        assert refused.status_code == 401 and refused.url.port == province.port
        assert "用户名或密码不正确" in refused.text
    assert _failures_at(a, "firm_a") == before + 1
    assert _count(province, AuditEntry, AuditEntry.action == "network.signon_authenticated",
                  AuditEntry.outcome == "failure") == 1


def _assertion(b: NodeProcess, province: NodeProcess) -> str:
    key = net_policy.load_private_key(b.key_path.read_bytes())
    kid = net_policy.key_id(net_policy.public_key_b64(key))
    return policy.sign_jwt(key, kid=kid, claims=policy.assertion_claims(
        client_id=b.code, audience=province.endpoint + "/oidc/token", now=clock.now(), jti=secrets.token_hex(8)))


def test_the_token_endpoint_refuses_a_replayed_code_a_wrong_verifier_and_a_wrong_redirect_uri(
        network: tuple[NodeProcess, NodeProcess, NodeProcess]) -> None:
    province, a, b = network
    callback = b.endpoint + "/sso/callback"
    with httpx.Client(timeout=30) as browser:

        def code(verifier: str, redirect_uri: str = callback) -> str:
            query = {"response_type": "code", "client_id": b.code, "redirect_uri": redirect_uri,
                     "scope": "openid profile", "state": "s-" + secrets.token_hex(4), "nonce": "n-1",
                     "code_challenge": policy.pkce_challenge(verifier), "code_challenge_method": "S256"}
            page = browser.get(province.endpoint + "/oidc/authorize?" + urlencode(query))
            if page.status_code == 200:  # no provider session yet: log in (the province's own form)
                page = _provider_login(browser, page, home=a.code, username="firm_a", password=PASSWORD)
            assert page.status_code == 303, page.text[:500]
            location = urlsplit(page.headers["location"])
            assert f"{location.scheme}://{location.netloc}{location.path}" == callback
            params = parse_qs(location.query)
            assert params["state"] == [query["state"]] and params["iss"] == [province.endpoint]
            return params["code"][0]

        def redeem(code_: str, verifier: str, redirect_uri: str = callback) -> httpx.Response:
            return httpx.post(province.endpoint + "/oidc/token", data={
                "grant_type": "authorization_code", "code": code_, "redirect_uri": redirect_uri,
                "code_verifier": verifier, "client_id": b.code, "client_assertion_type": policy.ASSERTION_TYPE,
                "client_assertion": _assertion(b, province)})

        verifier = secrets.token_urlsafe(48)
        first = code(verifier)
        granted = redeem(first, verifier)
        assert granted.status_code == 200, granted.text
        jwks = httpx.get(province.endpoint + "/oidc/jwks").json()
        keys = {k["kid"]: k for k in jwks["keys"]}
        token = granted.json()["id_token"]
        assert policy.header_kid(token) in keys
        replayed = redeem(first, verifier)
        assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
        assert "used already" in replayed.json()["error_description"]

        wrong_verifier = redeem(code(verifier), secrets.token_urlsafe(48))
        assert wrong_verifier.status_code == 400 and "code_verifier" in wrong_verifier.json()["error_description"]

        wrong_redirect = redeem(code(verifier), verifier, redirect_uri=b.endpoint + "/elsewhere")
        assert wrong_redirect.status_code == 400 and "redirect_uri" in wrong_redirect.json()["error_description"]

        # Without the client's signed assertion, or with another node's callback, nothing is served.
        unsigned = httpx.post(province.endpoint + "/oidc/token", data={
            "grant_type": "authorization_code", "code": code(verifier), "redirect_uri": callback,
            "code_verifier": verifier, "client_id": b.code})
        assert unsigned.status_code == 401 and unsigned.json()["error"] == "invalid_client"
        # A client assertion is good once: one seen on the way, played again with a fresh code, is refused.
        seen = _assertion(b, province)
        form = {"grant_type": "authorization_code", "redirect_uri": callback, "code_verifier": verifier,
                "client_id": b.code, "client_assertion_type": policy.ASSERTION_TYPE, "client_assertion": seen}
        assert httpx.post(province.endpoint + "/oidc/token", data={**form, "code": code(verifier)}).status_code == 200
        again = httpx.post(province.endpoint + "/oidc/token", data={**form, "code": code(verifier)})
        assert again.status_code == 401 and "replayed" in again.json()["error_description"], again.text
        foreign = browser.get(province.endpoint + "/oidc/authorize?" + urlencode({
            "response_type": "code", "client_id": b.code, "redirect_uri": a.endpoint + "/sso/callback",
            "scope": "openid", "state": "s", "nonce": "n", "code_challenge": policy.pkce_challenge(verifier),
            "code_challenge_method": "S256"}))
        assert foreign.status_code == 400 and "location" not in foreign.headers
        no_pkce = browser.get(province.endpoint + "/oidc/authorize?" + urlencode({
            "response_type": "code", "client_id": b.code, "redirect_uri": callback, "scope": "openid",
            "state": "s", "nonce": "n"}))
        assert no_pkce.status_code == 400
    assert _count(province, AuditEntry, AuditEntry.action == "network.signon_token",
                  AuditEntry.outcome == "failure") == 3

    # Only A's parent provider may have A check a password: a sibling's signed request is refused and logged.
    raw = b'{"username":"firm_a","password":"x","client_id":"500102"}'
    query = urlencode({"digest": net_policy.sha256_hex(raw)})
    path = "/api/v1/network/signon/verify"
    sibling = httpx.post(f"{a.endpoint}{path}?{query}", content=raw, headers={
        **service.signed_headers(b.node(), method="POST", path=path, query=query),
        "Content-Type": "application/json"})
    assert 400 <= sibling.status_code < 500 and sibling.json()["message"]
    assert _count(a, NetworkMessage, NetworkMessage.topic == "signon.verify",
                  NetworkMessage.outcome == "refused", NetworkMessage.peer_code == b.code) == 1
    assert _failures_at(a, "firm_a") == 0  # refused before any password was checked


def test_with_the_provider_stopped_local_accounts_still_log_in_and_after_a_key_rotation_sign_on_resumes(
        network: tuple[NodeProcess, NodeProcess, NodeProcess]) -> None:
    province, a, b = network
    province.stop()
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        back = browser.get(b.endpoint + "/sso/login")
        assert back.url.port == b.port and back.url.path == "/login"
        assert "统一身份认证服务暂时无法访问" in back.text
        login = browser.get(b.endpoint + "/login")
        assert "统一身份认证服务暂时无法访问" in login.text and "/sso/login" not in login.text
        home = browser.post(b.endpoint + "/login", data={"username": "admin_b", "password": ADMIN_B_PASSWORD,
                                                         "csrf_token": _form(login.text)["csrf_token"]})
        assert home.status_code == 200 and home.url.path != "/login", home.text[:500]

    # While it is down the province rotates its key and signs its directory with both; A and B fetch it (their
    # next sync would). Back up, the JWKS lists the new key and the one it replaced, and ID tokens signed with the
    # new key verify at B.
    old_kid = province.node().key_id()
    province.cli("network", "keygen", "--rotate")
    province.cli("network", "directory", "publish")
    province.start()
    for child in (a, b):
        service.fetch_directory(child.database.session_factory, node=child.node())
    kids = [k["kid"] for k in httpx.get(province.endpoint + "/oidc/jwks").json()["keys"]]
    assert len(kids) == 2 and kids[1] == old_kid and kids[0] != old_kid
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        # Straight to the sign-in: it asks the provider afresh (the login page's answer may be seconds old).
        landed = _sign_in_at_b(b, province, a, browser, button=False)
        assert landed.status_code == 200 and landed.url.port == b.port and landed.url.path == "/account"


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_in_a_browser_the_firm_signs_in_at_b_through_the_province_and_logs_out_of_both(
        network: tuple[NodeProcess, NodeProcess, NodeProcess]) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    province, a, b = network
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(locale="zh-CN").new_page()
            page.goto(b.endpoint + "/login")
            page.get_by_test_id("signon-login").click()
            page.wait_for_url(f"{province.endpoint}/oidc/authorize*")
            page.select_option("#home_node", a.code)
            page.fill("#username", "firm_a")
            page.fill("#password", PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{b.endpoint}/account")
            assert "张经理" in page.content()
            page.locator("form[action='/logout'] button").click()
            page.wait_for_url(f"{b.endpoint}/login")
            page.get_by_test_id("signon-login").click()
            page.wait_for_url(f"{province.endpoint}/oidc/authorize*")  # the provider asks for the password again
            assert page.locator("#password").is_visible()
        finally:
            browser.close()
