"""Two heading levels: "A. NHIỆM VỤ CHUNG" / "B. NHIỆM VỤ CỤ THỂ" over "I. …", "II. …".

Whichever numbering a plan opens with (letters or roman numerals) is its upper level and the
other nests under it, so "B" then "II" is the section "B.II", apart from "A.II".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN = re.compile(r"^(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})$")


def section_key(number: str, parent: str | None) -> str:
    """How a section is told apart within its plan (Section.code)."""
    return f"{parent}.{number}" if parent else number


@dataclass(slots=True)
class Headings:
    upper_kind: str | None = None
    upper: tuple[str, str] | None = None

    def enter(self, number: str, title: str) -> tuple[str, str] | None:
        """Note a heading; the upper heading (number, title) it sits under, if any."""
        kind = "roman" if _ROMAN.match(number) else "letter"
        if self.upper_kind is None:
            self.upper_kind = kind
        if kind == self.upper_kind:
            self.upper = (number, title)
            return None
        return self.upper
