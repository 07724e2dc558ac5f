"""Cue phrases from `lexicon.yaml`, compiled once, and a matcher over tokens.

Phrase syntax (one phrase per list item): words separated by spaces; `a|b` alternatives; `word*` a prefix;
`...` up to four other words; a slot ending in `?` is optional. Matching never crosses a clause boundary, and
the number of positions tried per token is bounded by the phrases' length, so matching is linear in the message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress
from operator import attrgetter
from pathlib import Path
from typing import Any

from bot.advisor.reader.tokens import Token
from bot.resources import load_yaml

MAX_GAP = 4
MAX_REMEMBERED = 20_000  # words whose candidate phrases a phrase set keeps
_TEXT = attrgetter("text")
NEGATORS = frozenset(
    {
        "no",
        "not",
        "never",
        "none",
        "nobody",
        "nothing",
        "without",
        "zero",
        "neither",
        "nor",
        "lack",
        "lacking",
        "nope",
        "nah",
        "nada",
        "cannot",
        "hardly",
        "barely",
        "non",
        # chat spellings without the apostrophe ("we dont have labels", "it doesnt change much")
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "havent",
        "hasnt",
        "hadnt",
        "wont",
        "cant",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "aint",
    }
)


def is_negator(tok: Token) -> bool:
    """A word that negates what follows it ("no", "never", "don't", "isn't", "hasn't")."""
    return tok.text in NEGATORS or tok.text.endswith("n't") or tok.text.startswith(("nobody", "noone"))


@dataclass(frozen=True)
class Slot:
    """One position of a phrase: exact words, prefixes, a gap, or optional."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    optional: bool = False
    gap: bool = False

    def accepts(self, tok: Token) -> bool:
        """Whether `tok` fills this slot (a hyphenated word also by any of its parts)."""
        words, prefixes = self.words, self.prefixes
        text = tok.text
        # str.startswith takes the tuple itself (and an empty one matches nothing): one call per form
        if "-" not in text:  # most words: their only form is the text
            return text in words or text.startswith(prefixes)
        return any(form in words or form.startswith(prefixes) for form in tok.forms)


@dataclass(frozen=True)
class Phrase:
    """A compiled cue phrase, with the label it stands for (e.g. a value of a field)."""

    slots: tuple[Slot, ...]
    label: str
    source: str


@dataclass(frozen=True)
class Match:
    """Where a phrase matched: token indexes (end exclusive) and its label."""

    start: int
    end: int
    label: str


def _slot(raw: str) -> Slot:
    if raw == "...":
        return Slot(frozenset(), (), optional=True, gap=True)
    optional = raw.endswith("?") and len(raw) > 1
    raw = raw.rstrip("?") if optional else raw
    words = [w for w in raw.split("|") if not w.endswith("*")]
    prefixes = tuple(w[:-1] for w in raw.split("|") if w.endswith("*"))
    return Slot(frozenset(words), prefixes, optional=optional)


def compile_phrase(text: str, label: str) -> Phrase:
    """Compile one phrase of the lexicon syntax."""
    return Phrase(tuple(_slot(part) for part in text.lower().split()), label, text)


class PhraseSet:
    """Phrases indexed by what their first slot accepts, for matching at every token."""

    def __init__(self, phrases: list[Phrase]) -> None:
        self._by_word: dict[str, list[Phrase]] = defaultdict(list)
        self._by_prefix: list[tuple[str, Phrase]] = []
        self._anywhere: list[Phrase] = []
        self._by_text: dict[str, tuple[Phrase, ...]] = {}
        for phrase in phrases:
            first = phrase.slots[0]
            if first.optional or first.gap:
                self._anywhere.append(phrase)
                continue
            for w in first.words:
                self._by_word[w].append(phrase)
            self._by_prefix.extend((p, phrase) for p in first.prefixes)

    def candidates(self, tok: Token) -> tuple[Phrase, ...]:
        """Phrases whose first slot could match `tok`."""
        found = self._by_text.get(tok.text)
        if found is None:
            self._remember([tok.text])
            found = self._by_text[tok.text]
        return found

    def _remember(self, texts: Iterable[str]) -> None:
        """Work out (and keep) the candidates of words not seen yet. Remembered per word (they depend on its text
        alone): every set is searched at every token of a message, and trying each prefix there was half of what
        reading a message cost. Bounded: user text."""
        missing = set(texts).difference(self._by_text)
        if len(self._by_text) + len(missing) > MAX_REMEMBERED:
            self._by_text.clear()
            missing = set(texts)
        for text in missing:
            out = list(self._anywhere)
            for form in (text, *text.split("-")) if "-" in text else (text,):  # Token.forms
                out.extend(self._by_word.get(form, ()))
                out.extend(phrase for p, phrase in self._by_prefix if form.startswith(p))
            self._by_text[text] = tuple(out)

    def find(self, tokens: list[Token], lo: int = 0, hi: int | None = None) -> list[Match]:
        """Every match in tokens[lo:hi], leftmost first, keeping the longest of overlapping matches."""
        hi = len(tokens) if hi is None else hi
        texts = list(map(_TEXT, tokens[lo:hi]))
        remembered = self._by_text
        if not all(map(remembered.__contains__, texts)):
            self._remember(texts)
        found: list[Match] = []
        # Only the positions with candidates are visited (most words start no phrase of a set): the skipping
        # happens in C, which matters as ~25 sets are searched over every token of each message.
        for i in compress(range(lo, hi), map(remembered.__getitem__, texts)):
            first = tokens[i]
            for phrase in remembered[first.text]:
                end = _match(phrase.slots, tokens, i, hi, first)
                if end is not None:
                    found.append(Match(i, end, phrase.label))
        return _filter_spans(found) if found else found


def _match(slots: tuple[Slot, ...], tokens: list[Token], i: int, hi: int, first: Token) -> int | None:
    """End index of `slots` matched from token i, or None. A phrase stays in the sentence it starts in, and a gap
    in its clause; gaps and optional slots backtrack over at most a few tokens."""
    if not slots:
        return i
    slot, rest = slots[0], slots[1:]
    if slot.gap:
        for skip in range(MAX_GAP + 1):
            j = i + skip
            if j > hi or (
                skip and (tokens[j - 1].clause != first.clause or (j < hi and tokens[j].clause != first.clause))
            ):
                break
            end = _match(rest, tokens, j, hi, first)
            if end is not None:
                return end
        return None
    if i < hi and tokens[i].sentence == first.sentence and slot.accepts(tokens[i]):
        end = _match(rest, tokens, i + 1, hi, first)
        if end is not None:
            return end
    if slot.optional:
        return _match(rest, tokens, i, hi, first)
    return None


def _filter_spans(matches: list[Match]) -> list[Match]:
    """spaCy's `filter_spans`: longest first, then leftmost; drop any match overlapping a kept one."""
    kept: list[Match] = []
    taken: set[int] = set()
    for m in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        if taken.isdisjoint(range(m.start, m.end)):
            kept.append(m)
            taken.update(range(m.start, m.end))
    return sorted(kept, key=lambda m: m.start)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The raw lexicon data: word lists and phrase lists by name."""
    raw = load_yaml(Path(__file__).with_name("lexicon.yaml").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


@cache
def words(name: str) -> frozenset[str]:
    """A word list of the lexicon, as a set."""
    return frozenset(str(w).lower() for w in lexicon()["words"][name])


@cache
def phrases(name: str) -> PhraseSet:
    """A phrase group of the lexicon: `{label: [phrases]}` or a plain list (label = the group's name)."""
    group = lexicon()["phrases"][name]
    items = group.items() if isinstance(group, dict) else [(name, group)]
    return PhraseSet([compile_phrase(str(text), str(label)) for label, texts in items for text in texts])
