"""REST API of products: the public shelf, a firm's matches, a bank's drafting and the platform's review."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from xinyidai.auth.dependencies import (
    BankManagerDep,
    EnterpriseUserDep,
    PlatformAdminDep,
    ProductKeeperDep,
    Public,
)
from xinyidai.errors import Forbidden
from xinyidai.money import MAX_FEN
from xinyidai.products import service
from xinyidai.products.enums import GuaranteeArrangement, ProductKind
from xinyidai.products.schemas import (
    MatchRead,
    ProductCreate,
    ProductRead,
    ProductReviewCreate,
    ProductUpdate,
    ProductVersionRead,
    ProductWithdrawCreate,
    ShelfProductRead,
)
from xinyidai.text import Text
from xinyidai.web import IdPath, IdQuery, SessionDep, client_ip

router = APIRouter(prefix="/api/v1/products", tags=["products"])


@router.get("", response_model=list[ShelfProductRead], dependencies=[Depends(Public())])
def list_products(
    session: SessionDep,
    q: Annotated[Text | None, Query(max_length=50, description="words in the name, lender or description")] = None,
    amount_fen: Annotated[int | None, Query(gt=0, le=MAX_FEN, description="a need the product lends")] = None,
    term_months: Annotated[int | None, Query(ge=1, le=360)] = None,
    max_rate: Annotated[Decimal | None, Query(gt=0, le=1, description="the product's lowest rate at most")] = None,
    kind: ProductKind | None = None,
    lender_id: IdQuery | None = None,
    guarantee: GuaranteeArrangement | None = None,
    sort: Literal["rate", "max_amount", "newest"] = "rate",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[ShelfProductRead]:
    """The shelf of the financial supermarket (public): search, filter and sort the products on sale."""
    return service.list_shelf(session, filters=service.ShelfFilters(
        q=q, amount_fen=amount_fen, term_months=term_months, max_rate=max_rate, kind=kind, lender_id=lender_id,
        guarantee_arrangement=guarantee, sort=sort, limit=limit, offset=offset))


@router.get("/matches", response_model=MatchRead)
def my_matches(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> MatchRead:
    """Every product on the shelf ranked for the caller's own firm, the ineligible apart with their reasons."""
    if principal.enterprise_id is None:
        raise Forbidden("当前账号未关联企业", message_en="the account has no firm")
    return service.match(session, principal=principal, enterprise_id=principal.enterprise_id,
                         ip_address=client_ip(request))


@router.get("/mine", response_model=list[ProductRead])
def my_products(session: SessionDep, principal: BankManagerDep) -> list[ProductRead]:
    """Every product of the caller's bank, whatever its status."""
    return [ProductRead.model_validate(p)
            for p in service.list_for_bank(session, organisation_id=principal.organisation_id)]


@router.get("/pending-review", response_model=list[ProductRead])
def pending_review(session: SessionDep, principal: PlatformAdminDep) -> list[ProductRead]:
    """Products with a version waiting for the platform's review."""
    return [ProductRead.model_validate(p) for p in service.list_pending_review(session)]


@router.get("/{product_id}", response_model=ShelfProductRead, dependencies=[Depends(Public())])
def get_product(session: SessionDep, product_id: IdPath) -> ShelfProductRead:
    """One product on the shelf, with its lender's name (public)."""
    return service.shelf_product(session, product_id=product_id)


@router.post("", response_model=ProductRead, status_code=201)
def create_product(
    session: SessionDep, principal: BankManagerDep, product_in: ProductCreate
) -> ProductRead:
    """A bank drafts a product (version 1)."""
    return ProductRead.model_validate(service.create(session, principal=principal, product_in=product_in))


@router.put("/{product_id}", response_model=ProductVersionRead)
def update_product(
    session: SessionDep, principal: BankManagerDep, product_id: IdPath, product_in: ProductUpdate
) -> ProductVersionRead:
    """A bank changes its product's terms: a new version (waiting for review if the product is on the shelf)."""
    return ProductVersionRead.model_validate(
        service.update(session, principal=principal, product_id=product_id, product_in=product_in))


@router.post("/{product_id}/submit", response_model=ProductRead)
def submit_product(session: SessionDep, principal: BankManagerDep, product_id: IdPath) -> ProductRead:
    """A bank sends its product to the platform's review (待审核)."""
    return ProductRead.model_validate(service.submit(session, principal=principal, product_id=product_id))


@router.post("/{product_id}/review", response_model=ProductRead)
def review_product(
    session: SessionDep, principal: PlatformAdminDep, product_id: IdPath, review_in: ProductReviewCreate
) -> ProductRead:
    """The platform administrator puts the waiting version on the shelf (上架) or returns it with a reason."""
    return ProductRead.model_validate(service.review(session, principal=principal, product_id=product_id,
                                                     approve=review_in.approve, note=review_in.note))


@router.post("/{product_id}/withdraw", response_model=ProductRead)
def withdraw_product(
    session: SessionDep, principal: BankManagerDep, product_id: IdPath, withdraw_in: ProductWithdrawCreate
) -> ProductRead:
    """A bank takes its product off the shelf (下架)."""
    return ProductRead.model_validate(service.withdraw(session, principal=principal, product_id=product_id,
                                                       note=withdraw_in.note))


@router.get("/{product_id}/versions", response_model=list[ProductVersionRead])
def product_versions(session: SessionDep, principal: ProductKeeperDep, product_id: IdPath) -> list[ProductVersionRead]:
    """Every version of a product of the caller's bank (the platform sees all), newest first."""
    return [ProductVersionRead.model_validate(v)
            for v in service.list_versions(session, principal=principal, product_id=product_id)]
