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
from fastapi.dependencies.models import Dependant
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


def _has_upper_bound(metadata: list[Any]) -> bool:
    return any(getattr(m, "le", None) is not None or getattr(m, "lt", None) is not None for m in metadata)


def unbounded_integers() -> list[str]:
    """Integer fields of the input schemas with no upper bound: past a column's range, a 500 on one engine or the
    other (2**31 on PostgreSQL's INTEGER, 2**63 on SQLite)."""
    found = []
    for model in sorted(input_models(), key=lambda m: f"{m.__module__}.{m.__qualname__}"):
        for name, info in model.model_fields.items():
            for leaf, metadata in _leaves(info.annotation, list(info.metadata)):
                if leaf is int and not _has_upper_bound(metadata):
                    found.append(f"{model.__module__}.{model.__qualname__}.{name}: int without an upper bound")
    return found


def test_every_integer_of_an_input_schema_has_an_upper_bound() -> None:
    assert unbounded_integers() == []


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


# Read by their service as any text, never stored nor searched as given: a grid worker's referral code (an unknown
# one, a NUL included, is answered as unknown).
ANY_TEXT = {"/r/{code} code"}


def route_parameters() -> list[str]:
    """Query and path parameters of every route (API and pages) that are not bounded: a str not xinyidai.text.Text
    with a length (it reaches queries as it is, and PostgreSQL refuses a NUL in a query's text as in a stored one),
    an int with no upper bound (past 2**63, a 500 on SQLite). A page's form fields are read by the schema the page
    builds of them, with the page's own messages; tests/integration/foundation/test_fuzz.py sends a NUL in each."""
    found = set()
    for route in _routes(create_app().routes):
        for dependant in _dependants(route.dependant):
            for param in (*dependant.query_params, *dependant.path_params):
                info = param.field_info
                for leaf, metadata in _leaves(info.annotation, list(info.metadata)):
                    where = f"{','.join(sorted(route.methods))} {route.path} {param.name}"
                    if leaf is int and not _has_upper_bound(metadata):
                        found.add(f"{where}: int without an upper bound (IdPath, or Query(le=...))")
                    if leaf is not str:
                        continue
                    if f"{route.path} {param.name}" in ANY_TEXT:
                        pass
                    elif not _checks_text(metadata) and not any(getattr(m, "pattern", None) for m in metadata):
                        found.add(f"{where}: str without xinyidai.text.Text")
                    if _max_length(metadata) is None and not any(getattr(m, "pattern", None) for m in metadata):
                        found.add(f"{where}: str without max_length")
    return sorted(found)


def test_every_query_and_path_parameter_of_a_route_is_bounded() -> None:
    assert route_parameters() == []
