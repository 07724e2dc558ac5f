"""Re-ranking bm25's candidates by their headings, and how much of a question a passage covers.

Each query word is weighed by how informative it is in the knowledge base (its idf: "tuning", found in most passages,
counts little; "PCCP" counts a lot). A candidate gains for the weighted share of the question's words in its heading
and for a heading that asks the same kind of question (`bot.knowledge.intent`). The weighted share of the question's
words anywhere in a passage (its coverage) tells an answer from a passage that only shares a word or two with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.knowledge.intent import heading_kinds, heading_words

HEADING_BONUS = 0.5  # a passage whose heading holds every query word gains half the top bm25 score
KIND_SHARE = 0.5  # a heading asking the question's kind gains this share of the heading bonus
HeadingWords = tuple[tuple[str, float], ...]  # a section heading's words (stemmed, see `stem`) with their idf


def stem(word: str) -> str:
    """A crude stemmer, only for comparing query words with heading words ("tuning", "tuned", "tune" -> "tun")."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def idf(df: int, passages: int) -> float:
    """bm25's idf for a word in `df` of `passages` passages: near 0 for a word in most, highest for one in none."""
    return math.log((passages - df + 0.5) / (df + 0.5) + 1.0)


@dataclass(frozen=True)
class Term:
    """A query word in the index: the passages holding it (or a thesaurus neighbour) and those whose heading does."""

    word: str
    rows: frozenset[int]
    heads: frozenset[int]
    expanded: bool = False  # whether `rows` and `heads` include the word's thesaurus neighbours

    def idf(self, passages: int) -> float:
        """bm25's idf for the word (see `idf`)."""
        return idf(len(self.rows), passages)


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
    """The idf-weighted share of the query's words that passage `rowid` holds (1.0 for a query without words).

    A number no passage holds ("we have 300 examples") is the asker's own figure, not a topic: it does not count."""
    terms = [t for t in terms if t.rows or not t.word.isdigit()]
    weights = _weights(terms, passages, True)
    total = sum(weights)
    if not total:
        return 1.0
    return sum(w for t, w in zip(terms, weights, strict=True) if rowid in t.rows) / total


def precision(words: HeadingWords, asked: frozenset[str]) -> float:
    """The idf-weighted share of a heading's words that the question holds (`asked`: its stemmed words): "GoTo at a
    glance" is less about "what did GoTo get?" than "What did GoTo get out of it?"."""
    total = sum(idf for _, idf in words)
    return sum(idf for w, idf in words if w in asked) / total if total else 0.0


def rerank(
    candidates: Sequence[Candidate],
    terms: Sequence[Term],
    kinds: frozenset[str],
    passages: int,
    *,
    weighted: bool = True,
    headings: Mapping[int, HeadingWords] | None = None,
) -> list[Candidate]:
    """Re-order by bm25 plus a bonus for how well each heading matches the question: the (idf-weighted) share of
    query words in it, with `headings` also the share of its own words asked about, and a heading asking the
    question's kind.

    FTS5's bm25 gives words found in over half the passages ("fine-tuning", "prompt") an idf of about zero, so
    "When is fine-tuning the better fit?" cannot beat "When is prompt engineering the better fit?" on text alone;
    headings say what a passage is about and settle such ties.
    """
    if not candidates:
        return []
    # A word in no passage cannot be in a heading: it would only shrink every heading's share alike.
    weights = [w if t.rows else 0.0 for t, w in zip(terms, _weights(terms, passages, weighted), strict=True)]
    total = sum(weights)
    bonus = HEADING_BONUS * max(max(c.score for c in candidates), 1.0)
    asked = frozenset(stem(w) for w in [*(t.word for t in terms), *heading_words(kinds)])

    def score(c: Candidate) -> float:
        covered = sum(w for t, w in zip(terms, weights, strict=True) if c.rowid in t.heads) / total if total else 0.0
        if headings is not None:
            exact = precision(headings.get(c.rowid, ()), asked)
            covered = 2 * covered * exact / (covered + exact) if covered + exact else 0.0
        kind = len(kinds & heading_kinds(c.section)) / len(kinds) if kinds else 0.0
        return round(c.score + bonus * (covered + KIND_SHARE * kind), 4)

    rescored = [Candidate(c.rowid, c.source, c.section, c.title, score(c)) for c in candidates]
    return sorted(rescored, key=lambda c: -c.score)
