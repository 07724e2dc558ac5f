"""Changes said right after a number: "budget was 80k, now cut in half", "it got cut to 25k", "then doubled".

A change applies to the number before it only when it is said in a later clause and nothing but the number's own
words and linking words stand between the two (so the change is said of that number), and only when it is a change
that happened: a supposition ("might get cut in half") leaves the value in doubt, and a comparison ("down 20% from
last year") describes the number said, it does not change it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.advisor.reader.numbers import Quantity
from bot.advisor.reader.tokens import Token

_TIMES = {"halved": 0.5, "doubled": 2.0, "tripled": 3.0, "quadrupled": 4.0}
_FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25}
_DOWN = {
    "cut",
    "cuts",
    "reduced",
    "lowered",
    "slashed",
    "dropped",
    "drops",
    "decreased",
    "trimmed",
    "shrunk",
    "down",
    "shaved",
    "knocked",
    "took",
}
_UP = {"raised", "increased", "bumped", "upped", "grew", "rose", "up", "expanded", "boosted"}
# What may stand between a number and the change said of it: pronouns, auxiliaries, connectives, time adverbs and
# who made the change ("80k, but finance has since cut it to 50k"). Any other word may start another subject.
_LINKS = {
    ",",
    "-",
    "—",
    "–",
    ".",
    "...",
    "but",
    "and",
    "then",
    "now",
    "since",
    "recently",
    "just",
    "already",
    "though",
    "tho",
    "however",
    "so",
    "it",
    "it's",
    "its",
    "that",
    "which",
    "this",
    "has",
    "have",
    "had",
    "got",
    "gets",
    "get",
    "been",
    "be",
    "being",
    "getting",
    "was",
    "were",
    "is",
    "we",
    "they",
    "finance",
    "leadership",
    "management",
    "mgmt",
    "the",
    "board",
    "cfo",
    "ceo",
    "vp",
    "boss",
    "procurement",
}
# A change that is only supposed ("if it gets cut in half", "might be halved"): the value is in doubt, not changed.
_SUPPOSED = {"if", "might", "may", "could", "would", "maybe", "possibly", "probably", "likely", "unless", "should"}
# "down 20% from last year", "doubled since 2023", "up 3x vs Q1": the number said is the value after the change.
_COMPARED = {"from", "since", "than", "vs", "versus", "compared", "over", "yoy", "on", "year-over-year"}
REACH = 10  # tokens between a number and its change, at most


@dataclass(frozen=True)
class Change:
    """A change said of one number: a factor, or a new value (the quantity said after "to"); `doubt` when supposed."""

    end: int  # where the change's words end
    factor: float | None = None
    target: Quantity | None = None
    doubt: bool = False
    amount: Quantity | None = None  # an amount taken off or added ("trimmed 10k off", "raised by 5k")
    down: bool = False  # the amount is taken off


def change_after(tokens: list[Token], end: int, quantities: list[Quantity]) -> Change | None:
    """The change said of the number that ends at token `end`, if the words right after it say one."""
    sentence, clause = tokens[end - 1].sentence, tokens[end - 1].clause
    by_start = {q.start: q for q in quantities}
    supposed = False
    for i in range(end, min(len(tokens), end + REACH)):
        tok = tokens[i]
        if tok.sentence > sentence + 1 or tok.kind == "num":
            return None
        if tok.text in _SUPPOSED:
            supposed = True
            continue
        verb = tok.text in _TIMES or tok.text in _DOWN or tok.text in _UP
        if verb and tok.text == "up" and i + 1 < len(tokens) and tokens[i + 1].text == "to":
            return None  # "30k, up to 50k if needed" is a bound, not a change
        if verb and tok.clause == clause:
            return None  # "budget is 25k and our volume doubled": a change in the number's own clause is another's
        if not verb:
            # the number's own words ("20k tagged images a month, now halved"), then only linking words
            if tok.text not in _LINKS and tok.clause != clause:
                return None
            continue
        change = _said(tokens, i, by_start)
        if change is None:
            return None
        if change.end < len(tokens) and tokens[change.end].text in _COMPARED:
            return None  # a comparison describes the number said
        return dataclasses.replace(change, doubt=supposed)
    return None


def _said(tokens: list[Token], i: int, by_start: dict[int, Quantity]) -> Change | None:
    """The change that starts with the verb at `i`: "halved", "cut in half", "cut by 20%", "down 20%", "cut to 25k"."""
    verb = tokens[i].text
    if verb in _TIMES:
        return Change(i + 1, factor=_TIMES[verb])
    down = verb in _DOWN
    j = i + 1
    if j < len(tokens) and tokens[j].text in {"back", "it", "that", "this"}:
        j += 1  # "cut it in half", "cut back to 40k"
    word = tokens[j].text if j < len(tokens) else ""
    nxt = tokens[j + 1].text if j + 1 < len(tokens) else ""
    if word in {"in", "by"} and nxt == "half":
        return Change(j + 2, factor=0.5)
    if word == "by" and nxt in {"a", "one"} and j + 2 < len(tokens) and tokens[j + 2].text in _FRACTIONS:
        share = _FRACTIONS[tokens[j + 2].text]
        return Change(j + 3, factor=1 - share if down else 1 + share)
    by = word == "by"
    if by:
        j += 1
    q = by_start.get(j)
    if q is not None and q.percent and 0 < q.value < 100:
        return Change(q.end, factor=(1 - q.value / 100) if down else (1 + q.value / 100))
    if q is not None and not q.percent and q.value > 0:
        # an amount said as the change's size: "cut by 10k", "trimmed 10k off" (not "cut 10k tickets", a count)
        off = q.end < len(tokens) and tokens[q.end].text == "off"
        if by or (off and down):
            return Change(q.end + off, amount=q, down=down)
    if word == "to" and (q := by_start.get(j + 1)) is not None and not q.percent:
        return Change(q.end, target=q)
    return None


# A change said before its base, which "from" introduces: "cut in half from 80k", "down to 40k from 80k",
# "went from 80k to 40k". Verbs that only say the number moved count here too.
_MOVED = {"went", "gone", "moved", "changed", "fell", "fallen", "shrank", "jumped", "climbed", "grown", "risen"}
_BASE_WORDS = {"the", "our", "original", "initial", "originally", "initially", "requested", "planned"}
_OBJECT = {"our", "the", "its", "it", "this", "that", "budget", "spend"}
BEFORE = 8  # tokens of a change's words before "from", at most


def change_before(tokens: list[Token], start: int, quantities: list[Quantity]) -> Change | None:
    """The change said of the number that starts at token `start` when it is the base after "from": "halved from
    80k", "cut by 20% from the 50k", "down to 40k from 80k", "dropped from 80k to 40k". A comparison of the number
    ("up 20% from last year" has no number for a base) never reaches here; a supposed change is in doubt."""
    f = start - 1
    while f >= 0 and tokens[f].text in _BASE_WORDS:
        f -= 1
    if f < 1 or tokens[f].text != "from":
        return None
    by_start = {q.start: q for q in quantities}
    by_end = {q.end: q for q in quantities}
    base = by_start[start]
    verb = tokens[f - 1].text
    moved = verb in _MOVED or verb in _DOWN or verb in _UP
    if moved and base.end + 1 < len(tokens) and tokens[base.end].text == "to":
        # "went from 80k to 40k": the new value follows the base
        t = by_start.get(base.end + 1)
        if t is not None and not t.percent and t.money == base.money:
            return Change(t.end, target=t, doubt=_supposed(tokens, f - 1))
        return None
    if moved and verb not in {"up", "down"} and tokens[f - 1].clause == tokens[start].clause:
        return Change(base.end, doubt=True)  # "the budget was reduced from 100k": to what is not said
    for i in range(max(0, f - BEFORE), f):
        tok = tokens[i]
        if tok.sentence != tokens[f].sentence or not (tok.text in _TIMES or tok.text in _DOWN or tok.text in _UP):
            continue
        if any(t.kind == "num" for t in tokens[i:f]) and by_end.get(f) is None:
            continue
        change = _said(tokens, i, by_start)
        if change is None or any(t.text not in _OBJECT for t in tokens[change.end : f]):
            continue  # "halved our budget from 120k": only what was changed may stand before "from"
        if change.target is not None and (change.target.percent or change.target.money != base.money):
            return None
        if change.amount is not None and change.amount.money != base.money:
            return None
        return dataclasses.replace(change, end=base.end, doubt=_supposed(tokens, i))
    return None


def _supposed(tokens: list[Token], verb: int) -> bool:
    """Whether the change whose verb is at `verb` is only supposed: a word of doubt earlier in its clause."""
    clause = tokens[verb].clause
    i = verb - 1
    while i >= 0 and tokens[i].clause == clause:
        if tokens[i].text in _SUPPOSED:
            return True
        i -= 1
    return False


_MINUS = {"minus", "less"}
_NOUN_WORDS = 3  # words of the base's own noun phrase before "minus" ("the 20k pot minus"), at most


def remainder_after(tokens: list[Token], end: int, quantities: list[Quantity]) -> Change | None:
    """A subtraction said right after the number that ends at `end`: "the 20k pot minus the 8k already spent" (the
    8k taken off), "30k, less 10% for contingency". Only "minus" or "less" says it; the amount taken off must be the
    same kind of number (money from money, a count from a count)."""
    i = end
    while i < len(tokens) and i - end < _NOUN_WORDS and tokens[i].kind == "word" and tokens[i].text not in _MINUS:
        i += 1
    if i >= len(tokens) or tokens[i].text not in _MINUS or tokens[i].clause != tokens[end - 1].clause:
        return None
    if next((q for q in quantities if q.end == end), None) is None:
        return None
    j = i + 1
    while j < len(tokens) and tokens[j].text in {"the", "our"}:
        j += 1
    if j < len(tokens) and tokens[j].text in {"what", "whatever"}:
        return Change(j + 1, doubt=True)  # "25k minus what we already paid": what is left is not known
    q = next((o for o in quantities if j <= o.start <= j + 1), None)  # "minus about 2k"
    if q is None or q.negative or q.vague:
        return None
    if q.percent:
        return Change(q.end, factor=1 - q.value / 100) if 0 < q.value < 100 else None
    return Change(q.end, amount=q, down=True)  # the reading checks it is the same kind ("20k tickets minus $5k")


_LEFT_OF = {"left", "remaining", "remains", "rest"}  # "what's left of the 15k", "the rest of our 20k"
_DETERMINERS = {"the", "our", "my", "this", "that", "a"}
LEFT_REACH = 14  # words after the base in its sentence in which "after ..." and the amount taken off are said


def left_of(tokens: list[Token], start: int) -> bool:
    """Whether the number starting at `start` is the base of a remainder: "what's left of the $15k", "the rest of
    our 20k" (what is left is the base less what the sentence goes on to say is taken off)."""
    i = start - 1
    while i >= 0 and tokens[i].text in _DETERMINERS:
        i -= 1
    return i >= 1 and tokens[i].text == "of" and tokens[i - 1].text in _LEFT_OF


def left_after(tokens: list[Token], start: int, end: int, quantities: list[Quantity]) -> Change | None:
    """What is left of a base said before what takes from it: "whatever's left of the $15k after we pay for the
    new phone system ($6k)" (15k less 6k). The amount taken off is the first one after "after" in the sentence,
    and must be money when the base is; with none, what is left is not known (asked)."""
    if not left_of(tokens, start):
        return None
    sentence = tokens[end - 1].sentence
    base = next((q for q in quantities if q.start == start), None)
    span = [k for k in range(end, min(len(tokens), end + LEFT_REACH)) if tokens[k].sentence == sentence]
    after = next((k for k in span if tokens[k].text == "after"), None)
    if base is None or after is None:
        return None
    taken = next((q for q in quantities if after < q.start <= span[-1]), None)
    if taken is None or taken.negative or taken.vague or taken.percent or taken.money != base.money:
        return Change(span[-1] + 1, doubt=True)  # "what's left of the 30k after the agency is paid": ask
    return Change(taken.end, amount=taken, down=True)


def subtracted(tokens: list[Token], q: Quantity) -> bool:
    """Whether `q` is said as an amount taken off: right after "minus" or "less" (and "the", "our")."""
    i = q.start - 1
    while i >= 0 and tokens[i].text in {"the", "our", "about", "~"}:
        i -= 1
    return i >= 0 and tokens[i].text in _MINUS


def former(tokens: list[Token], q: Quantity) -> bool:
    """Whether `q` is the earlier value a number is compared with: "60k, up from 40k last year", "down from 80k",
    or the value it was, said after the value it is now ("now 35k, it was 70k before", "35k now (was 70k)")."""
    i = q.start - 1
    while i >= 0 and tokens[i].text in _BASE_WORDS:
        i -= 1
    if i >= 0 and tokens[i].text in {"was", "were"}:
        return _now_before(tokens, i)
    if i < 1 or tokens[i].text != "from" or tokens[i - 1].text not in {"up", "down"}:
        return False
    return not (q.end < len(tokens) and tokens[q.end].text == "to")


NOW_REACH = 10  # tokens from "now" over its number to the "was" of the earlier value


def _now_before(tokens: list[Token], was: int) -> bool:
    """Whether a number said with "now" comes shortly before `was` in its sentence: the "was" value is then what
    it used to be."""
    sentence = tokens[was].sentence
    window = [t for t in tokens[max(0, was - NOW_REACH) : was] if t.sentence == sentence]
    texts = [t.text for t in window]
    if "now" not in texts:
        return False
    return any(t.kind == "num" for t in window[max(0, texts.index("now") - 3) :])  # "35k now, was …" too
