"""Typos in a question corrected to the knowledge base's own words ("fine-tunning" -> "tuning", "exmaples" ->
"examples"), with rapidfuzz's optimal-string-alignment distance (a swap of two letters is one edit).

Only words the index does not hold at all are corrected, only to words the knowledge files use at least twice, with
the same first letter, and within one edit (two for words of eight letters or more): a word the knowledge base lacks
for a good reason ("vpn", "parking") finds no neighbour that close and stays as asked.
"""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 5  # shorter words have too many neighbours one edit away ("cost", "most", "host")
LONG_WORD = 8  # from this length two edits are allowed
MIN_COUNT = 2  # a word the knowledge files use once is as likely a rarity as the intended word


class Speller:
    """Corrects words to a vocabulary (word -> how often the knowledge files use it)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        """Keep the vocabulary's usable words, grouped by first letter, most used first (they win ties)."""
        self._by_letter: dict[str, list[str]] = {}
        for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if n >= MIN_COUNT and len(word) >= MIN_LENGTH - 1 and word.isalpha():
                self._by_letter.setdefault(word[0], []).append(word)

    def correct(self, word: str) -> str | None:
        """The vocabulary word `word` is most likely a typo of, or None when none is close enough."""
        if len(word) < MIN_LENGTH or not word.isalpha():
            return None
        limit = 2 if len(word) >= LONG_WORD else 1
        found = process.extractOne(word, self._by_letter.get(word[0], []), scorer=OSA.distance, score_cutoff=limit)
        return None if found is None else str(found[0])
