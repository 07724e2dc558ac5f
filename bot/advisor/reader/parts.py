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
_ANOTHER = {"another", "also", "then"}  # "and another 3k": a part added to the one before
_LISTED = {"and", ","}
NOUN_WORDS = 4  # words of the first part's noun phrase before the joiner, at most


def joined(
    tokens: list[Token],
    first: Quantity,
    second: Quantity,
    *,
    labeled: bool = False,
    rate: bool = False,
    listed: bool = False,
) -> bool:
    """Whether `second` is added to `first`: the first part's noun phrase, then "+" or "plus", then the second;
    for `labeled` data, the first part's own words must say it is labeled too. With `rate` (the second part's rate
    is said once, after its own noun) an "and" or a comma lists the parts too: "20k emails and 4k chats a month";
    `listed` allows them for an earlier part of such a list ("20k emails, 4k chats and 1k calls a month")."""
    if first.money != second.money or first.percent or second.percent or first.negative or second.negative:
        return False
    between = tokens[first.end : second.start]
    # labeled parts may also be listed ("30k labeled emails and 5k labeled chats", "…, 5k labeled chats")
    joiners = _JOINERS | _LISTED if labeled or listed or (rate and _rate_follows(tokens, second)) else _JOINERS
    if len(between) > 1 and between[-1].text in _ANOTHER:
        between = between[:-1]  # "8k annotated chats and another 3k annotated calls": "another" adds the part
    n = 2 if len(between) > 1 and [t.text for t in between[-2:]] == [",", "and"] else 1
    if not between or between[-1].text not in joiners or len(between) > NOUN_WORDS + n:
        return False
    noun = between[:-n]
    if not noun and between[-1].text in _LISTED:
        return False  # "30k and 5k labeled": the first part says nothing of its own
    if any(t.kind != "word" or t.clause != tokens[first.start].clause for t in noun):
        return False
    # people, audiences, amounts of matter and classes are never added to a count of items
    if between[-1].text in _LISTED and len(noun) > (3 if labeled else 2):
        return False  # a listed part is a count and its noun ("20k emails", "8k annotated chat logs"), not a clause
    if between[-1].text in _LISTED and not labeled and {t.text for t in noun} & words("inventory_nouns"):
        return False  # "40 FAQ entries and 10 questions a day": what exists is not a part of what flows
    if labeled and not any(t.text in words("label_cues") or set(t.parts) & words("label_cues") for t in noun):
        return False  # "30k raw emails + 5k tagged chats": only the second part is labeled
    others = words("staff_nouns") | words("audience_nouns") | words("measure_units") | words("group_nouns")
    return not {t.text for t in noun} & (others | words("class_nouns"))


_RATE_WORDS = {"a", "per", "/", "each", "every", "an"}


def _rate_follows(tokens: list[Token], second: Quantity) -> bool:
    """Whether the second part is only its count, a noun of one or two words, then its rate ("4k chats a month");
    "4k of them a month" or "4k are spam" is something else."""
    for k in range(second.end, min(len(tokens), second.end + 3)):
        tok = tokens[k]
        if tok.text in _RATE_WORDS:
            return k > second.end
        if tok.kind != "word" or tok.text in {"of", "are", "is", "were", "was"}:
            return False
    return False


_ALL = {"all", "both"}
_LABELED = {"labeled", "labelled", "annotated", "tagged", "hand-labeled", "hand-labelled", "classified", "reviewed"}
_FILLERS = {"of", "them", "those", "these", "are", "were", "have", "been", "is"}


def labeled_together(tokens: list[Token], first: Quantity, second: Quantity) -> bool:
    """Whether two counts listed with "and" are said to be labeled together by a distributive word after the second
    ("3k defect images and 40k good ones, all labeled by our inspectors", "... both annotated"): every part is
    labeled, so their sum is the labeled count. Each part is a count and a short noun of its own."""
    if first.money or second.money or first.percent or second.percent or first.negative or second.negative:
        return False
    between = tokens[first.end : second.start]
    if not between or between[-1].text != "and" or not 1 <= len(between) - 1 <= NOUN_WORDS:
        return False
    if any(t.kind != "word" for t in between[:-1]):
        return False
    k = second.end
    while k < len(tokens) and k - second.end < NOUN_WORDS and tokens[k].kind == "word":
        k += 1
    if k == second.end or k >= len(tokens) or tokens[k].text != ",":
        return False
    rest = [t for t in tokens[k + 1 : k + 6] if t.sentence == tokens[second.start].sentence]
    if not rest or rest[0].text not in _ALL:
        return False
    for t in rest[1:]:
        if t.text in _LABELED:
            return True
        if t.text not in _FILLERS:
            return False
    return False


_MORE = {"more", "extra", "additional"}
_SOURCE = {"from", "via", "through"}


def more_of_the_same(tokens: list[Token], first: Quantity, second: Quantity) -> bool:
    """Whether `second` adds to `first` as more of the same thing, with no noun of its own: "5k labeled + 1.2k more
    from a pilot customer", "600 from QA review + 350 from callbacks", "2k from the pilot and another 3.5k the vendor
    did". The joiner is "+", "plus" or "and", and the second part is "more", "another" or only a source."""
    if first.money or second.money or first.percent or second.percent or first.negative or second.negative:
        return False
    between = tokens[first.end : second.start]
    another = len(between) > 1 and between[-1].text == "another"
    if another:
        between = between[:-1]
    n = 2 if len(between) > 1 and [t.text for t in between[-2:]] == [",", "and"] else 1
    if not between or between[-1].text not in _JOINERS | {"and"} or len(between) > NOUN_WORDS + n:
        return False
    if any(t.kind != "word" or t.clause != tokens[first.start].clause for t in between[:-n]):
        return False
    clause = tokens[second.start].clause
    rest = {t.text for t in tokens[second.end : second.end + 6] if t.clause == clause}
    if rest & _NOT_YET:
        return False  # "3k labeled and 2k more coming next month": a part that does not exist yet
    if rest & _UNLABELED:
        return False  # "600 labeled and another 8,000 unlabeled ones": the part is what the first is not
    nxt = tokens[second.end].text if second.end < len(tokens) else ""
    others = words("staff_nouns") | words("audience_nouns") | words("measure_units") | words("group_nouns")
    if nxt in others | words("class_nouns"):
        return False  # "and another 40 agents": people or classes, not more of the items
    return another or nxt in _MORE or (nxt in _SOURCE and between[-1].text in _JOINERS)


_UNLABELED = {"unlabeled", "unlabelled", "unannotated", "untagged", "raw", "unscored", "unreviewed", "unchecked"}
# Words that say a part is still to come: "2k more coming", "another 1k planned for Q3".
_NOT_YET = {"coming", "next", "planned", "expected", "soon", "later", "pending", "queued", "will", "could", "would"}
_NOT_YET |= {"might", "may", "hope", "hoping", "want", "need", "needed", "to", "eventually", "promised"}
