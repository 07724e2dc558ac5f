"""Knowledge answers: retrieved passages quoted offline, or written in prose by the model from those passages only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.advisor.engine import Citation
from bot.knowledge import query

if TYPE_CHECKING:
    from bot.llm.client import LlmClient

MODEL_PASSAGES = 3  # passages the model may answer from
MIN_RELATIVE_SCORE = 0.4  # a passage scoring under this share of the best one is noise, not context
QUOTE_CHARS = 800  # about this much of each passage (its best-matching sentences) is sent


@dataclass
class KnowledgeAnswer:
    """An answer, its sources (numbered [1], [2] in model-written text), the wording used and templates tried."""

    text: str
    citations: list[Citation]
    wording: str = "offline"
    templates: dict[str, str] = field(default_factory=dict)
    llm_usage: dict[str, int] = field(default_factory=dict)

    def as_dict(self, question: str) -> dict[str, Any]:
        """The JSON form printed by `ai-advisor ask --json`."""
        return {
            "question": question,
            "answer": self.text,
            "citations": [c.model_dump() for c in self.citations],
            "wording": self.wording,
            "templates": self.templates,
            "llm_usage": self.llm_usage,
        }


def ask(question: str, index: query.KnowledgeIndex, llm: LlmClient | None = None) -> KnowledgeAnswer:
    """Answer `question` from the knowledge base; with a model, in prose grounded in the passages (else quoted)."""
    offline, citations = query.answer(question, index)  # raises InputError for a question without words
    if llm is None or not citations:
        return KnowledgeAnswer(offline, citations)
    found = index.search(question, MODEL_PASSAGES)
    passages = found[:1] + [p for p in found[1:] if p.score >= MIN_RELATIVE_SCORE * found[0].score]
    given = [
        Citation(source=p.source, section=p.section, quote=query.best_quote(p.text, question, QUOTE_CHARS))
        for p in passages
    ]
    with llm.turn() as usage:
        written = llm.word_knowledge_answer(question, [f"{c.source} § {c.section}\n{c.quote}" for c in given], offline)
    if written.wording != "llm":
        return KnowledgeAnswer(offline, citations, "offline", written.templates, usage.as_dict())
    return KnowledgeAnswer(written.text, given, "llm", written.templates, usage.as_dict())
