"""What one message said: facts, notes for the user, and numbers whose owner is unclear."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.advisor.intake import Fact


@dataclass(frozen=True)
class Unclear:
    """A number the reader would not guess an owner for: the words, the value, and the fields it could be."""

    quote: str
    value: float
    candidates: tuple[str, ...]


@dataclass
class Extraction:
    """What one message said: facts (in order), notes for the user, unclear numbers, and which facts rest on weak
    evidence (a short reply read in the light of the pending question, a cue from the wider sentence), and which
    fields the user addressed without giving a value ("no hard deadline", "budget not decided yet")."""

    facts: list[Fact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unclear: list[Unclear] = field(default_factory=list)
    weak: set[str] = field(default_factory=set)
    addressed: set[str] = field(default_factory=set)  # spoken to without a value ("no hard deadline")

    def values(self) -> dict[str, Any]:
        """Field -> value, later facts winning."""
        return {f.field: f.value for f in self.facts}
