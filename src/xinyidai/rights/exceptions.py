"""Errors of the information subject's rights procedures."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class ObjectionNotFound(NotFound):
    """No such objection, or not one the caller is a party to."""

    code = "objection_not_found"


class RepairNotFound(NotFound):
    """No such credit-repair application, or not one the caller is a party to."""

    code = "repair_not_found"


class AttachmentNotFound(NotFound):
    """No such attachment, or not one the caller is a party to."""

    code = "attachment_not_found"


class InvalidRightsRequest(DomainError):
    """An objection, answer, application or decision that breaks a rule; the message says which."""

    code = "invalid_rights_request"


class AlreadyInProgress(Conflict):
    """The fact already has an open objection or a pending repair, or the procedure has ended."""

    code = "rights_conflict"


class NotEligibleForRepair(DomainError):
    """The record may not (yet) be repaired; the message gives the reasons."""

    code = "not_eligible_for_repair"
