"""Errors of products."""

from __future__ import annotations

from xinyidai.errors import DomainError, NotFound


class InvalidProduct(DomainError):
    """Product terms that break a rule."""

    code = "invalid_product"


class ProductNotFound(NotFound):
    """No such product, or not visible to the caller."""

    code = "product_not_found"
