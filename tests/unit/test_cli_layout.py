"""The command line is assembled from each context's `cli.py`; its help is Chinese first, English beside, and
reads whole in an 80-column terminal."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

import xinyidai
from xinyidai.cli import app

SRC = Path(xinyidai.__file__).parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")
root = typer.main.get_command(app)


def _commands(command: Any = root, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


PATHS = [path for path, _ in _commands()]


def test_the_groups_are_listed_platform_first_then_the_contexts_in_their_order() -> None:
    assert list(root.commands) == ["db", "demo", "serve", "worker", "jobs", "events", "crypto",
                                   "audit", "creditdata", "model", "calc", "end-of-day", "rights", "monitoring",
                                   "network", "reporting"]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "xinyidai")
@pytest.mark.parametrize("width", [80, 120])
def test_every_help_page_fits_the_terminal_and_loses_no_word(path: tuple[str, ...], width: int) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.output
    for line in result.output.splitlines():
        assert cell_len(line) <= width, line
        assert "…" not in line, line  # what rich prints where it cut a line short


def _help_texts() -> Iterator[tuple[str, str]]:
    for path, command in _commands():
        name = " ".join(path) or "xinyidai"
        yield name, command.help or ""
        for param in command.params:
            if param.name != "help":
                yield f"{name} {param.name}", getattr(param, "help", None) or ""


@pytest.mark.parametrize(("where", "text"), list(_help_texts()), ids=[where for where, _ in _help_texts()])
def test_every_help_text_is_chinese_first_then_english(where: str, text: str) -> None:
    lines = text.removeprefix("\b").split("\n")
    assert len(lines) == 2 and CHINESE.search(lines[0]) and not CHINESE.search(lines[1]), (where, text)


def test_no_module_imports_the_assembly() -> None:
    """A context's `cli.py` takes what it shares from `xinyidai.cli_support`: `xinyidai.cli` imports it."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
                     if isinstance(node, ast.ImportFrom) else [])
            if any(name == "xinyidai.cli" or name.startswith("xinyidai.cli.") for name in names):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
