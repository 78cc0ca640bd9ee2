"""Use cases of products: a bank creates, publishes and withdraws; everyone lists what is published."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, Protocol

from pydantic import ValidationError
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
    def allows_renewal(self) -> bool: ...
    @property
    def allows_deferral(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def served_by_node(self) -> str | None: ...


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


# Terms a network product carries from the node its bank is at (everything of `Product` but ids, status and times).
NETWORK_TERMS = ("name", "description", "min_rate", "max_rate", "guarantee_fee_rate", "min_amount_fen",
                 "max_line_fen", "repayment_methods", "term_options", "day_count", "overdue_markup", "fee_mode",
                 "prepayment_rule", "allocation_order", "line_validity_months", "default_trigger_days",
                 "committee_threshold_fen", "one_live_line_per_firm")


def network_terms(product: Product) -> dict[str, Any]:
    """A product's terms as they travel to other nodes (rates as strings, money in fen)."""
    values = {name: getattr(product, name) for name in NETWORK_TERMS}
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def list_native(session: Session, *, after_id: int = 0, limit: int = 1000) -> Sequence[Product]:
    """Products of this node's own banks (not network products), by id after `after_id`, whatever their status
    (a withdrawal travels too)."""
    return session.scalars(select(Product).where(Product.served_by_node.is_(None), Product.id > after_id)
                           .order_by(Product.id).limit(limit)).all()


def list_network_products(session: Session) -> Sequence[Product]:
    """Products served by a bank at another node of the platform network, whatever their status."""
    return session.scalars(select(Product).where(Product.served_by_node.is_not(None)).order_by(Product.id)).all()


def receive_network_product(session: Session, *, code: str, served_by_node: str, bank_organisation_id: int,
                            terms: dict[str, Any], published: bool) -> Product:
    """Create or update the copy of a product served by its bank at another node; it is listed here like any
    product, applications for it travel to that node. A code taken by another product here is refused."""
    try:
        product_in = ProductCreate.model_validate({**{k: terms.get(k) for k in NETWORK_TERMS if k in terms},
                                                  "code": code})
    except ValidationError as exc:
        raise InvalidProduct("网络产品的条款不完整或不正确",
                             message_en=f"invalid network product: {exc.error_count()} errors") from exc
    problems = policy.problems_with(product_in)
    if problems:
        raise InvalidProduct("；".join(problems), message_en="invalid network product terms")
    terms = product_in.model_dump(exclude={"code"})
    terms["repayment_methods"] = [m.value for m in product_in.repayment_methods]
    terms["term_options"] = sorted(product_in.term_options)
    product = session.scalars(select(Product).where(Product.code == code)).first()
    if product is not None and product.served_by_node != served_by_node:
        raise InvalidProduct(f"产品代码“{code}”已被本节点的产品使用", message_en="product code taken here")
    now = clock.now()
    if product is None:
        product = Product(code=code, bank_organisation_id=bank_organisation_id, served_by_node=served_by_node,
                          status=ProductStatus.DRAFT, created_at=now, **terms)
        session.add(product)
    else:
        for name, value in terms.items():
            setattr(product, name, value)
        product.bank_organisation_id = bank_organisation_id
    status = ProductStatus.PUBLISHED if published else ProductStatus.WITHDRAWN
    if product.status != status:
        product.status, product.published_at = status, now if published else product.published_at
    session.flush()
    audit_service.record(session, action="products.network_received", actor=audit_service.Actor.system("network"),
                         subject_type="product", subject_id=product.id,
                         detail={"served_by_node": served_by_node, "status": product.status})
    return product

