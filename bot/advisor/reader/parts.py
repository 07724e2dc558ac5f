"""Counts said in two parts that belong together: "30k tagged emails + 5k tagged chats", "20k tickets + 4k reviews a
month". Only "+" or "plus" joins them (an "and" may start another subject), and only when both parts count things of
the same field: labeled data on both sides, or items under one rate said after the second part.
"""

from __future__ import annotations

from bot.advisor.reader.lexicon import words
from bot.advisor.reader.numbers import Quantity
from bot.advisor.reader.tokens import Token

_JOINERS = {"+", "plus"}
NOUN_WORDS = 4  # words of the first part's noun phrase before the joiner, at most


def joined(tokens: list[Token], first: Quantity, second: Quantity, *, labeled: bool = False) -> bool:
    """Whether `second` is added to `first`: the first part's noun phrase, then "+" or "plus", then the second;
    for `labeled` data, the first part's own words must say it is labeled too."""
    if first.money != second.money or first.percent or second.percent or first.negative or second.negative:
        return False
    between = tokens[first.end : second.start]
    if not between or between[-1].text not in _JOINERS or len(between) > NOUN_WORDS + 1:
        return False
    noun = between[:-1]
    if any(t.kind != "word" or t.clause != tokens[first.start].clause for t in noun):
        return False
    # people, audiences, amounts of matter and classes are never added to a count of items
    if labeled and not any(t.text in words("label_cues") or set(t.parts) & words("label_cues") for t in noun):
        return False  # "30k raw emails + 5k tagged chats": only the second part is labeled
    others = words("staff_nouns") | words("audience_nouns") | words("measure_units") | words("group_nouns")
    return not {t.text for t in noun} & (others | words("class_nouns"))
