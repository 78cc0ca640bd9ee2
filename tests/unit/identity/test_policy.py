"""Login throttling: N failures within the window lock the name for the lockout period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from xinyidai.identity.policy import ThrottleRule, ThrottleState, normalise_username

RULE = ThrottleRule(max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _fail(times: list[datetime], state: ThrottleState | None = None) -> ThrottleState:
    state = state or ThrottleState()
    for moment in times:
        state = RULE.after_failure(state, moment)
    return state


def test_fresh_state_is_not_locked() -> None:
    assert not ThrottleState().is_locked(T0)


def test_first_failure_starts_the_window() -> None:
    state = _fail([T0])
    assert state == ThrottleState(failure_count=1, first_failure_at=T0, locked_until=None)


def test_four_failures_do_not_lock() -> None:
    state = _fail([T0 + timedelta(minutes=m) for m in range(4)])
    assert state.failure_count == 4
    assert state.first_failure_at == T0
    assert state.locked_until is None
    assert not state.is_locked(T0 + timedelta(minutes=4))


def test_fifth_failure_within_the_window_locks() -> None:
    fifth = T0 + timedelta(minutes=10)
    state = _fail([T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2), T0 + timedelta(minutes=3), fifth])
    assert state.failure_count == 5
    assert state.locked_until == fifth + timedelta(minutes=15)


def test_fifth_failure_at_the_window_edge_still_counts() -> None:
    state = _fail([T0 + timedelta(minutes=m) for m in (0, 1, 2, 3, 15)])
    assert state.locked_until == T0 + timedelta(minutes=30)


def test_is_locked_before_and_after_the_lock_end() -> None:
    state = _fail([T0 + timedelta(minutes=m) for m in range(5)])
    end = T0 + timedelta(minutes=4 + 15)
    assert state.locked_until == end
    assert state.is_locked(T0 + timedelta(minutes=4))
    assert state.is_locked(end - timedelta(seconds=1))
    assert not state.is_locked(end)
    assert not state.is_locked(end + timedelta(minutes=1))


def test_failure_after_the_window_restarts_the_count() -> None:
    state = _fail([T0 + timedelta(minutes=m) for m in range(4)])
    later = T0 + timedelta(minutes=15, seconds=1)
    state = RULE.after_failure(state, later)
    assert state.failure_count == 1
    assert state.first_failure_at == later
    assert state.locked_until is None


def test_failures_spread_beyond_the_window_never_lock() -> None:
    state = _fail([T0 + timedelta(minutes=16 * n) for n in range(10)])
    assert state.failure_count == 1
    assert state.locked_until is None


def test_counting_restarts_within_a_new_window() -> None:
    state = _fail([T0 + timedelta(minutes=m) for m in range(4)])
    restart = T0 + timedelta(hours=1)
    state = _fail([restart + timedelta(minutes=m) for m in range(4)], state)
    assert state.failure_count == 4
    assert state.locked_until is None
    state = RULE.after_failure(state, restart + timedelta(minutes=5))
    assert state.locked_until == restart + timedelta(minutes=20)


def test_other_thresholds() -> None:
    rule = ThrottleRule(max_failures=1, window=timedelta(minutes=1), lockout=timedelta(hours=1))
    state = rule.after_failure(ThrottleState(), T0)
    assert state.locked_until == T0 + timedelta(hours=1)


def test_normalise_username() -> None:
    assert normalise_username("  ZhangSan ") == "zhangsan"
