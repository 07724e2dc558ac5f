"""Where a dialogue stands, as one explicit state, and what a reply that changes nothing says in each.

The conversation core decides several things by the state rather than by the words: a "no, …" after the card
disputes it, while the same words answer a yes/no question; a reply pointing back ("same as above") keeps an open
question open, while after the card it leaves the card standing. The stages:

- ``opening``: nothing stored yet (a greeting or a question may come before the description);
- ``confirming``: a number's owner was asked ("is the 12,000 labeled examples or requests per month?");
- ``asking``: intake questions are open;
- ``carded``: a card was given and nothing is asked (a what-if may be on offer);
- ``gathering``: facts are stored, nothing is asked and no card was given yet (between turns of a long intake).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.advisor.confirm import PREFIX as CONFIRM_PREFIX

Stage = Literal["opening", "confirming", "asking", "carded", "gathering"]

WHAT_IF_PREFIX = "whatif:"  # a what-if's facts, held until the user keeps them


@dataclass(frozen=True)
class Dialogue:
    """The state of one conversation before a message is read."""

    stage: Stage
    open_fields: tuple[str, ...] = ()  # the intake questions asked and not answered yet
    what_if_offered: bool = False


def where(*, stored: bool, carded: bool, expecting: Sequence[str]) -> Dialogue:
    """The dialogue's state from what the conversation stores: whether any intake version exists (`stored`),
    whether a card was given (`carded`), and the expected-field entries (`Conversation.expecting`)."""
    offered = any(e.startswith(WHAT_IF_PREFIX) for e in expecting)
    fields = tuple(e for e in expecting if not e.startswith((CONFIRM_PREFIX, WHAT_IF_PREFIX)))
    if any(e.startswith(CONFIRM_PREFIX) for e in expecting):
        return Dialogue("confirming", fields, offered)
    if fields:
        return Dialogue("asking", fields, offered)
    if carded:
        return Dialogue("carded", (), offered)
    return Dialogue("gathering" if stored else "opening", (), offered)


def disputes_card(d: Dialogue) -> bool:
    """Whether an opening "no" or "that's not right" disputes the card: only after it, with nothing asked (while a
    question is open, "no, …" answers it)."""
    return d.stage == "carded"


def disputes_in_words(d: Dialogue) -> bool:
    """Whether a disagreement said in words ("I don't agree with this", "that's wrong - …"; never a bare "no")
    disputes what was assumed: once anything is stored, also while a question is open (the words are no answer to
    it, and what follows them corrects)."""
    return d.stage != "opening"


def unchanged_tail(d: Dialogue, open_questions: Sequence[str]) -> str:
    """What a reply that changed nothing says next: the open questions, still open; after the card, that it stands
    and how to change it; before anything, how to start."""
    if d.stage in ("asking", "confirming") and open_questions:
        return "Still open: " + " ".join(open_questions) + " (Or say *recommend now*.)"
    if d.stage == "carded":
        return (
            'The card stands; correct a fact with its new value ("actually we have 5k examples"), or try "what if …?".'
        )
    if d.stage == "opening":
        return "Describe the AI feature you want to build, and I'll recommend how to build it."
    return "Tell me more about the project, or say *recommend now*."
