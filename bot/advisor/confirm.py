"""Confirming questions for numbers the reader would not state on its own evidence: a number with no owner ("Is
the 12,000 the number of labeled examples, or requests per month?") or one of two readings of a field that
disagree ("Is "due in 4 months" (about 17 weeks from now) your deadline?"), and reading the reply to one."""

from __future__ import annotations

import json
import re

from bot.advisor.extract import Unclear, clean_text
from bot.advisor.intake import FIELD_STEP, Fact, Provenance
from bot.advisor.questions import Question

PREFIX = "confirm:"  # marks a pending confirmation among the conversation's expected fields
_NAMES = {
    "labeled_examples": "the number of labeled examples",
    "monthly_requests": "requests per month",
    "budget_usd": "your budget for this project",
    "deadline_weeks": "your deadline for this project",
}
# Words in a reply that pick each field; "neither"-like words drop the number.
_PICKS = {
    "labeled_examples": {
        "example",
        "examples",
        "labeled",
        "labelled",
        "labels",
        "label",
        "annotated",
        "training",
        "tagged",
        "first",
    },
    "monthly_requests": {
        "month",
        "monthly",
        "requests",
        "request",
        "volume",
        "traffic",
        "mo",
        "load",
        "second",
        "calls",
        "per",
    },
    "budget_usd": {"budget", "yes", "yep", "yeah", "correct", "right", "spend", "exactly"},
    "deadline_weeks": {"deadline", "yes", "yep", "yeah", "correct", "right", "exactly", "live", "launch"},
}
_YES = {"yes", "yep", "yeah", "yup", "correct", "right", "exactly", "sure", "indeed"}
_NEITHER = {"neither", "none", "no", "nope", "nah", "nothing", "ignore", "irrelevant", "not"}


def is_entry(value: str) -> bool:
    """Whether an expected-field entry is a pending confirmation."""
    return value.startswith(PREFIX)


def entry(u: Unclear) -> str:
    """The expected-field entry that remembers a pending confirmation across turns."""
    return PREFIX + json.dumps({"q": u.quote, "v": u.value, "c": list(u.candidates)})


def pending(expecting: list[str]) -> Unclear | None:
    """The pending confirmation among the expected fields, if any."""
    for e in expecting:
        if is_entry(e):
            data = json.loads(e[len(PREFIX) :])
            return Unclear(str(data["q"]), float(data["v"]), tuple(data["c"]))
    return None


def question(u: Unclear) -> Question:
    """The confirming question; it has no quick answers, so every platform asks it the same way in words."""
    value = f"{u.value:,.0f}"
    if u.candidates == ("deadline_weeks",):
        text = f'Is "{u.quote}" (about {u.value:g} weeks from now) {_NAMES["deadline_weeks"]}? (yes / no)'
    elif u.candidates == ("budget_usd",):
        text = f'Is the ${value} ("{u.quote}") {_NAMES["budget_usd"]}? (yes / no)'
    elif len(u.candidates) == 1:
        text = f'Is the {value} ("{u.quote}") {_NAMES[u.candidates[0]]}? (yes / no)'
    else:
        options = " or ".join(_NAMES[c] for c in u.candidates)
        text = f'Is the {value} ("{u.quote}") {options}? (Or say "neither".)'
    return Question(field=u.candidates[0], step=FIELD_STEP[u.candidates[0]], text=text, quick_answers=())


def resolve(u: Unclear, reply: str, *, turn: int | None) -> list[Fact] | None:
    """The fact the reply confirms ([] for "neither"), or None when the reply answers something else."""
    words = set(re.findall(r"[a-z]+", clean_text(reply).lower()))
    if len(words) > 8:
        return None  # a longer message is read as a message
    picked = [c for c in u.candidates if words & _PICKS[c]]
    if len(u.candidates) == 1 and words & _YES and not words & _NEITHER:
        picked = list(u.candidates)  # "Is the 150,000 requests per month?" "yes"
    if len(picked) == 1:
        value: float | int = u.value if picked[0] in {"budget_usd", "deadline_weeks"} else round(u.value)
        prov = Provenance(source="message", turn=turn, quote=u.quote[:200])
        return [Fact(picked[0], value, prov)]
    if words & _NEITHER and not picked and not re.search(r"\d", reply):
        return []  # "no", "neither"; but "no, 200k not 2M" gives another number: it is read as a message
    return None
