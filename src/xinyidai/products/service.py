"""Use cases of products: a bank drafts, submits and withdraws; the platform reviews and shelves; every change of terms
is a new version; everyone lists the shelf; a signed-in firm sees every product on it matched to it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.creditdata import credit_file
from xinyidai.creditdata import service as creditdata_service
from xinyidai.errors import Forbidden
from xinyidai.identity import service as identity_service
from xinyidai.money import RATE_QUANTUM
from xinyidai.products import eligibility, matching, policy
from xinyidai.products.eligibility import FirmProfile
from xinyidai.products.enums import (
    GUARANTEE_ARRANGEMENT_LABELS,
    LINE_RULE_LABELS,
    PRODUCT_KIND_LABELS,
    REPAYMENT_METHOD_LABELS,
    GuaranteeArrangement,
    LineRuleKind,
    ProductKind,
    ProductStatus,
    RateMode,
    RepaymentMethod,
    VersionStatus,
)
from xinyidai.products.exceptions import InvalidProduct, ProductNotFound, ProductStateError
from xinyidai.products.models import Product, ProductVersion
from xinyidai.products.schemas import (
    IneligibleProductRead,
    MatchedProductRead,
    MatchRead,
    ProductCreate,
    ProductUpdate,
    ShelfProductRead,
)
from xinyidai.registry import service as registry_service
from xinyidai.scoring import service as scoring_service
from xinyidai.scoring.preassessment import Estimate, ProductBounds


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
    @property
    def current_version_id(self) -> int | None: ...


# The terms a version holds: everything a bank sets, beyond the product's code, lender, status and times.
TERM_FIELDS = ("name", "description", "min_rate", "max_rate", "guarantee_fee_rate", "min_amount_fen", "max_line_fen",
               "repayment_methods", "term_options", "day_count", "overdue_markup", "fee_mode", "prepayment_rule",
               "allocation_order", "line_validity_months", "default_trigger_days", "committee_threshold_fen",
               "one_live_line_per_firm", "kind", "rate_mode", "guarantee_arrangement", "eligibility",
               "required_documents", "line_rule", "allows_renewal", "allows_deferral")
RATE_FIELDS = ("min_rate", "max_rate", "guarantee_fee_rate", "overdue_markup")


def _checked_terms(product_in: ProductCreate) -> dict[str, Any]:
    """The terms of `product_in` as stored (JSON-ready lists, enums as values), or `InvalidProduct` in words."""
    problems = policy.problems_with(product_in, lpr=get_settings().lpr_one_year)
    if problems:
        raise InvalidProduct("；".join(problems), message_en="invalid product terms: " + "; ".join(problems))
    data = product_in.model_dump(mode="python", include=set(TERM_FIELDS))
    data["repayment_methods"] = [m.value for m in product_in.repayment_methods]
    data["term_options"] = sorted(product_in.term_options)
    data["kind"], data["rate_mode"] = product_in.kind.value, product_in.rate_mode.value
    data["guarantee_arrangement"] = product_in.guarantee_arrangement.value
    data["eligibility"] = [rule.model_dump() for rule in product_in.eligibility]
    data["line_rule"] = {k: v for k, v in product_in.line_rule.model_dump(mode="json").items() if v is not None}
    return data


def _snapshot(terms: dict[str, Any]) -> dict[str, Any]:
    """Terms as a version keeps them (rates as strings to the stored 1e-6)."""
    return {k: str(v.quantize(RATE_QUANTUM)) if isinstance(v, Decimal) else v for k, v in terms.items()}


def _apply(product: Product, snapshot: dict[str, Any]) -> None:
    for name in TERM_FIELDS:
        if name in snapshot:
            value = snapshot[name]
            setattr(product, name, Decimal(value) if name in RATE_FIELDS else value)


def terms_of(product: Product) -> dict[str, Any]:
    """The product's current terms, as a version keeps them."""
    return _snapshot({name: getattr(product, name) for name in TERM_FIELDS})


def _new_version(session: Session, product: Product, *, snapshot: dict[str, Any], status: VersionStatus,
                 principal: Principal | None, note: str = "") -> ProductVersion:
    number = (session.scalar(select(func.max(ProductVersion.number))
                             .where(ProductVersion.product_id == product.id)) or 0) + 1
    now = clock.now()
    version = ProductVersion(product_id=product.id, number=number, terms=snapshot, status=status, note=note,
                             created_by_user_id=principal.user_id if principal else None, created_at=now,
                             submitted_at=now if status is VersionStatus.PENDING_REVIEW else None)
    session.add(version)
    session.flush()
    return version


def create(session: Session, *, principal: Principal, product_in: ProductCreate) -> Product:
    """Create a draft product of the caller's bank, with its first version."""
    if principal.organisation_kind != OrgKind.BANK:
        raise InvalidProduct("只有银行可以创建金融产品", message_en="only banks create products")
    terms = _checked_terms(product_in)
    if session.scalars(select(Product).where(Product.code == product_in.code)).first() is not None:
        raise InvalidProduct(f"产品代码“{product_in.code}”已被使用", message_en="product code taken")
    product = Product(**terms, code=product_in.code, bank_organisation_id=principal.organisation_id,
                      status=ProductStatus.DRAFT, created_at=clock.now())
    session.add(product)
    session.flush()
    version = _new_version(session, product, snapshot=_snapshot(terms), status=VersionStatus.DRAFT,
                           principal=principal, note="创建")
    product.current_version_id = version.id
    session.flush()
    audit_service.record(session, action="products.created", actor=principal, subject_type="product",
                         subject_id=product.id, detail={"version": version.number})
    return product


def _pending(session: Session, product: Product) -> ProductVersion | None:
    return session.scalars(select(ProductVersion).where(
        ProductVersion.product_id == product.id, ProductVersion.status == VersionStatus.PENDING_REVIEW,
    ).order_by(ProductVersion.number.desc())).first()


def update(session: Session, *, principal: Principal, product_id: int, product_in: ProductUpdate) -> ProductVersion:
    """New terms for the caller's product, as a new version: a draft's terms change at once; a product on (or off)
    the shelf keeps selling on its version while the new one waits for the platform's review."""
    product = get_own(session, principal=principal, product_id=product_id)
    terms = _checked_terms(product_in)
    status = ProductStatus(product.status)
    if status is ProductStatus.PENDING_REVIEW or _pending(session, product) is not None:
        raise ProductStateError("该产品有待审核的版本，审核完成前不能再修改",
                                message_en="a version of this product waits for review")
    note = product_in.note.strip() or "修改条款"
    if status in (ProductStatus.DRAFT, ProductStatus.RETURNED):
        version = _new_version(session, product, snapshot=_snapshot(terms), status=VersionStatus.DRAFT,
                               principal=principal, note=note)
        _apply(product, version.terms)
        product.current_version_id, product.status = version.id, ProductStatus.DRAFT
    else:
        version = _new_version(session, product, snapshot=_snapshot(terms), status=VersionStatus.PENDING_REVIEW,
                               principal=principal, note=note)
    session.flush()
    audit_service.record(session, action="products.version_created", actor=principal, subject_type="product",
                         subject_id=product.id, detail={"version": version.number, "status": version.status})
    return version


def submit(session: Session, *, principal: Principal, product_id: int) -> Product:
    """Send the caller's draft (or returned, or withdrawn) product to the platform's review (待审核)."""
    product = get_own(session, principal=principal, product_id=product_id)
    status = ProductStatus(product.status)
    if status not in (ProductStatus.DRAFT, ProductStatus.RETURNED, ProductStatus.WITHDRAWN):
        raise ProductStateError(f"当前状态（{status.value}）不能提交审核", message_en="product cannot be submitted now")
    current = session.get(ProductVersion, product.current_version_id) if product.current_version_id else None
    if current is not None and current.status == VersionStatus.DRAFT:
        current.status, current.submitted_at = VersionStatus.PENDING_REVIEW, clock.now()
        version = current
    else:  # returned or withdrawn: the current terms again, as a new version to review
        version = _new_version(session, product, snapshot=terms_of(product), status=VersionStatus.PENDING_REVIEW,
                               principal=principal, note="重新提交审核" if current else "提交审核")
    product.status = ProductStatus.PENDING_REVIEW
    product.current_version_id = version.id
    session.flush()
    audit_service.record(session, action="products.submitted", actor=principal, subject_type="product",
                         subject_id=product.id, detail={"version": version.number})
    return product


def review(session: Session, *, principal: Principal, product_id: int, approve: bool, note: str = "") -> Product:
    """The platform administrator's review of the version waiting: put it on the shelf (上架), or return it to the
    bank with a reason. A new version of a product on sale replaces the old one on approval; returned, the old one
    stays on sale."""
    if not principal.is_platform_admin:
        raise Forbidden("只有平台管理员可以审核金融产品", message_en="only the platform reviews products")
    product = get(session, product_id=product_id)
    version = _pending(session, product)
    if version is None:
        raise ProductStateError("该产品没有待审核的版本", message_en="no version waits for review")
    now = clock.now()
    note = note.strip()
    if not approve and not note:
        raise InvalidProduct("退回时请填写原因", message_en="a return needs a reason")
    version.reviewed_by_user_id, version.reviewed_at, version.review_note = principal.user_id, now, note or None
    if approve:
        for previous in session.scalars(select(ProductVersion).where(
                ProductVersion.product_id == product.id, ProductVersion.status == VersionStatus.APPROVED)):
            previous.status = VersionStatus.SUPERSEDED
        version.status = VersionStatus.APPROVED
        _apply(product, version.terms)
        product.current_version_id, product.review_note = version.id, None
        if product.status != ProductStatus.PUBLISHED:
            product.status, product.published_at = ProductStatus.PUBLISHED, now
    else:
        version.status = VersionStatus.RETURNED
        product.review_note = note
        if product.status == ProductStatus.PENDING_REVIEW:
            product.status = ProductStatus.RETURNED
    session.flush()
    audit_service.record(session, action="products.approved" if approve else "products.returned", actor=principal,
                         subject_type="product", subject_id=product.id,
                         detail={"version": version.number, **({"note": note} if note else {})})
    return product


def withdraw(session: Session, *, principal: Principal, product_id: int, note: str = "") -> Product:
    """The bank takes its product off the shelf (下架): no new application; orders made stay as they are."""
    product = get_own(session, principal=principal, product_id=product_id)
    if product.status != ProductStatus.PUBLISHED:
        raise ProductStateError("只有已上架的产品可以下架", message_en="only a product on the shelf is withdrawn")
    product.status = ProductStatus.WITHDRAWN
    session.flush()
    audit_service.record(session, action="products.withdrawn", actor=principal, subject_type="product",
                         subject_id=product.id, detail={"note": note.strip()} if note.strip() else None)
    return product


def publish(session: Session, *, principal: Principal, product_id: int) -> Product:
    """Put a draft of the caller's bank straight on the shelf: the seeding shortcut (the demo, tests) for submitting
    and approving in one step, audited as a publication; a platform's review is the way of the portal and API."""
    product = get_own(session, principal=principal, product_id=product_id)
    if product.status == ProductStatus.PUBLISHED:
        return product
    current = session.get(ProductVersion, product.current_version_id) if product.current_version_id else None
    if current is None or current.status not in (VersionStatus.DRAFT, VersionStatus.PENDING_REVIEW):
        current = _new_version(session, product, snapshot=terms_of(product), status=VersionStatus.DRAFT,
                               principal=principal, note="发布")
    now = clock.now()
    current.status, current.submitted_at, current.reviewed_at = VersionStatus.APPROVED, now, now
    product.current_version_id = current.id
    product.status = ProductStatus.PUBLISHED
    product.published_at = now
    audit_service.record(session, action="products.published", actor=principal, subject_type="product",
                         subject_id=product.id, detail={"version": current.number})
    session.flush()
    return product


def list_versions(session: Session, *, principal: Principal, product_id: int) -> Sequence[ProductVersion]:
    """Every version of a product of the caller's bank (the platform sees all), newest first."""
    product = get_own(session, principal=principal, product_id=product_id)
    return session.scalars(select(ProductVersion).where(ProductVersion.product_id == product.id)
                           .order_by(ProductVersion.number.desc())).all()


def get_version(session: Session, *, version_id: int) -> ProductVersion:
    """One version of a product's terms, by id."""
    version = session.get(ProductVersion, version_id)
    if version is None:
        raise ProductNotFound("未找到该产品版本", message_en="product version not found")
    return version


def list_pending_review(session: Session) -> Sequence[Product]:
    """Products with a version waiting for the platform's review, oldest submission first."""
    ids = select(ProductVersion.product_id).where(ProductVersion.status == VersionStatus.PENDING_REVIEW)
    return session.scalars(select(Product).where(Product.id.in_(ids)).order_by(Product.id)).all()


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
    problems = policy.problems_with(product_in, lpr=get_settings().lpr_one_year)
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
    current = session.get(ProductVersion, product.current_version_id) if product.current_version_id else None
    if current is None or current.terms != terms_of(product):
        for previous in session.scalars(select(ProductVersion).where(
                ProductVersion.product_id == product.id, ProductVersion.status == VersionStatus.APPROVED)):
            previous.status = VersionStatus.SUPERSEDED
        version = _new_version(session, product, snapshot=terms_of(product), status=VersionStatus.APPROVED,
                               principal=None, note=f"来自{served_by_node}节点")
        product.current_version_id = version.id
        session.flush()
    audit_service.record(session, action="products.network_received", actor=audit_service.Actor.system("network"),
                         subject_type="product", subject_id=product.id,
                         detail={"served_by_node": served_by_node, "status": product.status})
    return product



# ---- the financial supermarket (金融超市): the public shelf ----

SORTS = ("rate", "max_amount", "newest")


@dataclass(frozen=True)
class ShelfFilters:
    """What the public asks of the shelf: words to search, a need to fit, a kind, lender or guarantee, an order."""

    q: str | None = None  # in the name, the lender's name or the description
    amount_fen: int | None = None  # a need: the product lends this much (minimum ≤ amount ≤ maximum)
    term_months: int | None = None  # a need: the product offers a term this long
    max_rate: Decimal | None = None  # the product's lowest rate is at most this
    kind: str | None = None
    lender_id: int | None = None
    guarantee_arrangement: str | None = None
    sort: str = "rate"  # "rate" (lowest first), "max_amount" (largest first) or "newest"
    limit: int = 100
    offset: int = 0


_LineSource = Callable[[Session, int], int]
_MemberSource = Callable[[Session, int], bool]
_live_lines: _LineSource = lambda session, enterprise_id: 0  # noqa: E731
_chain_member: _MemberSource = lambda session, enterprise_id: False  # noqa: E731


def use_live_lines(source: _LineSource) -> None:
    """Let matching count the firm's live credit lines (loans sit above products; the application wires it)."""
    global _live_lines
    _live_lines = source


def use_chain_membership(source: _MemberSource) -> None:
    """Let matching know whether the firm is a confirmed member of an industry-chain community (wired by the
    application once communities exist; until then nobody is)."""
    global _chain_member
    _chain_member = source


def _lender_names(session: Session) -> dict[int, str]:
    return {o.id: o.name for o in identity_service.list_organisations(session, kind=OrgKind.BANK)}


# A product as the shelf reads it: its table row (a `Row` of `product`'s columns reads like the entity, lighter).
ProductRow = Product | Row[Any]


def shelf_read(product: ProductRow, *, lender_name: str, version_number: int | None = None,
               rules: Sequence[eligibility.Rule] | None = None) -> ShelfProductRead:
    """A product as the shelf shows it: its terms in words and its lender's name (`rules`: its eligibility rules
    already read)."""
    if rules is None:
        rules = eligibility.load_all(product.eligibility or [])
    methods = [RepaymentMethod(m) for m in product.repayment_methods]
    terms = sorted(int(t) for t in product.term_options)
    line_rule = dict(product.line_rule or {"kind": "evaluated"})
    line_label = LINE_RULE_LABELS[LineRuleKind(line_rule.get("kind", "evaluated"))]
    if line_rule.get("kind") == LineRuleKind.PER_MU.value:
        line_label = (f"按{line_rule.get('crop')}种植面积核定：每亩{int(line_rule['amount_per_mu_fen']) // 100}元，"
                      f"最高{product.max_line_fen // 100}元")
    return ShelfProductRead(
        id=product.id, code=product.code, name=product.name, description=product.description,
        lender_id=product.bank_organisation_id, lender_name=lender_name, kind=ProductKind(product.kind),
        kind_label=PRODUCT_KIND_LABELS[ProductKind(product.kind)], rate_mode=RateMode(product.rate_mode),
        min_rate=product.min_rate, max_rate=product.max_rate, guarantee_fee_rate=product.guarantee_fee_rate,
        min_amount_fen=product.min_amount_fen, max_line_fen=product.max_line_fen, min_term_months=terms[0],
        max_term_months=terms[-1], term_options=terms, repayment_methods=methods,
        repayment_method_labels=[REPAYMENT_METHOD_LABELS[m] for m in methods],
        guarantee_arrangement=GuaranteeArrangement(product.guarantee_arrangement),
        guarantee_arrangement_label=GUARANTEE_ARRANGEMENT_LABELS[GuaranteeArrangement(product.guarantee_arrangement)],
        line_rule=line_rule, line_rule_label=line_label, requirements=[eligibility.describe(r) for r in rules],
        required_documents=list(product.required_documents or []), version_number=version_number,
        published_at=product.published_at,
    )


def _version_numbers(session: Session, version_ids: Collection[int | None]) -> dict[int, int]:
    wanted = sorted({v for v in version_ids if v is not None})
    if not wanted:
        return {}
    rows = session.execute(select(ProductVersion.id, ProductVersion.number).where(ProductVersion.id.in_(wanted)))
    return {version_id: number for version_id, number in rows}


def list_shelf(session: Session, *, filters: ShelfFilters) -> list[ShelfProductRead]:
    """The products on the shelf that fit the filters, in the order asked, with their lenders' names."""
    query = select(Product).where(Product.status == ProductStatus.PUBLISHED)
    if filters.amount_fen is not None:
        query = query.where(Product.min_amount_fen <= filters.amount_fen, Product.max_line_fen >= filters.amount_fen)
    if filters.max_rate is not None:
        query = query.where(Product.min_rate <= filters.max_rate)
    if filters.kind is not None:
        query = query.where(Product.kind == filters.kind)
    if filters.lender_id is not None:
        query = query.where(Product.bank_organisation_id == filters.lender_id)
    if filters.guarantee_arrangement is not None:
        query = query.where(Product.guarantee_arrangement == filters.guarantee_arrangement)
    products = list(session.scalars(query.order_by(Product.id)))
    names = _lender_names(session)
    if filters.term_months is not None:
        products = [p for p in products if filters.term_months in {int(t) for t in p.term_options}]
    if filters.q:
        words = filters.q.strip().lower()
        products = [p for p in products if words in p.name.lower() or words in p.description.lower()
                    or words in names.get(p.bank_organisation_id, "").lower()]
    if filters.sort == "max_amount":
        products.sort(key=lambda p: (-p.max_line_fen, p.id))
    elif filters.sort == "newest":
        products.sort(key=lambda p: (p.published_at or p.created_at, p.id), reverse=True)
    else:
        products.sort(key=lambda p: (p.min_rate, p.max_rate, p.id))
    page = products[filters.offset: filters.offset + filters.limit]
    numbers = _version_numbers(session, [p.current_version_id for p in page])
    return [shelf_read(p, lender_name=names.get(p.bank_organisation_id, ""),
                       version_number=numbers.get(p.current_version_id or 0)) for p in page]


def shelf_product(session: Session, *, product_id: int) -> ShelfProductRead:
    """One product on the shelf, with its lender's name (404 when it is not on sale)."""
    product = get_published(session, product_id=product_id)
    lender = identity_service.get_organisation(session, organisation_id=product.bank_organisation_id).name
    numbers = _version_numbers(session, [product.current_version_id])
    return shelf_read(product, lender_name=lender, version_number=numbers.get(product.current_version_id or 0))


# ---- smart matching (智能匹配) ----

# The pre-assessment's bounds when it runs once for every product: no product's cap, so that its line is the line
# the firm's scale supports (each product then caps it, `matching.estimated_line`).
REFERENCE_BOUNDS = ProductBounds(min_rate=Decimal("0.01"), max_rate=Decimal("0.24"),
                                 max_line_fen=10**13, min_amount_fen=0)
AGRI_ITEM = "agri_entity"
PLANTING_AREA_KEYS = ("planted_area_mu", "area_mu", "planted_area")


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() and number >= 0 else None


def planted_area(records: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Decimal]:
    """Crop → planted 亩 from the firm's agricultural credit records ((item code, data) pairs): a record naming a
    crop and its planted area (the agricultural database's planting records), else the recognised main product and
    its operated area (新型农业经营主体认定); the largest figure of each crop."""
    area: dict[str, Decimal] = {}
    for code, data in records:
        crop = data.get("crop") or (data.get("main_product") if code == AGRI_ITEM else None)
        size = next((data[k] for k in PLANTING_AREA_KEYS if data.get(k) not in (None, "")), None)
        if size is None and code == AGRI_ITEM:
            size = data.get("land_area")
        amount = _decimal(size) if size is not None else None
        if isinstance(crop, str) and crop.strip() and amount is not None:
            area[crop.strip()] = max(area.get(crop.strip(), Decimal(0)), amount)
    return area


def firm_profile(session: Session, *, enterprise_id: int, credit_grade: str | None = None) -> FirmProfile:
    """What the eligibility rules look at about the firm today, read from the registry and its credit records (the
    planted area of each crop: the agricultural database's current season, else the recognised main product)."""
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    today = clock.today()
    categories = {item.id: (item.code, item.category_code) for item in creditdata_service.list_items(session)}
    latest: dict[str, date] = {}
    agricultural: list[tuple[str, dict[str, Any]]] = []
    dishonest = False
    for record in creditdata_service.records_known_by(session, enterprise_id=enterprise_id, as_of=today):
        code, category = categories.get(record.catalogue_item_id, ("", ""))
        day = record.fact_date or record.received_at.date()
        if day > latest.get(category, date.min):
            latest[category] = day
        if code == "serious_dishonesty" and not record.data.get("removed_date"):
            dishonest = True
        if category == "C13":
            agricultural.append((code, dict(record.data)))
    return FirmProfile(
        entity_kind=enterprise.kind, industry_code=enterprise.industry_code, area_code=enterprise.district_area.code,
        area_name=enterprise.district_area.name, registration_date=enterprise.registration_date, as_of=today,
        credit_grade=credit_grade, latest_record_by_category=latest, serious_dishonesty=dishonest,
        planted_mu={**planted_area(agricultural),
                    **creditdata_service.agricultural_facts(session, enterprise_id=enterprise_id,
                                                            as_of=today).planted_area_by_crop},
        chain_member=_chain_member(session, enterprise_id),
        live_lines=_live_lines(session, enterprise_id),
    )


def candidate_of(product: ProductRow) -> matching.Candidate:
    """A product as matching reads it."""
    return matching.Candidate(
        product_id=product.id, name=product.name, min_rate=product.min_rate, max_rate=product.max_rate,
        fee_rate=product.guarantee_fee_rate, min_amount_fen=product.min_amount_fen,
        max_line_fen=product.max_line_fen, rate_mode=product.rate_mode,
        guarantee_arrangement=product.guarantee_arrangement,
        rules=tuple(eligibility.load_all(product.eligibility or [])), line_rule=dict(product.line_rule or {}),
    )


def evaluation_of(estimate: Estimate) -> matching.Evaluation:
    """The pre-assessment made under `REFERENCE_BOUNDS`, as matching reads it."""
    return matching.Evaluation(score=estimate.score, grade=estimate.grade, pd=estimate.pd,
                               scale_line_fen=estimate.line_fen, outcome=estimate.outcome,
                               broken_rules=tuple(estimate.broken_rules))


def match(session: Session, *, principal: Principal, enterprise_id: int, ip_address: str | None = None) -> MatchRead:
    """Every product on the shelf for the caller's own firm: eligible ones ranked by expected outcome, the others
    apart with the rules that exclude them. The pre-assessment runs once (recorded as a credit decision); the
    shelf is read in one query and matched in memory; the read of the firm's credit information is authorised as
    the firm's own and audited."""
    standing = credit_file.require_access(session, principal=principal, enterprise_id=enterprise_id,
                                          purpose_ref=None, ip_address=ip_address)
    if standing.access is not creditdata_service.Access.OWN:
        raise Forbidden("只能查看本企业的产品匹配结果", message_en="matching is for the firm's own people")
    estimate = scoring_service.pre_assess(session, enterprise_id=enterprise_id, bounds=REFERENCE_BOUNDS)
    profile = firm_profile(session, enterprise_id=enterprise_id, credit_grade=estimate.grade)
    products = session.execute(select(*Product.__table__.columns).where(Product.status == ProductStatus.PUBLISHED)
                               .order_by(Product.id)).all()
    by_id = {p.id: p for p in products}
    candidates = {p.id: candidate_of(p) for p in products}
    outcome = matching.rank(evaluation_of(estimate), list(candidates.values()), profile,
                            ceiling=policy.rate_ceiling(get_settings().lpr_one_year))
    names = _lender_names(session)
    numbers = _version_numbers(session, [p.current_version_id for p in products])

    def shelf(product_id: int) -> ShelfProductRead:
        product = by_id[product_id]
        return shelf_read(product, lender_name=names.get(product.bank_organisation_id, ""),
                          version_number=numbers.get(product.current_version_id or 0),
                          rules=candidates[product_id].rules)

    audit_service.record(session, action="products.matched", actor=principal, subject_type="enterprise",
                         subject_id=enterprise_id, enterprise_id=enterprise_id, purpose="self_query",
                         ip_address=ip_address,
                         detail={"assessor": estimate.assessor, "decision_id": estimate.decision_id,
                                 "eligible": len(outcome.eligible), "ineligible": len(outcome.ineligible)})
    return MatchRead(
        enterprise_id=enterprise_id, as_of=clock.now(), score=estimate.score, grade=estimate.grade, pd=estimate.pd,
        assessor=estimate.assessor,
        eligible=[MatchedProductRead(
            rank=r.rank, product=shelf(r.candidate.product_id), approval_probability=round(r.approval_probability, 4),
            estimated_rate=r.estimated_rate, estimated_line_fen=r.estimated_line_fen,
            expected_value_fen=r.expected_value_fen, reasons=[said.zh for said in r.reasons],
            reasons_en=[said.en for said in r.reasons]) for r in outcome.eligible],
        ineligible=[IneligibleProductRead(
            product=shelf(e.candidate.product_id), failures=[f.text for f in e.failures],
            failures_en=[f.text_en for f in e.failures]) for e in outcome.ineligible],
    )


# Statistics (read by reporting) ---------------------------------------------------------------------------------


def count_products_by_kind(session: Session, *, until: datetime) -> dict[str, int]:
    """Products first put on sale before `until`, by kind (one grouped query; a product later taken off the
    shelf still counts: it was offered)."""
    rows = session.execute(select(Product.kind, func.count())
                           .where(Product.published_at.is_not(None), Product.published_at < until)
                           .group_by(Product.kind)).all()
    return {str(kind): int(n) for kind, n in rows}


def product_ids_of_kinds(kinds: Collection[str]) -> Select[int]:
    """The ids of the products of the given kinds, as a select another context can filter by."""
    return select(Product.id).where(Product.kind.in_(list(kinds)))
