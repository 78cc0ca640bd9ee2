"""Single sign-on's pure rules: PKCE, the redirect URI rule, claims → local organisation and roles, and the
refusals of an ID token (wrong audience, expired, another sign-in's nonce, a key the provider does not hold)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.network import policy as net_policy
from xinyidai.network.signon import policy
from xinyidai.network.signon.exceptions import ClaimsRefused, ClientAuthenticationFailed, IdTokenRefused

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ISSUER = "http://127.0.0.1:8000"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def test_pkce_s256_matches_rfc_7636s_example_and_refuses_another_verifier() -> None:
    assert policy.pkce_challenge(VERIFIER) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert policy.pkce_holds(VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not policy.pkce_holds(VERIFIER[:-1] + "Y", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not policy.pkce_holds("short", policy.pkce_challenge("short"))  # under 43 characters
    assert not policy.pkce_holds("x" * 43 + " ", policy.pkce_challenge("x" * 43 + " "))
    assert policy.challenge_well_formed(policy.pkce_challenge(VERIFIER))
    assert not policy.challenge_well_formed("plain-verifier")


@pytest.mark.parametrize(("given", "ok"), [
    ("http://127.0.0.1:9001/sso/callback", True),
    ("http://127.0.0.1:9001/sso/callback/", False),
    ("http://127.0.0.1:9001/sso/callback?x=1", False),
    ("http://127.0.0.1:9001/sso/callbackx", False),
    ("http://127.0.0.1:9002/sso/callback", False),
    ("https://127.0.0.1:9001/sso/callback", False),
    ("http://evil.example/sso/callback", False),
    ("", False),
])
def test_the_redirect_uri_is_exactly_the_members_callback(given: str, ok: bool) -> None:
    assert policy.redirect_uri_ok(given, "http://127.0.0.1:9001/") is ok
    assert not policy.redirect_uri_ok(given, "")


def _claims(**overrides: Any) -> dict[str, Any]:
    base = policy.user_claims(home_node="500101", user_id=7, username="firm_a", display_name="张经理",
                              organisation_name="企业0001", org_kind=OrgKind.ENTERPRISE, uscc="91500000MA0000001X",
                              enterprise_id=3, roles=["enterprise_admin"])
    return {**base, **overrides}


def test_a_real_name_firm_keeps_its_enterprise_role_and_gets_a_username_of_its_home_node() -> None:
    grant = policy.local_grant(_claims())
    assert grant.kind == OrgKind.ENTERPRISE
    assert grant.roles == (Role.ENTERPRISE_ADMIN,)
    assert grant.uscc == "91500000MA0000001X"
    assert grant.username == "firm_a@500101"
    assert grant.home_node == "500101" and grant.subject == "500101:7"


def test_a_firm_without_real_name_registration_is_refused() -> None:
    unverified = policy.user_claims(home_node="500101", user_id=7, username="x", display_name="x",
                                    organisation_name="x", org_kind=OrgKind.ENTERPRISE, uscc="91500000MA0000001X",
                                    enterprise_id=None, roles=["enterprise_admin"])
    assert unverified["real_name_level"] == "none"
    with pytest.raises(ClaimsRefused):
        policy.local_grant(unverified)


def test_a_banks_officer_keeps_bank_roles_but_never_an_administrators() -> None:
    bank = _claims(org_kind="bank", real_name_level="institution",
                   roles=["bank_loan_officer", "institution_admin", "platform_admin", "made_up"])
    assert policy.local_grant(bank).roles == (Role.BANK_LOAN_OFFICER,)
    with pytest.raises(ClaimsRefused):
        policy.local_grant(_claims(org_kind="bank", real_name_level="institution", roles=["institution_admin"]))


@pytest.mark.parametrize("overrides", [
    {"org_kind": "platform_operator", "roles": ["platform_admin"]},
    {"org_kind": "government_department"},
    {"uscc": None},
    {"uscc": "not-a-code"},
    {"sub": "7"},
    {"org_kind": "spaceship"},
])
def test_claims_this_node_makes_no_user_of_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ClaimsRefused):
        policy.local_grant(_claims(**overrides))


def test_a_firm_claiming_no_enterprise_role_gets_staff_only() -> None:
    assert policy.local_grant(_claims(roles=[])).roles == (Role.ENTERPRISE_STAFF,)


# ID tokens -----------------------------------------------------------------------------------------------------------


def _key() -> tuple[Ed25519PrivateKey, str, str]:
    private = Ed25519PrivateKey.generate()
    public = net_policy.public_key_b64(private)
    return private, net_policy.key_id(public), public


def _token(private: Ed25519PrivateKey, kid: str, *, audience: str = "500102", nonce: str = "n-1",
           at: datetime = NOW) -> str:
    return policy.sign_jwt(private, kid=kid, claims=policy.id_token_claims(
        issuer=ISSUER, audience=audience, nonce=nonce, user=_claims(), now=at, jti="j"))


def test_a_good_id_token_verifies_and_a_rotated_key_still_does() -> None:
    old, old_kid, old_public = _key()
    new, new_kid, new_public = _key()
    keys = {old_kid: old_public, new_kid: new_public}
    for private, kid in ((old, old_kid), (new, new_kid)):
        claims = policy.verify_id_token(_token(private, kid), keys=keys, issuer=ISSUER, audience="500102",
                                        nonce="n-1", now=NOW)
        assert claims["sub"] == "500101:7" and claims["uscc"] == "91500000MA0000001X"


@pytest.mark.parametrize(("case", "reason"), [
    ("wrong audience", "wrong audience"),
    ("expired", "expired"),
    ("bad nonce", "nonce mismatch"),
    ("unknown kid", "unknown key id"),
    ("wrong issuer", "wrong issuer"),
    ("forged", "does not verify"),
    ("future", "issued in the future"),
])
def test_an_id_token_is_refused(case: str, reason: str) -> None:
    private, kid, public = _key()
    keys = {kid: public}
    token, issuer, now = _token(private, kid), ISSUER, NOW
    if case == "wrong audience":
        token = _token(private, kid, audience="500103")
    elif case == "expired":
        now = NOW + policy.ID_TOKEN_TTL + timedelta(minutes=1)
    elif case == "bad nonce":
        token = _token(private, kid, nonce="n-2")
    elif case == "unknown kid":
        other, other_kid, _ = _key()
        token = _token(other, other_kid)
    elif case == "wrong issuer":
        issuer = "http://127.0.0.1:1"
    elif case == "forged":
        other, _, _ = _key()
        token = _token(other, kid)  # names the provider's key id, signed by another key
    elif case == "future":
        token = _token(private, kid, at=NOW + timedelta(minutes=5))
    with pytest.raises(IdTokenRefused) as refused:
        policy.verify_id_token(token, keys=keys, issuer=issuer, audience="500102", nonce="n-1", now=now)
    assert reason in refused.value.message_en


def test_a_client_assertion_must_be_the_clients_for_this_endpoint_and_short_lived() -> None:
    audience = ISSUER + "/oidc/token"
    good = policy.assertion_claims(client_id="500102", audience=audience, now=NOW, jti="j")
    policy.check_assertion(good, client_id="500102", audience=audience, now=NOW)
    bad = [({**good, "iss": "500103"}, NOW), ({**good, "aud": ISSUER}, NOW), (good, NOW + timedelta(minutes=5)),
           ({**good, "exp": good["iat"] + 3600}, NOW)]
    for claims, at in bad:
        with pytest.raises(ClientAuthenticationFailed):
            policy.check_assertion(claims, client_id="500102", audience=audience, now=at)


def test_subjects_name_the_home_node_and_the_user() -> None:
    assert policy.parse_subject(policy.subject_of("500101", 42)) == ("500101", 42)
    with pytest.raises(ValueError):
        policy.parse_subject("500101:abc")


def test_a_home_node_s_answer_is_bound_to_the_request_its_status_and_its_body() -> None:
    signed = policy.answer_message(nonce="n1", status=200, body=b'{"sub":"500101:7"}')
    assert signed == policy.answer_message(nonce="n1", status=200, body=b'{"sub":"500101:7"}')
    assert signed != policy.answer_message(nonce="n2", status=200, body=b'{"sub":"500101:7"}')  # an old answer
    assert signed != policy.answer_message(nonce="n1", status=401, body=b'{"sub":"500101:7"}')
    assert signed != policy.answer_message(nonce="n1", status=200, body=b'{"sub":"500101:8"}')  # another user
