"""The reader: one chat message -> intake facts, each with the words that said it.

Pipeline: tokens with positions (`tokens.py`) -> quantities from one number grammar (`numbers.py`) -> each
quantity given to at most one field by what it measures, its head noun and its clause's cue words
(`quantities.py`) -> yes/no and choice facts from cue phrases with negation (`cues.py`) -> dates relative to
`today` (`dates.py`). Cue words live in `lexicon.yaml`. A number with no clear owner is never guessed: a short reply
gives it to the pending question, otherwise it is returned as unclear so the conversation can ask.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from typing import Any

from bot.advisor.intake import MAX_BUDGET, MAX_EXAMPLES, MAX_LATENCY_MS, MAX_REQUESTS, MAX_WEEKS, Fact, Provenance
from bot.advisor.reader import asks, compete, cues
from bot.advisor.reader.changes import (
    Change,
    change_after,
    change_before,
    former,
    left_after,
    remainder_after,
    subtracted,
)
from bot.advisor.reader.dates import deadline_date
from bot.advisor.reader.frames import frame, stated
from bot.advisor.reader.lexicon import is_negator, phrases, words
from bot.advisor.reader.numbers import Quantity, find_quantities
from bot.advisor.reader.parts import joined, labeled_together, more_of_the_same
from bot.advisor.reader.quantities import (
    AVERAGE,
    UNOWNED,
    UNOWNED_MONEY,
    Claim,
    claims_for,
    counts_classes,
    counts_units,
    each_of,
    same_noun,
    share_for_this,
    subject_unit,
    unit_nouns,
    words_map,
)
from bot.advisor.reader.result import Extraction, Unclear
from bot.advisor.reader.tokens import Token, tokenize

LIMITS = {
    "labeled_examples": MAX_EXAMPLES,
    "monthly_requests": MAX_REQUESTS,
    "budget_usd": MAX_BUDGET,
    "deadline_weeks": MAX_WEEKS,
    "latency_p95_ms": MAX_LATENCY_MS,
    "reviewed_output_count": MAX_EXAMPLES,
}
NUMBER_FIELDS = frozenset(LIMITS)  # the fields the reader fills from numbers
# The work budget per message: no real description has more words or numbers than this, and a hostile one must not
# hold the interpreter for long (the reader runs on the server's threads). Beyond it, the rest is ignored and said.
MAX_TOKENS = 2_500
MAX_QUANTITIES = 60
BOOLEAN_FIELDS = (
    "mission_critical",
    "regulated",
    "sensitive_data",
    "changes_often",
    "self_hosting",
    "reviewed_outputs",
    "prompt_in_production",
    "cost_pressure",
)
FLAG_FIELDS = ("knowledge_gap", "behavior_gap", "has_fine_tuned_model", "eu_personal_data")
_NOUNS = {
    "labeled_examples": "labeled examples",
    "monthly_requests": "requests per month",
    "budget_usd": "your budget (USD)",
    "deadline_weeks": "weeks until it must be live",
    "latency_p95_ms": "response time (ms)",
    "reviewed_output_count": "reviewed model outputs",
}


class _Reading:
    """Facts of one message as they are found, each field at most once."""

    def __init__(self, text: str, tokens: list[Token], turn: int | None) -> None:
        self.text = text
        self.tokens = tokens
        self.turn = turn
        self.out = Extraction()
        self.used: set[int] = set()  # token indexes of numbers already owned by a fact
        self.spans: dict[str, tuple[int, int]] = {}  # where each fact was read
        self.doubted: set[str] = set()  # fields whose readings disagree: asked about, never filled by a weaker one
        self.asked: dict[int, Unclear] = {}  # where each number asked about starts
        self.switch = compete.project_switch(tokens)  # where the message turns to its project from another

    def has(self, name: str) -> bool:
        return any(f.field == name for f in self.out.facts)

    def quote(self, start: int, end: int) -> str:
        return self.text[self.tokens[start].start : self.tokens[end - 1].end]

    def add(self, name: str, value: Any, start: int, end: int, *, weak: bool = False) -> None:
        if self.has(name):
            return
        prov = Provenance(source="message", turn=self.turn, quote=self.quote(start, end).strip()[:200])
        self.out.facts.append(Fact(name, value, prov))
        self.spans[name] = (start, end)
        if weak:
            self.out.weak.add(name)


def read(text: str, *, turn: int | None, expecting: list[str] | None, today: dt.date) -> Extraction:
    """Facts stated in one cleaned message. `expecting` names the fields the pending question asked about."""
    tokens = tokenize(text, MAX_TOKENS)
    r = _Reading(text, tokens, turn)
    if not tokens:
        return r.out
    if len(tokens) > MAX_TOKENS:
        del tokens[MAX_TOKENS:]
        r.out.notes.append(f"Only the first {MAX_TOKENS:,} words and signs of this message were read.")
    expecting = list(expecting or [])
    words = sum(t.kind != "sym" for t in tokens)
    quantities = find_quantities(tokens)
    if len(quantities) > MAX_QUANTITIES:
        del quantities[MAX_QUANTITIES:]
        r.out.notes.append(f"Only the first {MAX_QUANTITIES} numbers of this message were read.")
    claims = {id(q): claims_for(tokens, q, message_words=words, others=quantities) for q in quantities}
    for p, q in itertools.pairwise(quantities):
        rate = any(c.field == "monthly_requests" for c in claims[id(p)])
        near = q.start - p.end <= 4 and tokens[q.start].clause == tokens[p.start].clause
        if rate and near and tokens[q.start].text in {"a", "an"}:
            claims[id(q)] = []  # "600 contracts come in a month": the volume's rate, not a month to the deadline
    for q in quantities:
        if _quoted_term(tokens, q):
            claims[id(q)] = []  # "when you say 'few labeled examples'": a number mentioned, not stated
    team_sizes = [(c.value, c.start, c.end) for cs in claims.values() for c in cs if c.field == "ml_team"]
    team_sizes = _team_in_parts(tokens, _team_corrected(tokens, quantities, claims, team_sizes))
    _numbers(r, quantities, claims, expecting)
    _model_outputs(r)
    _no_labels(r)
    _items_for_pending_count(r, quantities, expecting)
    _dates(r, today)
    for name in ("budget_usd", "deadline_weeks"):
        _unset(r, name)
    for name in BOOLEAN_FIELDS:
        cue = cues.boolean(tokens, name)
        if cue is not None:
            r.add(name, bool(cue.value), cue.start, cue.end)
    where = r.spans.get("labeled_examples")
    data_sentences = {tokens[where[0]].sentence} if where else set()
    if "data_quality" in expecting:
        data_sentences = {t.sentence for t in tokens}  # the question was about the data
    quality = cues.data_quality(tokens, data_sentences)
    if quality is not None:
        r.add("data_quality", quality.value, quality.start, quality.end)
    expertise = cues.ml_expertise(tokens, team_sizes)
    if expertise is not None:
        r.add("ml_expertise", expertise.value, expertise.start, expertise.end)
    for name in ("needs", "priority"):
        cue = cues.choice(tokens, name)
        if cue is not None:
            r.add(name, cue.value, cue.start, cue.end)
    for name in FLAG_FIELDS:
        cue = cues.flag(tokens, name)
        if cue is not None:
            r.add(name, True, cue.start, cue.end)
    _industry(r)
    r.out.addressed = {m.label for m in phrases("addressed").find(tokens)} - {f.field for f in r.out.facts}
    if expecting:
        _short_answer(r, expecting, words)
    return r.out


TERM_WORDS = 8  # a quoted term is short; a longer quoted run (or a quote never closed) is what the user says


def _quoted_term(tokens: list[Token], q: Quantity) -> bool:
    """Whether the number is inside a short quoted term that goes on over words ("'few labeled examples'"), a
    term mentioned rather than a count stated. A lone quoted number ("we have "20k" labeled") is still said."""
    if not all(t.quoted for t in tokens[q.start : q.end]) or q.end >= len(tokens) or not tokens[q.end].quoted:
        return False
    lo, hi = q.start, q.end
    while lo > 0 and tokens[lo - 1].quoted:
        lo -= 1
    while hi < len(tokens) and tokens[hi].quoted:
        hi += 1
    return hi < len(tokens) and hi - lo <= TERM_WORDS


_INCREMENTS = {"more", "extra", "additional", "fewer", "less", "new"}


_TEAM_JOINERS = {"and", "+", "plus", "&", ","}
_ONE = {"a", "an", "one", "another"}
_ML_NOUNS = {"data-scientist", "data-scientists", "engineer", "engineers", "scientist", "scientists", "mle", "mles"}
_TEAM_BREAKS = {"but", "had", "used", "left", "hiring", "hire", "planned", "plan", "maybe", "if", "not", "no"}
TEAM_PART_REACH = 8  # tokens from one part of a team to the next ("2 ML engineers in our innovation team + a DS")


def _team_in_parts(tokens: list[Token], sizes: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """One ML team counted in parts joined by "and", "+" or "plus" ("2 ML engineers + a data scientist", "1 MLE and
    2 data scientists"): the parts add up. A part after "but", a plan or a negation is not added."""
    if not sizes:
        return sizes
    total, start, end = sizes[0]
    later = {s: (v, e) for v, s, e in sizes[1:]}
    sentence = tokens[start].sentence
    k = end
    while k < len(tokens) and tokens[k].sentence == sentence:
        window = tokens[k : k + TEAM_PART_REACH]
        joiner = next((j for j, t in enumerate(window) if t.text in _TEAM_JOINERS), None)
        if joiner is None or any(t.text in _TEAM_BREAKS or t.kind == "num" for t in window[:joiner]):
            break
        at = k + joiner + 1
        if at in later:  # "… and 2 data scientists": a counted part, with its nouns
            value, k = later[at]
            while k < len(tokens) and (tokens[k].text in _ML_NOUNS or tokens[k].text in words("ml_people")):
                k += 1
        elif at + 1 < len(tokens) and tokens[at].text in _ONE and (width := _ml_person(tokens, at + 1)):
            value, k = 1.0, at + 1 + width  # "… + a data scientist"
        else:
            break
        total, end = total + value, k
    return [(total, start, end), *sizes[1:]]


_ML_PERSON = {"data-scientist", "mle", "ds"}  # one ML person in one token


def _ml_person(tokens: list[Token], i: int) -> int:
    """How many tokens name one ML person at token i ("data-scientist", "MLE": 1; "ML engineer": 2); 0 if none."""
    if tokens[i].text in _ML_PERSON:
        return 1
    named = tokens[i].text in words("ml_people") and i + 1 < len(tokens) and tokens[i + 1].text in words("ml_roles")
    return 2 if named else 0


def _team_corrected(
    tokens: list[Token], quantities: list[Quantity], claims: dict[int, list[Claim]], sizes: list[tuple[float, int, int]]
) -> list[tuple[float, int, int]]:
    """The team's size as corrected right after it: "1 ML engineer - wait no, we just hired two more, so 3 now". A
    bare number after a self-correction replaces the count; an increment ("two more") is not the team's size."""
    if not sizes:
        return sizes
    _, start, end = sizes[0]
    for q in quantities:
        if q.start < end or q.money or q.percent or q.start - end > 20:
            continue
        if tokens[q.start].sentence > tokens[end - 1].sentence + 1:
            break
        if any(c.field in LIMITS or c.field == "ml_team" for c in claims[id(q)]):
            break  # a number of its own: whatever follows is not about the team
        if q.end < len(tokens) and tokens[q.end].text in _INCREMENTS:
            continue
        between = {t.text for t in tokens[end : q.start]}
        if between & (_SELF_CORRECTIONS | {"well"}):
            return [(q.value, start, q.end), *sizes[1:]]
        break
    return sizes


def _numbers(r: _Reading, quantities: list[Quantity], claims: dict[int, list[Claim]], expecting: list[str]) -> None:
    """Give each quantity to its strongest claim; unowned ones to the pending question or to `unclear`."""
    strong: dict[str, list[Claim]] = {}
    _sums(r, quantities, claims)
    _asked_and_granted(r, quantities, claims)
    changes = _changes(r, quantities, claims)
    for q in quantities:
        if q.negative:
            r.out.notes.append(f'Ignored a negative number ("{q.span(r.tokens, r.text)}").')
            continue
        if not math.isfinite(q.value):
            r.out.notes.append(f'"{q.span(r.tokens, r.text)}" is beyond any real quantity; ignored.')
            r.used.update(range(q.start, q.end))
            continue
        claim = next((c for c in claims[id(q)] if c.field in LIMITS), None)
        if claim is not None and claim.field == "labeled_examples" and _none_labeled(r.tokens, q):
            claim = Claim(claim.field, 0.0, True, q.start, q.end)  # "none of our 14,000 tickets are labeled"
        if claim is not None and _denied(r.tokens, q):
            # "we don't have 10k labeled, more like 500": the denied number is not read; what replaces it is
            r.used.update(range(q.start, q.end))
            claim = _replacement(r, claim, q, quantities, claims)
            if claim is None:
                continue
        if claim is not None and claim.field == "labeled_examples" and _counts_outputs(r, claim):
            claim = Claim("reviewed_output_count", claim.value, claim.strong, claim.start, claim.end)
        if claim is not None and claim.strong:
            if claim.per_unit:
                claim = _multiplied(r, claim, quantities)
                if claim is None:
                    # "300 examples per intent", "each tech does ~5 jobs a day": a share alone is not the total
                    r.used.update(range(q.start, q.end))
                    continue
                if claim.guessed:
                    r.doubted.add(claim.field)
                    _ask_instead(r, claim)
                    continue
            strong.setdefault(claim.field, []).append(claim)
    vague = {i for q in quantities if q.vague for i in range(q.start, q.end)}
    for found in strong.values():
        own = [c for c in found if not c.borrowed]
        if own and any(_self_corrected(r, own[0], c) for c in found if c.borrowed):
            own = []  # "zero labeled. Correction: our intern tagged about 150": the correction is read
        # a number whose own noun says what it is beats one that borrowed a cue from the words before it
        # ("the labels cover 12 languages and we have 900 examples": 900)
        chosen, settled = _latest_correction(r, own or found)
        r.used.update(i for c in found for i in range(c.start, c.end))
        if not settled:
            readings = own or found
            ends = [_quote_end(r, c.start, c.end) for c in readings]
            doubt = compete.contest(r.tokens, readings, chosen, ends, r.switch)
            if doubt is not None:
                r.doubted.add(doubt.field)
                _ask_instead(r, doubt)
                continue
            chosen = compete.standing(r.tokens, readings, chosen, ends, r.switch)
        if compete.demoted(r.tokens, chosen, _quote_end(r, chosen.start, chosen.end), r.switch):
            # its own words say it may not be this project's value ("the department's budget is $11M"): ask
            r.doubted.add(chosen.field)
            _ask_instead(r, chosen)
            continue
        changed, upto = changes.get((chosen.start, chosen.end), (chosen.value, chosen.end))
        if changed is None:
            r.doubted.add(chosen.field)  # "the 80k might get cut in half": what it will be is not known
            _ask_instead(r, chosen)
            continue
        if upto > chosen.end or changed != chosen.value:
            r.used.update(range(chosen.end, upto))
            chosen = Claim(chosen.field, changed, True, chosen.start, max(upto, chosen.end))
        chosen = _corrected_later(r, chosen, quantities, claims) or chosen
        chosen = _period_corrected(r, chosen, quantities)
        chosen = _scoped_share(r, chosen, quantities)
        # an order of magnitude ("tens of thousands") is read, but only as an estimate a model reading may replace
        _add_number(r, chosen, weak=any(i in vague for i in range(chosen.start, chosen.end)))
    left = [q for q in quantities if not q.negative and not any(i in r.used for i in range(q.start, q.end))]
    asked: dict[str, Unclear] = {}  # the question a contested weak reading raised, per field
    for q in left:
        for claim in claims[id(q)]:
            if claim.field in r.doubted:
                r.used.update(range(q.start, q.end))
                break
            if claim.field in LIMITS and not r.has(claim.field):
                if _contested(claim, q, left, claims):
                    # one question per field: about the later of two weak readings ("3 weeks? no, 3 months")
                    if claim.field in asked:
                        r.out.unclear.remove(asked.pop(claim.field))
                    before = len(r.out.unclear)
                    _ask_instead(r, claim)
                    if len(r.out.unclear) > before:
                        asked[claim.field] = r.out.unclear[-1]
                else:
                    _add_number(r, claim, weak=True)
                break
            if claim.field in {UNOWNED, UNOWNED_MONEY}:
                _unowned(r, q, claim, expecting)
                break


def _sums(r: _Reading, quantities: list[Quantity], claims: dict[int, list[Claim]]) -> None:
    """Two parts of one count joined by "+" become one reading of their sum: "30k tagged emails + 5k tagged chats"
    (both labeled data), "20k tickets + 4k reviews a month" (the rate said once covers both). Otherwise each part
    is read, or not, on its own."""
    for first, second in itertools.pairwise(quantities):
        if labeled_together(r.tokens, first, second) and not any(
            c.field in {"monthly_requests", "budget_usd", "ml_team"} for c in claims[id(first)] + claims[id(second)]
        ):
            # "3k defect images and 40k good ones, all labeled": the distributive word says each part is labeled
            claims[id(first)] = []
            claims[id(second)] = [Claim("labeled_examples", first.value + second.value, True, first.start, second.end)]
            continue
        labeled_first = [c for c in claims[id(first)] if c.field == "labeled_examples" and not c.per_unit]
        unowned = {c.field for c in claims[id(second)]} <= {"labeled_examples", UNOWNED}  # its own or a borrowed cue
        if len(labeled_first) == 1 and unowned and more_of_the_same(r.tokens, first, second):
            # "5k labeled + 1.2k more from a pilot", "600 from QA + 350 from callbacks": parts of one labeled count
            claims[id(first)] = []
            total = labeled_first[0].value + second.value
            claims[id(second)] = [Claim("labeled_examples", total, True, labeled_first[0].start, second.end)]
            continue
        claim = next((c for c in claims[id(second)] if c.field in LIMITS), None)
        if claim is None or not claim.strong or claim.per_unit or claim.borrowed:
            continue  # a borrowed cue ("labeled: 30k emails and 5k chats") does not say each part is labeled
        labeled = claim.field == "labeled_examples"
        if not joined(r.tokens, first, second, labeled=labeled, rate=claim.field == "monthly_requests"):
            continue
        mine = [c for c in claims[id(first)] if c.field in LIMITS or c.field == "ml_team"]
        if any(_counts_outputs(r, c) for c in (*mine, claim)):
            continue  # "9k labeled tickets and 50k reviewed outputs": a model's outputs are another field
        if claim.field == "labeled_examples" and [(c.field, c.strong) for c in mine] == [("labeled_examples", True)]:
            total = mine[0].value + claim.value
        elif claim.field == "monthly_requests" and not mine and second.value:
            factor = claim.value / second.value  # the second part's rate, said once, covers every part listed
            total = first.value * factor + claim.value
            k = quantities.index(first)
            while (
                k > 0
                and not _owned(claims[id(quantities[k - 1])])
                and joined(r.tokens, quantities[k - 1], quantities[k], listed=True)
            ):
                k -= 1  # "20k emails, 4k chats and 1k calls a month"
                total += quantities[k].value * factor
                claims[id(quantities[k])] = []
            first = quantities[k]
        else:
            continue
        claims[id(first)] = []
        claims[id(second)] = [Claim(claim.field, total, True, first.start, claim.end)]


def _owned(found: list[Claim]) -> bool:
    """Whether a number already has a reading of a field (or a team size) of its own."""
    return any(c.field in LIMITS or c.field == "ml_team" for c in found)


def _asked_and_granted(r: _Reading, quantities: list[Quantity], claims: dict[int, list[Claim]]) -> None:
    """A message that says both an amount asked for and one granted: the granted amount is the budget ("we asked
    for 150k, finance approved 90k"; "got 60% of the 100k we asked for" is 60k), the ask is no reading at all."""
    found = asks.roles(r.tokens, quantities)
    granted: list[Claim] = []
    for n, role in found.items():
        q = quantities[n]
        if role == "ask":
            if not _money(q, claims, bare=True):
                return  # an ask of something else ("we requested 5k labeled examples", "asked for 10 engineers")
            continue
        value: float | None = q.value
        if q.percent:
            base = asks.share_of(r.tokens, q, quantities)
            value = q.value / 100 * base.value if base is not None and 0 < q.value <= 100 else None
        elif not _money(q, claims, bare=role == "granted" or _scale_of_ask(q, quantities, found)):
            continue  # "approved 3k labeled examples", "got 20k tickets": a count, not money granted
        if value is not None:
            granted.append(Claim("budget_usd", value, True, q.start, q.end))
    asked = [quantities[n] for n, role in found.items() if role == "ask"]
    if not granted:
        for q in asked:  # only asked for ("we asked for 100k"): what is available is not known, so ask
            claims[id(q)] = [Claim(UNOWNED_MONEY, q.value, False, q.start, q.end)]
        return
    if len({c.value for c in granted}) != 1:
        return  # two different amounts granted: the roles do not settle the budget
    for q in asked:
        claims[id(q)] = []
        r.used.update(range(q.start, q.end))
    for c in granted:
        claims[id(next(q for q in quantities if q.start == c.start))] = [c]


def _scale_of_ask(q: Quantity, quantities: list[Quantity], found: dict[int, str]) -> bool:
    """Whether an amount plainly "got" is of the size of an amount asked for ("75k was the ask, we got 60k"): what
    the ask became, though its own words do not say money."""
    asked = [quantities[n].value for n, role in found.items() if role == "ask"]
    return any(a / ASK_SCALE <= q.value <= a for a in asked)


ASK_SCALE = 10  # an amount granted is at most the ask and not far below it (else it counts something else)


def _money(q: Quantity, claims: dict[int, list[Claim]], *, bare: bool = False) -> bool:
    """Whether an amount is money by its own signs or readings, and nothing but money; with `bare`, a number with
    no owner of its own counts too when it is as large as money asked for or approved is ("approved 70k")."""
    fields = {c.field for c in claims[id(q)]}
    if bare and fields == {UNOWNED} and not q.money and q.value >= BARE_MONEY:
        return True
    return not fields - {"budget_usd", UNOWNED_MONEY} and (q.money or bool(fields))


BARE_MONEY = 1000  # "requested 2 GPUs": a small bare number asked for is not money


CHANGEABLE = ("budget_usd", "labeled_examples", "monthly_requests")


def _changes(
    r: _Reading, quantities: list[Quantity], claims: dict[int, list[Claim]]
) -> dict[tuple[int, int], tuple[float | None, int]]:
    """Changes said right after a strongly read number ("budget was 80k, now cut in half", "it got cut to 25k"), by
    the span of the reading they change: the value after the change (None when the change is only supposed) and
    where its words end. A new value said after "to" is that reading's, never one of its own."""
    found: dict[tuple[int, int], tuple[float | None, int]] = {}
    value: float | None
    for q in quantities:
        if subtracted(r.tokens, q) or former(r.tokens, q):
            # "30k minus $5k for licences", "60k, up from 40k last year": an amount taken off or compared with is
            # never a reading of its own
            claims[id(q)] = []
            r.used.update(range(q.start, q.end))
    for q in quantities:
        claim = next((c for c in claims[id(q)] if c.field in LIMITS), None)
        if claim is None or not claim.strong or claim.field not in CHANGEABLE or claim.per_unit:
            continue
        change = (
            change_after(r.tokens, q.end, quantities)
            or remainder_after(r.tokens, q.end, quantities)
            or left_after(r.tokens, q.start, q.end, quantities)
        )
        if change is None:
            change = change_before(r.tokens, q.start, quantities)
            if change is not None and not _base_fits(claim, change, claims):
                change = None
        if change is None:
            continue
        value = claim.value * (change.factor or 1.0)
        if change.target is not None:
            t = change.target
            own = [c for c in claims[id(t)] if c.field == claim.field]
            if own:
                value = own[0].value  # "cut to 40k a month" carries its own unit
            elif claim.field == "budget_usd" or not q.value:
                value = t.value
            else:
                value = t.value * claim.value / q.value  # "20k tickets a month, cut to 15k": the base's unit
            claims[id(t)] = []
        if change.amount is not None:
            a = change.amount
            if a.money and not q.money and claim.field != "budget_usd":
                continue  # "20k tickets, cut by $5k": not the same kind of thing
            value = claim.value - a.value if change.down else claim.value + a.value
            claims[id(a)] = []
            if value <= 0:
                value = None  # "30k, they cut 40k off": the roles do not add up, so ask
        found[(claim.start, claim.end)] = (None if change.doubt else value, change.end)
    return found


def _base_fits(claim: Claim, change: Change, claims: dict[int, list[Claim]]) -> bool:
    """Whether a change said before its base ("down to 40k from 80k") may change this reading: a budget always; a
    count only when the new value follows the base ("went from 4k to 6k") or says its own field ("cut to 14k a month
    from 20k"): a count's base read with a period ("to 25k from 50k last week") has a unit the change may not share."""
    if claim.field == "budget_usd":
        return True
    t = change.target
    if t is None:
        return False
    # "went from 4k to 6k": the new value after the base shares its unit
    return t.start > claim.start or any(c.field == claim.field and c.strong for c in claims[id(t)])


def _contested(claim: Claim, q: Quantity, left: list[Quantity], claims: dict[int, list[Claim]]) -> bool:
    """Whether another number nobody owns could also fill this weak reading's field ("5,000 visitors a day but only
    about 200 ask in chat"): two candidates and only a weak cue to choose by, so neither is stated."""
    # a number nobody owns could be a count or money, never a duration: a weak deadline has only deadline rivals
    unowned = {"budget_usd": UNOWNED_MONEY, "labeled_examples": UNOWNED, "monthly_requests": UNOWNED}
    rivals = {claim.field, unowned.get(claim.field, claim.field)}
    return any(other is not q and any(c.field in rivals for c in claims[id(other)]) for other in left)


def _ask_instead(r: _Reading, claim: Claim) -> None:
    """A contested reading becomes a confirming question when the field can be asked about; else it is left."""
    r.used.update(range(claim.start, claim.end))
    value = _rounded(claim.field, claim.value)
    if not 0 < value <= LIMITS[claim.field]:
        return  # nothing to ask about: "Is the 0 ...?" or "$3,600,000,000 your budget?" helps no one
    if claim.field in ASKABLE:
        quote = r.quote(claim.start, _quote_end(r, claim.start, claim.end))
        r.out.unclear.append(Unclear(quote, value, (claim.field,)))
        r.asked[claim.start] = r.out.unclear[-1]


ASKABLE = ("labeled_examples", "monthly_requests", "budget_usd", "deadline_weeks")  # fields a question can name

# Words that make a later number replace an earlier one for the same field: a correction ("sorry, I meant 15k",
# "actually 30k", "after dedup more like 7k") or a narrowing ("but only ~2k/day get escalated", "so ~150k a year").
_CORRECTIONS = {
    "actually",
    "now",
    "wait",
    "instead",
    "correction",
    "sorry",
    "meant",
    "pushed",
    "moved",
    "scratch",
    "rather",
    "revised",
    "updated",
    "turns",
    "cut",
    "only",
    "so",
    "dedup",
    "deduped",
    "cleanup",
    "cleaning",
    "mean",
    "make",
    # what is meant in practice, after a figure someone else gave: "my VP said 'under 100k', realistically 60-80k"
    "realistically",
    "practically",
    "realistic",
}


def _for_this_part(r: _Reading, claim: Claim) -> bool:
    """Whether an amount is said as this project's share: "40k for this part", "of which 20k is for the pilot"."""
    clause = r.tokens[claim.start].clause
    dash = claim.start - 1
    if dash > 0 and r.tokens[dash].text in {"-", "to"} and any(t.kind == "num" for t in r.tokens[dash - 3 : dash]):
        return False  # "$30k-$40k for the first phase": the end of a range, not a share of it
    before = [t.text for t in r.tokens[max(0, claim.start - 6) : claim.start] if t.clause == clause]
    after = [t.text for t in r.tokens[claim.end : claim.end + 12] if t.clause == r.tokens[claim.end - 1].clause]
    return share_for_this(before, after)


def _latest_correction(r: _Reading, found: list[Claim]) -> tuple[Claim, bool]:
    """The first reading of a field, unless the user corrected it later in the message ("4 weeks... they pushed it,
    now it's 8 weeks"): then the correction. The flag says whether words settled the choice (a correction, a
    value said as past) rather than the order alone."""
    chosen, settled = found[0], len(found) == 1
    for later in found[1:]:
        if {t.text for t in r.tokens[max(0, later.start - 2) : later.start]} & _PART_OF:
            continue  # "900 notes ... so the first 400 are inconsistent": a part of the count, not a correction
        cue = {t.text for t in r.tokens[max(chosen.end, later.start - 5) : later.start]}
        # "about 1k labeled - no wait, checked the sheet, it's 1,650": a self-correction anywhere between the two
        between = {t.text for t in r.tokens[chosen.end : later.start]} if later.start - chosen.end <= 20 else set()
        said = cue | {r.tokens[later.start].text}  # "more like 8k": the reading starts at "like"
        if ((cue & _CORRECTIONS or {"more", "like"} <= said) and not cue & _PAST) or between & _SELF_CORRECTIONS:
            chosen, settled = later, True
        elif later.field == "budget_usd" and _for_this_part(r, chosen):
            settled = True  # "40k for this part of the $300k grant": the share said first stays
        elif later.field == "budget_usd" and _for_this_part(r, later):
            chosen, settled = later, True  # "$300k total grant, maybe 40k for this part": this project's share
        elif _said_as_past(r, chosen) and not _said_as_past(r, later):
            chosen, settled = later, True  # "last year we had 30k a month; this year we expect 60k": what is
        elif _said_as_past(r, later) and not _said_as_past(r, chosen):
            settled = True  # "700 a week (was 300 a week last year)": what was yields to what is
    return chosen, settled


_PART_OF = {"first", "last", "remaining", "other", "rest"}  # "the first 400", "the other 300": part of a whole


def _self_corrected(r: _Reading, earlier: Claim, later: Claim) -> bool:
    """Whether a self-correction ("correction:", "sorry", "wait") stands between two readings of one field."""
    if later.start <= earlier.end or later.start - earlier.end > 20:
        return False
    return bool({t.text for t in r.tokens[earlier.end : later.start]} & _SELF_CORRECTIONS)


_POINTERS = {"that", "that's", "thats", "those", "these", "which", "only"}
SHARE_REACH = 14  # tokens from a volume to the share said of it


def _scoped_share(r: _Reading, claim: Claim, quantities: list[Quantity]) -> Claim:
    """A volume whose share is then pointed to as what the project handles ("500k txns/mo overall, ~1% get
    flagged, that 1% is what we'd run it on"; "200k invoices a month, about 10% need a human look, that's what the
    bot would do"): the share of the volume. A share said without that pointer changes nothing."""
    if claim.field != "monthly_requests":
        return claim
    sentence = r.tokens[claim.start].sentence
    for q in quantities:
        if q.start < claim.end:
            continue
        if q.start - claim.end > SHARE_REACH or r.tokens[q.start].sentence > sentence + 1:
            return claim
        if not q.percent:
            return claim  # another number first: the share, if any, is of something else
        if not 0 < q.value < 100:
            return claim
        after = [t for t in r.tokens[q.end : q.end + 12] if t.sentence == r.tokens[q.start].sentence]
        texts = [t.text for t in after]
        pointed = any(a in _POINTERS and "what" in texts[k + 1 : k + 5] for k, a in enumerate(texts))
        if pointed:
            r.used.update(range(q.start, q.end))
            return Claim(claim.field, claim.value * q.value / 100, True, claim.start, claim.end)
        return claim
    return claim


def _said_as_past(r: _Reading, claim: Claim) -> bool:
    """Whether the number's clause puts it in the past ("used to get", "last year we had", "was", "previously")."""
    clause = r.tokens[claim.start].clause
    texts = [t.text for t in r.tokens[max(0, claim.start - 12) : claim.start] if t.clause == clause]
    if set(texts) & {"was", "were", "previously", "formerly", "had", "used"}:
        return True
    return any(a == "last" and b in {"year", "month", "quarter", "week"} for a, b in itertools.pairwise(texts))


_PAST = {"used", "was", "were", "previously", "formerly", "last", "during", "before", "back"}


def _corrected_later(
    r: _Reading, claim: Claim, quantities: list[Quantity], claims: dict[int, list[Claim]]
) -> Claim | None:
    """A later number with no reading of its own that corrects this one: "about 1.5k tickets a month, sorry, I
    meant 15k" (it takes the earlier number's unit: 15k a month)."""
    first = next((q for q in quantities if q.start == claim.start), None)
    if first is None or not first.value:
        return None
    factor = claim.value / first.value
    for q in quantities:
        if (
            q.start <= claim.end
            or q.money != first.money
            or q.percent
            or any(i in r.used for i in range(q.start, q.end))
        ):
            continue
        own = [c for c in claims[id(q)] if c.field in LIMITS or c.field == "ml_team"]
        if any(c.field != claim.field or c.strong for c in own) or _counts_workers(r, q):
            continue  # it is read on its own, or counts who does the work ("and only three ppl on support")
        if {t.text for t in r.tokens[max(0, q.start - 2) : q.start]} & _PART_OF:
            continue  # "so the first 400 are inconsistent": a part of the count, not a new count
        cue = {t.text for t in r.tokens[max(claim.end, q.start - 5) : q.start]}
        between = {t.text for t in r.tokens[claim.end : q.start]} if q.start - claim.end <= 20 else set()
        explicit = between & _SELF_CORRECTIONS or {"more", "like"} <= cue | {r.tokens[q.start].text}
        if r.tokens[q.start].sentence != r.tokens[claim.start].sentence and not explicit:
            continue  # in a later sentence only an explicit "sorry, I meant" / "actually" / "more like" corrects
        # "180k a year. hmm actually that was last year's, this year it's closer to 240k": a self-correction
        # anywhere between the two numbers
        if _seasonal(r.tokens, q.end):
            continue  # "10k a month, more like 30k in December": a season's value, not a correction
        # "more like 8k": the quantity starts at its approximation word
        said = cue | {r.tokens[q.start].text}
        if (cue & _CORRECTIONS or {"more", "like"} <= said or between & _SELF_CORRECTIONS) and not cue & _PAST:
            r.used.update(range(q.start, q.end))
            # a weak reading of the same field carries its own unit ("budget is 50k - sorry, I meant 15k")
            value = own[0].value if own else q.value * factor
            return Claim(claim.field, value, True, q.start, q.end)
    return None


def _period_corrected(r: _Reading, claim: Claim, quantities: list[Quantity]) -> Claim:
    """A volume whose period the user corrects right after it, with no new number ("3k a week, no wait, per
    day"): the same number over the corrected period."""
    first = next((q for q in quantities if q.start == claim.start), None)
    periods = words_map("rate_periods")
    if claim.field != "monthly_requests" or first is None or not first.value:
        return claim
    if not any(math.isclose(claim.value / first.value, f, rel_tol=1e-3) for f in periods.values()):
        return claim  # a multiplied share: its period is not the number's alone
    after = r.tokens[claim.end : claim.end + 10]
    corrected = False
    for n, tok in enumerate(after):
        if tok.kind == "num" or tok.sentence != r.tokens[claim.start].sentence:
            return claim
        corrected = corrected or tok.text in _SELF_CORRECTIONS or tok.text == "no"
        nxt = after[n + 1].text if n + 1 < len(after) else ""
        if corrected and tok.text in {"per", "a", "an", "every", "each", "/"} and nxt in periods and len(nxt) > 1:
            return Claim(claim.field, first.value * periods[nxt], True, claim.start, claim.end)
        if corrected and tok.text in {"daily", "weekly", "monthly", "yearly", "hourly"}:
            return Claim(claim.field, first.value * periods[tok.text], True, claim.start, claim.end)
    return claim


TEAM_SIZE = 1_000  # more people than this are a crowd the product serves ("only 40k people open the chat")


def _counts_workers(r: _Reading, q: Quantity) -> bool:
    """Whether `q` counts people or groups who do the work ("three ppl on support", "4 teams"): never a volume."""
    nouns = unit_nouns(r.tokens, q)
    return q.value < TEAM_SIZE and bool(nouns & (words("staff_nouns") | words("group_nouns")))


_SEASONS = {"peak", "peaks", "busy", "busiest", "during", "season", "seasonal", "holidays", "summer", "winter"}
_SEASONS |= {"spring", "autumn", "fall", "january", "february", "march", "april", "june", "july", "august"}
_SEASONS |= {"september", "october", "november", "december", "weekends", "mondays", "christmas", "q4", "q1"}


def _seasonal(tokens: list[Token], end: int) -> bool:
    """Whether the words right after a number limit it to a season or a peak ("30k in December", "at peak")."""
    clause = tokens[end - 1].clause
    return any(t.text in _SEASONS for t in tokens[end : end + 4] if t.clause == clause)


_SELF_CORRECTIONS = {
    "sorry",
    "meant",
    "mean",
    "actually",
    "correction",
    "wait",
    "scratch",
    "dedup",
    "deduped",
    "cleanup",
}


_DENY_VERBS = {"have", "got", "get", "need", "spend", "see", "handle", "do", "a", "an", "the", "even", "like"}
_BOUNDS = {"more", "less", "fewer", "over", "under", "above", "below", "even", "quite", "only", "just", "much"}


def _denied(tokens: list[Token], q: Quantity) -> bool:
    """ "not 5,000", "we don't have 50k", "it's not 3 months": the number is said in order to be denied. Bounds
    ("not more than 5k", "not even 500", "no fewer than 20") still state an amount."""
    n = q.start - 1
    while n >= 0 and q.start - n <= 3 and tokens[n].text in _DENY_VERBS - {"even"}:
        n -= 1
    if n < 0 or tokens[n].clause != tokens[q.start].clause:
        return False
    word = tokens[n].text
    if word in _BOUNDS or not (word in {"not", "never"} or word.endswith("n't")):
        return False
    return not any(t.text in _BOUNDS for t in tokens[n + 1 : q.start])


_DETERMINERS = {"our", "the", "these", "those", "their", "its", "my", "your", "his", "her"}
_BE = {"are", "is", "were", "was", "have", "has", "been", "got", "get"}


def _none_labeled(tokens: list[Token], q: Quantity) -> bool:
    """ "none of our 14,000 tickets are labeled": "none of" before the count and the label word said of it (after a
    verb), so nothing is labeled. "None of our 14k labeled tickets have PII" says nothing about how many are."""
    n = q.start - 1
    while n >= 0 and tokens[n].text in _DETERMINERS:
        n -= 1
    if n < 1 or tokens[n].text != "of" or tokens[n - 1].text not in {"none", "neither"}:
        return False
    clause = tokens[q.start].clause
    after = [t for t in tokens[q.end : q.end + 8] if t.clause == clause]
    labels = words("label_cues")
    for k, t in enumerate(after):
        if t.text in labels or any(p in labels for p in t.parts):
            return any(a.text in _BE or a.text.endswith("n't") for a in after[:k])
    return False


def _replacement(
    r: _Reading, claim: Claim, q: Quantity, quantities: list[Quantity], claims: dict[int, list[Claim]]
) -> Claim | None:
    """The number said instead of a denied one, in the same sentence ("not 3 months, it's 6 weeks"; "not 5k a
    day, 500"): its own reading when it has one for the same field, otherwise the denied number's unit."""
    sentence = r.tokens[q.start].sentence
    for other in quantities:
        if other.start <= q.end or r.tokens[other.start].sentence != sentence or other.money != q.money:
            continue
        own = [c for c in claims[id(other)] if c.field in LIMITS]
        if own and own[0].field != claim.field:
            return None
        if own:
            return None  # it is read on its own
        factor = claim.value / q.value if q.value else 1.0
        r.used.update(range(other.start, other.end))
        return Claim(claim.field, other.value * factor, True, other.start, other.end)
    return None


def _multiplied(r: _Reading, claim: Claim, quantities: list[Quantity]) -> Claim | None:
    """A per-unit volume ("each tech does ~5 jobs a day", "40 a day per agent") times the count of those units
    said elsewhere ("45 techs"); None when no count of the same units was given (ask, don't guess)."""
    if claim.field == "labeled_examples":
        return _per_class_total(r, claim, quantities)
    near = r.tokens[max(0, claim.start - 5) : claim.end + 8]
    nouns = words("staff_nouns") | words("audience_nouns") | words("inventory_nouns") | words("group_nouns")
    marked = any(t.text in {"each", "every", "per", "apiece", "x", "×"} | AVERAGE for t in near) or any(
        q.start < claim.start and each_of(r.tokens, q) for q in quantities
    )
    unit = next(
        (
            b.text
            for a, b in itertools.pairwise(near)
            if a.text in {"each", "every", "per"} and (b.text in nouns or b.text.rstrip("s") + "s" in nouns)
        ),
        None,
    )
    # a count said in a supposition or of another party's units multiplies nothing ("assuming we hit 100k users")
    units = [q for q in quantities if q.start != claim.start and counts_units(r.tokens, q) and not frame(r.tokens, q)]
    named = _unit_named(near)
    counted = [
        q
        for q in quantities
        if named is not None
        and q.start != claim.start
        and not q.money
        and not q.percent
        and not frame(r.tokens, q)
        and any(same_noun(named, w) for w in unit_nouns(r.tokens, q))
    ]
    if unit is None and counted:
        # "3 shifts ... each shift makes ~1,100": the unit is named and counted, so that count multiplies, never the
        # nearest count of something else ("25k images")
        units = counted
    elif unit is not None:
        units = [q for q in units if any(same_noun(unit, w) for w in unit_nouns(r.tokens, q))]
    elif marked:  # "4,000 clients, each ~300 a month": the nearest count said before it
        clause = r.tokens[claim.start].clause
        # "each of our 4 regional AP teams processes 500": the count "each of" names, whatever its noun
        units += [q for q in quantities if each_of(r.tokens, q) and r.tokens[q.start].clause == clause]
        units = [q for q in units if q.start < claim.start]
    else:  # "our 12 nurses write 5 notes a shift": only people doing the work, in the same clause
        clause = r.tokens[claim.start].clause
        units = [
            q
            for q in units
            if q.start < claim.start
            and r.tokens[q.start].clause == clause
            and unit_nouns(r.tokens, q) & words("staff_nouns")
        ]
    subject = next((q for q in quantities if q.start == claim.start), None)
    counted_subject = subject_unit(r.tokens, subject, quantities) if subject is not None else None
    guessed = False
    if counted_subject is not None:
        units = [counted_subject]  # "~120 agents ... Agents take 45 calls a shift": the subject's count
        guessed = not marked and unit is None and not counted
    if not units:
        return None
    before = [q for q in units if q.start < claim.start]
    unit_q = before[-1] if before else units[0]
    start, end = min(unit_q.start, claim.start), max(unit_q.end, claim.end)
    return Claim(claim.field, claim.value * unit_q.value, True, start, end, guessed=guessed)


def _unit_named(near: list[Token]) -> str | None:
    """The word after "each" / "every" that names what the share is per ("each shift"), if it is not a period."""
    periods = words_map("rate_periods")
    for a, b in itertools.pairwise(near):
        if a.text in {"each", "every"} and b.kind == "word" and b.text not in periods and b.text not in {"of", "one"}:
            return b.text
    return None


def _per_class_total(r: _Reading, claim: Claim, quantities: list[Quantity]) -> Claim | None:
    """ "500 examples per intent, 10 intents": the per-class count times the number of classes; None (unread) when
    the number of classes was not said, since the per-class count alone is not the data set's size."""
    classes = [q for q in quantities if q.start != claim.start and counts_classes(r.tokens, q)]
    if len(classes) != 1:
        return None
    unit_q = classes[0]
    start, end = min(unit_q.start, claim.start), max(unit_q.end, claim.end)
    return Claim(claim.field, claim.value * unit_q.value, True, start, end)


def _unowned(r: _Reading, q: Quantity, claim: Claim, expecting: list[str]) -> None:
    candidates = ("budget_usd",) if claim.field == UNOWNED_MONEY else ("labeled_examples", "monthly_requests")
    for name in expecting:
        if name in LIMITS and not r.has(name) and (name in candidates or claim.field == UNOWNED):
            if name == "deadline_weeks" and claim.value > MAX_WEEKS:
                continue
            _add_number(r, Claim(name, claim.value, False, claim.start, claim.end), weak=True)
            return
    r.out.unclear.append(Unclear(r.quote(q.start, _quote_end(r, q.start, q.end)), claim.value, candidates))


def _add_number(r: _Reading, claim: Claim, *, weak: bool = False) -> None:
    value = claim.value
    if value > LIMITS[claim.field]:
        r.out.notes.append(f'"{r.quote(claim.start, claim.end)}" is beyond any real {_NOUNS[claim.field]}; ignored.')
        r.used.update(range(claim.start, claim.end))
        return
    if claim.field == "monthly_requests" and value < 1:
        return  # "one edit a year" is no workload
    if claim.field in {"labeled_examples", "monthly_requests", "latency_p95_ms", "reviewed_output_count"}:
        value = max(1, round(value)) if claim.field == "latency_p95_ms" else round(value)
    elif claim.field == "deadline_weeks":
        value = round(value, 1)
    r.add(claim.field, value, claim.start, _quote_end(r, claim.start, claim.end), weak=weak or not claim.strong)
    r.used.update(range(claim.start, claim.end))


def _rounded(field: str, value: float) -> float:
    """A value as the field keeps it (whole counts, weeks to a tenth, dollars as said)."""
    if field in {"labeled_examples", "monthly_requests", "reviewed_output_count"}:
        return round(value)
    return round(value, 1) if field == "deadline_weeks" else value


def _quote_end(r: _Reading, start: int, end: int) -> int:
    """A number's quote runs on to the words that say what it counts ("20k labeled examples")."""
    stop = end
    while stop < len(r.tokens) and stop < end + 3 and r.tokens[stop].clause == r.tokens[start].clause:
        if r.tokens[stop].kind == "sym" and r.tokens[stop].text not in {"/", "-"}:
            break  # "9,000 tickets", not "9,000 tickets,"
        stop += 1
    return stop


_OUTPUT_NOUNS = {"outputs", "output", "generations", "completions"}


def _counts_outputs(r: _Reading, claim: Claim) -> bool:
    """ "40k approved model outputs": a count of a model's reviewed outputs is training data for distillation, not
    a count of labeled examples (it goes to `reviewed_output_count`)."""
    end = _quote_end(r, claim.start, claim.end)
    return bool({t.text for t in r.tokens[claim.start : end]} & _OUTPUT_NOUNS)


def _model_outputs(r: _Reading) -> None:
    """A count of reviewed outputs says that outputs exist."""
    if r.has("reviewed_output_count"):
        start, end = r.spans["reviewed_output_count"]
        r.add("reviewed_outputs", True, start, end)


_REST = {"rest", "remaining", "remainder", "others", "other"}  # "1,200 labeled, the rest never tagged": a subset


_UNCOMMITTED = {"committed", "confirmed", "fixed", "set", "decided", "final", "finalized", "finalised", "approved"}


_URGENCY = {"rush", "hurry", "pressure", "urgency", "panic"}


def _unset(r: _Reading, name: str) -> None:
    """ "no budget yet", "no hard date" said beside an amount or a date in another clause: the message says this
    project's value is not set, so the number is someone else's, an earlier one or a wish ("no budget yet, we're
    applying for a 10k grant"; "by the summer, but honestly no hard date"). So is a weak reading in a sentence that
    says nothing is committed ("we're thinking 6 weeks but nothing's committed"). It is asked about, never stated.
    A number in the same clause as the words is what they qualify ("budget of 30k, not approved yet")."""
    fact = next((f for f in r.out.facts if f.field == name), None)
    if fact is None:
        return
    start, end = r.spans[name]
    clause, sentence = r.tokens[start].clause, r.tokens[start].sentence
    unset = any(
        m.label == name
        and r.tokens[m.start].clause != clause
        and any(is_negator(t) for t in r.tokens[m.start : m.end])  # "no hard date", not "timeline is flexible"
        # "Q1 next year, no real rush": the date said, then that it is not urgent (in another sentence, "no rush"
        # still leaves a date in doubt: "a grant decided in the autumn. no rush really")
        and not (r.tokens[m.start].sentence == sentence and any(t.text in _URGENCY for t in r.tokens[m.start : m.end]))
        and not (r.switch is not None and m.start < r.switch <= start)  # said of the project before the turn
        and stated(r.tokens, m.start, m.end)
        for m in phrases("addressed").find(r.tokens)
    )
    if not unset and name in r.out.weak:
        said = [t.text for t in r.tokens if t.sentence == sentence]
        unset = any(a in {"nothing's", "nothing"} and b in _UNCOMMITTED for a, b in itertools.pairwise(said))
    if not unset:
        return
    r.out.facts.remove(fact)
    del r.spans[name]
    r.out.weak.discard(name)
    r.doubted.add(name)
    if 0 < fact.value <= LIMITS[name]:
        r.out.unclear.append(Unclear(r.quote(start, end), fact.value, (name,)))


def _no_labels(r: _Reading) -> None:
    """ "no labeled data", "nothing annotated", "none of it is tagged": zero labeled examples."""
    people = words("staff_nouns") | words("ml_roles")
    for m in phrases("no_labels").find(r.tokens):
        if m.end < len(r.tokens) and r.tokens[m.end].text in people:
            continue  # "no data people" is about the team
        if any(t.text in words("ml_people") or t.text == "data-scientist" for t in r.tokens[m.start : m.end]):
            continue  # "no data scientists" (one token) is about the team too
        if any(t.text in _NOT_KNOWING for t in r.tokens[m.start : m.end]):
            continue  # "no idea about labels", "no clue re labels": not known, which is not none
        count = next((f for f in r.out.facts if f.field == "labeled_examples"), None)
        if count is None:
            if _labels_affirmed(r.tokens, m.start):
                return  # "the images aren't labeled. What IS labeled is the defect log": some data is labeled
            r.add("labeled_examples", 0, m.start, m.end)
            return
        if not count.value:
            return
        said = r.quote(m.start, m.end)
        clause = r.tokens[m.start].clause
        # "1,200 labeled, the rest never tagged", "the rest is unlabeled": the words of a remainder on either side
        rest = any(t.clause == clause and t.text in _REST for t in r.tokens[max(0, m.start - 3) : m.end + 6])
        if m.start > r.spans["labeled_examples"][0] and not rest:  # "10k examples, but none are labeled"
            r.out.facts.remove(count)
            del r.spans["labeled_examples"]
            r.add("labeled_examples", 0, m.start, m.end)
            r.out.notes.append(f'You said "{count.provenance.quote}" and then "{said}"; I\'m going with 0 labeled.')
        else:
            r.out.notes.append(
                f'You said "{said}" and then {count.value:,} labeled examples; I\'m going with {count.value:,}.'
            )
        return


_NOT_KNOWING = {"idea", "clue", "clues", "sure", "certain", "info", "visibility", "insight", "knowledge", "view"}
_LABEL_VERBS = {"labeled", "labelled", "annotated", "tagged"}
_BE = {"is", "are", "was", "were", "been"}


def _labels_affirmed(tokens: list[Token], start: int) -> bool:
    """Whether another sentence says something is labeled ("What IS labeled is the defect log", "the log is tagged
    though"): a "not labeled" elsewhere is then said of one part of the data, not of all of it."""
    sentence = tokens[start].sentence
    for k in range(1, len(tokens)):
        tok = tokens[k]
        if tok.sentence == sentence or tok.text not in _LABEL_VERBS or tokens[k - 1].text not in _BE:
            continue
        before = [t for t in tokens[max(0, k - 6) : k] if t.clause == tok.clause]
        asked = any(t.sentence == tok.sentence and t.text == "?" for t in tokens[k : k + 12])
        if not asked and not any(is_negator(t) or t.text in {"not", "never"} for t in before):
            return True
    return False


def _dates(r: _Reading, today: dt.date) -> None:
    """Deadlines said as dates or periods, when no number of weeks was given."""
    if r.has("deadline_weeks") or "deadline_weeks" in r.doubted:
        return
    for i, tok in enumerate(r.tokens):
        if i in r.used or tok.kind != "word":
            continue
        found = deadline_date(r.tokens, i, today)
        if found is not None:
            weeks, end = found
            if i > 0 and r.tokens[i - 1].text in {"last", "past", "since", "ago"}:
                continue
            if {t.text for t in r.tokens[max(0, i - 3) : i]} & {"was", "were", "had", "used"}:
                continue  # "the deadline was Oct 1": a date that has passed or slipped
            if _dates_money(r.tokens, i):
                continue  # "no budget approved until Q4": when the money comes, not when the project is due
            exact = _restated(r, weeks, i, end, today)
            if exact is not None:
                r.add("deadline_weeks", exact[0], max(0, exact[1] - 1), exact[2])
            return


_MONEY_EVENTS = {"budget", "budgets", "funding", "funds", "money", "approval", "approved", "sign-off", "financing"}
_DUE = {"deadline", "live", "launch", "ready", "ship", "shipped", "done", "need", "needs", "needed", "due", "deliver"}


def _dates_money(tokens: list[Token], i: int) -> bool:
    """Whether the date at `i` dates money rather than the work: its clause speaks of a budget or its approval and
    not of the project being due ("no budget approved until Q4", "funding comes in March")."""
    clause = tokens[i].clause
    words_in = {t.text for t in tokens[max(0, i - 12) : i + 4] if t.clause == clause}
    return bool(words_in & _MONEY_EVENTS) and not words_in & _DUE


def _restated(r: _Reading, weeks: float, i: int, end: int, today: dt.date) -> tuple[float, int, int] | None:
    """A date said again more exactly later in its sentence: "before summer, so roughly 12 weeks", "before the
    spring semester, so mid-January", "before the fall term, which starts in 7 weeks". The later reading is the one
    the writer chose to make exact, so it stands when the two agree within a season; when they disagree by more,
    they compete (a demo's date and the launch's, or a season the writer counts from another day) and the later
    one is asked about: None."""
    sentence = r.tokens[i].sentence
    k = end
    while k < len(r.tokens) and r.tokens[k].sentence == sentence:
        later: tuple[float, int] | None = None
        asked = r.asked.get(k)
        if asked is not None and asked.candidates == ("deadline_weeks",) and asked in r.out.unclear:
            r.out.unclear.remove(asked)  # a duration already in doubt: the date and it agree or compete, below
            later = asked.value, k + len(asked.quote.split())
        elif r.tokens[k].kind == "num" and k not in r.used:
            unit = r.tokens[k + 1].text if k + 1 < len(r.tokens) else ""
            q = next((q for q in find_quantities(r.tokens[k : k + 2]) if q.start == 0), None)
            if q is not None and unit in _WEEKS_PER:
                later = q.value * _WEEKS_PER[unit], k + 2
        elif r.tokens[k].kind == "word":
            later = deadline_date(r.tokens, k, today)
        if later is not None and later[0] > 0:
            if abs(later[0] - weeks) <= SEASON_WEEKS:
                return round(later[0], 1), k, later[1]
            r.doubted.add("deadline_weeks")
            r.out.unclear.append(Unclear(r.quote(k, later[1]), round(later[0], 1), ("deadline_weeks",)))
            return None
        k += 1
    return weeks, i, end


SEASON_WEEKS = 13
_WEEKS_PER = {"weeks": 1.0, "week": 1.0, "wks": 1.0, "wk": 1.0, "months": 4.3333, "month": 4.3333, "mos": 4.3333}


_INDUSTRIES = (
    ("medical devices", r"\b(?:medical devices?|diagnostic devices?|samd|fda[- ]cleared|fda[- ]approved|510\(k\))"),
    (
        "healthcare",
        r"\b(?:phi|hipaa|fda|patients?|clinical|medical|pathology|hospitals?|pharmacy|pharma|health ?care|"
        r"radiology|ehr|emr|clinic)\b",
    ),
    (
        "financial services",
        r"\b(?:banks?|banking|lender|lending|loans?|fintech|brokerage|trading|finra|payments? "
        r"(?:company|processor|provider)|investment advis[eo]r|wealth|credit union)\b",
    ),
    ("insurance", r"\b(?:insurance|insurer|underwrit\w*|claims adjust\w*)\b"),
    ("legal", r"\b(?:law firm|legal|patents?|litigation|attorneys?|lawyers?)\b"),
    ("government", r"\b(?:government|public sector|federal|municipal)\b"),
    ("aviation", r"\b(?:airline|aviation|aircraft|faa)\b"),
    # "general contractors" build; "we'd use a contractor" hires help for anything
    ("construction", r"\b(?:construction|general contractors?|subcontractors?|building estimat\w*)\b"),
    ("retail", r"\b(?:retail\w*|e-?commerce|webshop|storefront|skus?)\b"),
    ("telecommunications", r"\b(?:telecom\w*|carrier)\b"),
    ("human resources", r"\b(?:recruiting|recruiters?|hr|human resources)\b"),
    ("education", r"\b(?:school|university|education|students?)\b"),
)  # listed most specific first; each pattern is a plain alternation of words (linear)


def _industry(r: _Reading) -> None:
    low = r.text.lower()
    for name, pattern in _INDUSTRIES:
        m = re.search(pattern, low)
        if m:
            prov = Provenance(source="message", turn=r.turn, quote=m.group(0))
            r.out.facts.append(Fact("industry", name, prov))
            return


# --- short replies to a question ---------------------------------------------------------------------------

_YES = {
    "yes",
    "yep",
    "yeah",
    "yup",
    "y",
    "true",
    "correct",
    "definitely",
    "absolutely",
    "sure",
    "indeed",
    "affirmative",
    "ya",
    "yea",
    "right",
}
_NO = {"no", "nope", "n", "false", "nah", "none", "not", "never", "negative"}
_CHOICES: dict[str, dict[str, str]] = {
    "needs": {
        "deep": "deep_domain",
        "domain": "deep_domain",
        "specialized": "deep_domain",
        "specialised": "deep_domain",
        "broad": "broad_flexibility",
        "flexible": "broad_flexibility",
        "flexibility": "broad_flexibility",
        "general": "broad_flexibility",
    },
    "priority": {
        "speed": "speed",
        "fast": "speed",
        "quick": "speed",
        "quickly": "speed",
        "soon": "speed",
        "cost": "cost",
        "cheap": "cost",
        "cheaper": "cost",
        "budget": "cost",
        "accuracy": "accuracy",
        "accurate": "accuracy",
        "quality": "accuracy",
        "precision": "accuracy",
        "adaptability": "adaptability",
        "adaptable": "adaptability",
        "flexibility": "adaptability",
    },
    "data_quality": {
        "high": "high",
        "clean": "high",
        "good": "high",
        "great": "high",
        "gold": "high",
        "excellent": "high",
        "mixed": "mixed",
        "ok": "mixed",
        "okay": "mixed",
        "so-so": "mixed",
        "decent": "mixed",
        "poor": "poor",
        "noisy": "poor",
        "messy": "poor",
        "bad": "poor",
        "low": "poor",
    },
    "ml_expertise": {
        "none": "none",
        "nobody": "none",
        "noone": "none",
        "zero": "none",
        "limited": "limited",
        "some": "limited",
        "junior": "limited",
        "little": "limited",
        "strong": "strong",
        "experienced": "strong",
        "senior": "strong",
        "plenty": "strong",
    },
}
SHORT_REPLY = 8  # words: longer messages are read only by their cues


def _items_for_pending_count(r: _Reading, quantities: list[Quantity], expecting: list[str]) -> None:
    """Asked how many labeled examples there are, a reply that counts items without a label cue ("3M listings where
    agents filled in the form") is asked about: "Is the 3,000,000 the number of labeled examples?". Left alone, such
    a count would be dropped as an inventory and the question would go unanswered, silently."""
    if "labeled_examples" not in expecting or r.has("labeled_examples") or r.out.unclear:
        return
    items = [
        q
        for q in quantities
        if not (q.money or q.percent or q.negative or q.vague)
        and q.value >= 10
        and q.value.is_integer()
        and not r.used & set(range(q.start, q.end))
        and unit_nouns(r.tokens, q) & words("inventory_nouns")
        and not frame(r.tokens, q)
    ]
    if len(items) == 1 and items[0].value <= LIMITS["labeled_examples"]:
        q = items[0]
        r.out.unclear.append(Unclear(r.quote(q.start, q.end + 1), q.value, ("labeled_examples",)))  # "3M listings"


def _short_answer(r: _Reading, expecting: list[str], words: int) -> None:
    """A reply to the pending question ("yes", "nope", "mostly clean", "about half a year") fills the asked
    fields that the cues did not already fill; a longer message is read by its cues alone."""
    if words > SHORT_REPLY:
        return
    texts = [t.text for t in r.tokens if t.kind == "word"]
    first = texts[0] if texts else ""
    for name in expecting:
        if r.has(name):
            continue
        if name in BOOLEAN_FIELDS or name in FLAG_FIELDS:
            if first in _YES:
                r.add(name, True, 0, len(r.tokens), weak=True)
            elif first in _NO or (r.tokens and is_negator(r.tokens[0])):
                r.add(name, False, 0, len(r.tokens), weak=True)
        elif name in _CHOICES:
            value = next((_CHOICES[name][w] for w in texts if w in _CHOICES[name]), None)
            if value is not None:
                r.add(name, value, 0, len(r.tokens), weak=True)
        elif name in ("labeled_examples", "budget_usd") and first in {"none", "no", "nope", "zero", "nothing", "nada"}:
            r.add(name, 0 if name == "labeled_examples" else 0.0, 0, len(r.tokens), weak=True)
