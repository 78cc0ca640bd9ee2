"""Every input is bounded in its schema, not by the database: a walk of every request model of the API and every
Create/Update schema against the rules of xinyidai.text and xinyidai.money and the ORM's column lengths."""

from __future__ import annotations

import importlib
import pkgutil
import types
import typing
from collections.abc import Iterator
from typing import Any

from annotated_types import MaxLen
from fastapi.routing import APIRoute
from pydantic import BaseModel, Strict
from pydantic.fields import FieldInfo
from sqlalchemy import String

import xinyidai
import xinyidai.models
from xinyidai.db import Base
from xinyidai.main import create_app
from xinyidai.text import check_text


def _modules() -> Iterator[types.ModuleType]:
    for info in pkgutil.walk_packages(xinyidai.__path__, "xinyidai."):
        if info.name.rsplit(".", 1)[-1] in ("schemas", "router"):
            yield importlib.import_module(info.name)


def input_models() -> set[type[BaseModel]]:
    """The API's request bodies and every Create/Update schema, with the models nested in them."""
    found: set[type[BaseModel]] = set()
    for route in create_app().routes:
        if isinstance(route, APIRoute) and route.body_field is not None:
            found.update(_models_in(route.body_field.field_info.annotation))
    for module in _modules():
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseModel) and name.endswith(("Create", "Update")):
                found.add(value)
    for model in list(found):
        for info in model.model_fields.values():
            found.update(_models_in(info.annotation))
    return {m for m in found if m.__module__.startswith("xinyidai.")}


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    return {m for arg in typing.get_args(annotation) for m in _models_in(arg)}


def _leaves(annotation: Any, metadata: list[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """(type, its constraints) of every leaf of an annotation: through Optional, lists, dicts and Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        flat = [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        yield from _leaves(base, metadata + flat)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _leaves(arg, metadata)
    elif origin in (list, dict, set, tuple):
        for arg in typing.get_args(annotation):
            yield from _leaves(arg, [])  # the container's bounds are not its items'
    elif annotation is not type(None):
        yield annotation, metadata


# The tables an input schema's fields are stored in, field by name. A code validated and normalised to a fixed
# length before it is stored (a USCC is exactly 18 characters) may arrive longer, with separators.
SCHEMA_TABLES = {
    "EnterpriseCreate": ("enterprise",), "OrganisationCreate": ("organisation",), "UserCreate": ("user_account",),
    "EnterpriseRegistrationCreate": ("user_account", "enterprise"), "ApiClientCreate": ("api_client",),
    "InstitutionApiClientCreate": ("api_client",), "InstitutionApplicationCreate": ("institution_application",),
    "ProductCreate": ("product",), "CatalogueItemUpdate": ("catalogue_item",), "VerificationCreate": ("verification",),
    "SandboxModelCreate": ("sandbox_model",), "SandboxRunCreate": ("sandbox_run",),
}
NORMALISED = {"uscc"}


def _column_lengths(model: type[BaseModel]) -> dict[str, int]:
    """Field name → the String(n) of the column it is stored in."""
    lengths: dict[str, int] = {}
    for table in SCHEMA_TABLES.get(model.__name__, ()):
        for column in Base.metadata.tables[table].columns:
            if isinstance(column.type, String) and column.type.length and column.name not in NORMALISED:
                lengths[column.name] = min(lengths.get(column.name, column.type.length), column.type.length)
    return lengths


def _max_length(metadata: list[Any]) -> int | None:
    return next((m.max_length for m in metadata if isinstance(m, MaxLen) or getattr(m, "max_length", None)), None)


def _checks_text(metadata: list[Any]) -> bool:
    return any(getattr(m, "func", None) is check_text for m in metadata)


def offenders() -> list[str]:
    found = []
    for model in sorted(input_models(), key=lambda m: f"{m.__module__}.{m.__qualname__}"):
        lengths = _column_lengths(model)
        for name, info in model.model_fields.items():
            where = f"{model.__module__}.{model.__qualname__}.{name}"
            for leaf, metadata in _leaves(info.annotation, list(info.metadata)):
                strict = any(isinstance(m, Strict) and m.strict for m in metadata)
                if leaf is str:
                    limit = _max_length(metadata)
                    if not _checks_text(metadata):
                        found.append(f"{where}: str without xinyidai.text.Text")
                    if limit is None:
                        found.append(f"{where}: str without max_length")
                    elif name in lengths and limit > lengths[name]:
                        found.append(f"{where}: max_length {limit} > column String({lengths[name]})")
                elif leaf is bool and not strict:
                    found.append(f"{where}: bool not strict (\"yes\" would be read as true)")
                elif leaf is int and name.endswith("_fen") and not strict:
                    found.append(f"{where}: money not strict (use xinyidai.money.AmountFen)")
    return found


def test_every_input_is_bounded_in_its_schema() -> None:
    assert offenders() == []
