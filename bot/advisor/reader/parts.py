"""Counts said in two parts that belong together: "30k tagged emails + 5k tagged chats", "20k tickets + 4k reviews a
month". "+" or "plus" joins them; "and" or a comma only parts that each say they are labeled data (otherwise an "and"
may start another subject); and only when both parts count things of the same field: labeled data on both sides, or
items under one rate said after the second part.
"""

from __future__ import annotations

from bot.advisor.reader.lexicon import words
from bot.advisor.reader.numbers import Quantity
from bot.advisor.reader.tokens import Token

_JOINERS = {"+", "plus"}
_LISTED = {"and", ","}
NOUN_WORDS = 4  # words of the first part's noun phrase before the joiner, at most


def joined(tokens: list[Token], first: Quantity, second: Quantity, *, labeled: bool = False) -> bool:
    """Whether `second` is added to `first`: the first part's noun phrase, then "+" or "plus", then the second;
    for `labeled` data, the first part's own words must say it is labeled too."""
    if first.money != second.money or first.percent or second.percent or first.negative or second.negative:
        return False
    between = tokens[first.end : second.start]
    # labeled parts may also be listed ("30k labeled emails and 5k labeled chats", "…, 5k labeled chats")
    joiners = _JOINERS | _LISTED if labeled else _JOINERS
    n = 2 if len(between) > 1 and [t.text for t in between[-2:]] == [",", "and"] else 1
    if not between or between[-1].text not in joiners or len(between) > NOUN_WORDS + n:
        return False
    noun = between[:-n]
    if not noun and between[-1].text in _LISTED:
        return False  # "30k and 5k labeled": the first part says nothing of its own
    if any(t.kind != "word" or t.clause != tokens[first.start].clause for t in noun):
        return False
    # people, audiences, amounts of matter and classes are never added to a count of items
    if labeled and not any(t.text in words("label_cues") or set(t.parts) & words("label_cues") for t in noun):
        return False  # "30k raw emails + 5k tagged chats": only the second part is labeled
    others = words("staff_nouns") | words("audience_nouns") | words("measure_units") | words("group_nouns")
    return not {t.text for t in noun} & (others | words("class_nouns"))
