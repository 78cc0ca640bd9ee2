"""Cross-context calls go through the other context's `service` module: the modules below are a context's
internals, which another context reaches only through what that service re-exports."""

from __future__ import annotations

import ast
from pathlib import Path

import xinyidai

SRC = Path(xinyidai.__file__).parent
# internal module → the context it belongs to
INTERNAL = {
    "xinyidai.consent.masking": "consent",
    "xinyidai.creditdata.access": "creditdata",
    "xinyidai.identity.notifications": "identity",
}
WIRING = {"main.py", "cli.py"}  # sit on top and wire everything


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_context_imports_another_contexts_internals() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if str(relative) in WIRING:
            continue
        context = relative.parts[0] if len(relative.parts) > 1 else ""
        for module in _imports(path) & INTERNAL.keys():
            if INTERNAL[module] != context:
                offenders.append(f"{relative} imports {module}")
    assert offenders == []
