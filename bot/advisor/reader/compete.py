"""Competing readings of one number field: two numbers in a message that each read as the same field with values
that disagree ("Project A has a budget of $40k ... project B: budget $120k"; "demo in 2 weeks, production in ~9").

The order the numbers were said in is no evidence of which one is this project's value, so the reader does not
choose by it. A reading whose own words say it is not this project's value (an audience or traffic count for a
volume, unlabeled items for a count of labels, an organisation's whole budget for a project's) yields to one that
does not; a range's two ends are one reading; when two readings still disagree after that, neither is stated and
the conversation asks about one of them (see `confirm.py`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from bot.advisor.reader.lexicon import words
from bot.advisor.reader.quantities import Claim
from bot.advisor.reader.tokens import Token

TOLERANCE = 0.15  # two values closer than this (relative) are the same reading said twice
# Words right before a budget that make it the whole organisation's or programme's, not this project's.
_WHOLE = {"whole", "entire", "overall", "operating", "department", "dept", "dept's", "department's"}
_WHOLE |= {"company", "company's", "org", "org's", "program", "programme", "corporate"}
_UNLABELED = {"unlabeled", "unlabelled", "unannotated", "untagged", "raw", "unreviewed"}
_TRAFFIC = {"pageviews", "page-views", "impressions", "downloads"}  # traffic to a site, not to the model
_AFTER_NOUN = {"a", "an", "per", "every", "each", "who", "that", "use", "using", "and", "or", "in", "on", "across"}
_RANGE_JOINERS = {"-", "to", "–", "and", "or"}


def disagree(a: float, b: float) -> bool:
    """Whether two values of a field are different readings, not one value said twice."""
    return abs(a - b) > TOLERANCE * max(abs(a), abs(b), 1)


# Words that turn a message to the project it asks about, after talking about another: "New project: ...", "this
# time it's ...", "for this project specifically", "what I'm asking about is ...", "(the one I care about)".
_NEW_THINGS = {"project", "thing", "one", "use", "ask", "initiative", "request"}
_THIS_THINGS = {"time", "one", "project", "initiative", "specific"}


def project_switch(tokens: list[Token]) -> int | None:
    """Where the message turns to the project it is about after speaking of another (a past one, a sister one, a
    whole programme), or None. Numbers said before the turn belong to the other."""
    for k, tok in enumerate(tokens[:-1]):
        nxt = tokens[k + 1].text
        after = {t.text for t in tokens[k + 1 : k + 3]}
        opens = k == 0 or tokens[k - 1].sentence != tok.sentence or tokens[k - 1].text in {":", "the", "-"}
        # "New project: ...", "the new thing", "a different use case" (not "we want a new bot", which starts one)
        if ((tok.text == "new" and opens) or tok.text == "different") and after & _NEW_THINGS and k > 0:
            return k
        if tok.text == "this" and nxt in _THIS_THINGS and k > 0:
            return k
        if tok.text == "asking" and nxt == "about" and {t.text for t in tokens[max(0, k - 2) : k]} & {"i'm", "am"}:
            return k
        if (
            tok.text == "care"
            and nxt == "about"
            and k > 1
            and tokens[k - 1].text == "i"
            and tokens[k - 2].text == "one"
        ):
            return k
    return None


def demoted(tokens: list[Token], claim: Claim, quote_end: int, switch: int | None = None) -> bool:
    """Whether the reading's own words say it is not this project's value: "10M pageviews a month" (traffic to a
    site, not requests to a model), "9,000 unlabeled ones", "the whole department's budget is $2M", or a number
    said before the message turned to the project it asks about ("last year we did X for $200k. New project: ...")."""
    if switch is not None and claim.start < switch and tokens[claim.start].clause != tokens[switch].clause:
        return True
    own = {t.text for t in tokens[claim.end : quote_end + 1]}
    phrase = [t for t in tokens[claim.end : quote_end + 2] if t.clause == tokens[claim.start].clause]
    # the noun the count ends on: "40,000 patients a year" counts patients, "60k customer letters" counts letters
    head = phrase[0].text if phrase and phrase[0].kind == "word" else ""
    if len(phrase) > 1 and phrase[1].kind == "word" and phrase[1].text not in _AFTER_NOUN:
        head = ""
    before = [t for t in tokens[max(0, claim.start - 5) : claim.start] if t.clause == tokens[claim.start].clause]
    near = {t.text for t in before}
    if claim.field in {"monthly_requests", "budget_usd"} and _of_the_past(tokens, claim):
        return True  # "our old system got 5k queries a day back in 2022": what was, not what this project has
    if claim.field == "monthly_requests":
        return head in words("audience_nouns") | _TRAFFIC
    if claim.field == "labeled_examples":
        return bool((own | near) & _UNLABELED)
    if claim.field == "budget_usd":
        return bool(near & _WHOLE) or _unit_budget([t.text for t in before])
    return False


# Parts of an organisation whose budget is theirs, not a project's: "the IT budget", "our ops budget".
_UNITS = {"ops", "operations", "operational", "marketing", "hr", "finance", "legal", "facilities", "it", "division"}
_UNITS |= {"divisional", "departmental", "group", "capex", "opex", "fuel", "travel", "company-wide"}
_THIS_PROJECT = {"this", "project", "pilot", "poc", "bot", "tool", "use-case", "feature", "build"}


def _unit_budget(before: list[str]) -> bool:
    """Whether the words before an amount name a department's budget ("ops budget is like $3M", "the IT budget:
    2M") without giving it to this project ("the IT budget for this pilot is 40k" is this project's)."""
    named = any(a in _UNITS and b in {"budget", "budgets"} for a, b in itertools.pairwise(before))
    return named and not any(a == "for" and b in _THIS_PROJECT for a, b in itertools.pairwise(before))


_FORMER = {"old", "previous", "former", "legacy", "prior", "last"}
_FORMER_THINGS = {"system", "project", "vendor", "tool", "pilot", "bot", "chatbot", "model", "setup", "attempt"}
_FORMER_THINGS |= {"platform", "solution", "process", "provider", "contract", "poc"}


def _of_the_past(tokens: list[Token], claim: Claim) -> bool:
    """Whether the number's clause places it in a time or a thing that is over: "back in 2022", "two years ago",
    "the old system", "our previous vendor". (Labeled data from then is still data; flows and money are not.)"""
    clause, sentence = tokens[claim.start].clause, tokens[claim.start].sentence
    lo = claim.start
    while lo > 0 and tokens[lo - 1].clause == clause and claim.start - lo < 20:
        lo -= 1
    hi = claim.end
    while hi < len(tokens) and tokens[hi].clause == clause and tokens[hi].sentence == sentence and hi - claim.end < 20:
        hi += 1
    texts = [t.text for t in tokens[lo:hi]]
    if "ago" in texts or any(a == "back" and b in {"in", "then", "when"} for a, b in itertools.pairwise(texts)):
        return True
    before = texts[: claim.start - lo]
    return any(a in _FORMER and b in _FORMER_THINGS for a, b in itertools.pairwise(before))


def same_range(tokens: list[Token], a: Claim, b: Claim) -> bool:
    """Whether two readings are the ends of one range ("$30k-$40k", "between 4 and 6 weeks")."""
    lo, hi = (a, b) if a.start < b.start else (b, a)
    between = [t for t in tokens[lo.end : hi.start] if t.text not in {"$", "€", "£", "~", "about", "around"}]
    return len(between) <= 2 and any(t.text in _RANGE_JOINERS for t in between)


def contest(
    tokens: list[Token], found: Sequence[Claim], chosen: Claim, quote_ends: Sequence[int], switch: int | None = None
) -> Claim | None:
    """The reading to ask about when the field's readings still disagree once weaker ones yield, or None when
    there is no contest (then `standing` says which reading is the field's value)."""
    ends = dict(zip((id(c) for c in found), quote_ends, strict=True))
    left = [c for c in found if not demoted(tokens, c, ends[id(c)], switch)] or list(found)
    pick = chosen if chosen in left else left[0]
    rivals = [c for c in left if c is not pick and disagree(c.value, pick.value) and not same_range(tokens, c, pick)]
    # the later of two disagreeing readings is more often the one that stands (a correction, "this time", "#2")
    return max([pick, *rivals], key=lambda c: c.start) if rivals else None


def standing(
    tokens: list[Token], found: Sequence[Claim], chosen: Claim, quote_ends: Sequence[int], switch: int | None = None
) -> Claim:
    """The reading that stands when there is no contest: `chosen`, unless its own words demote it and another's
    do not."""
    ends = dict(zip((id(c) for c in found), quote_ends, strict=True))
    left = [c for c in found if not demoted(tokens, c, ends[id(c)], switch)]
    return chosen if not left or chosen in left else left[0]
