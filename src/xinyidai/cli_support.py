"""What every context's command line shares: one console, a command group, how a command fails, its transaction.

Each context with commands owns a `cli.py` holding a `typer.Typer` made by `command_group`; `xinyidai.cli`
assembles them, as `main.py` assembles routers. A context's `cli.py` imports this module, never `xinyidai.cli`
(which imports it). Help texts are Chinese first, English beside: `bilingual("导入部门数据文件", "Import ...")`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from xinyidai.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The panels `xinyidai --help` lists its commands in: running the platform, then the contexts' own work.
PLATFORM_PANEL = "平台运行 / Platform"
CONTEXTS_PANEL = "业务 / Business"

console = Console()


def bilingual(chinese: str, english: str) -> str:
    """A help text: the Chinese line, then the English under it."""
    # Two lines, not one: rich cuts ("…") a wrapped table cell that mixes wide and narrow characters, so the Chinese
    # stays a short line of its own and only the English wraps. A leading \b (which rich does not print) tells
    # Typer to keep the line break.
    return f"\b{chinese}\n{english}"


def command_group(chinese: str, english: str) -> typer.Typer:
    """A group of commands (`xinyidai <group> <command>`) that prints its help when no command is given."""
    return typer.Typer(help=bilingual(chinese, english), no_args_is_help=True)


def fail(message: str, *, detail: str | None = None, code: int = 2) -> NoReturn:
    """Print a refusal in red (and a plain detail line under it) and exit with `code`: 2 for bad input."""
    console.print(f"[red]{message}[/red]" + (f"\n{detail}" if detail is not None else ""))
    raise typer.Exit(code)


@contextmanager
def domain_errors(*, code: int = 2) -> Iterator[None]:
    """A domain refusal inside the block is printed and exits with `code` (any transaction in it rolled back)."""
    try:
        yield
    except DomainError as exc:
        fail(exc.message, code=code)


@contextmanager
def transaction() -> Iterator[Session]:
    """The one transaction of a command, committed when the block ends; a domain refusal rolls it back, is printed
    and exits 2."""
    from xinyidai import db

    with domain_errors(), db.transaction() as session:
        yield session
