"""REST API of the district's policy articles: public reading, the platform administrator's writing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from xinyidai.auth.dependencies import PlatformAdminDep, Public
from xinyidai.products.supermarket import service
from xinyidai.products.supermarket.schemas import PolicyArticleCreate, PolicyArticleRead, PolicyArticleUpdate
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep

router = APIRouter(prefix="/api/v1/policy-articles", tags=["products"])


@router.get("", response_model=list[PolicyArticleRead], dependencies=[Depends(Public())])
def list_articles(session: SessionDep,
                  q: Annotated[Text | None, Query(max_length=50)] = None) -> list[PolicyArticleRead]:
    """The district's published financing policies, the newest first (public)."""
    return [PolicyArticleRead.model_validate(a) for a in service.list_published(session, q=q)]


@router.get("/{article_id}", response_model=PolicyArticleRead, dependencies=[Depends(Public())])
def get_article(session: SessionDep, article_id: IdPath) -> PolicyArticleRead:
    """One published policy (public)."""
    return PolicyArticleRead.model_validate(service.get_published(session, article_id=article_id))


@router.post("", response_model=PolicyArticleRead, status_code=201)
def create_article(session: SessionDep, principal: PlatformAdminDep,
                   article_in: PolicyArticleCreate) -> PolicyArticleRead:
    """The platform administrator writes a draft policy article."""
    return PolicyArticleRead.model_validate(service.create(session, principal=principal, article_in=article_in))


@router.put("/{article_id}", response_model=PolicyArticleRead)
def update_article(session: SessionDep, principal: PlatformAdminDep, article_id: IdPath,
                   article_in: PolicyArticleUpdate) -> PolicyArticleRead:
    """The platform administrator corrects an article."""
    return PolicyArticleRead.model_validate(
        service.update(session, principal=principal, article_id=article_id, article_in=article_in))


@router.post("/{article_id}/publish", response_model=PolicyArticleRead)
def publish_article(session: SessionDep, principal: PlatformAdminDep, article_id: IdPath) -> PolicyArticleRead:
    """Show an article on the public policy pages."""
    return PolicyArticleRead.model_validate(service.publish(session, principal=principal, article_id=article_id))


@router.post("/{article_id}/retire", response_model=PolicyArticleRead)
def retire_article(session: SessionDep, principal: PlatformAdminDep, article_id: IdPath) -> PolicyArticleRead:
    """Take an article off the public pages (it is kept)."""
    return PolicyArticleRead.model_validate(service.retire(session, principal=principal, article_id=article_id))
