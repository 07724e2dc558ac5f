"""Re-ranking bm25's candidates by their headings, and how much of a question a passage covers.

Each query word is weighed by how informative it is in the knowledge base (its idf: "tuning", found in most passages,
counts little; "PCCP" counts a lot). A candidate gains for the weighted share of the question's words in its heading
and for a heading that asks the same kind of question (`bot.knowledge.intent`). The weighted share of the question's
words anywhere in a passage (its coverage) tells an answer from a passage that only shares a word or two with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.intent import heading_kinds

HEADING_BONUS = 0.5  # a passage whose heading holds every query word gains half the top bm25 score
KIND_SHARE = 0.5  # a heading asking the question's kind gains this share of the heading bonus


@dataclass(frozen=True)
class Term:
    """A query word in the index: the passages holding it (or a thesaurus neighbour) and those whose heading does."""

    word: str
    rows: frozenset[int]
    heads: frozenset[int]

    def idf(self, passages: int) -> float:
        """bm25's idf for the word: near 0 for a word in most passages, highest for one in none."""
        df = len(self.rows)
        return math.log((passages - df + 0.5) / (df + 0.5) + 1.0)


@dataclass(frozen=True)
class Candidate:
    """A passage bm25 found, before its text is read."""

    rowid: int
    source: str
    section: str
    title: str
    score: float


def _weights(terms: Sequence[Term], passages: int, weighted: bool) -> list[float]:
    return [t.idf(passages) if weighted else 1.0 for t in terms]


def coverage(rowid: int, terms: Sequence[Term], passages: int) -> float:
    """The idf-weighted share of the query's words that passage `rowid` holds (1.0 for a query without words)."""
    weights = _weights(terms, passages, True)
    total = sum(weights)
    if not total:
        return 1.0
    return sum(w for t, w in zip(terms, weights, strict=True) if rowid in t.rows) / total


def rerank(
    candidates: Sequence[Candidate],
    terms: Sequence[Term],
    kinds: frozenset[str],
    passages: int,
    *,
    weighted: bool = True,
) -> list[Candidate]:
    """Re-order by bm25 plus a bonus for the (idf-weighted) share of query words in each heading, and for a heading
    asking the question's kind.

    FTS5's bm25 gives words found in over half the passages ("fine-tuning", "prompt") an idf of about zero, so
    "When is fine-tuning the better fit?" cannot beat "When is prompt engineering the better fit?" on text alone;
    headings say what a passage is about and settle such ties.
    """
    if not candidates:
        return []
    weights = _weights(terms, passages, weighted)
    total = sum(weights)
    bonus = HEADING_BONUS * max(max(c.score for c in candidates), 1.0)

    def score(c: Candidate) -> float:
        covered = sum(w for t, w in zip(terms, weights, strict=True) if c.rowid in t.heads) / total if total else 0.0
        asked = len(kinds & heading_kinds(c.section)) / len(kinds) if kinds else 0.0
        return round(c.score + bonus * (covered + KIND_SHARE * asked), 4)

    rescored = [Candidate(c.rowid, c.source, c.section, c.title, score(c)) for c in candidates]
    return sorted(rescored, key=lambda c: -c.score)
