"""REST API of products."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from xinyidai.auth.dependencies import BankManagerDep, Public
from xinyidai.products import service
from xinyidai.products.schemas import ProductCreate, ProductRead
from xinyidai.web import IdPath, SessionDep

router = APIRouter(prefix="/api/v1/products", tags=["products"])



@router.get("", response_model=list[ProductRead], dependencies=[Depends(Public())])
def list_products(session: SessionDep) -> list[ProductRead]:
    """Published products (the product supermarket is public)."""
    return [ProductRead.model_validate(p) for p in service.list_published(session)]


@router.get("/{product_id}", response_model=ProductRead, dependencies=[Depends(Public())])
def get_product(session: SessionDep, product_id: IdPath) -> ProductRead:
    """One published product."""
    return ProductRead.model_validate(service.get_published(session, product_id=product_id))


@router.post("", response_model=ProductRead, status_code=201)
def create_product(
    session: SessionDep, principal: BankManagerDep, product_in: ProductCreate
) -> ProductRead:
    """A bank creates a draft product."""
    return ProductRead.model_validate(service.create(session, principal=principal, product_in=product_in))


@router.post("/{product_id}/publish", response_model=ProductRead)
def publish_product(
    session: SessionDep, principal: BankManagerDep, product_id: IdPath
) -> ProductRead:
    """A bank publishes its product."""
    return ProductRead.model_validate(service.publish(session, principal=principal, product_id=product_id))
