"""Offline extraction: free chat text -> intake facts. Deterministic rules, no network.

The reading itself is `bot.advisor.reader` (tokens, one number grammar, clause-scoped cues from a lexicon); this
module cleans the text, bounds its length, adds the use case and returns the facts with notes for the user.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.advisor.intake import Fact, Provenance
from bot.advisor.reader.read import NUMBER_FIELDS, read
from bot.advisor.reader.result import Extraction, Unclear

__all__ = ["MAX_TEXT", "NUMBER_FIELDS", "Extraction", "Unclear", "clean_text", "extract"]

MAX_TEXT = 20_000  # characters read from one message; the rest is ignored (and said so)


def clean_text(text: str) -> str:
    """Drop control characters and excess whitespace, and straighten typographic quotes and dashes.

    Platform markup is not the core's: each adapter turns a message into plain text before the core reads it, so
    anything in angle brackets here is something the user typed.
    """
    text = text[:MAX_TEXT]
    if not text.replace("\n", "").replace("\t", "").isprintable():  # else the loop below changes nothing
        text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2014", " - ").replace("\u2013", "-")
    return re.sub(r"[ \t]+", " ", text).strip()


def extract(
    text: str,
    *,
    turn: int | None = None,
    expecting: list[str] | None = None,
    today: dt.date | None = None,
    opening: bool = False,
) -> Extraction:
    """Extract intake facts from one chat message.

    `expecting` names the fields the last question asked about: a short reply ("about 5k", "no") fills them, and a
    number with no owner of its own goes to them first. `today` anchors relative dates ("by Friday", "next
    quarter"). Numbers with no clear owner come back in `unclear` for a confirming question. The first sentence of
    the first turn (or of an `opening` message: the first description after a greeting, a question or a restart)
    is the use case.
    """
    cleaned = clean_text(text)
    out = read(cleaned, turn=turn, expecting=expecting, today=today or dt.date.today())
    if len(text) > MAX_TEXT:
        out.notes.insert(0, f"Only the first {MAX_TEXT:,} characters of a {len(text):,}-character message were read.")
    if cleaned and (opening or turn in (None, 0, 1)) and not expecting:
        use_case = _use_case(cleaned)
        if use_case:
            prov = Provenance(source="message", turn=turn, quote=use_case[:60])
            out.facts.append(Fact("use_case", use_case, prov))
    return out


def _use_case(text: str) -> str | None:
    """The first sentence, when it is long enough to describe something."""
    text = text.lstrip(" \t\n-*•>#.,;:!?")
    first = re.split(r"(?<=[.!?])\s|\n", text, maxsplit=1)[0].strip()
    if len(first.split()) < 4:
        return None
    return first[:120].rstrip(" ,;:") + ("…" if len(first) > 120 else "")
