"""Give each number to at most one field, by what it measures (money, a duration, a rate), its head noun and the
cue words of its own clause. A number with no clear owner is left for a confirming question, never guessed.

Fields read here: labeled_examples, monthly_requests, budget_usd, deadline_weeks, and the size of an ML team
(returned as a count for `people.py` to turn into an expertise level).
"""

from __future__ import annotations

import calendar
import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from bot.advisor.reader.frames import PAST_FIELDS, frame, wanted
from bot.advisor.reader.lexicon import is_negator, words
from bot.advisor.reader.numbers import Quantity
from bot.advisor.reader.tokens import Token

WINDOW = 4  # words looked at on each side of a number for its cues


@dataclass(frozen=True)
class Claim:
    """A field's reading of one number: the value in the field's unit, and how strong the evidence is."""

    field: str
    value: float
    strong: bool
    start: int
    end: int
    per_unit: bool = False  # "each ~300 a month", "40 a day per agent": to be multiplied by a count of units
    borrowed: bool = False  # the cue is a word before the number, not its own noun ("the labels cover 12 languages")
    # multiplied only because the clause's subject names units counted before ("300 agents ... agents write 250 a
    # month"): each one's share or the group's total? Nothing says which, so the product is asked about, not read
    guessed: bool = False


@dataclass
class Context:
    """What surrounds one quantity: the tokens after it in its clause, before it, and the whole sentence."""

    after: list[Token]
    before: list[Token]
    sentence: list[Token]
    clause: list[Token]
    following: list[Token]  # the words of the next clause in the same sentence


REACH = 40  # tokens looked at on each side, so a message that is one long sentence costs linear time


def _context(tokens: list[Token], q: Quantity) -> Context:
    first, last = tokens[q.start], tokens[q.end - 1]
    lo, floor = q.start, max(0, q.start - REACH)
    while lo > floor and tokens[lo - 1].sentence == first.sentence:
        lo -= 1
    hi, ceiling = q.end, min(len(tokens), q.end + REACH)
    while hi < ceiling and tokens[hi].sentence == last.sentence:
        hi += 1
    after = [t for t in tokens[q.end : hi] if t.clause == last.clause]
    before = [t for t in tokens[lo : q.start] if t.clause == first.clause]
    clause = before + tokens[q.start : q.end] + after
    nxt = next((t.clause for t in tokens[q.end : hi] if t.clause != last.clause), None)
    following = [t for t in tokens[q.end : hi] if t.clause == nxt and t.kind == "word"]
    return Context(after, before, tokens[lo:hi], clause, following)


def _texts(toks: list[Token]) -> set[str]:
    out = {t.text for t in toks}
    for text in [text for text in out if "-" in text]:
        out.update(text.split("-"))  # a hyphenated word's parts (Token.parts)
    return out


def duration_weeks(q: Quantity, ctx: Context) -> tuple[float, int] | None:
    """Weeks, and tokens used, when the quantity is followed by a unit of time ("6 weeks", "4-5 months")."""
    units = words_map("duration_units")
    after = ctx.after
    k = 0
    if after and after[0].text == "-":
        k = 1
    texts = [t.text for t in after[k : k + 5]]
    half = ["and", "a", "half"]
    if texts[:3] == half and len(texts) > 3 and texts[3] in units:
        return (q.value + 0.5) * units[texts[3]], k + 4  # "two and a half months"
    if texts and texts[0] in units:
        if texts[1:4] == half:
            return (q.value + 0.5) * units[texts[0]], k + 4  # "a month and a half"
        return q.value * units[texts[0]], k + 1
    return None


def rate_factor(ctx: Context, skip: int = 0) -> tuple[float, bool] | None:
    """(per-month factor, per unit) when a rate follows within the clause: "/mo", "a day", "per week",
    "monthly", "each month". Per unit: "40 a day per agent", "300 a month each" (a share of the total)."""
    periods = words_map("rate_periods")
    joiners = set(lexicon_words("rate_joiners"))
    after = ctx.after[skip:]
    per_unit = False
    for n, tok in enumerate(after[:8]):
        if tok.kind == "num":
            return None
        nxt = after[n + 1].text if n + 1 < len(after) else ""
        if tok.text in {"daily", "weekly", "monthly", "yearly", "annually", "hourly", "quarterly"}:
            if nxt in {"active", "unique", "recurring"}:
                return None  # "300k monthly active users" is an audience, not a volume
            return periods[tok.text], per_unit or _each_after(after[n + 1 : n + 3])
        # "400 requests in the month" says a rate like "a month"; "the" alone ("the month after") does not
        in_the = tok.text == "the" and n > 0 and after[n - 1].text in {"in", "per"} and len(nxt) > 2
        if in_the and n + 2 < len(after) and after[n + 2].text in {"after", "before", "of", "since", "when"}:
            return None  # "in the month after launch": one stretch of time, not a rate
        if (tok.text in joiners or in_the) and nxt in periods and (len(nxt) > 1 or tok.text == "/"):
            return periods[nxt], per_unit or _each_after(after[n + 2 : n + 4])
        by_period = tok.text == "by" and nxt in _BY_PERIODS  # "400 documents by month" (a rate in other words)
        if by_period and (n + 2 >= len(after) or (after[n + 2].text not in _BY_NOT and after[n + 2].kind != "num")):
            return periods[nxt], per_unit
        if tok.text in {"each", "apiece"}:
            per_unit = True
        elif tok.text == "per" and nxt and nxt not in periods:
            per_unit = True  # "per agent"
        elif tok.text == "/" and (nxt in _UNIT_NOUNS or nxt + "s" in _UNIT_NOUNS):
            per_unit = True  # "/person"; but "new/amended leases" is an "or"
    return None


_BY_PERIODS = {"day", "week", "month", "year", "hour"}  # "by month", but not "by month end", "by month 3"
_BY_NOT = {"end", "-", "'s", "of", "start"}
_UNIT_NOUNS = {"person", "people", "agent", "agents", "user", "users", "seat", "seats", "store", "stores", "head"}


# More a month than one person does by hand (about 65 a working day): a count said after a head count without
# "each"/"per" is then the group's total ("600 employees ask 2,500 questions a month"), not one person's share.
HUMAN_MONTHLY = 2_000


def _per_unit_before(
    tokens: list[Token], q: Quantity, ctx: Context, others: Sequence[Quantity], *, monthly: float
) -> bool:
    """ "each SDR sends ~50 a day", "every agent handles 40", "25 analysts x 50 a day", "our 12 nurses write 5 a
    shift": the rate is per unit of something counted elsewhere."""
    said = [t.text for t in ctx.before[-2:] if t.text not in {"~", "about", "around", "roughly", "approx"}]
    if said[-1:] == ["="]:
        return False  # "14 shops x ~40 products = ~560 a day": the result said is the total
    lo = max(0, len(ctx.before) - 5)
    for n in range(lo, len(ctx.before)):
        if ctx.before[n].text not in {"each", "every", "per", "x", "×", "*"}:
            continue
        nxt = ctx.before[n + 1].text if n + 1 < len(ctx.before) else ""
        if nxt in words_map("rate_periods") and len(nxt) > 1:
            continue  # "volume per month: 300k" names the period, not a unit to multiply by
        # "per" right after another number is that number's ("$0.02 per call and we make 2M calls a month");
        # "each" after one is distributive ("1,400 stores each send one photo a day")
        if ctx.before[n].text != "per" or not any(t.kind == "num" for t in ctx.before[max(0, n - 3) : n]):
            return True
    clause = tokens[q.start].clause
    earlier = [o for o in others if o.start < q.start and tokens[o.start].clause == clause]
    each = [o for o in earlier if each_of(tokens, o)]
    if any(not _collective_between(tokens, o.end, q.start, _own_phrase(tokens, o)) for o in each):
        return True  # "each of our 4 regional teams processes 500 a week": said per team, however large
    if monthly > HUMAN_MONTHLY:
        return False
    if subject_unit(tokens, q, others) is not None:
        return True  # "~120 agents. Agents take 45 calls a day": the subject is the units counted before
    if _averaged(tokens, q, others):
        return True
    staff = words("staff_nouns")
    for other in earlier:
        own = _head_noun(_context(tokens, other), 0)
        if (own & staff or each_of(tokens, other)) and not _collective_between(tokens, other.end, q.start, own):
            return True
    return False


AVERAGE = {"avg", "average", "averages", "averaging", "averaged"}


def _own_phrase(tokens: list[Token], q: Quantity) -> set[str]:
    """All the words of a count's noun phrase ("4 regional AP teams" -> regional, ap, teams)."""
    return _texts(_head_tokens(_context(tokens, q), 0))


_JOINED_SUBJECT = {"and", "&", "+", "plus", "with", "of", ",", "together", "or", "/"}
_TOTALS = {"total", "combined", "altogether", "overall", "together"}
_SUBJECT_SKIP = {"the", "our", "my", "all", "most", "avg", "average", "on", "usually", "typically", "about", "~"}


def subject_unit(tokens: list[Token], q: Quantity, others: Sequence[Quantity]) -> Quantity | None:
    """The count of units a rate is each one's share of, when its clause opens with those units as the subject
    ("~120 agents ... Agents take avg 45 calls a shift"): a plural noun of people or places, with no number of its
    own, counted earlier in the message (by the same noun). None otherwise."""
    clause = tokens[q.start].clause
    lo = q.start
    while lo > 0 and tokens[lo - 1].clause == clause and q.start - lo < 6:
        lo -= 1
    opening = [t for t in tokens[lo : q.start] if t.text not in _SUBJECT_SKIP]
    if not opening or opening[0].kind != "word" or (lo > 0 and tokens[lo - 1].kind == "num"):
        return None
    noun = opening[0].text
    units = words("staff_nouns") | words("audience_nouns") | words("group_nouns")
    if noun not in units or not noun.endswith("s") or len(opening) < 2 or opening[1].text in _JOINED_SUBJECT:
        return None  # "the agents and the bot handle 3k": a joint subject's total
    if any(t.sentence == tokens[q.start].sentence and t.text in _TOTALS for t in tokens[lo : q.end + 8]):
        return None  # "agents handle 2k a week in total"
    counted = [
        o
        for o in others
        if o.end <= lo and not o.money and not o.percent and any(same_noun(noun, w) for w in unit_nouns(tokens, o))
    ]
    return counted[-1] if counted else None


def same_noun(a: str, b: str) -> bool:
    """ "tech" and "techs", "person" and "people" name the same unit."""
    a, b = a.rstrip("s"), b.rstrip("s")
    return (
        a == b or {a, b} == {"person", "people"} or (len(a) > 3 and b.startswith(a)) or (len(b) > 3 and a.startswith(b))
    )


def _averaged(tokens: list[Token], q: Quantity, others: Sequence[Quantity]) -> bool:
    """ "~2,000 DAU, avg 1 entry a day": an average said right after a count of people or units in the same
    sentence is each one's share."""
    if not {t.text for t in tokens[max(0, q.start - 2) : q.start]} & AVERAGE:
        return False
    sentence = tokens[q.start].sentence
    if any(t.sentence == sentence and t.text in {"total", "combined", "altogether", "overall"} for t in tokens):
        return False  # "our 6 agents average 900 a day in total"
    return any(o.start < q.start and tokens[o.start].sentence == sentence and counts_units(tokens, o) for o in others)


def each_of(tokens: list[Token], q: Quantity) -> bool:
    """ "each of our 300 stores": the count is of units that each do the work."""
    return any(t.text in {"each", "every"} for t in tokens[max(0, q.start - 3) : q.start])


_COLLECTIVE = {"and", "team", "teams", "department", "dept", "group", "org", "company", "we", "our", "total", "overall"}
# The speaker as a new subject ("~2,500 employees and I'd guess 300 questions a week"): an estimate of the whole.
_COLLECTIVE |= {"i", "i'd", "i'm", "i'll", "we'd", "we're", "we've", "we'll"}


def _collective_between(tokens: list[Token], lo: int, hi: int, own: frozenset[str] | set[str] = frozenset()) -> bool:
    """ "2,500 employees and our support team handles 9k tickets": the volume is the team's total, not per person
    (a new subject, or too far from the count of people to be their rate). The count's own noun ("each of our 4
    teams files 120") is no new subject."""
    between = tokens[lo:hi]
    own = set(own) & (words("staff_nouns") | words("group_nouns"))  # a head noun's run may reach "and", "we"
    return len(between) > 6 or any(t.text in _COLLECTIVE and t.text not in own for t in between[1:])


def _rate_before(ctx: Context) -> tuple[float, bool] | None:
    """A rate said before the number: "daily we get ~2,500", "per week? ~2,000 requests"."""
    periods = words_map("rate_periods")
    before = ctx.before[-4:]
    if any(t.kind == "num" for t in ctx.before[: len(ctx.before) - len(before) + 2]):
        return None  # "250 patients a day across 3 hospitals": the rate belongs to the number before it
    for n, tok in enumerate(before):
        if tok.text in {"daily", "weekly", "monthly", "yearly", "annually", "hourly", "annual", "quarterly"}:
            return periods[tok.text], False
        nxt = before[n + 1].text if n + 1 < len(before) else ""
        # the period ends at most one token before the number ("per week? ~2,000"), or only a subject and a verb
        # of receiving stand between ("every month we get 3k")
        ends_near = n + 2 >= len(before) - 1 or all(t.text in _SUBJECT_VERB for t in before[n + 2 :])
        if tok.text in {"per", "every", "each", "a"} and nxt in periods and len(nxt) > 1 and ends_near:
            return periods[nxt], False
    return None


_PEAK = {"peak", "peaks", "burst", "bursts", "spike", "spikes", "busiest"}
_SUBJECT_VERB = {"we", "i", "they", "get", "see", "handle", "receive", "process", "do", "about", "around", "~"}


def _each_after(toks: list[Token]) -> bool:
    return any(t.text in {"each", "apiece", "per"} for t in toks)


def unit_nouns(tokens: list[Token], q: Quantity) -> set[str]:
    """The first words after a quantity: what it counts ("45 techs" -> {"techs"})."""
    return _head_noun(_context(tokens, q), 0)


def counts_units(tokens: list[Token], q: Quantity) -> bool:
    """Whether `q` counts units a per-unit rate multiplies: "4,000 clients", "25 analysts", "30 stores"."""
    ctx = _context(tokens, q)
    if ctx.after and ctx.after[0].text in {"x", "×", "*"}:
        return True
    nouns = words("staff_nouns") | words("audience_nouns") | words("inventory_nouns") | words("group_nouns")
    return bool(_head_noun(ctx, 0) & nouns) and duration_weeks(q, ctx) is None and not q.money


@cache
def lexicon_words(name: str) -> tuple[str, ...]:
    """A plain word list of the lexicon, in order."""
    from bot.advisor.reader.lexicon import lexicon

    return tuple(str(w).lower() for w in lexicon()["words"][name])


@cache
def words_map(name: str) -> dict[str, float]:
    """A lexicon word list that maps words to numbers (units, rate periods)."""
    from bot.advisor.reader.lexicon import lexicon

    return {str(k).lower(): float(v) for k, v in lexicon()["words"][name].items()}


def _head(ctx: Context, skip: int) -> set[str]:
    """The words right after the number (its head noun phrase), up to the first preposition or verb-like break."""
    return _texts(_head_tokens(ctx, skip))


def _head_tokens(ctx: Context, skip: int) -> list[Token]:
    """The head noun phrase's tokens, in order."""
    out: list[Token] = []
    for tok in ctx.after[skip : skip + WINDOW]:
        if tok.text == "-":
            continue
        if tok.text in _NOT_HEADS:
            continue
        if tok.text == "," and out and out[-1].text in words("list_adjectives"):
            continue  # a list of adjectives: "800 clean, hand-checked examples" (one clause, see tokens.py)
        if tok.kind != "word" or tok.text in {
            "a",
            "an",
            "per",
            "each",
            "every",
            "in",
            "for",
            "to",
            "from",
            "that",
            "which",
            "who",
            "we",
            "and",
            "or",
            "but",
            "at",
            "on",
            "by",
            *_PHRASE_ENDS,
        }:
            break
        out.append(tok)
    return out


# Prepositions that end a number's noun phrase: "1.2 mil over two years" has no head noun.
_PHRASE_ENDS = {
    "over",
    "across",
    "through",
    "within",
    "until",
    "during",
    "after",
    "before",
    "since",
    "via",
    "is",
    "was",
}
# Words after a number that say nothing about what it counts ("15k total", "5k tops", "$20k max").
_NOT_HEADS = {"total", "tops", "max", "maximum", "overall", "all-in", "or", "so", "ish", "plus", "k", "m"}


def claims_for(tokens: list[Token], q: Quantity, *, message_words: int, others: Sequence[Quantity] = ()) -> list[Claim]:
    """Every field that could own quantity `q`, strongest first. Empty when the number belongs to something the
    intake does not hold (revenue, head count, customers, a version, an age), or is said in a frame that states
    no fact about this project (a question, a supposition, another party's; an amount "years ago")."""
    claims = _claims(tokens, q, message_words=message_words, others=others)
    budget = next((c for c in claims if c.field == "budget_usd"), None)
    if budget is not None and _sought(_context(tokens, q), budget.strong):
        # "we're applying for a $10k grant", "maybe 20k, but nothing's approved": ask, never state
        asked = Claim(UNOWNED_MONEY, budget.value, False, budget.start, budget.end)
        claims = [asked if c.field == "budget_usd" else c for c in claims]
    said_in = frame(tokens, q) if claims else None
    if said_in == "past":
        return [c for c in claims if c.field not in PAST_FIELDS and c.field != UNOWNED_MONEY]
    if said_in is None and claims[:1] and claims[0].field in {"labeled_examples", UNOWNED} and wanted(tokens, q):
        return []
    if said_in:
        return []
    if claims[:1] and claims[0].field == UNOWNED:
        claims = _contrasted(tokens, q, others, message_words) or claims
    share = share_of(tokens, q, others)
    if share is None:
        return claims
    return [
        dataclasses.replace(c, value=c.value * share) if c.field in {"labeled_examples", "monthly_requests"} else c
        for c in claims
    ]


_NOW = {"have", "got", "now", "currently", "today", "actually", "really", "reality"}


def _contrasted(tokens: list[Token], q: Quantity, others: Sequence[Quantity], message_words: int) -> list[Claim]:
    """A bare number said against a framed one just before it ("they need at least 20k labeled examples. We have
    4k."; "what if we hit 1M requests a month? right now it's 150k"): the framed number names what it counts and its
    unit, the bare one states it. Only when the bare number's clause says it is what there is now."""
    ctx = _context(tokens, q)
    if _head_noun(ctx, 0) - {".", ",", ";", "!"} or not _texts(ctx.clause) & _NOW:
        return []
    sentence = tokens[q.start].sentence
    earlier = [o for o in others if o.end <= q.start and sentence - tokens[o.start].sentence <= 1]
    if not earlier:
        return []
    p = earlier[-1]
    if not (frame(tokens, p) or wanted(tokens, p)) or not p.value or p.money != q.money:
        return []
    said = [c for c in _claims(tokens, p, message_words=message_words, others=others) if c.strong]
    if not said or said[0].field not in {"labeled_examples", "monthly_requests", "budget_usd"}:
        return []
    return [Claim(said[0].field, q.value * said[0].value / p.value, True, q.start, q.end)]


_FRACTIONS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1}
_OF_DETERMINERS = {"our", "the", "those", "these", "all", "my", "its", "their", "them", "this"}


def share_of(tokens: list[Token], q: Quantity, others: Sequence[Quantity]) -> float | None:
    """The share said right before a count of it: "60% of our 10k tickets" (0.6), "half of the 8k emails" (0.5),
    or None. The count then stands for the share, which is what is labeled or handled."""
    n = q.start - 1
    while n >= 0 and tokens[n].text in _OF_DETERMINERS:
        n -= 1
    if n < 1 or tokens[n].text != "of" or tokens[n].clause != tokens[q.start].clause:
        return None
    word = tokens[n - 1].text
    if word in _FRACTIONS:
        return _FRACTIONS[word]
    pct = next((o for o in others if o.percent and o.end == n), None)
    return pct.value / 100 if pct is not None and 0 < pct.value <= 100 else None


def _claims(tokens: list[Token], q: Quantity, *, message_words: int, others: Sequence[Quantity]) -> list[Claim]:
    ctx = _context(tokens, q)
    if q.negative or q.percent:
        return []
    if _identifier(q, ctx) or _asks_how_much(ctx) or _calendar_year(tokens, q, ctx):
        return []
    before_words = _texts(ctx.before[-WINDOW:])
    sentence_words = _texts(ctx.sentence)
    clause_words = _texts(ctx.clause)
    latency = _latency_ms(q, ctx, clause_words)
    if latency is not None:
        return [Claim("latency_p95_ms", latency, True, q.start, q.end)]
    duration = duration_weeks(q, ctx)
    if duration is not None:
        return _deadline_claims(q, ctx, duration, clause_words, sentence_words, message_words)
    skip = 1 if ctx.after and ctx.after[0].text == "-" else 0  # "a 7-person team"
    head = _head(ctx, skip)
    money = (
        q.money
        or bool(head & {"usd", "dollars", "dollar", "bucks", "eur", "euros", "euro", "gbp"})
        or _said_as_money(ctx, head)
    )
    if money:
        return _budget_claims(q, ctx, clause_words, sentence_words, message_words)
    if ml := _ml_team(q, ctx, head):
        return [ml]
    if (_head_noun(ctx, skip) & words("staff_nouns") and not _labelers_after(ctx, skip)) or _group_of(ctx):
        return []  # "6 annotators", "our team of 6 labeled 4k tickets": a head count
    if _head_noun(ctx, skip) & words("measure_units") and not _head_noun(ctx, skip) & words("label_cues"):
        return []  # "5,000 hours a year", "2TB of logs a month": an amount of time or matter, not a count
    if _distractor_subject(ctx, skip):
        return []  # "revenue is 40M a year", "users: 300k": never a volume or a data set
    if _counts_people(ctx, skip):
        # "18k customers onboard a month" may be the workload or only the audience ("2M users a month"): a weak
        # reading, kept only when no other number speaks for the volume
        rate = rate_factor(ctx, skip + 1) or _rate_before(ctx)
        return [Claim("monthly_requests", q.value * rate[0], False, q.start, q.end)] if rate else []
    if _cycles_of_another(tokens, q, others):
        return []  # "3 shifts a day" after "40 alerts per shift": how often the cycle comes, not a volume
    cycle = _cycle_rate(tokens, q, ctx, others)
    if cycle is not None:
        # "Agents take 45 calls a shift": each agent's share, when no more than one person does by hand
        per_unit = q.value * cycle <= HUMAN_MONTHLY and subject_unit(tokens, q, others) is not None
        return [Claim("monthly_requests", q.value * cycle, True, q.start, q.end, per_unit=per_unit)]
    if _head_noun(ctx, skip) & words("frequency_nouns") and q.value < 100:
        return _uses_per_person(q, ctx, skip)  # "3 times a week" is how often, not how many
    if _counts_classes(ctx, skip, clause_words):
        return []  # "into 25 codes", "a 40-label taxonomy": the size of the label set, not of a data set
    budget = _budget_before_noun(q, ctx, skip)
    if budget is not None:
        return [] if budget.value == 0 and _not_yet(ctx) else [budget]
    if _texts(ctx.after[:6]) & _MONEY_FLOWS:
        return []  # "2 million a year in revenue": money that is not said with a currency sign
    rate = rate_factor(ctx, skip) or _rate_before(ctx)
    past = any(t.text in {"last", "this"} for t in ctx.after[:6])
    if rate is not None and past and _labeled(ctx, head, before_words):
        rate = None  # "20k images annotated last quarter" is a data set, not a volume
    elif rate is not None and clause_words & _LABELING:
        return []  # "annotators who label about 200 a week": the labeling pace, not the system's volume
    elif rate is not None and not _head_noun(ctx, skip) - _RATE_WORDS and _pace_before(tokens, q):
        return []  # "2 people who can label part-time, maybe 100 a day": a bare rate after a labeling ability
    if rate is not None and clause_words & _PEAK:
        return []  # "2,000 an hour at peak" is a throughput to plan for, not the month's volume
    if rate is not None:
        factor, per_unit = rate
        hours = _hours_a_day(tokens, q, others) if factor == words_map("rate_periods")["hour"] else None
        if hours is not None:
            factor = hours * DAYS_A_MONTH  # "40 an hour over an 18-hour operating day": the hours the work runs
        per_unit = per_unit or _per_unit_before(tokens, q, ctx, others, monthly=q.value * factor)
        return [Claim("monthly_requests", q.value * factor, True, q.start, q.end, per_unit=per_unit)]
    if head & words("audience_nouns"):
        return []
    if _past_budget(ctx):
        return []  # "our previous budget was 500k": not what this project has
    claims: list[Claim] = []
    if _labeled(ctx, head, before_words):
        if _hypothetical(ctx):
            return []  # "we could label ~2k": data that does not exist yet
        borrowed = not head & words("label_cues") and bool(before_words & words("label_cues"))
        claims.append(
            Claim("labeled_examples", q.value, True, q.start, q.end, per_unit=_per_class(ctx), borrowed=borrowed)
        )
    if not claims and _budget_words(clause_words, strong=True) and not _budget_veto(ctx) and not head:
        claims.append(Claim("budget_usd", q.value, True, q.start, q.end))
    weak_budget = q.value >= 1000 and not head and _budget_words(sentence_words, strong=True)
    if not claims and weak_budget and not _budget_veto(ctx):
        claims.append(Claim("budget_usd", q.value, False, q.start, q.end))
    if not claims and _unowned(q, ctx, head):
        claims.append(Claim(UNOWNED, q.value, False, q.start, q.end))
    return claims


# Nouns that name what a number is when they are its subject ("revenue: 40M a year", "headcount is 300", "users:
# 300k"): money that flows, people, audiences. A number they introduce belongs to no intake field.
_DISTRACTOR_SUBJECTS = {
    "revenue",
    "revenues",
    "arr",
    "mrr",
    "gmv",
    "sales",
    "turnover",
    "profit",
    "ebitda",
    "valuation",
    "funding",
    "headcount",
    "employees",
    "staff",
    "users",
    "customers",
    "subscribers",
    "members",
    "mau",
    "dau",
    "wau",
    "patients",
    "students",
    "visitors",
    "raised",
    "raising",
    "earned",
    "grossed",
    "billed",
}
_LINKS = {"is", "are", "was", ":", "=", "of", "at", "around", "about", "~", "roughly", "approx", "approximately", "-"}


_GROUPS = {"team", "teams", "group", "crew", "squad", "staff", "department", "dept", "pool", "panel"}


def _group_of(ctx: Context) -> bool:
    """ "a team of 6", "our crew of 12": the number counts a group's members (an ML team is read before this)."""
    before = [t.text for t in ctx.before[-3:]]
    return len(before) >= 2 and before[-1] == "of" and before[-2] in _GROUPS


def _distractor_subject(ctx: Context, skip: int) -> bool:
    """ "Revenue is 40M a year", "users: 300k", "headcount of 2,000": a number said as the value of a distractor
    noun (with nothing after it saying it counts something else) is that distractor, whatever rate follows."""
    periods = words_map("rate_periods")
    if [t for t in _head_tokens(ctx, skip) if t.text not in _WHEN and t.text not in periods]:
        return False  # "for revenue ops we get 5k emails": the number has a noun of its own
    before = [t.text for t in ctx.before[-4:]]
    for n in range(len(before) - 1, -1, -1):
        if before[n] in _DISTRACTOR_SUBJECTS:
            return all(
                w in _LINKS or w in {"our", "the", "total", "annual", "monthly", "yearly"} for w in before[n + 1 :]
            )
    return False


_RATE_ADJECTIVES = {"daily", "weekly", "monthly", "yearly", "annual", "active", "unique", "registered", "paying", "new"}


def _counts_people(ctx: Context, skip: int) -> bool:
    """ "2 million customers use our app each month", "90,000 patients a year", "600k monthly users": a count of the
    people a product serves, even with a rate, is an audience, not a workload (their messages or tickets are).
    Only when the people noun heads the phrase: "5k customer emails a month" counts emails."""
    head = [t.text for t in _head_tokens(ctx, skip)]
    while head and head[0] in _RATE_ADJECTIVES:
        head = head[1:]
    if not head:
        return False
    first = head[0].rstrip("'")
    people = words("audience_nouns") - {"stores", "locations", "branches", "offices", "countries", "markets", "brands"}
    return first in people and (first.endswith("s") or first in {"mau", "dau", "wau"})


_LASTS = {"takes", "lasts", "lasted", "lasting", "runs", "ran"}  # "we can take 5 months" is an allowance
_PAST_WORK = {"built", "made", "did", "wrote", "finished", "created", "tried", "developed", "hacked", "shipped", "took"}
_DECISIONS = {"decide", "decision", "decisions", "approval", "approve", "choose", "evaluate", "evaluation", "pick"}
# The writer's own next message: "I'll get back to you in a couple weeks", "will circle back in a month".
_REPLY_VERBS = {"get", "getting", "circle", "report", "hear", "come", "reply", "respond", "follow", "touch", "ping"}
_OTHER_ENDINGS = {"ends", "end", "expires", "expire", "renews", "starts", "begins", "closes", "retires", "retire"}
_LABELING = {
    "label",
    "labeling",
    "labelling",
    "annotate",
    "annotates",
    "annotating",
    "annotators",
    "labelers",
}
_ABLE = {"can", "could", "would", "will", "able", "to", "might"}
_RATE_WORDS = {"a", "an", "per", "/", "each", "every", "day", "week", "month", "year", "hour", ",", ".", "daily"}


def _pace_before(tokens: list[Token], q: Quantity) -> bool:
    """Whether an earlier clause of the number's sentence speaks of who can label ("someone who could annotate"):
    a bare rate after it is how fast labels can be made."""
    sentence = tokens[q.start].sentence
    lo = q.start
    while lo > 0 and tokens[lo - 1].sentence == sentence and q.start - lo < 20:
        lo -= 1
    before = tokens[lo : q.start]
    return any(
        t.text in _LABELING and any(b.text in _ABLE for b in before[max(0, k - 2) : k]) for k, t in enumerate(before)
    )


_MONEY_FLOWS = {"revenue", "revenues", "arr", "mrr", "gmv", "sales", "turnover", "profit", "profits", "ebitda"}
_PREPOSITIONS = {"of", "with", "w", "about", "across", "into", "like", "over", "under", "than", "as", "is", "are"}


def _asks_how_much(ctx: Context) -> bool:
    """ "How much would it cost to fine-tune on 50k examples?": a number in a how-much/how-many question is a
    what-if, not a fact about the project."""
    words_ = [t.text for t in ctx.sentence]
    if not words_ or words_[-1] != "?":
        return False
    return any(a == "how" and b in {"much", "many"} for a, b in itertools.pairwise(words_))


def _identifier(q: Quantity, ctx: Context) -> bool:
    """ "Local Law 144", "SOC 2", "tier 1", "ticket 4411": a number right after such a word names a thing."""
    if q.money or q.approx or q.start != q.end - 1:
        return False
    if _list_mark(q, ctx):
        return True
    if ctx.after and ctx.after[0].text in _CODE_TITLES:
        return True  # "21 CFR Part 11": the title of a code of rules, not a count
    return bool(ctx.before) and ctx.before[-1].text in words("identifier_words")


_CODE_TITLES = {"cfr", "usc", "u.s.c", "c.f.r"}


def _list_mark(q: Quantity, ctx: Context) -> bool:
    """ "1) 18k requests 2) 4,000 labeled", "(2) 4,000 labeled": a small whole number closed by a parenthesis that
    no "(" opened (or alone in parentheses, opening a statement) numbers an item of a list."""
    if not q.value.is_integer() or q.value > 50 or not ctx.after or ctx.after[0].text != ")":
        return False
    at = next(n for n, t in enumerate(ctx.sentence) if t is ctx.after[0]) - 1  # the number's place in the sentence
    if at > 0 and ctx.sentence[at - 1].text == "(":
        nxt = ctx.sentence[at + 2] if at + 2 < len(ctx.sentence) else None
        return (nxt is not None and nxt.kind == "num") or at == 1
    depth = 0
    for t in reversed(ctx.sentence[:at]):
        if t.text == ")":
            depth += 1
        elif t.text == "(":
            if depth == 0:
                return False  # "(about 20)": the parenthesis closes an aside around the number
            depth -= 1
    return True


_SOFT_CLASS_NOUNS = {"labels", "label", "tags", "tag"}  # also a count of labeled items ("2k labels from QA")


def _counts_classes(ctx: Context, skip: int, clause: set[str]) -> bool:
    """Whether the number counts classes ("into 25 codes", "18 intents", "300 GL codes", "60 label types"), which
    says how many answers there are, never how many examples. "Labels"/"tags" count classes only next to words
    about a label set ("40 labels in our taxonomy"); otherwise "2k labels" is a count of labeled items."""
    head = [t.text for t in _head_tokens(ctx, skip)]
    cut = next((n for n, w in enumerate(head) if w in _PREPOSITIONS), len(head))
    head = head[:cut]  # "3 types of documents", "10 intents with 300 examples each"
    if not head:
        return False
    noun = head[-1]
    if noun not in words("class_nouns") and not set(noun.split("-")) & words("class_nouns"):
        return False
    if noun in _SOFT_CLASS_NOUNS and len(head) == 1:
        return bool(clause & (words("class_context") - {noun}))
    return True


def counts_classes(tokens: list[Token], q: Quantity) -> bool:
    """Whether `q` counts classes, for a per-class count to be multiplied by ("10 intents")."""
    ctx = _context(tokens, q)
    return _counts_classes(ctx, 0, _texts(ctx.clause))


_DISTRIBUTIVE_BEFORE = {"are", "were", "is", "was", "have", "has", "been", "all", "they", "we"}


def _per_class(ctx: Context) -> bool:
    """ "500 examples per class", "300 labeled examples each": a count per class, to multiply by their number."""
    after = [t.text for t in ctx.after[:8]]
    for n, w in enumerate(after):
        # "are each tagged with a category" distributes a verb over the items; "300 examples each" is per class
        if w in {"each", "apiece"} and not (n and after[n - 1] in _DISTRIBUTIVE_BEFORE):
            return True
    return any(
        a == "per" and (b in words("class_nouns") or b.rstrip("s") + "s" in words("class_nouns"))
        for a, b in itertools.pairwise(after)
    )


_MAKE_VERBS = {"label", "annotate", "tag", "hand-label", "get", "produce", "collect", "create", "write", "gather"}


def _hypothetical(ctx: Context) -> bool:
    """ "we could label ~2k", "we'd be able to annotate 500", "planning to tag 1,000": a modal or plan before a
    verb of producing labels means the data does not exist yet."""
    before = [t.text for t in ctx.before[-6:]]
    return any(w in words("hypothetical_cues") and set(before[n + 1 :]) & _MAKE_VERBS for n, w in enumerate(before))


_WHEN = {"last", "this", "next", "week", "month", "quarter", "year", "yesterday", "today", "already", "recently"}
_SET_ASIDE = {"set", "aside", "earmarked", "allocated", "budgeted", "approved", "allotted", "reserved", "signed", "off"}


def _budget_before_noun(q: Quantity, ctx: Context, skip: int) -> Claim | None:
    """ "a 400k budget", "80k set aside", "Finance approved 120k": a number before the word budget (or a verb of
    setting money aside) is the budget, unless it is revenue, funding or a price."""
    head = [t.text for t in _head_tokens(ctx, skip) if t.text not in _WHEN]
    if _budget_veto(ctx):
        return None
    if head and head[0] in words("budget_nouns"):
        return Claim("budget_usd", q.value, True, q.start, q.end)
    if head and set(head) <= _SET_ASIDE and ("aside" in head or head[0] != "set"):
        return Claim("budget_usd", q.value, True, q.start, q.end)
    before = _texts(ctx.before[-2:])
    if (
        not head
        and before & {"approved", "allocated", "granted", "earmarked", "awarded", "allotted"}
        and q.value >= 1000
    ):
        return Claim("budget_usd", q.value, False, q.start, q.end)  # "finance approved 120k"
    return None


_PER = {"per", "a", "an", "every", "each"}
_EACH = {"per", "every", "each"}


def _per_cycle(tokens: list[Token], q: Quantity) -> str | None:
    """The cycle a count is said per ("40 alerts per shift" -> "shift"): a noun that is no time period and no
    person or group (those are units a per-unit rate multiplies by their count)."""
    ctx = _context(tokens, q)
    skip = words_map("rate_periods").keys() | words("staff_nouns") | words("audience_nouns") | words("group_nouns")
    before = [t.text for t in ctx.before[-5:]]  # "each shift logs 60": the cycle said before the count
    for pairs, marks in (
        (itertools.pairwise(t.text for t in ctx.after[:6]), _PER),
        (itertools.pairwise(before), _EACH),
    ):
        for a, b in pairs:
            if a in marks and b.isalpha() and len(b) > 2 and b not in skip and b.rstrip("s") not in skip:
                return b
    return None


def _same_word(a: str, b: str) -> bool:
    """ "shift" and "shifts", "batch" and "batches" name the same thing."""

    def stem(w: str) -> str:
        return w[:-2] if w.endswith(("ches", "shes", "ses", "xes")) else w.rstrip("s")

    return stem(a) == stem(b)


def _cycles_of_another(tokens: list[Token], q: Quantity, others: Sequence[Quantity]) -> bool:
    """Whether `q` counts the cycles another count is said per ("40 alerts per shift, 3 shifts a day": 3)."""
    ctx = _context(tokens, q)
    if rate_factor(ctx, 0) is None:
        return False  # "75k scored claims" after "scored every claim": cycles come at a rate
    nouns = _head_noun(ctx, 0)
    return any(
        o is not q
        and not o.money  # "$0.02 per call and we make 2M calls a month": a price per call, not a count
        and (cycle := _per_cycle(tokens, o)) is not None
        and any(_same_word(cycle, n) for n in nouns)
        for o in others
    )


def _cycle_rate(tokens: list[Token], q: Quantity, ctx: Context, others: Sequence[Quantity]) -> float | None:
    """Cycles a month for a count said per cycle, from the cycles' own rate said elsewhere ("40 alerts per shift,
    3 shifts a day" -> 90 shifts a month); None when the cycles' rate was not said (then the count is unowned)."""
    cycle = _per_cycle(tokens, q)
    if cycle is None or rate_factor(ctx, 0) is not None:
        return None
    for o in others:
        o_ctx = _context(tokens, o)
        if o is q or not any(_same_word(cycle, n) for n in _head_noun(o_ctx, 0)):
            continue
        rate = rate_factor(o_ctx, 0)
        if rate is not None:
            return o.value * rate[0]
        days = _days_of_cycles(tokens, o, others)
        if days is not None:
            return o.value * days  # "~1,200 parts per shift, 2 shifts, 5 days a week"
    return None


DAYS_A_MONTH = 30
_HOURS = {"hour", "hours", "hr", "hrs", "h"}
_DAYS = {"day", "days", "daily"}


def _hours_a_day(tokens: list[Token], q: Quantity, others: Sequence[Quantity]) -> float | None:
    """The hours a day the work runs, said in the sentence of an hourly rate ("40 an hour over an 18-hour
    operating day", "50 an hour, 10 hours a day"): an hourly rate covers those hours, not all 24."""
    sentence = tokens[q.start].sentence
    for o in others:
        if o is q or tokens[o.start].sentence != sentence or not 0 < o.value < 24 or o.money:
            continue
        after = [t.text for t in tokens[o.end : o.end + 5] if t.text != "-"]
        if after[:1] and after[0] in _HOURS and set(after[1:4]) & _DAYS:
            return o.value
    return None


def _days_of_cycles(tokens: list[Token], o: Quantity, others: Sequence[Quantity]) -> float | None:
    """Days a month on which a count of cycles said without a rate comes, from a count of days with its rate later
    in the sentence ("2 shifts, 5 days a week" -> 5 x 4.33 days a month)."""
    sentence = tokens[o.start].sentence
    for p in others:
        if p.start <= o.end or tokens[p.start].sentence != sentence or not 0 < p.value <= 7:
            continue
        p_ctx = _context(tokens, p)
        if not _head_noun(p_ctx, 0) & {"days", "day"}:
            continue
        rate = rate_factor(p_ctx, 1)
        if rate is not None and rate[0] < DAYS_A_MONTH:
            return p.value * rate[0]
    return None


def _uses_per_person(q: Quantity, ctx: Context, skip: int) -> list[Claim]:
    """ "maybe 8 times a day each", "5 times a week per person": uses per person, to multiply by their number."""
    head = [t.text for t in _head_tokens(ctx, skip)]
    if not head or head[0] not in {"times", "x"}:
        return []
    rate = rate_factor(ctx, skip + 1)
    if rate is None or not (rate[1] or {"each", "every", "per"} & _texts(ctx.before[-4:])):
        return []
    return [Claim("monthly_requests", q.value * rate[0], True, q.start, q.end, per_unit=True)]


UNOWNED = "?"  # a count with no owner: a short reply fills the pending question with it, otherwise the reader asks
UNOWNED_MONEY = "budget_usd?"


def _unowned(q: Quantity, ctx: Context, head: set[str]) -> bool:
    """A count worth asking about: not tiny, not vague, not inventory, not part of a team or a list."""
    if q.vague or q.value < 10 or (not q.value.is_integer() and q.value < 1000):
        return False
    if _in_date(ctx):
        return False  # "by january 15", "15 March": a day of a date, not a count
    if head & (words("inventory_nouns") | words("history_cues") | {"years", "year", "months", "percent", "times"}):
        return False
    before = {t.text for t in ctx.before[-2:]}
    return not before & {"of", "team", "group", "top", "step", "version", "v", "#", "no", "number", "than", "from"}


_MONTH_NAMES = {m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m} - {"may"} | {"sept"}


_YEAR_WORDS = {"founded", "since", "in", "est", "established", "started", "incorporated", "launched", "from", "of"}
# Words of a next event that a bare year follows: "next revision maybe 2026", "renewal early 2027", "until 2028".
_YEAR_WORDS |= {"until", "till", "before", "after", "revision", "revised", "update", "release", "renewal", "due"}
_YEAR_HEDGES = {"maybe", "probably", "possibly", "perhaps", "likely", "early", "late", "mid", "mid-", "sometime"}


def _calendar_year(tokens: list[Token], q: Quantity, ctx: Context) -> bool:
    """ "founded 2009", "since 2015", "in 2022", "next revision maybe 2026", "2024's number": a plain four-digit
    number after a word of when (hedges between allowed), or with a possessive, names a year."""
    span = [t.text for t in tokens[q.start : q.end]]
    hedged = span[:-1]  # "maybe 2026" is one quantity, its hedge included
    text = span[-1]
    if q.money or len(text) != 4 or not text.isdigit() or not 1900 <= q.value <= 2100:
        return False
    if any(w not in _YEAR_HEDGES for w in hedged):
        return False
    joined = bool(ctx.after) and ctx.after[0].start == tokens[q.end - 1].end + 1
    possessive = joined and ctx.after[0].text in {"'s", "s"}
    before = [t.text for t in ctx.before]
    while before and before[-1] in _YEAR_HEDGES:
        before.pop()
    # "next overhaul maybe 2027": the next of something, then when, with nothing counted after it
    alone = not ctx.after or ctx.after[0].kind != "word"
    return possessive or (bool(before) and (before[-1] in _YEAR_WORDS or (alone and "next" in before[-3:-1])))


def _in_date(ctx: Context) -> bool:
    """Whether the number sits next to a month name ("january 15", "15 march", "jan. 15")."""
    near = [t.text.rstrip(".") for t in (ctx.before[-2:] + ctx.after[:1])]
    return bool(set(near) & _MONTH_NAMES)


_LATENCY_UNITS = {
    "ms": 1.0,
    "msec": 1.0,
    "millisecond": 1.0,
    "milliseconds": 1.0,
    "s": 1000.0,
    "sec": 1000.0,
    "secs": 1000.0,
    "second": 1000.0,
    "seconds": 1000.0,
}
_LATENCY_CUES = {
    "latency",
    "p95",
    "p99",
    "p90",
    "respond",
    "responds",
    "response",
    "responses",
    "answer",
    "answers",
    "reply",
    "replies",
    "within",
    "under",
    "real-time",
    "realtime",
    "fast",
    "budget",
    "sla",
    "return",
    "returns",
    "load",
    "loads",
    "ms",
    "milliseconds",
}


def _latency_ms(q: Quantity, ctx: Context, clause: set[str]) -> float | None:
    """A response-time target: "p95 under 200 ms", "must answer within 2 seconds", "a 300ms latency budget"."""
    if not ctx.after or ctx.after[0].text not in _LATENCY_UNITS:
        return None
    unit = ctx.after[0].text
    if unit not in {"ms", "msec", "millisecond", "milliseconds"} and not clause & (
        _LATENCY_CUES - {"budget", "load", "loads"}
    ):
        return None
    if not clause & _LATENCY_CUES:
        return None
    return q.value * _LATENCY_UNITS[unit]


_PERSON_ADJECTIVES = {"senior", "junior", "lead", "full-time", "part-time", "external", "internal", "expert"}
_PERSON_ADJECTIVES |= {"experienced", "trained", "certified", "new", "contract", "freelance", "offshore", "in-house"}


def _labelers_after(ctx: Context, skip: int) -> bool:
    """ "8,000 images inspectors labeled": the people after the count's own noun are who labeled the items (a
    relative clause), not what the number counts."""
    after = [t for t in ctx.after[skip : skip + 4] if t.text != "-"]
    return (
        len(after) >= 3
        and after[0].text not in words("staff_nouns") | _PERSON_ADJECTIVES
        and after[1].text in words("staff_nouns")
        and after[2].text in words("label_cues")
    )


def _head_noun(ctx: Context, skip: int) -> set[str]:
    """The first two words after the number: where a count of people or of times names what it counts."""
    return _texts([t for t in ctx.after[skip : skip + 3] if t.text != "-"][:2])


_GONE = {"left", "quit", "gone", "departed", "resigned", "laid", "lost"}


def _ml_team(q: Quantity, ctx: Context, head: set[str]) -> Claim | None:
    """ "4 ML engineers", "a 7-person ML team", "2 DS folks", "ML team of 5", "data science group of ~10"."""
    ml = words("ml_people") | {"data-scientist", "data-scientists", "data-team"}
    if _texts(ctx.before[-3:]) & {"had", "used"} or _texts(ctx.sentence) & _GONE:
        return None  # "we had 2 ML engineers but they left": not the team there is now
    if head & ml:
        return Claim("ml_team", q.value, True, q.start, q.end)
    before = [t.text for t in ctx.before[-4:]]
    if len(before) >= 2 and before[-1] in words("ml_roles") and before[-2] in ml:
        return Claim("ml_team", q.value, True, q.start, q.end)  # "ML team 10+"
    # "ML team of 5", "the data science group is 4", "ML team: 3"
    roles = set(before[:-1]) & words("ml_roles")
    if len(before) >= 2 and before[-1] in {"of", "is", "=", ":", "are", "at"} and roles and set(before[:-1]) & ml:
        return Claim("ml_team", q.value, True, q.start, q.end)
    return None


def _labeled(ctx: Context, head: set[str], before_words: set[str]) -> bool:
    cues = words("label_cues")
    if head & cues:
        return True
    if before_words & (cues - {"examples", "example", "samples", "sample", "pairs"}):
        return not any(is_negator(t) for t in ctx.before[-2:]) and not _budget_nearer(ctx.before[-WINDOW:], cues)
    after = ctx.after[:10]
    texts = [t.text for t in after]
    # Items paired with their outputs: "tickets with the agent's reply", "emails w/ their category".
    for n, t in enumerate(texts):
        if t in {"where", "whose"} and set(texts[n + 1 : n + 9]) & words("output_nouns"):
            return True  # "emails where the adjuster's routing decision is recorded"
        paired = t == "with" or (t == "w" and n + 1 < len(texts) and texts[n + 1] == "/")
        # "600 have a reason code", "all 40k ones have a tag": the items have their outputs
        paired = paired or (t in {"have", "has"} and n + 1 < len(texts) and texts[n + 1] in {"a", "an", "the", "their"})
        if paired and set(texts[n + 1 : n + 6]) & words("output_nouns"):
            return True
    verbs = {
        "labeled",
        "labelled",
        "annotated",
        "tagged",
        "matched",
        "rated",
        "scored",
        "graded",
        "classified",
        "abstracted",
        "summarized",
        "summarised",
        "categorized",
        "categorised",
        "approved",
        "marked",
        "reviewed",
        "coded",
    }
    # A label cue a few words on, in the same statement: "40 proposals our director picked as gold examples".
    until_and = after[: next((n for n, t in enumerate(after) if t.text in {"and", "or", "plus"}), len(after))]
    following = ctx.following[:2]
    if following and _texts(following[:1]) & (verbs | {"labeled", "labelled", "annotated", "tagged", "categorized"}):
        return True  # "4,000 tickets, categorized by agents": the next clause says how they were labeled
    cleft = [t.text for t in until_and[:2]] in (["is", "what"], ["was", "what"])
    for n, tok in enumerate(until_and[:8]):
        if cleft and tok.text in words("budget_cues"):
            continue  # "50k is what finance approved": the number is what was approved, money rather than labels
        if _texts([tok]) & (verbs | cues):
            # "20k emails that nobody's labeled" is not a count of labeled examples
            return not any(is_negator(t) for t in until_and[max(0, n - 2) : n])
    # Outputs people wrote: "1,200 solutions written by teachers".
    if any(a.text in _AUTHORED and b.text == "by" for a, b in itertools.pairwise(until_and)):
        return True
    return _labeled_by_reference(after[len(until_and) :], verbs | cues)


_BACK_REFERENCES = {"they", "they're", "theyre", "all", "each", "most", "these", "those", "which"}


def _labeled_by_reference(rest: list[Token], label_words: set[str]) -> bool:
    """ "5k tickets and they're all labeled", "3k emails, all of which are tagged": a pronoun after "and" that
    points back to the counted items, with a label verb of its own (not negated)."""
    if len(rest) < 3 or rest[0].text not in {"and", "plus"} or rest[1].text not in _BACK_REFERENCES:
        return False
    tail = rest[2:6]
    for n, tok in enumerate(tail):
        if _texts([tok]) & label_words:
            return not any(is_negator(t) for t in [rest[1], *tail[:n]])
    return False


_MONEY_VERBS = {"costs", "cost", "costing", "pay", "paying", "paid", "pays", "spend", "spending", "spent", "spends"}
_MONEY_VERBS |= {"charge", "charges", "charged", "priced", "price"}
_MONEY_FILLERS = {"us", "about", "around", "roughly", "~", "like", "maybe", "approx", "approximately", "is", "of", "="}
_MONEY_FILLERS |= {":", "was", "at", "be", "will", "would", "only", "just", "under", "below", "max"}


_OF_IT = {"of", "it", "that"}  # "25k of it is for the tech side": a part of a sum said before, no noun of its own


def _said_as_money(ctx: Context, head: set[str]) -> bool:
    """A bare number that is the object of a verb of paying ("the tool costs 2k a month", "we spent 200k") or the
    value of a budget noun ("our annual budget is 2M"): money, even without a currency sign; never a volume."""
    if head - words_map("rate_periods").keys() - _WHEN - {"a", "per", "total"} - _OF_IT:
        return False  # "we pay 40 agents", "budget covers 3 annotators": the number has a noun of its own
    if _share_for_this(ctx):
        return True  # "$300k total grant, maybe 40k for this part": this project's share of money said before
    if head & _OF_IT:
        return False
    before = ctx.before[-4:]
    for n in range(len(before) - 1, -1, -1):
        t = before[n]
        if t.text in _MONEY_VERBS or t.text in words("budget_nouns"):
            return True
        if t.text in {"is", "was", ":", "="}:
            # "budget for the new one is 5k": the subject of the link is a budget noun a few words back
            subject = ctx.before[max(0, len(ctx.before) - len(before) + n - 6) : len(ctx.before) - len(before) + n]
            return any(u.text in words("budget_nouns") for u in subject)
        if t.text not in _MONEY_FILLERS:
            return False
    return False


THIS_PART = {"part", "project", "piece", "one", "bit", "use-case", "thing", "pilot", "phase", "poc", "initiative"}
THIS_PART |= {"side", "component", "module", "workstream", "stream", "case"}
_CURRENCY = {"$", "€", "£", "usd", "eur", "gbp", "dollars", "euros", "pounds", "k$"}
# Words that make "for the ..." the whole sum, not a part of it: "€1.2M for the whole programme".
_WHOLE_SUM = {"whole", "entire", "total", "overall", "full", "all", "rest", "other", "program", "programme"}
_SHARE_LINKS = {"of", "it", "that", "which", "is", "are", "goes", "will", "would", "be", "go", "earmarked", "set"}
_SHARE_LINKS |= {"aside", "reserved", "allocated", "only", "just", "maybe", "about", "~", "around", "roughly"}
SHARE_REACH = 6  # words from the amount to "for this part" (over "of it is", "is earmarked")


def share_for_this(before: list[str], after: list[str]) -> bool:
    """Whether an amount is said as this project's share of a larger sum: "40k for this part", "for this piece
    maybe 150k", "of which 150k is for the AI piece", "only 25k of it is for the tech side" (a part noun after "for
    this/the", not the whole: "for the whole programme" is the sum the share is taken from)."""
    hedged = [w for w in before[-5:] if w not in _SHARE_LINKS]
    if len(hedged) >= 3 and hedged[-3:-1] == ["for", "this"] and hedged[-1] in THIS_PART:
        return True  # "for this part maybe 150k"
    k = 0
    while k < min(len(after), SHARE_REACH) and after[k] in _SHARE_LINKS:
        k += 1
    if after[k : k + 1] != ["for"] or after[k + 1 : k + 2] not in (["this"], ["the"], ["our"]):
        return False
    if after[k + 1] == "this" and after[k + 2 : k + 3] and after[k + 2] in THIS_PART:
        return True
    named = after[k + 2 : k + 6]
    part = next((n for n, w in enumerate(named) if w in THIS_PART), None)
    return part is not None and not set(named[: part + 1]) & _WHOLE_SUM


def _share_for_this(ctx: Context) -> bool:
    """Whether a bare number is this project's share of money said just before it in its sentence (see
    `share_for_this`), with an amount with a currency or a budget word earlier."""
    if not share_for_this([t.text for t in ctx.before], [t.text for t in ctx.after]):
        return False
    # the sum it is a share of: money in another clause of its sentence ("40k for this pilot, out of a $300k grant")
    others = [t for t in ctx.sentence if t not in ctx.clause]
    return any(t.text in _CURRENCY or t.text in words("budget_nouns") for t in others)


def _budget_nearer(before: list[Token], cues: frozenset[str] | set[str]) -> bool:
    """Whether a budget noun sits between the last label cue and the number ("the approved budget is 40k"): the
    number is the value of the nearer noun."""
    last_label = max((n for n, t in enumerate(before) if _texts([t]) & cues), default=-1)
    return any(t.text in words("budget_nouns") for t in before[last_label + 1 :])


_AUTHORED = {"written", "created", "drafted", "authored", "prepared", "picked", "selected", "chosen", "curated"}
_AUTHORED |= {"checked", "double-checked", "edited", "translated", "proofread", "validated", "verified", "corrected"}


def _budget_words(words_seen: set[str], *, strong: bool) -> bool:
    cues = words("budget_cues")
    if words_seen & {"cost", "costs", "spend"} and words_seen & {"less", "under", "below", "max", "most", "within"}:
        return True  # "needs to cost less than 15k"
    if "for" in words_seen and words_seen & {"this", "project", "it"} and words_seen & _HAVING_STRONG:
        return True  # "for this project I've got 35k"
    if strong:
        cues = cues - {"total", "pilot", "poc", "max", "maximum", "most", "limit", "money", "cost", "costs"}
        cues = cues | {"money-wise", "moneywise"}
    return bool(words_seen & cues)


_NOW_WORDS = {"now", "currently", "today", "already"}


def _budget_named_before(ctx: Context) -> bool:
    """Whether "budget" is among the last few words of the sentence before the amount, across a dash or colon."""
    first = ctx.clause[len(ctx.before)].start
    return bool(_texts([t for t in ctx.sentence if t.end <= first][-4:]) & {"budget", "budgets", "budget's"})


_PAID_OR_CHARGED = {"charged", "charges", "charging", "paid", "spent", "billed", "invoiced", "priced"}


def _budget_veto(ctx: Context) -> bool:
    """Money that is not the project's to spend: revenue, funding, prices, and what is paid today ("we spend
    $8k a month on the API", "it costs us $3 a ticket")."""
    near = _texts(ctx.before[-3:]) | _texts(ctx.after[:3])
    vetoes = near & words("budget_vetoes")
    if vetoes and not (vetoes <= _NOW_WORDS and _budget_named_before(ctx)):
        return True  # but "budget is now 35k", "budget - now 35k": the budget as it stands, not what is paid now
    before = [t.text for t in ctx.before]
    if before[-3:] and set(before[-3:]) & _PAID_OR_CHARGED:
        return True  # "the vendor charged 8k a month", "we spent 200k on the CRM": a price paid, not a budget
    for k, w in enumerate(before):
        paying = w in {"spend", "spending", "spends", "cost", "costs", "pay", "paying"}
        if (
            paying
            and k > 0
            and before[k - 1] in {"we", "currently", "already", "we're", "now", "it", "this", "that", "which", "they"}
        ):
            return True
    return _priced(before) or _past_price(before) or _allotted_elsewhere([t.text for t in ctx.after])


_ALLOTTED = {"earmarked", "reserved", "allocated", "set", "goes", "going", "went", "spent", "committed", "tied"}


def _allotted_elsewhere(after: list[str]) -> bool:
    """Whether the amount is said to be set aside for a thing priced apart ("$180k is earmarked for the platform
    license", "60k went to the vendor"): money of the sum that this project does not get."""
    for k, w in enumerate(after[:4]):
        if w in _ALLOTTED:
            target = after[k + 1 : k + 6]
            if target[:1] in (["for"], ["to"], ["on"], ["aside"], ["up"]):
                return bool(set(target[1:]) & (_PRICED | {"vendor", "vendors", "licence", "licensing", "poc"}))
    return False


def _left_of(ctx: Context) -> bool:
    """ "what's left of the 15k", "the rest of our 20k": the number is the base of a remainder."""
    before = [t.text for t in ctx.before[-4:]]
    while before and before[-1] in {"the", "our", "my", "this", "that", "a"}:
        before.pop()
    return len(before) >= 2 and before[-1] == "of" and before[-2] in {"left", "remaining", "remains", "rest"}


# What was made or bought for money said after "for": "an agency built us a model for $90k" (a price once paid).
_MADE = {"built", "bought", "purchased", "commissioned", "developed", "delivered", "implemented", "licensed"}
_MADE |= {"sold", "made", "outsourced", "contracted"}
_BEING = {"be", "been", "being", "get", "gets", "got", "getting", "is", "are"}  # "needs to be built for 50k"


def _past_price(before: list[str]) -> bool:
    """Whether the amount is the price of something made or bought before, said with "for" after a past verb in its
    clause ("an agency built us a parser in 2020 for $40k"): what was paid then, not what this project may spend."""
    if len(before) < 2 or "for" not in before[-3:]:
        return False
    return any(w in _MADE and not (k and before[k - 1] in _BEING) for k, w in enumerate(before))


# Money the writer is still seeking: "we're applying for a $10k grant", "hoping for 20k from the board".
_SOUGHT = {"applying", "apply", "applied", "hoping", "hope", "seeking", "pending", "pursuing", "chasing"}
SOUGHT_REACH = 6  # words before the amount in its clause


def _sought(ctx: Context, strong: bool) -> bool:
    """Whether the amount is money sought but not granted: a verb of seeking it in its clause before it, or, for an
    amount its own words do not call the budget, its sentence saying nothing is approved yet ("maybe 20k, but
    nothing's approved"; "budget maybe 30k, not confirmed yet" is still the budget, said with a hedge)."""
    if _texts(ctx.before[-SOUGHT_REACH:]) & _SOUGHT:
        return True
    if strong:
        return False
    words_ = [t.text for t in ctx.sentence]
    return any(a in _UNAPPROVED_SUBJECTS and b in _UNAPPROVED for a, b in itertools.pairwise(words_))


_UNAPPROVED_SUBJECTS = {"nothing's", "nothing", "not", "isn't", "hasn't", "wasn't", "aren't", "unapproved"}
_UNAPPROVED = {"approved", "committed", "signed", "confirmed", "final", "finalized", "finalised", "granted", "secured"}


# Things a price or a wage is said of: "the license costs 12k a year", "an ML engineer would cost 150k".
_PRICED = {
    "license",
    "licence",
    "licenses",
    "licences",
    "subscription",
    "seat",
    "seats",
    "tool",
    "vendor",
    "contractor",
    "contractors",
    "consultant",
    "consultants",
    "engineer",
    "engineers",
    "hire",
    "annotator",
    "annotators",
    "platform",
    "plan",
    "tier",
    "gpu",
    "gpus",
    "server",
    "hosting",
}


def _priced(before: list[str]) -> bool:
    """Whether the number is the price of a thing or the wage of a person said just before it: "the license costs
    12k a year", "a contractor would cost 90k" (a price, not what the project may spend)."""
    for k in range(max(0, len(before) - 4), len(before)):
        if before[k] in {"cost", "costs", "costing"}:
            subject = before[max(0, k - 3) : k]
            return bool(set(subject) & (_PRICED | words("staff_nouns")))
    return False


_HAVING_STRONG = {"got", "have", "i've", "we've", "given", "granted", "awarded", "approved", "allocated"}
# Verbs of having money for the project: "we've got $50k for this", "there's $25k set aside".
_HAVING = {
    "have",
    "got",
    "there's",
    "can",
    "could",
    "willing",
    "able",
    "plan",
    "planning",
    "approved",
    "put",
    "set",
    "towards",
    "toward",
    "for",
    "allotted",
    "reserved",
    "available",
    "secured",
    "up",
}


def _past_budget(ctx: Context) -> bool:
    """ "our previous budget was 500k", "last year's budget": money that was, not money there is."""
    clause = [t.text for t in ctx.clause]
    if not set(clause) & words("budget_cues"):
        return False
    if set(clause) & {"previous", "prior", "former", "old", "used"}:
        return True
    return any(
        a == "last" and b in {"year", "year's", "time", "project", "project's"} for a, b in itertools.pairwise(clause)
    )


def _for_the_whole(ctx: Context) -> bool:
    """ "$250k for the whole AI program", "€1M for the entire initiative": money said of a whole larger than this
    project."""
    after = [t.text for t in ctx.after[:4]]
    whole = after[:1] == ["for"] and bool(set(after[1:3]) & {"whole", "entire", "overall"})
    return whole and not set(after[2:4]) & {"thing", "project", "pilot", "poc", "use-case", "build", "tool", "bot"}


def _not_yet(ctx: Context) -> bool:
    """ "0 budget approved so far", "$0 for now", "nothing yet": a zero that says the money is not decided yet."""
    texts = [t.text for t in ctx.sentence]
    pairs = set(itertools.pairwise(texts))
    return "yet" in texts or bool(pairs & {("so", "far"), ("for", "now"), ("right", "now"), ("as", "of")})


def _budget_claims(q: Quantity, ctx: Context, clause: set[str], sentence: set[str], message_words: int) -> list[Claim]:
    if q.value == 0 and _not_yet(ctx):
        return []  # "we have 0 budget approved so far": not decided yet, which is no budget of zero
    if _left_of(ctx) and _budget_words(sentence, strong=True) and not _past_budget(ctx):
        # "budget: whatever's left of the $15k after we pay for X": the base of what is left (the payment after
        # it is what is taken off, not a veto of the base)
        return [Claim("budget_usd", q.value, True, q.start, q.end)]
    if _budget_veto(ctx) or 0 < q.value < 100 or _past_budget(ctx):
        return []  # revenue, a price, what is paid today; "$4 a ticket" is a unit cost, never a project budget
    factor = 1.0
    rate = rate_factor(ctx, 0)
    after = [t.text for t in ctx.after[:4]]
    if rate is not None and "this" in after and "per" not in after and "a" not in after:
        rate = None  # "€40k for this year": the money there is this year, not a yearly rate over the horizon
    if rate is not None:
        factor = 36.0 * rate[0]  # a monthly (or yearly) budget over the 3-year horizon
    value = q.value * factor
    if _budget_words(clause, strong=False) or _share_for_this(ctx):
        return [Claim("budget_usd", value, True, q.start, q.end)]
    if _for_the_whole(ctx):
        # "we got $250k for the whole AI program": the sum this project's share comes out of; ask what is this one's
        return [Claim(UNOWNED_MONEY, value, False, q.start, q.end)]
    if _budget_words(sentence, strong=True):
        # the budget word is in another clause ("Budget: whatever it takes, we lose $1M a year"): a weak reading
        return [Claim("budget_usd", value, False, q.start, q.end)]
    if clause & _HAVING or message_words <= 4:
        return [Claim("budget_usd", value, False, q.start, q.end)]  # "$20k" on its own
    return [Claim(UNOWNED_MONEY, value, False, q.start, q.end)]  # money with no owner: ask


def _deadline_claims(
    q: Quantity, ctx: Context, duration: tuple[float, int], clause: set[str], sentence: set[str], message_words: int
) -> list[Claim]:
    weeks, used = duration
    before = [t.text for t in ctx.before[-3:]]
    after = [t.text for t in ctx.after[used : used + 3]]
    vetoes = words("duration_vetoes")
    if "running" in before and _texts(ctx.before[-5:]) & {"be", "up", "get", "and"}:
        vetoes = vetoes - {"running"}  # "has to be (up and) running within 4 weeks" is a go-live
    if (after and after[0] in {"of", "ago", "old", "later", "after", "back", "running"}) or set(before) & vetoes:
        return []
    if set(before) & words("event_nouns"):
        return []  # "a steering meeting in 2 weeks" dates the meeting, not the project
    launch = {"live", "launch", "ship", "production", "prod", "deadline", "ready", "go-live", "running", "deliver"}
    if clause & words("effort_verbs") and not clause & launch:
        return []  # "we could label 2k examples in a couple weeks": how long the work takes, not when it is due
    if clause & _OTHER_ENDINGS and not clause & launch:
        return []  # "our fiscal year ends in 5 months": when something else ends or starts
    if clause & _LASTS and not clause & launch:
        return []  # "onboarding a new agent takes 6 weeks": how long something lasts, not when this is due
    if clause & _PAST_WORK and not clause & (launch | {"need", "needs", "must", "want", "wants", "should"}):
        return []  # "our intern built a prototype in 2 days": how long something took, not a deadline
    if clause & _DECISIONS and not clause & launch:
        return []  # "a decision in 2 weeks", "30 days to decide": when they choose, not when it must be live
    if clause & {"back", "up", "base"} & _texts(ctx.before) and clause & _REPLY_VERBS and not clause & launch:
        return []  # "I'll get back to you in a couple weeks": when the writer replies, not when this is due
    if weeks >= 52 and not clause & (launch | {"deadline", "timeline", "within", "by", "before", "results", "show"}):
        return []  # "we have 5 years and 100k tickets": years are history unless said as a deadline
    if set(after[:2]) & {
        "history",
        "experience",
        "runway",
        "tenure",
        "data",
        "worth",
        "warranty",
        "archive",
        "archived",
        "archives",
        "backlog",
        "old",
        "logs",
        "records",
    }:
        return []
    near = set(before) | set(after)
    cues = words("deadline_cues")
    if near & cues or clause & (cues - {"in", "by", "have", "got", "time", "need", "want", "wants"}):
        return [Claim("deadline_weeks", weeks, True, q.start, q.end)]
    if sentence & {"deadline", "timeline", "timeframe", "launch", "live", "ship", "go-live"}:
        return [Claim("deadline_weeks", weeks, True, q.start, q.end)]
    if sentence & {"every", "each", "per", "cadence", "cycle", "cycles"}:
        return []  # "schema changes every sprint (2 weeks)": a period, not a deadline
    if len(ctx.clause) <= used + 4 or message_words <= 5:
        return [Claim("deadline_weeks", weeks, False, q.start, q.end)]  # "18 weeks", "about half a year"
    return []
