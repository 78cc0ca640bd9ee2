"""The onboarding state machine, the checklist's completeness rule, the commitment digest and masking."""

from __future__ import annotations

import hashlib

import pytest

from xinyidai.identity.onboarding import policy as rules
from xinyidai.identity.onboarding.policy import ApplicationStatus as S
from xinyidai.identity.onboarding.policy import Transition as T

ALL_PASSED = {item.code: True for item in rules.CHECKLIST}


@pytest.mark.parametrize(("start", "transition", "end"), [
    (S.SUBMITTED, T.START_ASSESSMENT, S.UNDER_ASSESSMENT),
    (S.SUBMITTED, T.REJECT, S.REJECTED),
    (S.UNDER_ASSESSMENT, T.APPROVE, S.APPROVED),
    (S.UNDER_ASSESSMENT, T.REJECT, S.REJECTED),
    (S.APPROVED, T.SUSPEND, S.SUSPENDED),
    (S.SUSPENDED, T.REINSTATE, S.APPROVED),
])
def test_the_allowed_transitions(start: S, transition: T, end: S) -> None:
    assert rules.next_status(start, transition) == end


def test_every_other_transition_is_refused_with_a_chinese_reason() -> None:
    allowed = {(S.SUBMITTED, T.START_ASSESSMENT), (S.SUBMITTED, T.REJECT), (S.UNDER_ASSESSMENT, T.APPROVE),
               (S.UNDER_ASSESSMENT, T.REJECT), (S.APPROVED, T.SUSPEND), (S.SUSPENDED, T.REINSTATE)}
    refused = [(s, t) for s in S for t in T if (s, t) not in allowed]
    assert len(refused) == len(S) * len(T) - 6
    for status, transition in refused:
        with pytest.raises(rules.IllegalTransition, match="不能"):
            rules.next_status(status, transition)


def test_approval_skips_no_step_and_rejection_is_final() -> None:
    with pytest.raises(rules.IllegalTransition):
        rules.next_status(S.SUBMITTED, T.APPROVE)  # never approved without an assessment
    assert rules.allowed_transitions(S.REJECTED) == []
    assert rules.allowed_transitions(S.APPROVED) == [T.SUSPEND]
    assert rules.allowed_transitions(S.SUSPENDED) == [T.REINSTATE]


def test_the_checklist_has_the_items_the_brief_names_each_with_a_basis() -> None:
    codes = [item.code for item in rules.CHECKLIST]
    assert codes == ["mlps_level3", "data_security_system", "personnel_confidentiality", "network_isolation",
                     "incident_response", "retention_deletion", "audit_logging"]
    assert len(set(codes)) == len(codes)
    assert all(item.basis and item.requirement for item in rules.CHECKLIST)
    assert "GB/T 22239-2019" in rules.CHECKLIST_BY_CODE["mlps_level3"].basis


def test_only_a_complete_checklist_with_every_item_passed_is_approvable() -> None:
    assert rules.judge_checklist(ALL_PASSED).approvable
    assert rules.judge_checklist(ALL_PASSED).reason() == ""
    missing_one = {k: v for k, v in ALL_PASSED.items() if k != "audit_logging"}
    verdict = rules.judge_checklist(missing_one)
    assert not verdict.approvable and verdict.missing == ("audit_logging",)
    assert "尚未评估：访问审计与日志留存" in verdict.reason()
    failed = rules.judge_checklist({**ALL_PASSED, "network_isolation": False})
    assert not failed.approvable and failed.complete and failed.failed == ("network_isolation",)
    assert "未通过：网络隔离与边界防护" in failed.reason()
    assert not rules.judge_checklist({}).approvable
    # A code outside the checklist neither completes nor fails it.
    assert rules.judge_checklist({**missing_one, "unknown": True}).missing == ("audit_logging",)


def test_the_commitment_names_the_seed_rules_and_its_digest_is_sha256() -> None:
    assert "仅用于为市场主体提供融资支持" in rules.COMMITMENT_TEXT
    assert "不以任何方式向第三方提供" in rules.COMMITMENT_TEXT
    # SHA-256 of "abc", FIPS 180-2 appendix B.1.
    assert rules.commitment_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert rules.commitment_digest(rules.COMMITMENT_TEXT) == hashlib.sha256(
        rules.COMMITMENT_TEXT.encode()).hexdigest()


@pytest.mark.parametrize(("raw", "normal"), [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0086 13812345678", "13812345678"),
    ("12812345678", None), ("1381234567", None), ("023-62345678", None),
])
def test_mobile_numbers_are_normalised_and_masked(raw: str, normal: str | None) -> None:
    assert rules.normalise_mobile(raw) == normal
    if normal:
        assert rules.mask_mobile(normal) == "138****5678"


def test_initial_passwords_have_letters_and_digits_and_differ() -> None:
    passwords = {rules.initial_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 14 and any(c.isdigit() for c in p) and any(c.isalpha() for c in p) for p in passwords)
