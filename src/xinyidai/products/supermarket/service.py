"""Use cases of the district's policy articles: the platform administrator writes, publishes and retires them;
anyone reads what is published."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.products.exceptions import InvalidPolicyArticle, PolicyArticleNotFound
from xinyidai.products.supermarket.models import PolicyArticle
from xinyidai.products.supermarket.schemas import ArticleStatus, PolicyArticleCreate, PolicyArticleUpdate


def _check(article_in: PolicyArticleCreate) -> None:
    if article_in.issued_date > clock.today():
        raise InvalidPolicyArticle("发文日期不能晚于今天", message_en="the issue date is in the future")


def create(session: Session, *, principal: Principal, article_in: PolicyArticleCreate) -> PolicyArticle:
    """Write a draft policy article."""
    _check(article_in)
    now = clock.now()
    article = PolicyArticle(**article_in.model_dump(), status=ArticleStatus.DRAFT,
                            created_by_user_id=principal.user_id, created_at=now, updated_at=now)
    session.add(article)
    session.flush()
    audit_service.record(session, action="products.policy_article_created", actor=principal,
                         subject_type="policy_article", subject_id=article.id)
    return article


def update(session: Session, *, principal: Principal, article_id: int,
           article_in: PolicyArticleUpdate) -> PolicyArticle:
    """Correct an article (a published one stays published, corrected)."""
    article = get(session, article_id=article_id)
    _check(article_in)
    for name, value in article_in.model_dump().items():
        setattr(article, name, value)
    article.updated_at = clock.now()
    session.flush()
    audit_service.record(session, action="products.policy_article_updated", actor=principal,
                         subject_type="policy_article", subject_id=article.id)
    return article


def publish(session: Session, *, principal: Principal, article_id: int) -> PolicyArticle:
    """Show an article on the public policy pages."""
    article = get(session, article_id=article_id)
    if article.status != ArticleStatus.PUBLISHED:
        article.status, article.published_at = ArticleStatus.PUBLISHED, clock.now()
        session.flush()
        audit_service.record(session, action="products.policy_article_published", actor=principal,
                             subject_type="policy_article", subject_id=article.id)
    return article


def retire(session: Session, *, principal: Principal, article_id: int) -> PolicyArticle:
    """Take an article off the public pages (a policy that expired or was replaced); it is kept."""
    article = get(session, article_id=article_id)
    if article.status != ArticleStatus.RETIRED:
        article.status = ArticleStatus.RETIRED
        session.flush()
        audit_service.record(session, action="products.policy_article_retired", actor=principal,
                             subject_type="policy_article", subject_id=article.id)
    return article


def get(session: Session, *, article_id: int) -> PolicyArticle:
    """An article, whatever its status (for the administrator)."""
    article = session.get(PolicyArticle, article_id)
    if article is None:
        raise PolicyArticleNotFound("未找到该政策", message_en="policy article not found")
    return article


def get_published(session: Session, *, article_id: int) -> PolicyArticle:
    """A published article (for the public)."""
    article = session.get(PolicyArticle, article_id)
    if article is None or article.status != ArticleStatus.PUBLISHED:
        raise PolicyArticleNotFound("该政策不存在或已停用", message_en="policy article not found or retired")
    return article


def list_published(session: Session, *, q: str | None = None, limit: int = 100) -> Sequence[PolicyArticle]:
    """Published articles, the newest policy first, optionally those whose title, issuer, number or summary holds
    `q`."""
    query = select(PolicyArticle).where(PolicyArticle.status == ArticleStatus.PUBLISHED)
    if q:
        like = f"%{q}%"
        query = query.where(or_(PolicyArticle.title.like(like), PolicyArticle.issuer.like(like),
                                PolicyArticle.document_no.like(like), PolicyArticle.summary.like(like)))
    return session.scalars(query.order_by(PolicyArticle.issued_date.desc(), PolicyArticle.id.desc())
                           .limit(limit)).all()


def list_all(session: Session) -> Sequence[PolicyArticle]:
    """Every article, for the administrator, the newest first."""
    return session.scalars(select(PolicyArticle).order_by(PolicyArticle.id.desc())).all()

