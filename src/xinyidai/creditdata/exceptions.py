"""Errors of credit information."""

from __future__ import annotations

from xinyidai.errors import DomainError, Forbidden, NotFound


class CatalogueItemNotFound(NotFound):
    """No such sub-category in the catalogue."""

    code = "catalogue_item_not_found"


class InvalidCatalogueChange(DomainError):
    """An edit of the catalogue that would break its records or its files."""

    code = "invalid_catalogue_change"


class NotTheSource(Forbidden):
    """The caller's organisation is not the source department of this sub-category."""

    code = "not_the_source"


class DeliveryRefused(DomainError):
    """A whole delivery refused: wrong columns, an empty or cut-off file, a channel the catalogue does not take."""

    code = "delivery_refused"


class CommitmentNotFound(NotFound):
    """No such credit commitment."""

    code = "commitment_not_found"


class InvalidSelfReport(DomainError):
    """Self-reported information that breaks a rule."""

    code = "invalid_self_report"


class RecordNotFound(NotFound):
    """No such credit record (or not one of this entity's)."""

    code = "record_not_found"


class InvalidCorrection(DomainError):
    """A correction that is not a new version of the same fact."""

    code = "invalid_correction"
