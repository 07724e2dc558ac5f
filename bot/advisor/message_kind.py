"""What a message is, before what it says: a question about the topic, thanks or small talk, or "why not X?" about
the recommendation. Everything else is read for facts (a description, an answer, a correction).

The rules are deliberately narrow: a message about the asker's own project ("our", "we", "my") or one that states a
number is read as a description, even when it ends with a question mark ("we have 20k examples, should we
fine-tune?").
"""

from __future__ import annotations

import re
from typing import Literal

from bot.advisor.intake import Approach

Kind = Literal["topic_question", "thanks", "why_not", "other"]

_QUESTION_START = re.compile(
    r"^\s*+(?:what|whats|what's|how|when|which|who|where|is|are|can|could|does|do|should|would|will|explain|"
    r"tell me|any|difference)\b",
    re.I,
)
# Words that make a question about the asker's own project, not about the topic.
_OWN = re.compile(r"\b(?:our|we|we're|we've|my|us|i|i'm|i've|mine|ours)\b", re.I)
_THANKS = re.compile(
    r"^\W*+(?:thanks?|thank you|thx|ty|cheers|great|perfect|cool|nice|awesome|got it|ok|okay|makes sense|"
    r"that's helpful|that helps|helpful|understood|sounds good|will do)\b[\w\s,.!'’-]{0,40}$",
    re.I,
)
_WHY_NOT = re.compile(r"^\W*+why\s++not\s++(?:just\s++|a\s++|an\s++)?(?P<x>hybrid|fine[- ]?tun\w*|prompt\w*)", re.I)
_APPROACH_WORDS: dict[str, Approach] = {"hybrid": "hybrid", "fine": "fine_tuning", "prompt": "prompt_engineering"}


def classify(text: str, *, has_facts: bool) -> Kind:
    """The kind of a cleaned message; `has_facts` says whether the reader found any fact in it."""
    if _WHY_NOT.match(text):
        return "why_not"
    if has_facts:
        return "other"
    words = text.split()
    if _THANKS.match(text) and len(words) <= 8:
        return "thanks"
    asks = text.rstrip().endswith("?") or bool(_QUESTION_START.match(text))
    if asks and not _OWN.search(text) and len(words) >= 3:
        return "topic_question"
    return "other"


def why_not_target(text: str) -> Approach | None:
    """The approach a "why not X?" message asks about."""
    m = _WHY_NOT.match(text)
    if m is None:
        return None
    word = m.group("x").lower()
    return next(a for prefix, a in _APPROACH_WORDS.items() if word.startswith(prefix))
