"""Errors of products."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class InvalidProduct(DomainError):
    """Product terms that break a rule."""

    code = "invalid_product"


class ProductNotFound(NotFound):
    """No such product, or not visible to the caller."""

    code = "product_not_found"


class InvalidPolicyArticle(DomainError):
    """A policy article that breaks a rule."""

    code = "invalid_policy_article"


class PolicyArticleNotFound(NotFound):
    """No such policy article, or not published."""

    code = "policy_article_not_found"


class ProductStateError(Conflict):
    """A step the product's state does not allow now (a review with nothing waiting, a second pending version)."""

    code = "product_state"
