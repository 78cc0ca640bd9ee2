"""The API sandbox (接口沙箱): on a deployment that holds only demo data, a bank's developer opens a sandbox bank and
tries the whole API with its credentials, on demo firms' applications made to it.

A sandbox bank is an ordinary bank of the demo district: its own organisation (so it sees only what is its own),
a login for its developer (institution administrator, manager and loan officer at once, so one person can walk an
application through), API credentials with the bank's roles, one pure-credit product on the shelf and applications
from a few demo firms, each with the firm's authorisation, waiting on its workbench. Nothing of it can exist on a
deployment that is not a sandbox (`Settings.api_sandbox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai import db
from xinyidai.audit import service as audit_service
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.errors import DomainError, Forbidden, NotFound
from xinyidai.identity import security
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import Organisation, User
from xinyidai.identity.schemas import ApiClientCreate, OrganisationCreate, UserCreate
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products import service as products_service
from xinyidai.products.enums import GuaranteeArrangement, ProductKind, RateMode, RepaymentMethod
from xinyidai.products.models import Product
from xinyidai.products.schemas import ProductCreate

NAME_PREFIX = "沙箱·"
APPLICATIONS = 3
# How many demo firms are tried for the applications (some are not eligible, or already applied).
CANDIDATES = 40
BANK_ROLES = [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER]


@dataclass(frozen=True)
class SandboxBank:
    """What opening a sandbox bank gives its developer; the password and the client secret are shown once."""

    organisation_id: int
    name: str
    user_id: int
    username: str
    password: str
    client_id: str
    client_secret: str
    product_id: int
    order_nos: list[str]


class NotASandbox(NotFound):
    """This deployment is not an API sandbox."""


class SandboxFull(Forbidden):
    """The sandbox holds as many sandbox banks as it is allowed."""


def is_on() -> bool:
    """Whether this deployment is an API sandbox."""
    return get_settings().api_sandbox


def open_bank(session: Session, *, name: str, ip_address: str | None = None) -> SandboxBank:
    """Open a sandbox bank named `name` (prefixed 沙箱·): its organisation, login, API credentials, product and
    demo firms' applications to it."""
    if not is_on():
        raise NotASandbox("本环境不是接口沙箱", message_en="this deployment is not an API sandbox")
    db.serialise(session, "demo.sandbox_bank")  # two developers opening at once must not both pass the cap
    opened = session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.kind == OrgKind.BANK, Organisation.name.like(f"{NAME_PREFIX}%")))
    if (opened or 0) >= get_settings().api_sandbox_max_banks:
        raise SandboxFull("沙箱机构已满，请联系平台运营方", message_en="the sandbox is full")
    organisation = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name=f"{NAME_PREFIX}{name.strip()}", kind=OrgKind.BANK))
    username = f"sandbox.{security.new_token(6).lower().replace('-', 'x').replace('_', 'y')}"
    # Letters and digits both, as the password rules ask, whatever the random draw gave.
    password = f"Sbx{security.new_token(12)}9"
    user = identity_service.create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username=username, display_name=f"{name.strip()}开发者",
        password=password, roles=[*BANK_ROLES, Role.INSTITUTION_ADMIN]))
    client = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=organisation.id, name="沙箱接口", roles=BANK_ROLES))
    manager = identity_service.principal_for_user(user)
    product = _shelve_product(session, manager=manager, organisation_id=organisation.id)
    order_nos = _applications(session, product_id=product.id)
    audit_service.record(session, action="demo.sandbox_bank_opened", actor=Actor.system("api-sandbox"),
                         subject_type="organisation", subject_id=organisation.id, ip_address=ip_address,
                         detail={"name": organisation.name, "username": username, "client_id": client.client_id,
                                 "orders": order_nos})
    return SandboxBank(organisation_id=organisation.id, name=organisation.name, user_id=user.id, username=username,
                       password=password, client_id=client.client_id, client_secret=client.client_secret,
                       product_id=product.id, order_nos=order_nos)


def _platform_admin(session: Session) -> Principal:
    admin = next((u for u in session.scalars(select(User).order_by(User.id)) if Role.PLATFORM_ADMIN in u.roles), None)
    if admin is None:
        raise NotASandbox("沙箱中没有平台管理员，无法上架沙箱产品", message_en="no platform administrator")
    return identity_service.principal_for_user(admin)


def _shelve_product(session: Session, *, manager: Principal, organisation_id: int) -> Product:
    product = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate({
        "code": f"SANDBOX-{organisation_id}", "name": "沙箱信用贷", "kind": ProductKind.PURE_CREDIT,
        "description": "接口沙箱中的纯信用贷款，只受理演示数据中的企业申请",
        "min_rate": Decimal("0.0345"), "max_rate": Decimal("0.0785"), "guarantee_fee_rate": Decimal("0"),
        "min_amount_fen": 10_000 * 100, "max_line_fen": 1_000_000 * 100,
        "repayment_methods": [RepaymentMethod.EQUAL_INSTALLMENT, RepaymentMethod.INTEREST_FIRST],
        "term_options": [6, 12], "guarantee_arrangement": GuaranteeArrangement.NONE,
        "rate_mode": RateMode.EVALUATED, "eligibility": [{"field": "serious_dishonesty", "op": "==", "value": False}],
        "required_documents": ["营业执照"], "line_rule": {"kind": "evaluated"},
    }))
    products_service.submit(session, principal=manager, product_id=product.id)
    return products_service.review(session, principal=_platform_admin(session), product_id=product.id, approve=True)


def _applications(session: Session, *, product_id: int) -> list[str]:
    """Demo firms' administrators apply to the sandbox product, each authorising the bank; a firm the product's
    rules refuse (or that may not apply now) is passed over."""
    admins = [u for u in session.scalars(select(User).order_by(User.id).limit(CANDIDATES * 10))
              if Role.ENTERPRISE_ADMIN in u.roles][:CANDIDATES]
    order_nos: list[str] = []
    for admin in admins:
        if len(order_nos) == APPLICATIONS:
            break
        try:  # every refusal of `apply` comes before it writes anything
            order = orders_service.apply(session, principal=identity_service.principal_for_user(admin),
                                         order_in=OrderCreate(
                                             product_id=product_id, amount_fen=300_000 * 100, term_months=12,
                                             repayment_method=RepaymentMethod.EQUAL_INSTALLMENT,
                                             purpose="补充流动资金（接口沙箱演示申请）", authorise=True))
        except DomainError:
            continue
        order_nos.append(order.order_no)
    return order_nos
