"""Errors of scoring: the model registry and credit decisions."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, Forbidden, NotFound


class InvalidModel(DomainError):
    """A model directory that cannot be registered."""

    code = "invalid_model"


class ModelVersionNotFound(NotFound):
    """No such model version."""

    code = "model_version_not_found"


class ModelAlreadyRegistered(Conflict):
    """The same files, or the same version label, are registered already."""

    code = "model_already_registered"


class ModelAdminOnly(Forbidden):
    """Only the platform administrator manages model versions."""

    code = "model_admin_only"


class DecisionNotFound(NotFound):
    """No such credit decision."""

    code = "decision_not_found"


class BatchRunRefused(Conflict):
    """A batch scoring run that cannot start: no champion, a future date, or the run already claimed."""

    code = "batch_run_refused"


class ScoringRunNotFound(NotFound):
    """No such scoring run."""

    code = "scoring_run_not_found"
