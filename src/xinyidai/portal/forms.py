"""A schema's refusal of a form, said in Chinese on the page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import ValidationError

CHECK_FIELDS = "请检查以下内容是否填写完整、格式正确："


def refused_fields(exc: ValidationError) -> set[str]:
    """The names of the top-level fields a schema refused."""
    return {str(error["loc"][0]) for error in exc.errors() if error["loc"]}


def form_errors(
    exc: ValidationError,
    messages: Mapping[str, str] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    default: str | None = None,
) -> list[str]:
    """The Chinese messages for a refused form.

    Each refused field with its own entry in `messages` gives that message, in the order of `messages`;
    with `labels`, the other refused fields are named together in one line asking to check them (a field
    without a label by its own name); when nothing was said, `default` alone, if given.
    """
    fields = refused_fields(exc)
    messages = messages or {}
    errors = [message for name, message in messages.items() if name in fields]
    rest = fields - messages.keys()
    if labels is not None and rest:
        errors.append(CHECK_FIELDS + "、".join(sorted({labels.get(name, name) for name in rest})))
    if not errors and default is not None:
        errors.append(default)
    return errors


def form_date(text: str, label: str, errors: list[str]) -> date | None:
    """The date typed in a form field (blank: None); a bad one is named in `errors` under its `label`."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label}“{text}”不是有效日期（格式：2026-11-23）")
        return None
