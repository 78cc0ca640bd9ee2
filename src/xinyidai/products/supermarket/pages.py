"""The financial supermarket (金融超市) on the portal: the shelf anyone may browse without logging in, each product's
page, the district's policy pages, and the platform administrator's editing of those policies."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError

from xinyidai.auth.dependencies import EnterpriseUserDep, PlatformAdminDep, Public, csrf_protect
from xinyidai.auth.enums import Role
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.consent import service as consent_service
from xinyidai.errors import DomainError
from xinyidai.portal import flash
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.products import service as products_service
from xinyidai.products.enums import (
    GUARANTEE_ARRANGEMENT_LABELS,
    PRODUCT_KIND_LABELS,
    GuaranteeArrangement,
    ProductKind,
)
from xinyidai.products.service import ShelfFilters
from xinyidai.products.supermarket import service
from xinyidai.products.supermarket.schemas import ARTICLE_STATUS_LABELS, PolicyArticleUpdate
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
PublicPage = Depends(Public())

FILTER_LABELS = {"q": "关键词", "lender": "金融机构", "amount_wan": "需要金额", "term_months": "期限",
                 "max_rate_percent": "可接受的最高年利率", "sort": "排序"}
SORTS = {"rate": "利率从低到高", "max_amount": "额度从高到低", "newest": "最新上架"}
FILTER_LABELS = {"q": "关键词", "lender": "金融机构", "amount_wan": "需要金额", "term_months": "期限",
                 "max_rate_percent": "可接受的最高年利率", "kind": "产品类型", "guarantee": "担保方式", "sort": "排序"}
ARTICLE_LABELS = {"title": "标题", "issuer": "发文机关", "document_no": "文号", "issued_date": "发文日期",
                  "summary": "要点", "body": "正文", "source_url": "原文链接"}


class ShelfFilter(BaseModel):
    """What a visitor narrows the shelf by, as the form sends it: words, lender, the amount and term they need, the
    highest rate they accept, the kind of product and of guarantee, and an order."""

    q: str = Field(default="", max_length=50)
    lender: int | None = Field(default=None, ge=1, le=2**62)
    amount_wan: int | None = Field(default=None, ge=1, le=100_000, description="The amount needed, in 万元")
    term_months: int | None = Field(default=None, ge=1, le=360)
    max_rate_percent: Decimal | None = Field(default=None, gt=0, le=100, max_digits=6, decimal_places=3)
    kind: ProductKind | None = None
    guarantee: GuaranteeArrangement | None = None
    sort: Literal["rate", "max_amount", "newest"] = "rate"

    def filters(self) -> ShelfFilters:
        """The shelf's filters this form asks for."""
        return ShelfFilters(
            q=self.q or None, lender_id=self.lender, term_months=self.term_months,
            amount_fen=self.amount_wan * 1_000_000 if self.amount_wan is not None else None,
            max_rate=self.max_rate_percent / 100 if self.max_rate_percent is not None else None,
            kind=self.kind.value if self.kind else None,
            guarantee_arrangement=self.guarantee.value if self.guarantee else None, sort=self.sort)


def _is_firm(request: Request) -> bool:
    principal = getattr(request.state, "principal", None)
    return principal is not None and bool(principal.has_any(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF))


SHELF_LABELS = {"kinds": PRODUCT_KIND_LABELS, "guarantees": GUARANTEE_ARRANGEMENT_LABELS, "sorts": SORTS}


@router.get("/supermarket", response_class=HTMLResponse, dependencies=[PublicPage])
def shelf(request: Request, session: SessionDep) -> Response:
    """The supermarket's shelf: every product on sale, searched, filtered and sorted (no login needed)."""
    errors: list[str] = []
    asked = {k: v.strip() for k, v in request.query_params.items() if k in ShelfFilter.model_fields and v.strip()}
    try:
        want = ShelfFilter.model_validate(asked)
    except ValidationError as exc:
        errors = form_errors(exc, labels=FILTER_LABELS)
        want = ShelfFilter()
    everything = products_service.list_shelf(session, filters=ShelfFilters(limit=1000))
    shown = products_service.list_shelf(session, filters=want.filters())
    return render(request, "products/shelf.html", {
        **SHELF_LABELS, "products": shown, "total": len(everything), "want": want,
        "lenders": dict(sorted({(p.lender_id, p.lender_name) for p in everything}, key=lambda pair: pair[1])),
        "policies": service.list_published(session, limit=3), "is_firm": _is_firm(request), "errors": errors,
    }, status_code=422 if errors else 200)


@router.get("/supermarket/products/{product_id}", response_class=HTMLResponse, dependencies=[PublicPage])
def product_page(request: Request, session: SessionDep, product_id: IdPath) -> Response:
    """One product on sale: its lender, terms, rates, who may apply and how."""
    return render(request, "products/product.html", {
        "product": products_service.shelf_product(session, product_id=product_id), "is_firm": _is_firm(request),
    })


@router.get("/supermarket/matches", response_class=HTMLResponse)
def matches(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> Response:
    """智能匹配: every product on the shelf for the signed-in firm, the eligible ranked by what the firm may expect,
    the others apart with the rules that exclude them."""
    matched = products_service.match(session, principal=principal, enterprise_id=own_enterprise_id(principal),
                                     ip_address=client_ip(request))
    return render(request, "products/matches.html", {
        "matched": matched, "may_bind": consent_service.may_bind_enterprise(principal.roles),
    })


@router.get("/supermarket/policies", response_class=HTMLResponse, dependencies=[PublicPage])
def policies(request: Request, session: SessionDep,
             q: Annotated[Text, Query(max_length=50)] = "") -> Response:
    """The district's financing policies (政策), the newest first."""
    return render(request, "products/policies.html",
                  {"articles": service.list_published(session, q=q.strip() or None), "q": q})


@router.get("/supermarket/policies/{article_id}", response_class=HTMLResponse, dependencies=[PublicPage])
def policy_page(request: Request, session: SessionDep, article_id: IdPath) -> Response:
    """One published policy."""
    return render(request, "products/policy.html", {"article": service.get_published(session, article_id=article_id)})


def _admin_page(request: Request, session: SessionDep, *, editing: int | None = None,
                form: dict[str, str] | None = None, errors: list[str] | None = None,
                status_code: int = 200) -> Response:
    return render(request, "products/policies_admin.html", {
        "articles": service.list_all(session), "status_labels": ARTICLE_STATUS_LABELS, "editing": editing,
        "form": form or {}, "errors": errors or [],
    }, status_code=status_code)


@router.get("/admin/policies", response_class=HTMLResponse)
def admin_policies(request: Request, session: SessionDep, principal: PlatformAdminDep) -> Response:
    """The platform administrator's list of policy articles, with the form for a new one."""
    return _admin_page(request, session)


@router.get("/admin/policies/{article_id}", response_class=HTMLResponse)
def admin_policy(request: Request, session: SessionDep, principal: PlatformAdminDep, article_id: IdPath) -> Response:
    """An article in the editing form."""
    article = service.get(session, article_id=article_id)
    form = {name: str(getattr(article, name) or "") for name in ARTICLE_LABELS}
    return _admin_page(request, session, editing=article.id, form=form)


ArticleField = Annotated[str, Form(max_length=20000)]


def _save(request: Request, session: SessionDep, principal: PlatformAdminDep, article_id: int | None,
          form: dict[str, str]) -> Response:
    try:
        article_in = PolicyArticleUpdate.model_validate({k: (v.strip() or None) if k == "source_url" else v.strip()
                                                         for k, v in form.items()})
        if article_id is None:
            article = service.create(session, principal=principal, article_in=article_in)
        else:
            article = service.update(session, principal=principal, article_id=article_id, article_in=article_in)
    except ValidationError as exc:
        errors = form_errors(exc, {"source_url": "原文链接须以 https:// 开头"}, labels=ARTICLE_LABELS)
        return _admin_page(request, session, editing=article_id, form=form, errors=errors, status_code=422)
    except DomainError as exc:
        session.rollback()
        return _admin_page(request, session, editing=article_id, form=form, errors=[exc.message], status_code=422)
    return flash.redirect(f"/admin/policies/{article.id}", "政策已保存")


@router.post("/admin/policies", response_class=HTMLResponse)
def admin_create_policy(request: Request, session: SessionDep, principal: PlatformAdminDep,
                        title: ArticleField = "", issuer: ArticleField = "", document_no: ArticleField = "",
                        issued_date: ArticleField = "", summary: ArticleField = "", body: ArticleField = "",
                        source_url: ArticleField = "") -> Response:
    """Write a new policy article (a draft)."""
    return _save(request, session, principal, None, {
        "title": title, "issuer": issuer, "document_no": document_no, "issued_date": issued_date,
        "summary": summary, "body": body, "source_url": source_url})


@router.post("/admin/policies/{article_id}", response_class=HTMLResponse)
def admin_update_policy(request: Request, session: SessionDep, principal: PlatformAdminDep, article_id: IdPath,
                        title: ArticleField = "", issuer: ArticleField = "", document_no: ArticleField = "",
                        issued_date: ArticleField = "", summary: ArticleField = "", body: ArticleField = "",
                        source_url: ArticleField = "") -> Response:
    """Correct a policy article."""
    return _save(request, session, principal, article_id, {
        "title": title, "issuer": issuer, "document_no": document_no, "issued_date": issued_date,
        "summary": summary, "body": body, "source_url": source_url})


@router.post("/admin/policies/{article_id}/publish", response_class=HTMLResponse)
def admin_publish_policy(session: SessionDep, principal: PlatformAdminDep, article_id: IdPath) -> Response:
    """Show an article on the public policy pages."""
    service.publish(session, principal=principal, article_id=article_id)
    return flash.redirect("/admin/policies", "政策已发布")


@router.post("/admin/policies/{article_id}/retire", response_class=HTMLResponse)
def admin_retire_policy(session: SessionDep, principal: PlatformAdminDep, article_id: IdPath) -> Response:
    """Take an article off the public pages."""
    service.retire(session, principal=principal, article_id=article_id)
    return flash.redirect("/admin/policies", "政策已停用")
