"""Use cases of products: a bank creates, publishes and withdraws; everyone lists what is published."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.products import policy
from xinyidai.products.enums import ProductStatus
from xinyidai.products.exceptions import InvalidProduct, ProductNotFound
from xinyidai.products.models import Product
from xinyidai.products.schemas import ProductCreate


class ProductView(Protocol):
    """A product's terms as other contexts read them (what `get` returns, read-only): they go through this, never
    through the products' tables."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def bank_organisation_id(self) -> int: ...
    @property
    def min_rate(self) -> Decimal: ...
    @property
    def max_rate(self) -> Decimal: ...
    @property
    def guarantee_fee_rate(self) -> Decimal: ...
    @property
    def min_amount_fen(self) -> int: ...
    @property
    def max_line_fen(self) -> int: ...
    @property
    def repayment_methods(self) -> list[Any]: ...
    @property
    def term_options(self) -> list[Any]: ...
    @property
    def committee_threshold_fen(self) -> int | None: ...
    @property
    def one_live_line_per_firm(self) -> bool: ...
    @property
    def status(self) -> str: ...


def create(session: Session, *, principal: Principal, product_in: ProductCreate) -> Product:
    """Create a draft product of the caller's bank."""
    if principal.organisation_kind != OrgKind.BANK:
        raise InvalidProduct("只有银行可以创建金融产品", message_en="only banks create products")
    problems = policy.problems_with(product_in)
    if problems:
        raise InvalidProduct("；".join(problems), message_en="invalid product terms")
    if session.scalars(select(Product).where(Product.code == product_in.code)).first() is not None:
        raise InvalidProduct(f"产品代码“{product_in.code}”已被使用", message_en="product code taken")
    product = Product(
        **product_in.model_dump(exclude={"repayment_methods", "term_options"}),
        repayment_methods=[m.value for m in product_in.repayment_methods],
        term_options=sorted(product_in.term_options),
        bank_organisation_id=principal.organisation_id,
        status=ProductStatus.DRAFT,
        created_at=clock.now(),
    )
    session.add(product)
    session.flush()
    audit_service.record(session, action="products.created", actor=principal, subject_type="product",
                         subject_id=product.id)
    return product


def publish(session: Session, *, principal: Principal, product_id: int) -> Product:
    """Make a draft product visible to enterprises."""
    product = get_own(session, principal=principal, product_id=product_id)
    if product.status == ProductStatus.PUBLISHED:
        return product
    product.status = ProductStatus.PUBLISHED
    product.published_at = clock.now()
    audit_service.record(session, action="products.published", actor=principal, subject_type="product",
                         subject_id=product.id)
    session.flush()
    return product


def get(session: Session, *, product_id: int) -> Product:
    """A product by id, whatever its status."""
    product = session.get(Product, product_id)
    if product is None:
        raise ProductNotFound("未找到该产品", message_en="product not found")
    return product


def get_many(session: Session, *, product_ids: Collection[int]) -> dict[int, Product]:
    """The products with these ids, whatever their status, by id, in one query."""
    wanted = sorted(set(product_ids))
    if not wanted:
        return {}
    return {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}


def get_published(session: Session, *, product_id: int) -> Product:
    """A product enterprises may apply for."""
    product = session.get(Product, product_id)
    if product is None or product.status != ProductStatus.PUBLISHED:
        raise ProductNotFound("该产品不存在或已下架", message_en="product not found or withdrawn")
    return product


def get_own(session: Session, *, principal: Principal, product_id: int) -> Product:
    """A product of the caller's bank (platform administrators see all)."""
    product = session.get(Product, product_id)
    if product is None or (
        not principal.is_platform_admin and product.bank_organisation_id != principal.organisation_id
    ):
        raise ProductNotFound("未找到该产品", message_en="product not found")
    return product


def default_trigger_days(session: Session, *, product_ids: Collection[int]) -> dict[int, int]:
    """Days past due at which a drawdown under each of `product_ids` defaults, by product id."""
    if not product_ids:
        return {}
    rows = session.execute(select(Product.id, Product.default_trigger_days).where(Product.id.in_(product_ids)))
    return {product_id: int(days) for product_id, days in rows}


def list_published(session: Session) -> Sequence[Product]:
    """Published products, newest first."""
    return session.scalars(
        select(Product).where(Product.status == ProductStatus.PUBLISHED).order_by(Product.id)
    ).all()


def list_for_bank(session: Session, *, organisation_id: int) -> Sequence[Product]:
    """All products of one bank."""
    return session.scalars(
        select(Product).where(Product.bank_organisation_id == organisation_id).order_by(Product.id)
    ).all()
