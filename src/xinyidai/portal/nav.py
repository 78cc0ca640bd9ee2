"""Navigation by role: each context registers its entries; the layout shows those the caller may use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class HasRoles(Protocol):
    """Anything that carries role names (the identity context's Principal)."""

    @property
    def roles(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class NavEntry:
    """One link in the top navigation."""

    label: str
    path: str
    roles: frozenset[str]
    order: int = 100
    landing: bool = True  # whether a caller may land here after login
    group: str | None = None  # the menu it sits in; None for a link of its own in the bar


@dataclass(frozen=True)
class NavItem:
    """One item of the bar: a link of its own, or a menu (`label`) of several links."""

    label: str
    entries: tuple[NavEntry, ...]

    @property
    def is_menu(self) -> bool:
        """A group shown as a menu; a group with one entry the caller may see is shown as that link."""
        return len(self.entries) > 1


_entries: list[NavEntry] = []


def register(label: str, path: str, roles: Iterable[str], *, order: int = 100, landing: bool = True,
             group: str | None = None) -> None:
    """Add an entry shown to callers holding any of `roles`, in the menu `group` if given."""
    entry = NavEntry(label=label, path=path, roles=frozenset(roles), order=order, landing=landing, group=group)
    if entry not in _entries:
        _entries.append(entry)


def entries_for(principal: HasRoles | None) -> list[NavEntry]:
    """The entries the caller may see, in order."""
    if principal is None:
        return []
    return sorted((e for e in _entries if principal.roles & e.roles), key=lambda e: e.order)


def items(entries: Iterable[NavEntry]) -> list[NavItem]:
    """The bar: ungrouped entries as links, grouped ones as one menu each, where its first entry would stand."""
    bar: list[NavItem] = []
    menus: dict[str, list[NavEntry]] = {}
    for entry in entries:
        if entry.group is None:
            bar.append(NavItem(label=entry.label, entries=(entry,)))
        elif entry.group in menus:
            menus[entry.group].append(entry)
        else:
            menus[entry.group] = [entry]
            bar.append(NavItem(label=entry.group, entries=()))
    return [NavItem(label=item.label, entries=tuple(menus[item.label])) if not item.entries else item for item in bar]


def current(entries: Iterable[NavEntry], path: str) -> str | None:
    """The entry a page belongs to: the longest entry path that `path` equals or lies under."""
    matches = [e.path for e in entries if path == e.path or path.startswith(e.path.rstrip("/") + "/")]
    return max(matches, key=len, default=None)


def home_path(principal: HasRoles) -> str:
    """Where a caller lands after login: its first navigation entry."""
    entries = [e for e in entries_for(principal) if e.landing]
    return entries[0].path if entries else "/"
