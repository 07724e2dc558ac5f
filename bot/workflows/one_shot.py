"""One-shot assessment: a description in, a recommendation out, without questions or storage.

The conversation core (bot/workflows/conversation.py) runs the same steps for a card in a dialogue; `ai-advisor
assess` uses this module alone, so a one-shot run loads neither the dialogue modules nor the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.advisor import engine
from bot.advisor.extract import clean_text, extract
from bot.advisor.intake import Intake
from bot.errors import InputError

if TYPE_CHECKING:
    from bot.advisor.tco import TcoAssumptions
    from bot.llm.client import LlmClient

Enricher = Callable[[engine.Recommendation, Intake], engine.Recommendation]


@contextlib.contextmanager
def llm_turn(llm: LlmClient | None) -> Iterator[None]:
    """One user message's scope for the LLM's per-message call cap and usage counts (nothing without a model)."""
    if llm is None:
        yield
        return
    with llm.turn():
        yield


def recommend(
    intake: Intake, enrich: Enricher | None, llm: LlmClient | None, assumptions: TcoAssumptions | None = None
) -> engine.Recommendation:
    """The engine's card for `intake` (costed with `assumptions`, None: the shipped defaults), with citations
    (`enrich`) and, with a model, the verdict's wording."""
    rec = engine.recommend(intake, assumptions)
    rec = enrich(rec, intake) if enrich else rec
    return llm.word_verdict(rec, intake) if llm else rec


@dataclass
class Assessor:
    """Assesses single descriptions: read, decide, cite; nothing is stored."""

    enrich: Enricher | None = None
    llm: LlmClient | None = None  # optional: better extraction and wording; the engine still decides
    today: dt.date | None = None
    assumptions: TcoAssumptions | None = None  # the operator's costs (ADVISOR_TCO_CONFIG); None: the defaults

    def assess(self, text: str) -> tuple[engine.Recommendation, Intake, list[str]]:
        """Assess one description without follow-up questions or persistence: (card, facts read, reader's notes)."""
        if not clean_text(text):
            raise InputError("Nothing to assess: describe the AI feature you want to build.")
        with llm_turn(self.llm):
            found = extract(text, turn=1, today=self.today)
            if self.llm:
                found = self.llm.extract(text, found, turn=1)
            intake = Intake().merged(found.facts)
            return recommend(intake, self.enrich, self.llm, self.assumptions), intake, found.notes
