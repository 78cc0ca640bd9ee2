"""Who may call the communities' routes: firms (leaders and members), banks (lenders) and the platform admin; the
service narrows each to the communities it stands in."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from xinyidai.auth.dependencies import Allow
from xinyidai.auth.enums import ENTERPRISE_ROLES, Role
from xinyidai.auth.principal import Principal

CHAIN_PARTIES = (*sorted(ENTERPRISE_ROLES), Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.PLATFORM_ADMIN)
ChainPartyDep = Annotated[Principal, Depends(Allow(*CHAIN_PARTIES))]
