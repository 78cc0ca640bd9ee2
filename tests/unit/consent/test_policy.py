"""The consent decision: which grant answers, why a request is refused, what categories and dates it covers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from xinyidai.auth.enums import Role
from xinyidai.consent.policy import (
    BINDING_REFUSAL,
    REFUSAL_LABELS,
    DataWindow,
    Decision,
    DraftAction,
    DraftStatus,
    Grant,
    Mode,
    Purpose,
    Refusal,
    Status,
    decide,
    draft_refusal,
    may_bind_enterprise,
    may_prepare_for_enterprise,
    status_of,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Chongqing
BANK, OTHER_BANK = 7, 8
GRANT = Grant(id=1, recipient_organisation_id=BANK, purpose=Purpose.FINANCING_APPLICATION, purpose_ref="XYD1",
              categories=frozenset({"C01", "C04", "C05"}), data_from=None, data_to=None,
              valid_from=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=89), mode=Mode.PERIODIC)


def _decide(*grants: Grant, categories: set[str] | None = None, ref: str | None = "XYD1", recipient: int = BANK,
            purpose: str = Purpose.FINANCING_APPLICATION, now: datetime = NOW) -> Decision:
    return decide(grants, now=now, recipient_organisation_id=recipient, purpose=purpose, purpose_ref=ref,
                  categories=categories)


def test_a_live_grant_allows_what_it_covers() -> None:
    decision = _decide(GRANT)
    assert decision.allowed and decision.authorisation_id == 1
    assert decision.categories_allowed == {"C01", "C04", "C05"} and decision.reason_zh == ""
    assert decision.data_window == DataWindow(None, None) and not decision.one_time


@pytest.mark.parametrize(("change", "status", "reason"), [
    ({"revoked_at": NOW - timedelta(hours=1)}, Status.REVOKED, "该主体已于2026-11-23 09:00撤销对贵机构的授权"),
    ({"expires_at": NOW}, Status.EXPIRED, "该授权已于2026-11-23 10:00过期"),
    ({"valid_from": NOW + timedelta(days=2)}, Status.PENDING, "该授权自2026-11-25 10:00起生效，尚未生效"),
    ({"mode": Mode.ONE_TIME, "used_at": NOW - timedelta(minutes=5)}, Status.USED,
     "该一次性授权已于2026-11-23 09:55使用，不能再次查询"),
])
def test_a_grant_that_is_not_live_denies_saying_why(change: dict[str, object], status: Status, reason: str) -> None:
    grant = replace(GRANT, **change)  # type: ignore[arg-type]
    assert status_of(grant, NOW) is status
    decision = _decide(grant)
    assert not decision.allowed and decision.reason_zh == reason and decision.authorisation_id == 1
    assert decision.categories_allowed == frozenset()


def test_a_periodic_grant_once_read_stays_active_and_revocation_wins_over_use() -> None:
    used = replace(GRANT, used_at=NOW - timedelta(days=1))
    assert status_of(used, NOW) is Status.ACTIVE and _decide(used).allowed
    assert status_of(replace(used, mode=Mode.ONE_TIME, revoked_at=NOW), NOW) is Status.REVOKED


def test_the_validity_window_is_half_open() -> None:
    assert status_of(GRANT, GRANT.valid_from) is Status.ACTIVE
    assert status_of(GRANT, GRANT.expires_at - timedelta(microseconds=1)) is Status.ACTIVE
    assert status_of(GRANT, GRANT.expires_at) is Status.EXPIRED


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"ref": None}, "请提供有效授权对应的业务编号"),
    ({"ref": "XYD2"}, "未授权贵机构为此用途"),
    ({"recipient": OTHER_BANK}, "未授权贵机构为此用途"),
    ({"purpose": Purpose.POST_LOAN_MANAGEMENT}, "未授权贵机构为此用途"),
])
def test_no_grant_for_this_recipient_purpose_and_reference_denies(kwargs: dict[str, object], reason: str) -> None:
    decision = _decide(GRANT, **kwargs)  # type: ignore[arg-type]
    assert not decision.allowed and reason in decision.reason_zh and decision.authorisation_id is None


def test_categories_outside_the_grant_are_withheld_and_none_covered_denies() -> None:
    decision = _decide(GRANT, categories={"C04", "C08"})
    assert decision.allowed
    assert (decision.categories_allowed, decision.categories_withheld) == ({"C04"}, {"C08"})
    refused = _decide(GRANT, categories={"C08"})
    assert not refused.allowed and refused.reason_zh == "该授权不涵盖所查询的信息类别：C08"


def test_the_newest_live_grant_answers_and_a_dead_newer_one_does_not_hide_a_live_older_one() -> None:
    newer = replace(GRANT, id=2, categories=frozenset({"C04"}), mode=Mode.ONE_TIME)
    assert _decide(GRANT, newer).authorisation_id == 2 and _decide(GRANT, newer).one_time
    revoked_newer = replace(newer, revoked_at=NOW)
    assert _decide(revoked_newer, GRANT).authorisation_id == 1
    both_dead = _decide(replace(GRANT, expires_at=NOW), revoked_newer)
    assert not both_dead.allowed and both_dead.authorisation_id == 2 and "撤销" in both_dead.reason_zh


def test_the_data_window_goes_with_the_decision_and_covers_undated_records() -> None:
    windowed = replace(GRANT, data_from=date(2024, 1, 1), data_to=date(2025, 12, 31))
    window = _decide(windowed).data_window
    assert window == DataWindow(date(2024, 1, 1), date(2025, 12, 31))
    assert [window.covers(d) for d in (date(2023, 12, 31), date(2024, 1, 1), date(2025, 12, 31),
                                       date(2026, 1, 1), None)] == [False, True, True, False, True]
    assert DataWindow(None, date(2025, 1, 1)).covers(date(1990, 1, 1))
    assert not DataWindow(date(2025, 1, 1), None).covers(date(2024, 12, 31))


@pytest.mark.parametrize(("grants", "kwargs", "refusal", "label"), [
    ((), {"ref": None}, Refusal.NO_REFERENCE, "未提供授权业务编号"),
    ((), {}, Refusal.ABSENT, "未获授权"),
    ((replace(GRANT, revoked_at=NOW),), {}, Refusal.REVOKED, "授权已撤销"),
    ((replace(GRANT, expires_at=NOW),), {}, Refusal.EXPIRED, "授权已过期"),
    ((replace(GRANT, valid_from=NOW + timedelta(days=1)),), {}, Refusal.PENDING, "授权尚未生效"),
    ((replace(GRANT, mode=Mode.ONE_TIME, used_at=NOW),), {}, Refusal.USED, "一次性授权已使用"),
    ((GRANT,), {"categories": {"C08"}}, Refusal.CATEGORIES, "授权不涵盖所查信息类别"),
])
def test_every_refusal_names_its_reason_in_a_word_for_the_access_log(
        grants: tuple[Grant, ...], kwargs: dict[str, object], refusal: Refusal, label: str) -> None:
    decision = _decide(*grants, **kwargs)  # type: ignore[arg-type]
    assert not decision.allowed and decision.refusal == refusal and REFUSAL_LABELS[decision.refusal] == label
    assert _decide(GRANT).refusal == ""


def test_only_the_enterprises_administrator_binds_it() -> None:
    assert may_bind_enterprise({Role.ENTERPRISE_ADMIN})
    assert may_bind_enterprise({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF})
    assert not may_bind_enterprise({Role.ENTERPRISE_STAFF})
    assert not may_bind_enterprise(set())


def test_the_administrator_and_the_clerk_both_prepare_and_no_one_else() -> None:
    assert may_prepare_for_enterprise({Role.ENTERPRISE_ADMIN}) and may_prepare_for_enterprise({Role.ENTERPRISE_STAFF})
    assert not may_prepare_for_enterprise({Role.BANK_LOAN_OFFICER, Role.PLATFORM_ADMIN})
    assert not may_prepare_for_enterprise(set())


ADMIN, CLERK, OTHER_CLERK = 1, 2, 3
WAITING, CONFIRMED, DISCARDED = DraftStatus.WAITING, DraftStatus.CONFIRMED, DraftStatus.DISCARDED
CONFIRM, DISCARD = DraftAction.CONFIRM, DraftAction.DISCARD


@pytest.mark.parametrize(("action", "roles", "user_id", "status", "refused", "conflict"), [
    # Only the administrator confirms; a clerk never does, not even the draft's own preparer.
    (CONFIRM, {Role.ENTERPRISE_ADMIN}, ADMIN, WAITING, False, False),
    (CONFIRM, {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF}, ADMIN, WAITING, False, False),
    (CONFIRM, {Role.ENTERPRISE_STAFF}, CLERK, WAITING, True, False),
    (CONFIRM, {Role.ENTERPRISE_STAFF}, OTHER_CLERK, WAITING, True, False),
    (CONFIRM, set(), None, WAITING, True, False),
    # The administrator or the clerk who prepared it discards; another clerk does not.
    (DISCARD, {Role.ENTERPRISE_ADMIN}, ADMIN, WAITING, False, False),
    (DISCARD, {Role.ENTERPRISE_STAFF}, CLERK, WAITING, False, False),
    (DISCARD, {Role.ENTERPRISE_STAFF}, OTHER_CLERK, WAITING, True, False),
    (DISCARD, {Role.ENTERPRISE_STAFF}, None, WAITING, True, False),
    # A draft confirmed or discarded is done with, for everyone.
    (CONFIRM, {Role.ENTERPRISE_ADMIN}, ADMIN, CONFIRMED, True, True),
    (CONFIRM, {Role.ENTERPRISE_ADMIN}, ADMIN, DISCARDED, True, True),
    (DISCARD, {Role.ENTERPRISE_ADMIN}, ADMIN, CONFIRMED, True, True),
    (DISCARD, {Role.ENTERPRISE_STAFF}, CLERK, DISCARDED, True, True),
    # Who asks comes first: a clerk confirming a finished draft is refused as a clerk.
    (CONFIRM, {Role.ENTERPRISE_STAFF}, CLERK, CONFIRMED, True, False),
])
def test_who_may_confirm_or_discard_a_prepared_draft(action: DraftAction, roles: set[Role], user_id: int | None,
                                                      status: DraftStatus, refused: bool, conflict: bool) -> None:
    refusal = draft_refusal(action, roles=roles, user_id=user_id, prepared_by_user_id=CLERK, status=status)
    assert (refusal is not None) == refused
    if refusal is not None:
        assert refusal.conflict == conflict and refusal.message_zh and refusal.message_en
        if action is CONFIRM and not conflict:
            assert refusal.message_zh == BINDING_REFUSAL
