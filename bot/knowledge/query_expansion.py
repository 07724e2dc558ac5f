"""Query expansion from a small domain thesaurus (`thesaurus.yaml` here): "how often should a model be retrained?"
also searches for "re-tune" and "drift", the words the knowledge base uses."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.resources import load_yaml

MAX_ADDED = 12  # expansions per query, so one everyday word cannot swamp the user's own terms


@lru_cache(maxsize=1)
def _groups() -> dict[str, tuple[str, ...]]:
    raw = load_yaml(Path(__file__).with_name("thesaurus.yaml").read_text(encoding="utf-8"))
    index: dict[str, tuple[str, ...]] = {}
    for group in raw:
        words = tuple(str(w).lower() for w in group)
        for w in words:
            index[w] = tuple(dict.fromkeys(index.get(w, ()) + words))
    return index


def expand(terms: list[str]) -> list[str]:
    """`terms` followed by their thesaurus neighbours that are not already there (at most `MAX_ADDED`)."""
    seen = dict.fromkeys(terms)
    added = 0
    for term in terms:
        for other in _groups().get(term, ()):
            if other not in seen and added < MAX_ADDED:
                seen[other] = None
                added += 1
    return list(seen)


def neighbours(word: str) -> list[str]:
    """The thesaurus neighbours of one word (without the word itself)."""
    return [w for w in _groups().get(word, ()) if w != word]
