"""The institution kinds and the institution-reader roles are defined once, agree with the roles each kind may
hold, and are not written out again elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import xinyidai
from xinyidai.auth.enums import INSTITUTION_KINDS, INSTITUTION_READER_ROLES, ROLES_BY_KIND, OrgKind, Role

SRC = Path(xinyidai.__file__).parent


def test_institutions_are_the_kinds_with_an_institution_admin() -> None:
    assert set(INSTITUTION_KINDS) == {OrgKind.BANK, OrgKind.GUARANTEE_COMPANY, OrgKind.CREDIT_AGENCY}
    assert set(INSTITUTION_KINDS) == {kind for kind, roles in ROLES_BY_KIND.items() if Role.INSTITUTION_ADMIN in roles}


def test_institution_readers_are_every_institution_role_but_the_admin() -> None:
    every = set().union(*(ROLES_BY_KIND[kind] for kind in INSTITUTION_KINDS))
    assert set(INSTITUTION_READER_ROLES) == every - {Role.INSTITUTION_ADMIN}
    assert len(INSTITUTION_READER_ROLES) == len(set(INSTITUTION_READER_ROLES))


def test_the_sets_are_not_written_out_again() -> None:
    kinds = r"OrgKind\.BANK,\s*OrgKind\.GUARANTEE_COMPANY,\s*OrgKind\.CREDIT_AGENCY"
    readers = r"Role\.BANK_LOAN_OFFICER,\s*Role\.BANK_MANAGER,\s*Role\.GUARANTEE_OFFICER,\s*Role\.AGENCY_ANALYST"
    copies = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if path != SRC / "auth" / "enums.py"
              and re.search(f"{kinds}|{readers}", path.read_text(encoding="utf-8"))]
    assert copies == []


def test_role_dependencies_are_defined_once_in_auth() -> None:
    """A route names one of `auth.dependencies`' role dependencies; no context builds its own from roles."""
    own = re.compile(r"\bAllow\(|Annotated\[Principal(?: \| None)?, Depends\(")
    copies = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
              if path.parent != SRC / "auth" and own.search(path.read_text(encoding="utf-8"))]
    assert copies == []
