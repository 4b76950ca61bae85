"""Match the names a plan writes in Chủ trì / Phối hợp to the commune's roles (their names and
aliases, as the database holds them)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.plan.interpret import ImportWarning, ParsedPlan, fold

_DASH = re.compile(r"\s*[-–—]\s*")
_TRAILING = re.compile(r"[\s,;.:]+$")


def role_key(name: str) -> str:
    """'Công chức VP - TK.' and 'cong chuc vp-tk' are the same role; so are HĐND and HDND."""
    return _DASH.sub("-", _TRAILING.sub("", fold(name)))


class Named(Protocol):
    name: str
    aliases: list[str]


def role_index(roles: Iterable[Named]) -> dict[str, str]:
    """Every name and alias of the roles (by their key) -> the role's name."""
    index: dict[str, str] = {}
    for role in roles:
        for name in (role.name, *role.aliases):
            index.setdefault(role_key(name), role.name)
    return index


@dataclass(frozen=True, slots=True)
class RoleBook:
    """What matching needs: the names, and the office's role that takes what matches nothing."""

    index: dict[str, str]
    coordinator: str

    @classmethod
    def of(cls, roles: Iterable[Named], coordinator: str) -> "RoleBook":
        return cls(role_index(roles), coordinator)


def closest_role(name: str, index: dict[str, str]) -> str | None:
    """The role whose name or alias reads most like `name`: where the clerk adds it as an alias."""
    found = difflib.get_close_matches(role_key(name), list(index), n=1, cutoff=0.6)
    return index[found[0]] if found else None


@dataclass(frozen=True, slots=True)
class Assignment:
    part: str  # owner | coordinator
    role: str
    written_as: str
    matched: bool


def assign_roles(plan: ParsedPlan, book: RoleBook) -> dict[str, list[Assignment]]:
    """Item code -> its roles. Unknown owners go to the coordinator role, never dropped."""
    index, coordinator = book.index, book.coordinator
    result: dict[str, list[Assignment]] = {}
    for item in plan.items:
        merged: dict[tuple[str, str], Assignment] = {}

        def add(part: str, role: str, written: str, matched: bool) -> None:
            key = (part, role)
            old = merged.get(key)
            if old is not None:
                written = f"{old.written_as}; {written}"
                matched = matched or old.matched
            merged[key] = Assignment(part, role, written, matched)

        for name in item.owners:
            role = index.get(role_key(name))
            if role is None:
                plan.warnings.append(ImportWarning(
                    "unknown_owner", item.line, item.code,
                    {"name": name, "routed_to": coordinator,
                     "role": closest_role(name, index) or coordinator}))
                add("owner", coordinator, name, False)
            else:
                add("owner", role, name, True)
        if not item.owners:
            plan.warnings.append(ImportWarning(
                "no_owner", item.line, item.code, {"routed_to": coordinator}))
            add("owner", coordinator, "", False)
        for name in item.coordinators:
            role = index.get(role_key(name))
            # Coordinators outside the commune (district offices) are kept as text only.
            if role is not None:
                add("coordinator", role, name, True)
        result[item.code] = list(merged.values())
    return result
