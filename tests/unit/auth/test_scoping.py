"""The caller's own market entity, found once for every route that serves an enterprise its own data."""

from __future__ import annotations

import pytest

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.errors import NotFound


def _enterprise_user(enterprise_id: int | None) -> Principal:
    return Principal(organisation_id=7, organisation_kind=OrgKind.ENTERPRISE, roles=frozenset({Role.ENTERPRISE_ADMIN}),
                     user_id=3, enterprise_id=enterprise_id)


def test_an_enterprise_user_acts_for_its_entity() -> None:
    assert own_enterprise_id(_enterprise_user(42)) == 42


def test_an_account_linked_to_no_entity_finds_nothing_of_its_own() -> None:
    with pytest.raises(NotFound) as refused:
        own_enterprise_id(_enterprise_user(None))
    assert refused.value.status_code == 404 and "未关联市场主体" in refused.value.message
