"""Chat wording to the knowledge base's words: filler words dropped, chat spellings and abbreviations rewritten
(`chat_words.yaml` here), so "how much does finetuning usually cost?" searches for "fine tuning" and "cost"."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.resources import load_yaml


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    raw = load_yaml(Path(__file__).with_name("chat_words.yaml").read_text(encoding="utf-8"))
    filler = frozenset(str(w).lower() for w in raw["filler"])
    rewrite = {str(k).lower(): tuple(str(v).lower().split()) for k, v in raw["rewrite"].items()}
    return filler, rewrite


def is_filler(word: str) -> bool:
    """Whether a (lower-case) word says little about what is asked: "usually", "really", "whats", "pls"."""
    return word in _words()[0]


def rewrite(word: str) -> tuple[str, ...]:
    """The knowledge base's words for a (lower-case) chat word: ("fine", "tuning") for "finetuning"; else the word."""
    return _words()[1].get(word, (word,))
