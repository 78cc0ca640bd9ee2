"""A retried request under the same Idempotency-Key: the same request replays, another one is refused."""

from __future__ import annotations

import hashlib

import pytest

from xinyidai.errors import Conflict, IdempotencyConflict
from xinyidai.idempotency import Verdict, compare, fingerprint, replay_or_refuse


def test_the_same_request_replays_and_another_is_a_conflict() -> None:
    assert compare((100_000, 12, "equal_installment"), (100_000, 12, "equal_installment")) is Verdict.REPLAY
    assert compare((100_000, 12, "equal_installment"), (100_000, 6, "equal_installment")) is Verdict.CONFLICT
    assert compare(None, "digest") is Verdict.CONFLICT  # an earlier request that stored nothing is not this one


def test_replay_or_refuse_returns_the_earlier_result_or_raises_a_409() -> None:
    earlier = object()
    assert replay_or_refuse(earlier, stored=5, new=5, message="重复", message_en="reused") is earlier
    with pytest.raises(IdempotencyConflict) as refused:
        replay_or_refuse(earlier, stored=5, new=6, message="该幂等键已用于另一笔还款",
                         message_en="Idempotency-Key reused")
    assert isinstance(refused.value, Conflict) and refused.value.status_code == 409
    assert refused.value.to_dict() == {"code": "idempotency_conflict", "message": "该幂等键已用于另一笔还款",
                                       "message_en": "Idempotency-Key reused"}


def test_the_fingerprint_is_canonical_json_so_stored_digests_stay_valid() -> None:
    body = {"rows": [{"名称": "甲公司", "金额": "1.00"}], "item": "A01"}
    reordered = {"item": "A01", "rows": [{"金额": "1.00", "名称": "甲公司"}]}
    assert fingerprint(body) == fingerprint(reordered)
    canonical = '{"item": "A01", "rows": [{"名称": "甲公司", "金额": "1.00"}]}'
    assert fingerprint(body) == hashlib.sha256(canonical.encode()).hexdigest()
    assert fingerprint([7, "ref", ["91110000MA01"]]) == hashlib.sha256(b'[7, "ref", ["91110000MA01"]]').hexdigest()
    assert fingerprint(body) != fingerprint({**body, "item": "A02"})
