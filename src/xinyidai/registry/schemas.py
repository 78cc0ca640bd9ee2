"""API shapes of the registry."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from xinyidai.db import DbId
from xinyidai.money import AmountFenOrZero
from xinyidai.registry.enums import EntityKind, EntityScale, OperatingStatus
from xinyidai.text import Text

# No market entity on a register today was registered before this; an earlier date is a typing error (0001-01-01).
EARLIEST_REGISTRATION = date(1900, 1, 1)


class _EnterpriseFacts(BaseModel):
    """What the registry says of a market entity, wherever it is registered."""

    name: Text = Field(min_length=2, max_length=200)
    kind: EntityKind
    scale: EntityScale = EntityScale.MICRO
    legal_rep_name: Text = Field(min_length=2, max_length=50)
    registration_date: date = Field(ge=EARLIEST_REGISTRATION)
    registered_capital_fen: AmountFenOrZero | None = None
    industry_code: Text = Field(min_length=1, max_length=5)
    operating_status: OperatingStatus = OperatingStatus.IN_OPERATION
    last_annual_report_year: int | None = Field(default=None, ge=1990, le=2100)
    is_abnormal: StrictBool = False


class EnterpriseCreate(_EnterpriseFacts):
    """A market entity as market supervision registers it."""

    uscc: Text = Field(min_length=1, max_length=30)
    legal_rep_id_number: Text = Field(min_length=1, max_length=30)
    district_area_id: DbId
    community_id: DbId | None = None
    address: Text = Field(default="", max_length=200)
    abnormal_since: date | None = Field(default=None, ge=EARLIEST_REGISTRATION)
    abnormal_reason: Text | None = Field(default=None, max_length=200)
    # A head count, bounded as the self-report's is: a larger one is a typing error, not a number to store.
    employees: int | None = Field(default=None, ge=0, le=10_000_000, strict=True)


class EnterpriseElsewhereCreate(_EnterpriseFacts):
    """A market entity registered at another node of the platform network, as its registry feed describes it."""

    uscc: Text = Field(min_length=18, max_length=18)
    legal_rep_id_masked: Text = Field(min_length=1, max_length=30)
    home_node: Text = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")
    home_name: Text = Field(default="", max_length=50)


class GateFindingRead(BaseModel):
    """Why an entity may not apply yet, and what to do."""

    code: str
    message: str
    action: str
    action_url: str | None
    message_en: str = ""
    action_en: str = ""


class EnterpriseRead(BaseModel):
    """The registry card of a market entity; the legal representative's ID is masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name: str
    kind: EntityKind
    scale: EntityScale
    legal_rep_name: str
    legal_rep_id_masked: str
    registration_date: date = Field(ge=EARLIEST_REGISTRATION)
    registered_capital_fen: int | None
    industry_code: str
    industry_name: str
    district_area: str
    community: str | None
    address: str
    operating_status: OperatingStatus
    last_annual_report_year: int | None
    is_abnormal: bool
    abnormal_reason: str | None
