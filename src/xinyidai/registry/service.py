"""Use cases of the registry: market entities, their areas and industries, the annual-report gate."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

import polars as pl
from sqlalchemy import ARRAY, Select, String, any_, cast, func, literal, select
from sqlalchemy.orm import Session

from xinyidai import clock, crypto, db
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.errors import Forbidden
from xinyidai.registry import policy
from xinyidai.registry.codes import InvalidCode, mask_id_number, validate_id_number, validate_uscc
from xinyidai.registry.enums import EntityKind, EntityScale, OperatingStatus
from xinyidai.registry.exceptions import CommunityNotFound, DuplicateEnterprise, EnterpriseNotFound, InvalidEnterprise
from xinyidai.registry.industries import INDUSTRIES
from xinyidai.registry.models import Community, DistrictArea, Enterprise, Industry
from xinyidai.registry.realname import ID_CONTEXT, RealNameResult, get_verifier
from xinyidai.registry.schemas import EnterpriseCreate, EnterpriseElsewhereCreate, EnterpriseRead


class NamedView(Protocol):
    """Something with a name (an industry, a town or street), as another context reads it."""

    @property
    def name(self) -> str: ...


class EnterpriseView(Protocol):
    """An entity's registered facts as other contexts read them (what `get` returns, read-only): they go through
    this, never through the registry's tables."""

    @property
    def id(self) -> int: ...
    @property
    def uscc(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def legal_rep_name(self) -> str: ...
    @property
    def registration_date(self) -> date: ...
    @property
    def registered_capital_fen(self) -> int | None: ...
    @property
    def industry_code(self) -> str: ...
    @property
    def industry(self) -> NamedView: ...
    @property
    def district_area(self) -> NamedView: ...
    @property
    def address(self) -> str: ...
    @property
    def operating_status(self) -> str: ...
    @property
    def last_annual_report_year(self) -> int | None: ...
    @property
    def is_abnormal(self) -> bool: ...
    @property
    def abnormal_since(self) -> date | None: ...
    @property
    def abnormal_reason(self) -> str | None: ...


# Which organisation is market supervision: the catalogue's source departments know it, a context above this one;
# the wiring installs the lookup (`use_registrar`). Until then nobody but the platform admin registers entities.
def _no_registrar(session: Session) -> int | None:
    return None


_registrar_organisation: Callable[[Session], int | None] = _no_registrar


def use_registrar(lookup: Callable[[Session], int | None]) -> None:
    """Install how to find market supervision's organisation (`create_app` does, from the source departments)."""
    global _registrar_organisation
    _registrar_organisation = lookup


def register(session: Session, *, principal: Principal, enterprise_in: EnterpriseCreate) -> Enterprise:
    """Market supervision (or the platform admin) adds a market entity to the register; audited."""
    if not policy.may_register_enterprises(principal, registrar_organisation_id=_registrar_organisation(session)):
        audit_service.record_regardless(
            session, action="registry.enterprise_registered", outcome="refused", actor=principal,
            subject_type="enterprise", detail={"uscc": enterprise_in.uscc})
        raise Forbidden("只有市场监管部门的数据专员或平台管理员可以登记市场主体",
                        message_en="only market supervision's data officers or the platform admin register entities")
    enterprise = create(session, enterprise_in=enterprise_in)
    audit_service.record(
        session, action="registry.enterprise_registered", actor=principal, subject_type="enterprise",
        subject_id=enterprise.id, enterprise_id=enterprise.id, purpose="市场主体登记",
    )
    return enterprise


def get(session: Session, *, enterprise_id: int) -> Enterprise:
    """The market entity with this id."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise EnterpriseNotFound("未找到该市场主体", message_en="market entity not found")
    return enterprise


def names_by_id(session: Session, *, enterprise_ids: Iterable[int]) -> dict[int, str]:
    """The names of the entities with these ids, in one query (a list of orders names each applicant)."""
    wanted = sorted(set(enterprise_ids))
    if not wanted:
        return {}
    return {i: n for i, n in session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(wanted)))}


def places_by_id(session: Session, *, enterprise_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(industry code, town/street name) of the entities with these ids, in one query (a portfolio's breakdowns)."""
    wanted = sorted(set(enterprise_ids))
    if not wanted:
        return {}
    return {int(i): (code or "", area or "") for i, code, area in session.execute(
        select(Enterprise.id, Enterprise.industry_code, DistrictArea.name)
        .join(DistrictArea, DistrictArea.id == Enterprise.district_area_id).where(Enterprise.id.in_(wanted)))}


def get_by_uscc(session: Session, *, uscc: str) -> Enterprise | None:
    """The market entity with this unified social credit code, if registered."""
    return session.scalars(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper())).one_or_none()


def check_uscc(raw: str) -> str:
    """A unified social credit code checked by GB 32100-2015 (length, characters, check character), upper-cased;
    raises ValueError with a Chinese message naming the rule it breaks."""
    return validate_uscc(raw).code


def get_many_by_uscc(session: Session, *, usccs: Iterable[str]) -> dict[str, Enterprise]:
    """Registered entities among `usccs` with their facts: code → entity (a tender's bidders in a few queries)."""
    wanted = sorted(set(usccs))
    found: dict[str, Enterprise] = {}
    for start in range(0, len(wanted), 500):
        found.update((e.uscc, e) for e in session.scalars(
            select(Enterprise).where(Enterprise.uscc.in_(wanted[start:start + 500]))))
    return found


def ids_by_uscc(session: Session, usccs: Iterable[str]) -> dict[str, int]:
    """Registered entities among `usccs`: code → id."""
    wanted = sorted(set(usccs))
    found: dict[str, int] = {}
    if session.get_bind().dialect.name == "postgresql":  # one array parameter: a file's chunk in one round trip
        query = select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc == any_(cast(wanted, ARRAY(String))))
        return dict(session.execute(query).all())
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found.update(session.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(chunk))).all())
    return found



def usccs_by_id(session: Session, enterprise_ids: Iterable[int]) -> dict[int, str]:
    """The codes of registered entities: id → USCC."""
    wanted = sorted(set(enterprise_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found.update(session.execute(select(Enterprise.id, Enterprise.uscc).where(Enterprise.id.in_(chunk))).all())
    return found


def registered_after(session: Session, *, after_id: int, limit: int) -> Sequence[Enterprise]:
    """Entities registered after `after_id`, oldest first, for a change feed (writers held back meanwhile)."""
    db.hold_writers_back(session, "enterprise")
    return session.scalars(select(Enterprise).where(Enterprise.id > after_id).order_by(Enterprise.id)
                           .limit(limit)).all()


def create(session: Session, *, enterprise_in: EnterpriseCreate) -> Enterprise:
    """Register a market entity after checking its codes, industry and place."""
    try:
        uscc = validate_uscc(enterprise_in.uscc).code
        id_number = validate_id_number(enterprise_in.legal_rep_id_number, today=clock.today())
    except InvalidCode as exc:
        raise InvalidEnterprise(str(exc), message_en="invalid code") from exc
    if get_by_uscc(session, uscc=uscc) is not None:
        raise DuplicateEnterprise(f"统一社会信用代码{uscc}已登记", message_en="USCC already registered")
    if session.get(Industry, enterprise_in.industry_code) is None:
        raise InvalidEnterprise(
            f"国民经济行业分类代码“{enterprise_in.industry_code}”不存在", message_en="unknown industry code"
        )
    if session.get(DistrictArea, enterprise_in.district_area_id) is None:
        raise InvalidEnterprise("所属镇街不存在", message_en="unknown town/street")
    if enterprise_in.registration_date > clock.today():
        raise InvalidEnterprise("成立日期不能晚于今天", message_en="registration date in the future")
    data = enterprise_in.model_dump(exclude={"uscc", "legal_rep_id_number"})
    enterprise = Enterprise(
        **data,
        uscc=uscc,
        legal_rep_id_cipher=crypto.encrypt(id_number, context=ID_CONTEXT),
        legal_rep_id_index=crypto.blind_index(id_number, context=ID_CONTEXT),
        created_at=clock.now(),
    )
    session.add(enterprise)
    session.flush()
    return enterprise


def record_elsewhere(session: Session, *, enterprise_in: EnterpriseElsewhereCreate) -> tuple[Enterprise, bool]:
    """Hold or update an entity registered at another node (from the network's registry feed), placed in an area
    named after its home node; an entity registered here is never overwritten. Returns it and whether it changed."""
    try:
        uscc = validate_uscc(enterprise_in.uscc).code
    except InvalidCode as exc:
        raise InvalidEnterprise(str(exc), message_en="invalid code") from exc
    if session.get(Industry, enterprise_in.industry_code) is None:
        raise InvalidEnterprise(f"国民经济行业分类代码“{enterprise_in.industry_code}”不存在",
                                message_en="unknown industry code")
    masked = mask_id_number(enterprise_in.legal_rep_id_masked)
    fields = enterprise_in.model_dump(exclude={"uscc", "legal_rep_id_masked", "home_name"})
    enterprise = get_by_uscc(session, uscc=uscc)
    if enterprise is not None and enterprise.home_node is None:
        return enterprise, False  # registered here: this node's own registry is the authority
    area = session.scalars(select(DistrictArea).where(DistrictArea.code == enterprise_in.home_node)).one_or_none()
    if area is None:
        area = create_area(session, code=enterprise_in.home_node,
                           name=(enterprise_in.home_name or enterprise_in.home_node)[:50], kind="district")
    if enterprise is None:
        enterprise = Enterprise(**fields, uscc=uscc, district_area_id=area.id,
                                legal_rep_id_cipher=crypto.encrypt(masked, context=ID_CONTEXT),
                                legal_rep_id_index=crypto.blind_index(masked, context=ID_CONTEXT),
                                created_at=clock.now())
        session.add(enterprise)
        session.flush()
        return enterprise, True
    before = {name: getattr(enterprise, name) for name in fields}
    for name, value in fields.items():
        setattr(enterprise, name, value)
    enterprise.district_area_id = area.id
    if crypto.decrypt(enterprise.legal_rep_id_cipher, context=ID_CONTEXT) != masked:
        enterprise.legal_rep_id_cipher = crypto.encrypt(masked, context=ID_CONTEXT)
        enterprise.legal_rep_id_index = crypto.blind_index(masked, context=ID_CONTEXT)
    session.flush()
    return enterprise, before != fields


def reencrypt(session: Session, *, after_id: int = 0, limit: int = 1000,
              everything: bool = False) -> tuple[int, int | None]:
    """Re-encrypt the next `limit` legal representatives' identity numbers after `after_id` under the active key,
    recomputing their blind index; returns how many changed and the last id looked at (None: no rows left).

    Only ciphertexts made with another key are touched unless `everything` (after a blind-index key change).
    """
    query = select(Enterprise).where(Enterprise.id > after_id).order_by(Enterprise.id).limit(limit)
    if not everything:
        current = f"v1.{get_settings().active_data_key_id}."
        query = query.where(~Enterprise.legal_rep_id_cipher.startswith(current, autoescape=True))
    rows = session.scalars(query).all()
    for enterprise in rows:
        id_number = crypto.decrypt(enterprise.legal_rep_id_cipher, context=ID_CONTEXT)
        enterprise.legal_rep_id_cipher = crypto.encrypt(id_number, context=ID_CONTEXT)
        enterprise.legal_rep_id_index = crypto.blind_index(id_number, context=ID_CONTEXT)
    session.flush()
    return len(rows), rows[-1].id if rows else None


def to_read(enterprise: Enterprise) -> EnterpriseRead:
    """The registry card, with the legal representative's ID masked."""
    id_number = crypto.decrypt(enterprise.legal_rep_id_cipher, context=ID_CONTEXT)
    return EnterpriseRead(
        id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name, kind=EntityKind(enterprise.kind),
        scale=EntityScale(enterprise.scale),
        legal_rep_name=enterprise.legal_rep_name, legal_rep_id_masked=mask_id_number(id_number),
        registration_date=enterprise.registration_date,
        registered_capital_fen=enterprise.registered_capital_fen, industry_code=enterprise.industry_code,
        industry_name=enterprise.industry.name, district_area=enterprise.district_area.name,
        community=enterprise.community.name if enterprise.community else None, address=enterprise.address,
        operating_status=OperatingStatus(enterprise.operating_status),
        last_annual_report_year=enterprise.last_annual_report_year, is_abnormal=enterprise.is_abnormal,
        abnormal_reason=enterprise.abnormal_reason,
    )


def annual_report_gate(enterprise: Enterprise) -> policy.GateResult:
    """Whether the entity may apply for financing today."""
    return policy.annual_report_gate(
        registration_date=enterprise.registration_date,
        last_report_year=enterprise.last_annual_report_year,
        is_abnormal=enterprise.is_abnormal,
        abnormal_reason=enterprise.abnormal_reason,
        operating_status=enterprise.operating_status,
        today=clock.today(),
        annual_report_url=get_settings().annual_report_url,
    )


def verify_real_name(session: Session, *, uscc: str, legal_rep_name: str, id_number: str) -> RealNameResult:
    """Ask the real-name source whether the three facts belong together."""
    return get_verifier().verify(session, uscc=uscc, legal_rep_name=legal_rep_name, id_number=id_number)


def count(session: Session) -> int:
    """How many market entities are registered."""
    return session.scalar(select(func.count()).select_from(Enterprise)) or 0


def list_areas(session: Session) -> Sequence[DistrictArea]:
    """The district's towns and streets."""
    return session.scalars(select(DistrictArea).order_by(DistrictArea.code)).all()


def create_area(session: Session, *, code: str, name: str, kind: str, is_pilot: bool = False) -> DistrictArea:
    """Add a town or street."""
    area = DistrictArea(code=code, name=name, kind=kind, is_pilot=is_pilot)
    session.add(area)
    session.flush()
    return area


def create_community(session: Session, *, district_area_id: int, name: str) -> Community:
    """Add a community to a town or street."""
    community = Community(district_area_id=district_area_id, name=name)
    session.add(community)
    session.flush()
    return community


def get_community(session: Session, *, community_id: int) -> Community:
    """The community with this id."""
    community = session.get(Community, community_id)
    if community is None:
        raise CommunityNotFound("未找到该社区", message_en="community not found")
    return community


def list_communities(session: Session) -> Sequence[Community]:
    """Every community of the district, by town or street and name."""
    return session.scalars(select(Community).order_by(Community.district_area_id, Community.id)).all()


def enterprise_places_query() -> Select[int, int, int | None]:
    """Every entity still on the register (in operation or suspended), as rows (enterprise_id, district_area_id,
    community_id): where each merchant is, a query for other contexts to join (outreach's coverage), never a table."""
    return select(Enterprise.id.label("enterprise_id"), Enterprise.district_area_id.label("district_area_id"),
                  Enterprise.community_id.label("community_id")).where(
        Enterprise.operating_status.in_(_STILL_REGISTERED))


def community_enterprises(session: Session, *, community_id: int, limit: int = 200) -> Sequence[Enterprise]:
    """The entities of a community still on the register, by name (a grid worker's round)."""
    return session.scalars(select(Enterprise).where(
        Enterprise.community_id == community_id, Enterprise.operating_status.in_(_STILL_REGISTERED))
        .order_by(Enterprise.name).limit(limit)).all()


def seed_industries(session: Session) -> int:
    """Load the industry classification entries not stored yet; return how many were added."""
    existing = set(session.scalars(select(Industry.code)))
    added = [Industry(code=code, name=name) for code, name in INDUSTRIES.items() if code not in existing]
    session.add_all(added)
    session.flush()
    return len(added)


# Entities a batch goes over: those still on the register (in operation or suspended), registered by the day.
_STILL_REGISTERED = (OperatingStatus.IN_OPERATION.value, OperatingStatus.SUSPENDED.value)


def count_operating(session: Session, *, registered_by: date) -> int:
    """How many entities are still on the register and were registered by `registered_by`."""
    return int(session.scalar(select(func.count()).select_from(Enterprise).where(
        Enterprise.operating_status.in_(_STILL_REGISTERED), Enterprise.registration_date <= registered_by)) or 0)


def operating_page(session: Session, *, registered_by: date, after_id: int, limit: int) -> list[tuple[int, date]]:
    """(id, registration date) of the next `limit` such entities with id above `after_id`, by id: a batch's page."""
    rows = session.execute(select(Enterprise.id, Enterprise.registration_date).where(
        Enterprise.operating_status.in_(_STILL_REGISTERED), Enterprise.registration_date <= registered_by,
        Enterprise.id > after_id).order_by(Enterprise.id).limit(limit)).all()
    return [(int(row[0]), row[1]) for row in rows]


def places_and_sections(session: Session) -> pl.DataFrame:
    """Every entity on the register as columns enterprise_id, area (its town/street's name) and industry (its
    industry section's name): the groups a district-wide report or simulation sums by. The section is the class
    code's letter (GB/T 4754: 批发和零售业, 制造业, …)."""
    frame = db.select_frame(session, select(Enterprise.id, Enterprise.district_area_id, Enterprise.industry_code),
                            {"enterprise_id": pl.Int64, "area_id": pl.Int64, "code": pl.String})
    areas = {area.id: area.name for area in list_areas(session)}
    sections = {code: name for code, name in INDUSTRIES.items() if len(code) == 1}
    letter = pl.col("code").str.slice(0, 1)
    return frame.select("enterprise_id", pl.col("area_id").replace_strict(areas, default=None, return_dtype=pl.String)
                        .alias("area"), letter.replace_strict(sections, default=letter, return_dtype=pl.String)
                        .alias("industry"))


# Statistics (read by reporting) ---------------------------------------------------------------------------------


def count_local_entities(session: Session, *, until: datetime, scales: Collection[str] | None = None) -> int:
    """Market entities of this district (not those registered at another node) the registry held before `until`,
    optionally of the given sizes."""
    query = select(func.count()).select_from(Enterprise).where(Enterprise.home_node.is_(None),
                                                               Enterprise.created_at < until)
    if scales is not None:
        query = query.where(Enterprise.scale.in_(list(scales)))
    return int(session.scalar(query) or 0)


def totals_by_area(session: Session, *, rows: Select[int, int] | Select[int | None]) -> dict[int, tuple[int, int]]:
    """Per town/street: distinct entities and the sum of values of `rows`, a select of (entity id, value) or of
    entity ids alone (the sum then 0) (one grouped query; areas with none are absent)."""
    sub = rows.subquery()
    columns = list(sub.c)
    entity = columns[0]
    total = func.coalesce(func.sum(columns[1]), 0) if len(columns) > 1 else literal(0)
    result = session.execute(
        select(Enterprise.district_area_id, func.count(func.distinct(entity)), total)
        .join(sub, entity == Enterprise.id).group_by(Enterprise.district_area_id)).all()
    return {int(area): (int(n), int(total)) for area, n, total in result}
