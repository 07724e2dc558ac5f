"""The kind of a question (cost, amount of data, time, how often, what is, when it fits, why) and whether a heading
asks the same (`intents.yaml` here): a passage headed like the question answers it, one that mentions its words in
passing does not."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot.resources import load_yaml

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})
MAX_DEFINITION_WORDS = 4  # "what is X?" asks for a definition; "what is the cost of X for Y in Z?" asks about cost


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(str(p).lower()) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<![\w'-])(?:" + "|".join(alternatives) + r")(?![\w'-])")


@lru_cache(maxsize=1)
def _raw() -> dict[str, dict[str, list[str]]]:
    data: dict[str, dict[str, list[str]]] = load_yaml(
        Path(__file__).with_name("intents.yaml").read_text(encoding="utf-8")
    )
    return data


@lru_cache(maxsize=1)
def _intents() -> dict[str, tuple[re.Pattern[str], re.Pattern[str]]]:
    return {name: (_pattern(spec["asks"]), _pattern(spec["heading"])) for name, spec in _raw().items()}


@lru_cache(maxsize=64)
def heading_words(kinds: frozenset[str]) -> frozenset[str]:
    """The single words that show a heading answers questions of these kinds ("cost", "price" for a cost question):
    a heading holding them is about what was asked, though the question said "how much money"."""
    return frozenset(str(w).lower() for k in kinds for w in _raw()[k]["heading"] if " " not in str(w))


def question_kinds(question: str, content_words: int) -> frozenset[str]:
    """The kinds of question `question` asks (`content_words`: how many searchable words it has)."""
    text = question[:2000].lower().translate(_APOSTROPHES)
    kinds = {name for name, (asks, _) in _intents().items() if asks.search(text)}
    if content_words > MAX_DEFINITION_WORDS:
        kinds.discard("definition")
    return frozenset(kinds)


@lru_cache(maxsize=4096)  # headings repeat on every search
def heading_kinds(heading: str) -> frozenset[str]:
    """The kinds of question a heading (section and title) answers."""
    text = heading.lower().translate(_APOSTROPHES)
    return frozenset(name for name, (_, says) in _intents().items() if says.search(text))
