"""Every action code the code writes to the audit log has a Chinese label, and every subject type a name: the
source is walked for `action=` literals, module constants, f-strings and the actions handed to local helpers."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from xinyidai.audit.labels import ACTION_LABELS, SUBJECT_LABELS, subject_label
from xinyidai.identity.onboarding import service as onboarding_service
from xinyidai.loans.enums import LineStatus
from xinyidai.orders.policy import OrderStatus

SOURCE = Path(__file__).resolve().parents[3] / "src" / "xinyidai"
CODE = re.compile(r"[a-z]+(\.[a-z_]+)+")

# What the f-strings that build action codes can become; a new f-string must be added here to be checked.
F_STRING_VALUES: dict[str, list[str]] = {
    "loans.line_{}": [status.value for status in LineStatus],
    "orders.{}": [status.value for status in OrderStatus if status is not OrderStatus.SUBMITTED],
}
assert onboarding_service  # the onboarding f-string takes its values from its helper's callers, found below


def _template(node: ast.JoinedStr) -> str:
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def _values(value: ast.expr, constants: dict[str, str], callers: list[str]) -> Iterator[tuple[int, str]]:
    """The codes one `action=` argument can be: a literal, a module constant, or an f-string expanded with the
    values of F_STRING_VALUES or, inside a helper, those its callers pass."""
    if isinstance(value, ast.BoolOp):  # `action or f"orders.{target}"`: any of its operands
        for operand in value.values:
            yield from _values(operand, constants, callers)
    elif isinstance(value, ast.Constant) and isinstance(value.value, str) and CODE.fullmatch(value.value):
        yield value.lineno, value.value
    elif isinstance(value, ast.Name) and value.id in constants:
        yield value.lineno, constants[value.id]
    elif isinstance(value, ast.JoinedStr) and re.match(r"[a-z]+\.", _template(value)):
        template = _template(value)
        values = F_STRING_VALUES.get(template) or callers
        assert values, f"line {value.lineno}: f-string action {template!r}: add its values to the test"
        for item in values:
            yield value.lineno, template.replace("{}", item)


def _actions(tree: ast.Module) -> Iterator[tuple[int, str]]:
    constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    # Local helpers with a parameter `action` (e.g. `_audit(session, principal, "assessed", ...)`): the values
    # their callers pass, by position or by keyword.
    helpers = {node.name: [a.arg for a in node.args.args].index("action") for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef) and "action" in [a.arg for a in node.args.args]}
    passed: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers:
            index = helpers[node.func.id]
            value = node.args[index] if len(node.args) > index else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                passed.setdefault(node.func.id, []).append(value.value)
    enclosing: dict[ast.AST, str] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for inner in ast.walk(function):  # inner functions come later in the walk and overwrite: innermost wins
                enclosing[inner] = function.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "action":
                yield from _values(keyword.value, constants, passed.get(enclosing.get(node, ""), []))
        # A helper's callers may pass whole codes (rights._audit): they count when they look like one.
        if isinstance(node.func, ast.Name) and node.func.id in helpers:
            index = helpers[node.func.id]
            argument = node.args[index] if len(node.args) > index else None
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str) \
                    and CODE.fullmatch(argument.value):
                yield argument.lineno, argument.value


def _all_actions() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for line, action in _actions(ast.parse(path.read_text(encoding="utf-8"))):
            found.setdefault(action, f"{path.relative_to(SOURCE)}:{line}")
    return found


def test_the_walk_finds_literals_constants_f_strings_and_helpers() -> None:
    found = _all_actions()
    assert {"orders.submitted", "scoring.portrait_read", "consent.access_refused", "loans.line_frozen",
            "identity.institution_approved", "rights.objection_filed", "orders.approved"} <= set(found)


def test_every_action_the_code_writes_has_a_chinese_label() -> None:
    missing = {action: where for action, where in _all_actions().items() if action not in ACTION_LABELS}
    assert not missing, f"actions without a label in audit/labels.py: {missing}"


def _subject_types() -> set[str]:
    found: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "subject_type" and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                found.add(node.value.value)
    return found


def test_every_subject_type_the_code_writes_has_a_name() -> None:
    found = _subject_types()
    assert {"financing_order", "credit_line"} <= found
    assert not found - set(SUBJECT_LABELS), f"subject types without a name: {found - set(SUBJECT_LABELS)}"


def test_a_subject_is_named_in_words() -> None:
    assert subject_label("financing_order", "39", name="XYD20261123000039") == "融资订单 XYD20261123000039"
    assert subject_label("credit_line", "12", name=None) == "授信额度 #12"
    assert subject_label(None, None, name=None) == "—"
    assert subject_label("something_new", "5", name=None) == "something_new #5"


def test_every_purpose_recorded_as_a_code_is_named() -> None:
    from xinyidai.audit.labels import PURPOSE_LABELS, purpose_label
    from xinyidai.consent.policy import Purpose

    codes = {str(p) for p in Purpose}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "purpose":
                value = node.value
                if isinstance(value, ast.IfExp):  # `"self_query" if own else f"..."`
                    value = value.body
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and re.fullmatch(
                        r"[a-z_]+", value.value):
                    codes.add(value.value)
    assert sorted(codes - set(PURPOSE_LABELS)) == []
    assert purpose_label("financing_application:XYD1") == "融资申请审批 XYD1"
    assert purpose_label("post_loan_management:") == "贷后管理"
    assert purpose_label("实名注册") == "实名注册" and purpose_label(None) == "—"
    assert purpose_label("self_query", tr=lambda text: {"本企业查询自身信息": "own"}.get(text, text)) == "own"
