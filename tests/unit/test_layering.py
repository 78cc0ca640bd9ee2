"""The direction of the house (`ARCHITECTURE.md`, "Rules of the house"), checked on every import of every module.

Every `import` counts wherever it stands: at the top, inside a function (a deferred import is still a dependency,
only a later one), under `if TYPE_CHECKING:` (a type names the other context's model all the same), and
`importlib.import_module("xinyidai....")` with a literal name. Relative imports are resolved against the module's
package.

Where a module sits:
- **foundation**: every top-level module that is not wiring (`config`, `db`, `money`, `clock`, `events`, `errors`,
  `web`, `pii`, `crypto`, `observability`, `workdays`, `jobs`, and any new one such as `idempotency.py`) and the
  packages `auth/` and `portal/`. It imports no context and no wiring.
- **a context**: a package of `LEVELS`, with everything under it (its sub-packages, its own `cli.py`). A package
  that is neither foundation, wiring nor a known context fails the test until it is given its place.
- **wiring**, on top of everything: `main.py` (mounts every context's routers and pages), `cli.py` (assembles each
  context's commands), `models.py` (imports every context's tables so that `Base.metadata` is complete for Alembic,
  the test databases and the CLI: it reaches into every context's tables, which only something above all of them
  may do) and `demo/` (the synthetic district: it seeds every context through their services, as a user of all of
  them). Wiring may import anything; nothing below it imports wiring — a context that needs every table loaded
  imports the services it reads instead, and a whole-metadata load belongs at the edge that needs it.

The rules, each a function of one module's source and path, tested on small synthetic modules below:
1. A lower context never imports a higher one (`LEVELS`); foundation imports no context.
2. Within one level imports go one way only: the graph of context imports has no cycle (any two contexts).
3. A context never reads another's tables: no import of another context's `models` module (or of a name from it,
   for typing included) — it goes through the other context's `service` or a read model that service exposes
   (`registry_service.EnterpriseView`, `products_service.ProductView`, `creditdata_service.CreditRecordView`: the
   read-only shape of what the service returns, which no query can be written against). Nor through a table
   class another module of that context re-exports (checked on the tree by importing the name).
4. A context reaches another's internals (`INTERNAL`) only through what that context's service re-exports.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Table

import xinyidai

SRC = Path(xinyidai.__file__).parent
PACKAGE = "xinyidai"

# Lowest first; a context imports only contexts of its own level (one way) or below.
LEVELS: list[set[str]] = [
    {"audit"},
    {"identity", "registry"},
    {"webhooks"},
    {"creditdata", "consent"},
    {"scoring", "products"},
    {"orders"},
    {"loans"},
    {"guarantee", "monitoring", "rights", "chains"},
    {"outreach", "network", "reporting", "creditcheck"},
]
LEVEL = {context: rank for rank, contexts in enumerate(LEVELS) for context in contexts}
FOUNDATION_PACKAGES = {"auth", "portal"}
WIRING_MODULES = {"main", "cli", "models"}  # top-level modules that sit on top
WIRING_PACKAGES = {"demo"}
FOUNDATION, WIRING = "<foundation>", "<wiring>"

# internal module (and everything under it) → the context it belongs to
INTERNAL = {
    "xinyidai.consent.masking": "consent",
    "xinyidai.creditdata.access": "creditdata",
    "xinyidai.identity.notifications.service": "identity",
}

# Cross-context table reads still in the tree, each "importer imports module"; every other one fails the test.
EXPECTED_TABLE_READS: set[str] = set()


@dataclass(frozen=True)
class Imported:
    """One module a source file imports, with its line (`from a import b` yields `a.b`: a module or a name in `a`)."""

    module: str
    line: int


def module_name(path: str) -> str:
    """Dotted name of a module from its path relative to the package root (`loans/eod.py` → `xinyidai.loans.eod`)."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def imports_of(source: str, path: str) -> list[Imported]:
    """Every module of the package a source imports, anywhere in it (deferred and TYPE_CHECKING imports included)."""
    name = module_name(path)
    package = name if Path(path).name == "__init__.py" else name.rpartition(".")[0]
    found: list[Imported] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Imported(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # `from a import b`: b is a module of a or a name in it; either way `a.b` lies in a's context
            base = _absolute(node.module, node.level, package)
            found.extend(Imported(base if alias.name == "*" else f"{base}.{alias.name}", node.lineno)
                         for alias in node.names)
        elif (isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append(Imported(node.args[0].value, node.lineno))
    return [i for i in found if i.module == PACKAGE or i.module.startswith(PACKAGE + ".")]


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _is_dynamic_import(func: ast.expr) -> bool:
    return ((isinstance(func, ast.Attribute) and func.attr == "import_module")
            or (isinstance(func, ast.Name) and func.id in {"import_module", "__import__"}))


def place(module: str) -> str:
    """Where a module of the package sits: a context's name, FOUNDATION or WIRING (the package itself: foundation).

    A top-level module is foundation unless it is wiring; a package must be named in one of the lists.
    """
    parts = module.split(".")
    if len(parts) == 1:
        return FOUNDATION
    top = parts[1]
    if top in LEVEL:
        return top
    if top in WIRING_MODULES or top in WIRING_PACKAGES:
        return WIRING
    if top in FOUNDATION_PACKAGES or not (SRC / top).is_dir():
        return FOUNDATION
    return f"<unplaced package {top}>"


def _table_module(module: str) -> bool:
    """A context's tables: its `models` module, or a sub-package's (`creditdata.report.models`)."""
    return "models" in module.split(".")[2:]


def violations(source: str, path: str) -> list[str]:
    """What one module breaks of the direction, the table rule and the internals rule (cycles: `cycles`)."""
    importer = place(module_name(path))
    if importer.startswith("<unplaced"):
        return [f"{path}: {importer} — add it to LEVELS (a context) or FOUNDATION_PACKAGES"]
    if importer == WIRING:
        return []
    found: list[str] = []
    for imported in imports_of(source, path):
        target = place(imported.module)
        where = f"{path}:{imported.line} imports {imported.module}"
        if target in (importer, FOUNDATION):
            continue
        if target.startswith("<unplaced"):
            found.append(f"{where}: {target}")
        elif target == WIRING:
            found.append(f"{where}: wiring sits on top; import what is needed from its context")
        elif importer == FOUNDATION:
            found.append(f"{where}: foundation imports no context")
        elif LEVEL[target] > LEVEL[importer]:
            found.append(f"{where}: {importer} sits below {target}")
        else:
            if _table_module(imported.module):
                found.append(f"{where}: {importer} reads {target}'s tables; go through {target}'s service")
            for internal, owner in INTERNAL.items():
                if imported.module == internal or imported.module.startswith(internal + "."):
                    found.append(f"{where}: {owner}'s internals; go through its service")
    return sorted(set(found))


def edges(source: str, path: str) -> set[tuple[str, str]]:
    """(importer, imported) pairs of different contexts that one module adds to the graph of contexts."""
    importer = place(module_name(path))
    if importer not in LEVEL:
        return set()
    return {(importer, target) for i in imports_of(source, path)
            if (target := place(i.module)) in LEVEL and target != importer}


def cycles(graph: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Every group of contexts that reach each other (strongly connected, more than one), each sorted."""
    nodes: dict[str, set[str]] = {}
    for a, b in graph:
        nodes.setdefault(a, set()).add(b)
        nodes.setdefault(b, set())

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in nodes[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reachable = {node: reach(node) for node in nodes}
    groups = {frozenset(n for n in nodes if n == node or (n in reachable[node] and node in reachable[n]))
              for node in nodes}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def tables_through_a_service(source: str, path: str) -> list[str]:
    """Another context's tables reached by a name its other modules re-export (`from xinyidai.products.service
    import Product`): the module is imported to see what the name is, so this runs on the tree, not on sources."""
    importer = place(module_name(path))
    found = []
    for imported in imports_of(source, path):
        target = place(imported.module)
        if importer not in LEVEL or target not in LEVEL or target == importer or _table_module(imported.module):
            continue
        module, _, name = imported.module.rpartition(".")
        value = getattr(importlib.import_module(module), name, None)
        if (isinstance(value, type) and hasattr(value, "__table__")) or isinstance(value, Table):
            found.append(f"{path}:{imported.line} imports {imported.module}: {target}'s table; use a read model")
    return found


def _tree() -> Iterator[tuple[str, str]]:
    for file in sorted(SRC.rglob("*.py")):
        yield file.read_text(encoding="utf-8"), file.relative_to(SRC).as_posix()


# --- the tree ---------------------------------------------------------------------------------------------------


def test_the_tree_keeps_the_direction_and_reads_no_other_contexts_tables() -> None:
    found = [v for source, path in _tree() for v in violations(source, path)]
    assert [v for v in found if not _expected(v)] == []
    gone = EXPECTED_TABLE_READS - {_key(v) for v in found}
    assert not gone, f"no longer in the tree, remove from EXPECTED_TABLE_READS: {sorted(gone)}"


def _key(violation: str) -> str:
    """The key of a violation as EXPECTED_TABLE_READS writes it: "path imports module" (no line, no reason)."""
    where, _, rest = violation.partition(" imports ")
    return f"{where.rpartition(':')[0]} imports {rest.partition(':')[0]}"


def _expected(violation: str) -> bool:
    return _key(violation) in EXPECTED_TABLE_READS


def test_no_context_takes_another_contexts_tables_through_a_re_export() -> None:
    assert [v for source, path in _tree() for v in tables_through_a_service(source, path)] == []


def test_the_contexts_import_each_other_without_a_cycle() -> None:
    graph = {edge for source, path in _tree() for edge in edges(source, path)}
    assert cycles(graph) == []


# --- the checker, on synthetic modules --------------------------------------------------------------------------


def test_an_upward_import_fails() -> None:
    source = "from xinyidai.loans import service as loans_service\n"
    assert violations(source, "orders/service.py") == [
        "orders/service.py:1 imports xinyidai.loans.service: orders sits below loans",
    ]
    assert violations(source, "guarantee/service.py") == []


def test_a_deferred_upward_import_fails() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from xinyidai.scoring.service import Decision\n"
        "def f() -> None:\n"
        "    import xinyidai.guarantee.service\n"
        "    from ..orders import policy\n"
    )
    assert violations(source, "registry/service.py") == [
        "registry/service.py:3 imports xinyidai.scoring.service.Decision: registry sits below scoring",
        "registry/service.py:5 imports xinyidai.guarantee.service: registry sits below guarantee",
        "registry/service.py:6 imports xinyidai.orders.policy: registry sits below orders",
    ]


def test_a_dynamic_import_of_a_higher_context_fails() -> None:
    source = "import importlib\nmod = importlib.import_module('xinyidai.rights.service')\n"
    assert violations(source, "consent/service.py") == [
        "consent/service.py:2 imports xinyidai.rights.service: consent sits below rights"]


def test_foundation_imports_no_context_and_nothing_below_wiring_imports_it() -> None:
    assert violations("from xinyidai.audit import service\n", "idempotency.py") == [
        "idempotency.py:1 imports xinyidai.audit.service: foundation imports no context",
    ]
    assert violations("def f():\n    from xinyidai.identity.models import User\n", "auth/scoping.py") != []
    assert violations("def f():\n    import xinyidai.models\n", "scoring/batch.py") == [
        "scoring/batch.py:2 imports xinyidai.models: wiring sits on top; import what is needed from its context"]
    assert violations("from xinyidai.demo import generator\n", "registry/cli.py") != []
    # wiring may import anything, and the foundation anything of the foundation
    assert violations("from xinyidai.loans import models\n", "models.py") == []
    assert violations("from xinyidai.rights import service\n", "demo/generator.py") == []
    assert violations("from xinyidai import clock, db\nfrom xinyidai.auth import principal\n", "portal/nav.py") == []


def test_a_contexts_own_cli_is_part_of_the_context() -> None:
    assert violations("from xinyidai.loans import service\n", "scoring/cli.py") != []
    assert violations("from xinyidai.scoring import service\nfrom . import batch\n", "scoring/cli.py") == []


def test_reading_another_contexts_tables_fails_even_for_typing() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from xinyidai.products.models import Product\n"
        "if TYPE_CHECKING:\n"
        "    from xinyidai.creditdata.report import models as report_models\n"
    )
    assert violations(source, "loans/eod.py") == [
        "loans/eod.py:2 imports xinyidai.products.models.Product: loans reads products's tables; go through "
        "products's service",
        "loans/eod.py:4 imports xinyidai.creditdata.report.models: loans reads creditdata's tables; go through "
        "creditdata's service",
    ]
    # its own tables, and another context's service, are fine
    assert violations("from xinyidai.loans.models import Loan\nfrom xinyidai.products import service\n",
                      "loans/eod.py") == []


def test_a_table_re_exported_by_a_service_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyidai.products import service as products_service
    from xinyidai.products.models import Product

    source = "from xinyidai.products.service import ProductRow\n"
    assert tables_through_a_service(source, "loans/eod.py") == []  # no such name yet
    monkeypatch.setattr(products_service, "ProductRow", Product, raising=False)
    assert tables_through_a_service(source, "loans/eod.py") == [
        "loans/eod.py:1 imports xinyidai.products.service.ProductRow: products's table; use a read model"]
    assert tables_through_a_service("from xinyidai.products.service import ProductView\n", "loans/eod.py") == []


def test_another_contexts_internals_fail() -> None:
    assert violations("from xinyidai.identity.notifications.service import notify\n", "orders/service.py") != []
    assert violations("from xinyidai.identity.notifications import service\n", "loans/service.py") != []
    assert violations("from xinyidai.identity.notifications import service\n", "identity/pages.py") == []


def test_a_cycle_between_contexts_fails() -> None:
    graph = edges("from xinyidai.identity import service\n", "registry/router.py") | edges(
        "from xinyidai.registry import service\n", "identity/service.py")
    assert cycles(graph) == [["identity", "registry"]]
    three = {("creditdata", "consent"), ("consent", "audit"), ("audit", "creditdata"), ("loans", "orders")}
    assert cycles(three) == [["audit", "consent", "creditdata"]]
    assert cycles({("identity", "registry"), ("orders", "identity")}) == []


def test_every_module_has_its_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert place("xinyidai.loans.eod") == "loans"
    assert place("xinyidai.auth.principal") == FOUNDATION
    assert place("xinyidai.idempotency") == FOUNDATION  # a new foundation module needs no entry
    assert place("xinyidai.models") == WIRING
    assert place("xinyidai.demo.generator") == WIRING
    (tmp_path / "lottery").mkdir()
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert place("xinyidai.lottery.service").startswith("<unplaced")  # a new package must be given its place
    assert violations("x = 1\n", "lottery/service.py") != []


@pytest.mark.parametrize(("path", "resolved"), [
    ("loans/eod.py", "xinyidai.orders"),
    ("loans/__init__.py", "xinyidai.orders"),
    ("scoring/sandbox/runner.py", "xinyidai.scoring.orders"),
])
def test_relative_imports_are_resolved(path: str, resolved: str) -> None:
    assert imports_of("from .. import orders\n", path) == [Imported(resolved, 1)]
