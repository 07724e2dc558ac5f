"""One number grammar for everything that reads numbers: digits, separators, k/M/bn suffixes, number words,
approximations, narrow ranges, money and percentages.

Each quantity keeps the token span it came from. The scan visits every token once and looks ahead a bounded number
of tokens, so it is linear in the message length.

Why hand-written: the parsers that do well elsewhere don't fit here. `word2number` reads "twelve thousand" but not
"12k", "a couple dozen", "half a mil" or ranges; `dateparser` turns durations into dates and brings large regex
tables; Duckling needs a Haskell service; spaCy's number entities need a model download. This grammar follows
Duckling's shape (small rules composed over tokens) in about a hundred lines.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from bot.advisor.reader.tokens import Token

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {
    "hundred": 100,
    "thousand": 1e3,
    "k": 1e3,
    "grand": 1e3,
    "lakh": 1e5,
    "lakhs": 1e5,
    "crore": 1e7,
    "crores": 1e7,
    "million": 1e6,
    "mil": 1e6,
    "mill": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
}
_SCALE_WORDS = {"hundred", "thousand", "million", "mil", "mill", "billion", "grand", "lakh", "lakhs", "crore", "crores"}
# Vague amounts people use as numbers: "a couple dozen", "a few hundred", "dozens of".
_VAGUE = {
    "couple": 2,
    "few": 3,
    "several": 5,
    "handful": 5,
    "dozen": 12,
    "dozens": 36,
    "hundreds": 300,
    "thousands": 3000,
    "millions": 3e6,
    "billions": 3e9,
}
_ORDERS = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}
_MULTIPLES = {"tens": 10, "dozens": 12, "hundreds": 100}
_APPROX = {
    "~",
    "about",
    "around",
    "roughly",
    "approx",
    "approximately",
    "circa",
    "ca",
    "maybe",
    "like",
    "some",
    "nearly",
    "almost",
    "est",
    "estimated",
    "over",
    "under",
    "above",
    "below",
    "abt",
    "appr",
}
_CURRENCY = {
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "dollars": "USD",
    "bucks": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "dollar": "USD",
    "pounds": "GBP",
}
_RANGE_JOINERS = {"-", "–", "to", "or"}
_TIME_SUFFIXES = {"ms", "s", "sec", "secs", "msec"}
_TIME_UNITS = {"day", "week", "month", "quarter", "year", "sprint"}
_DEADLINE_PREPS = {"in", "within", "under", "inside", "about", "roughly", "around", "~", "like", "than"}
_YEAR_WORDS = {
    "since",
    "in",
    "by",
    "from",
    "until",
    "till",
    "of",
    "before",
    "after",
    "year",
    "fy",
    "early",
    "late",
    "mid",
    "end",
}


@dataclass(frozen=True)
class Quantity:
    """A number found in the text: its value, where it is (token indexes, end exclusive) and what it measures."""

    value: float
    start: int
    end: int
    money: bool = False
    percent: bool = False
    approx: bool = False
    negative: bool = False
    vague: bool = False  # "a few", "dozens": an order of magnitude, not a count

    def span(self, tokens: list[Token], text: str) -> str:
        """The words of the message that state this quantity."""
        return text[tokens[self.start].start : tokens[self.end - 1].end]


def find_quantities(tokens: list[Token]) -> list[Quantity]:
    """Every quantity in `tokens`, left to right, none overlapping."""
    found: list[Quantity] = []
    i = 0
    while i < len(tokens):
        q = _quantity_at(tokens, i)
        if q is None:
            i += 1
            continue
        found.append(_shortened(tokens, found[-1] if found else None, q))
        i = q.end
    return found


# Words between a number and a second estimate of it: "about 4,000, maybe 4.5", "12k or 13".
_ALTERNATIVE = {",", "maybe", "or", "perhaps", "possibly", "probably", "prob", "~", "like", "closer", "to", "more"}


def _shortened(tokens: list[Token], prev: Quantity | None, q: Quantity) -> Quantity:
    """A second estimate said in short right after a number ("about 4,000, maybe 4.5" is 4,500): a small decimal
    with only words of alternative between takes the first number's scale when that puts it near the first."""
    if prev is None or prev.value < 1000 or q.money != prev.money or q.percent or prev.percent or q.negative:
        return q
    if not 0 < q.value < 100 or q.value.is_integer():
        return q  # "4.5" after "4,000"; a whole "15" may count something else
    between = [t.text for t in tokens[prev.end : q.start]]
    if not between or not set(between) <= _ALTERNATIVE or not set(between) & {",", "or"}:
        return q
    scale = 10 ** round(math.log10(prev.value / q.value))
    value = q.value * scale
    if not prev.value / 2 <= value <= prev.value * 2:
        return q
    return dataclasses.replace(q, value=value, approx=True)


def _quantity_at(tokens: list[Token], i: int) -> Quantity | None:
    start = i
    money = approx = negative = False
    # Leading signs and hedges: "~", "about", "$", "-", "north of", "just under" (a few at most).
    while i < len(tokens) and i - start < 4:
        t = tokens[i].text
        if t in _APPROX or (t in {"north", "south"} and _at(tokens, i + 1) == "of"):
            approx = True
            i += 2 if t in {"north", "south"} else 1
        elif t in {"$", "€", "£"}:
            money = True
            i += 1
        elif (
            t == "-"
            and i + 1 < len(tokens)
            and tokens[i + 1].kind == "num"
            and tokens[i].end == tokens[i + 1].start  # "- 15k labeled" is a bullet or a dash, "-15" a minus
            and not _is_num_end(tokens, i - 1)
            # "top-1", "covid-19", "gpt-4": a hyphen joined to the word before it names a thing, it is no minus
            and not (i > 0 and tokens[i - 1].kind == "word" and tokens[i - 1].end == tokens[i].start)
        ):
            negative = True
            i += 1
        else:
            break
    parsed = _value_at(tokens, i)
    if parsed is None:
        return None
    value, j, vague = parsed
    if value is None:
        return None
    # A narrow range "4-5 weeks", "10-15k", "between 3 and 5": the midpoint.
    change = _at(tokens, start - 1) == "from" and _at(tokens, j) == "to"  # "from 5k to 50k" is a change, not a range
    if not change and (
        _at(tokens, j) in _RANGE_JOINERS or (_at(tokens, j) == "and" and _at(tokens, start - 1) == "between")
    ):
        second = _value_at(tokens, j + 1)
        high, k, vague_high = second if second is not None else (None, j, True)
        if high is not None and not vague_high:
            plain = _plain(tokens, j + 1)
            if high != plain and value < plain <= value * 10:
                value *= high / plain  # "10-15k": the first number borrows the second's scale
            if value < high <= value * 10:
                value, j, approx = (value + high) / 2, k, True
    if _at(tokens, j - 1) in {"grand", "bucks"}:
        money = True  # "45 grand"
    if _at(tokens, j) in {"$", "€", "£"} or _at(tokens, j) in _CURRENCY:
        money = True
        j += 1
    percent = _at(tokens, j) in {"%", "percent", "pct"}
    if percent:
        j += 1
    if i > start and not money and not approx and not negative:
        start = i
    return Quantity(
        value, start, j, money=money, percent=percent, approx=approx or vague, negative=negative, vague=vague
    )


_PRONOUN_ONE = frozenset({"each", "every", "any", "no", "the", "this", "that", "which", "another", "some"})


def _value_at(tokens: list[Token], i: int) -> tuple[float | None, int, bool] | None:
    """(value, index after it, vague) for the number starting at token `i`, or None."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind == "num":
        return _digits_at(tokens, i)
    if tok.kind != "word":
        return None
    if tok.text == "one" and _at(tokens, i - 1) in _PRONOUN_ONE:
        return None  # "each one was reviewed", "the one we use": a pronoun, not a quantity
    # "half a million", "half a mil"; "half a year" (the unit is read by the caller)
    if tok.text == "half" and _at(tokens, i + 1) in {"a", "an"}:
        if _at(tokens, i + 2) in _SCALES:
            return 0.5 * _SCALES[_at(tokens, i + 2)], i + 3, False
        if _at(tokens, i + 2) in _TIME_UNITS:
            return 0.5, i + 2, False
    if tok.text in {"a", "an"} and _at(tokens, i + 1) in _TIME_UNITS and _at(tokens, i - 1) in _DEADLINE_PREPS:
        return 1.0, i + 1, False  # "in a month", "within a week"
    j, vague, base = i, False, None
    if tok.text in {"a", "an"} and _at(tokens, i + 1) in {
        "couple",
        "few",
        "handful",
        "dozen",
        "hundred",
        "thousand",
        "million",
        "billion",
    }:
        j = i + 1
        base = 1.0
    word = _at(tokens, j)
    if word in {"couple", "few", "several", "handful"}:
        base, vague, j = float(_VAGUE[word]), word != "couple", j + 1  # "a handful of": about five
        if _at(tokens, j) == "of":
            j += 1
        if _at(tokens, j) in {"dozen", "hundred", "thousand", "million"}:
            scale = 12 if _at(tokens, j) == "dozen" else _SCALES[_at(tokens, j)]
            return base * scale, j + 1, vague
        return base, j, vague
    if word in {"tens", "dozens", "hundreds"} and _at(tokens, j + 1) == "of" and _at(tokens, j + 2) in _ORDERS:
        # "tens of millions": an order of magnitude, read as its geometric middle (3 x 10M), like "thousands" = 3k
        return 3 * _MULTIPLES[word] * _ORDERS[_at(tokens, j + 2)], j + 3 + (_at(tokens, j + 3) == "of"), True
    if word == "tens" and _at(tokens, j + 1) == "of":
        return 30.0, j + 2, True
    if word in {"dozens", "hundreds", "thousands", "millions", "billions"}:
        return _VAGUE[word], j + 1 + (_at(tokens, j + 1) == "of"), True
    if word == "dozen":
        return 12.0 * (base or 1), j + 1, False
    if word in _SCALE_WORDS and base is not None:
        return _scale_run(tokens, j, 1.0)
    if word in _UNITS or ("-" in word and all(p in _UNITS for p in word.split("-"))):
        return _words_run(tokens, j)
    return None


def _digits_at(tokens: list[Token], i: int) -> tuple[float | None, int, bool] | None:
    tok = tokens[i]
    raw = tok.text
    groups = raw.split(".")
    if len(groups) > 1 and 1 <= len(groups[0]) <= 3 and groups[0][0] != "0" and all(len(g) == 3 for g in groups[1:]):
        raw = raw.replace(".", "")  # "10.000", "1.200.000": dots as thousands separators (nobody writes 10.000 for 10)
    if "," in raw and all(len(g) == 3 for g in raw.split(",")[1:]):
        raw = raw.replace(",", "")
    elif "," in raw:
        return None  # "1,5" or a list "3,4,5": no single number
    if raw.count(".") > 1 or len(raw) > 30:
        return None  # a version ("1.2.3") or a run of digits no one means as a quantity
    value = float(raw)
    if raw.isdigit() and len(raw) == 4 and 1950 <= value <= 2100 and _at(tokens, i - 1) in _YEAR_WORDS:
        return None  # a year: "since 2019", "by 2027"
    j = i + 1
    # "10 000", "1 200 000": spaces as thousands separators
    while raw.isdigit() and value < 1e15 and _space_group(tokens, j) and (j > i + 1 or len(raw) <= 3):
        value = value * 1000 + float(tokens[j].text)
        j += 1
    if j > i + 1:
        return value, j, False
    nxt = _at(tokens, j)
    if tok.glued and i > 0 and tokens[i - 1].end == tok.start and tokens[i - 1].kind == "word":
        return None  # "gpt4", "b2b"
    if tok.glued and j < len(tokens) and tokens[j].start == tok.end:
        # Letters stuck to the digits: a scale ("12k", "2M", "1.2MM") or something else ("3PL", "4o", "2nd").
        if nxt in _SCALES and nxt not in {"hundred"}:
            return _scale_run(tokens, j, value)
        if nxt in _TIME_SUFFIXES:
            return value, j, False  # "200ms", "2s": the unit is read by the caller
        if nxt in {"x"}:
            return None
        if nxt == "ish":
            return value, j + 1, False  # "40ish articles": the suffix is read with the number
        return None if tokens[j].kind == "word" else (value, j, False)
    if nxt in _SCALE_WORDS or nxt in {"k", "m", "mm", "bn"}:
        return _scale_run(tokens, j, value)
    if nxt == "^" and j + 1 < len(tokens) and tokens[j + 1].kind == "num":  # "10^30": beyond any limit anyway
        exponent = min(float(tokens[j + 1].text.replace(",", "") or 0), 400.0)
        # Capped, never infinite: later arithmetic on inf (inf * 0, inf - inf) gives NaN, which no field can hold.
        try:
            return min(value**exponent, _BEYOND_ANY_LIMIT), j + 2, False
        except OverflowError:
            return _BEYOND_ANY_LIMIT, j + 2, False
    return value, j, False


def _space_group(tokens: list[Token], j: int) -> bool:
    """Whether token j is a three-digit group one space after the previous number ("10 000")."""
    if j >= len(tokens) or tokens[j].kind != "num" or not tokens[j].text.isdigit() or len(tokens[j].text) != 3:
        return False
    if tokens[j].start != tokens[j - 1].end + 1 or tokens[j - 1].kind != "num":
        return False
    return _at(tokens, j + 1) != "-"  # "3 500-page manuals" is three manuals


_BEYOND_ANY_LIMIT = 1e30  # larger than any limit a field accepts


def _scale_run(tokens: list[Token], j: int, value: float) -> tuple[float, int, bool]:
    """Apply scale words after a value: "12 thousand", "1.2 million", "3 hundred thousand"."""
    while _at(tokens, j) in _SCALES:
        value *= _SCALES[_at(tokens, j)]
        j += 1
    return value, j, False


def _words_run(tokens: list[Token], j: int) -> tuple[float, int, bool]:
    """Number words: "twelve thousand", "twenty five", "three hundred and fifty thousand"."""
    total, current = 0.0, 0.0
    while j < len(tokens):
        w = tokens[j].text
        if w in _UNITS:
            current += _UNITS[w]
        elif "-" in w and all(p in _UNITS for p in w.split("-")):
            current += sum(_UNITS[p] for p in w.split("-"))
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALE_WORDS:
            total += (current or 1) * _SCALES[w]
            current = 0
        elif w == "and" and _at(tokens, j + 1) in _UNITS and (total or current >= 100):
            pass
        else:
            break
        j += 1
    return total + current, j, False


def _plain(tokens: list[Token], i: int) -> float:
    try:
        return float(tokens[i].text.replace(",", ""))
    except ValueError:
        return 1.0


def _is_num_end(tokens: list[Token], i: int) -> bool:
    return i >= 0 and tokens[i].kind == "num"


def _at(tokens: list[Token], i: int) -> str:
    return tokens[i].text if 0 <= i < len(tokens) else ""
