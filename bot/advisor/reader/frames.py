"""The frame a number is said in: a question, a supposition, another party's or an earlier time's. A number in
such a frame states no fact about this project, whatever its words say it counts.

Frames are read from the sentence's structure, not from its phrasing: where the question or condition opens
relative to the number's clause, and whether the subject the number belongs to is someone else or something past.
"""

from __future__ import annotations

import itertools

from bot.advisor.reader.numbers import Quantity
from bot.advisor.reader.tokens import Token

# Words that open a yes/no or wh- question when they start a clause ("would 3k be enough?", "is 2 weeks enough?").
_OPENERS = {
    "would",
    "could",
    "can",
    "will",
    "should",
    "shall",
    "might",
    "is",
    "are",
    "does",
    "do",
    "did",
    "what",
    "how",
    "which",
    "isn't",
    "aren't",
    "wouldn't",
    "doesn't",
    "won't",
    "couldn't",
}
# Words that open a supposition: the clause after them describes a world that is not (yet) the case.
_SUPPOSE = {"if", "suppose", "supposing", "assuming", "assume", "imagine", "hypothetically", "unless"}
# Another party or an earlier undertaking: "our competitor", "the other team", "our last project".
_OTHER_ALONE = {"competitor", "competitors", "competitor's", "rival", "rivals", "competition"}
_OTHER_ADJECTIVES = {"other", "another", "previous", "prior", "last", "old", "former", "sister", "earlier"}
_OTHER_NOUNS = {
    "team",
    "teams",
    "project",
    "projects",
    "company",
    "companies",
    "department",
    "departments",
    "org",
    "group",
    "division",
    "vendor",
    "vendors",
    "vendor's",
    "job",
    "employer",
    "attempt",
    "attempts",
    "product",
    "products",
    "startup",
    "client",
    "project's",
    "team's",
    "one",  # "our last one took 7 months and cost $90k": the noun said before, an earlier project
}
REACH = 40  # tokens looked at before a number for its frame (as far as its own cues reach)
_AGO = {"ago"}
# A condition that names a failure ("if it gets an answer wrong", "if it goes down") states the stakes.
FAILURES = {"wrong", "wrongly", "incorrect", "fail", "fails", "failed", "failure", "break", "breaks", "broken"}
FAILURES |= {"down", "offline", "unavailable", "outage", "outages", "crash", "crashes", "mistake", "mistakes"}
FAILURES |= {"error", "errors", "miss", "misses", "missed", "hallucinates", "glitch", "glitches", "buggy", "slow"}
_CHANGED = {"went", "grew", "grown", "gone", "jumped", "increased", "rose", "risen", "climbed", "doubled", "tripled"}
_CHANGED |= {"dropped", "fell", "fallen", "decreased", "shrank", "moved", "changed", "has", "have", "had"}
# A contrast between the frame's cue and the number hands the sentence back to this project ("our competitor does
# 2M a day, but we only see 4k").
_CONTRAST = {"but", "however", "though", "although", "whereas", "while", "now", "unlike", "meanwhile"}
PAST_FIELDS = frozenset({"monthly_requests", "budget_usd", "deadline_weeks"})  # labels made then still exist
# A count said as what is needed or advised ("they need at least 20k", "a minimum of 500") is not what is had.
_NEED = {"need", "needs", "needed", "require", "requires", "required", "recommend", "recommends", "recommended"}
_NEED |= {"suggest", "suggests", "suggested", "minimum", "min"}
_NEED_FILLERS = {"at", "least", "about", "around", "roughly", "~", "like", "maybe", "a", "of", "more", "than", "over"}


def frame(tokens: list[Token], q: Quantity) -> str | None:
    """ "question", "supposed", "target" (where a change goes: "from 5k to 50k"), "other" (another party's or
    project's), "past" (said as "N years ago"), or None when the number is said as a plain statement about this
    project."""
    return frame_at(tokens, q.start, q.end)


def stated(tokens: list[Token], start: int, end: int) -> bool:
    """Whether a cue phrase at tokens[start:end] is said about this project: not inside a supposition ("if the
    data were sensitive") nor about another party ("the other team has strong ML people"). A question's cue is
    kept: "does it matter that we have no ML people?" presupposes what it names. So is a cue that is itself a
    condition ("if it gets an answer wrong we get sued"): what would follow a failure is a fact about the stakes."""
    if _mentioned(tokens, start, end) or _hedged_question(tokens, start):
        return False
    said_in = frame_at(tokens, start, end)
    if said_in == "supposed":
        clause = tokens[start].clause
        condition = [t for t in tokens[max(0, start - 12) : end] if t.clause == clause]
        return any(t.text in FAILURES for t in condition)
    return said_in != "other"


# Verbs of a question that asks whether a cue holds: "do I need to worry about HIPAA?", "is that critical?".
_ASKING = {"worry", "need", "needs", "apply", "applies", "matter", "matters", "count", "counts", "considered", "mean"}
_ASKING |= {"qualify", "qualifies", "relevant", "care"}
ASKED_REACH = 6  # words between the question's opening and the cue
# A subject right before the verb makes a statement of it: "there is PII", "it is regulated" (not "is it?").
_STATING_SUBJECTS = {"there", "it", "this", "that", "we", "they", "i", "which", "everything", "everyone", "data"}
_NEGATIVE_OPENERS = {"isn't", "aren't", "wouldn't", "doesn't", "won't", "couldn't", "don't", "didn't", "shouldn't"}
_NEGATIVE_OPENERS |= {w.replace("'", "") for w in _NEGATIVE_OPENERS}  # "doesnt that change things?"
_OPENERS |= _NEGATIVE_OPENERS


def asked_about(tokens: list[Token], start: int) -> bool:
    """Whether the cue is what a question asks about: the question opens its clause close before the cue ("is that
    critical?", "would this count as regulated?", "do I need to worry about HIPAA if ...?"), with no "that" between
    (a "that" clause is presupposed: "does it matter that we have no ML people?")."""
    first = tokens[start]
    if not _ends_in_question(tokens, start, first.sentence):
        return False
    lo = start
    while lo > 0 and tokens[lo - 1].sentence == first.sentence and start - lo < ASKED_REACH:
        lo -= 1
    before = [t.text for t in tokens[lo : start + 1] if t.clause == first.clause or t.text in _OPENERS]
    opens = [n for n, w in enumerate(before) if w in _OPENERS]
    if not opens:
        return False
    if opens[0] and before[opens[0] - 1] in _STATING_SUBJECTS:
        return False  # "there is PII in there - would masking do?": a subject before the verb states, not asks
    asked = before[opens[0] :]
    if "that" in asked[1:-1] and set(asked) & {"matter", "matters"}:
        return False  # "does it matter that we have patient data?" presupposes the data
    # "is that critical?", "are we regulated?": the cue is the predicate the question asks about
    predicate = asked[0] in {"is", "are", "isn't", "aren't"} and len(asked) <= 3
    # "doesn't that change things?", "won't it be regulated?": a negative opener asks, its "not" denies nothing
    rhetorical = asked[0] in _NEGATIVE_OPENERS and len(asked) <= 4
    return predicate or rhetorical or bool(set(asked) & _ASKING)


def _mentioned(tokens: list[Token], start: int, end: int) -> bool:
    """Whether a cue is a term quoted in a question: "what counts as 'mission critical'?" asks about the word; it
    says nothing about the project."""
    return all(t.quoted for t in tokens[start:end]) and _ends_in_question(tokens, end, tokens[start].sentence)


_HEDGES = {("i", "think"), ("i", "guess"), ("i", "believe"), ("not", "sure"), ("i", "assume")}
_AFTERTHOUGHTS = {("no", "idea"), ("not", "certain"), ("no", "clue")}


def _hedged_question(tokens: list[Token], start: int) -> bool:
    """Whether the cue's sentence is a guess the writer asks to have checked: "it's animals so no HIPAA i think?"
    (a statement hedged and ending in a question mark states neither way)."""
    sentence = tokens[start].sentence
    lo, floor = start, max(0, start - REACH)
    while lo > floor and tokens[lo - 1].sentence == sentence:
        lo -= 1
    words = [t.text for t in tokens[lo : start + REACH] if t.sentence == sentence]
    # "NERC might apply?? not sure tbh": the hedge may open the next sentence, right after the question
    later = [t for t in tokens[start : start + REACH] if t.sentence > sentence and t.kind == "word"]
    nxt = [t.text for t in later if t.sentence == later[0].sentence][:3] if later else []
    hedged = any(pair in _HEDGES for pair in itertools.pairwise(words)) or any(
        pair in _HEDGES | _AFTERTHOUGHTS for pair in itertools.pairwise(nxt)
    )
    return hedged and _ends_in_question(tokens, start, sentence)


def frame_at(tokens: list[Token], start: int, end: int) -> str | None:
    """The frame of the words tokens[start:end] (see `frame`)."""
    first = tokens[start]
    floor = max(0, start - REACH)  # a message that is one endless sentence costs linear time, not quadratic
    clause_start = start
    while clause_start > floor and tokens[clause_start - 1].clause == first.clause:
        clause_start -= 1
    sentence_start = clause_start
    while sentence_start > floor and tokens[sentence_start - 1].sentence == first.sentence:
        sentence_start -= 1
    opening = _opening(tokens, clause_start, start)
    if opening in _SUPPOSE or any(t.text in _SUPPOSE for t in tokens[clause_start:start]):
        return "supposed"
    if _aside_of_supposition(tokens, clause_start, floor) or _after_filler_of_supposition(tokens, clause_start, floor):
        return "supposed"  # "if we get budget approved (maybe 50k?)": a parenthesis goes on with its clause
    if _say_opens(tokens, clause_start, start):
        return "supposed"
    if opening in _OPENERS and _ends_in_question(tokens, end, first.sentence):
        return "question"
    if _change_target(tokens, clause_start, start):
        return "target"
    before = tokens[sentence_start:start]
    cut = max((n + 1 for n, t in enumerate(before) if t.text in _CONTRAST), default=0)
    before = before[cut:]
    if _other_party(before):
        return "other"
    if any(t.text in _AGO for t in before):
        return "past"
    return None


ASIDE_WORDS = 1  # a parenthesis that only adds to its clause: "(maybe 50k?)", "(about 2k)" (a unit not counted)


def _aside_of_supposition(tokens: list[Token], clause_start: int, floor: int) -> bool:
    """Whether the clause opens a parenthesis inside a clause that supposes ("if we get it approved (maybe
    50k?)"): what a short parenthesis adds is part of the supposition."""
    if clause_start - 2 < floor or tokens[clause_start - 1].text != "(":
        return False
    inside = list(itertools.takewhile(lambda t: t.clause == tokens[clause_start].clause, tokens[clause_start:]))
    pairs = itertools.pairwise([tokens[clause_start - 1], *inside])
    # "50k": the unit is no word of its own; "(like HIPAA)", "(e.g. GDPR)": the filler adds nothing
    said = [b for a, b in pairs if b.kind == "word" and a.kind != "num" and b.text not in _FILLERS]
    if len(said) > ASIDE_WORDS:
        return False  # "if it helps (budget is 40k)": a statement of its own, not a word added to the condition
    outer = tokens[clause_start - 2].clause
    k = clause_start - 2
    while k > floor and tokens[k - 1].clause == outer:
        k -= 1
    return any(t.text in _SUPPOSE for t in tokens[k : clause_start - 1])


# A word set off by commas that only softens what follows: "if we had, say, 10k labels" ("say" is no new statement).
_FILLERS = {"say", "like", "hypothetically", "theoretically", "e", "g", "eg", "such", "as"}


def _after_filler_of_supposition(tokens: list[Token], clause_start: int, floor: int) -> bool:
    """Whether the clause follows a filler set off by commas right after a clause that supposes ("if we had, say,
    10k labeled examples", "if we did, like, 40 a week"): the filler's commas break no supposition."""
    k = clause_start
    if k - 3 < floor or tokens[k - 1].text != "," or tokens[k - 2].text not in _FILLERS or tokens[k - 3].text != ",":
        return False
    if tokens[k - 2].clause == tokens[k - 3].clause:
        return False  # "if it fails, like, we lose": the filler inside a clause, no aside of its own
    outer = tokens[k - 3].clause
    k -= 3
    while k > floor and tokens[k - 1].clause == outer:
        k -= 1
    return any(t.text in _SUPPOSE for t in tokens[k : clause_start - 3])


def wanted(tokens: list[Token], q: Quantity) -> bool:
    """Whether the number is said as an amount needed or advised: "need at least 20k", "recommends 1,000", "a
    minimum of 500" (for a count of examples: the data asked for, not the data there is)."""
    n = q.start - 1
    while n >= 0 and q.start - n <= 4 and tokens[n].text in _NEED_FILLERS:
        n -= 1
    return n >= 0 and q.start - n <= 4 and tokens[n].text in _NEED and tokens[n].clause == tokens[q.start].clause


def _change_target(tokens: list[Token], clause_start: int, start: int) -> bool:
    """Whether the number is where a change goes ("from 5k to 50k a month", "up from 40k to 70k"): a target or a
    forecast, not what is; the "from" number is what is."""
    n = start - 1
    while n > clause_start and tokens[n].text in {"about", "around", "roughly", "~", "maybe", "like"}:
        n -= 1
    if n <= clause_start or tokens[n].text != "to":
        return False
    if any(t.text in _CHANGED for t in tokens[clause_start:n]):
        return False  # "volume went from 8k to 12k": a change that happened ends at what is
    return any(a.text == "from" and b.kind == "num" for a, b in itertools.pairwise(tokens[clause_start:n]))


_SUBJECTS = {"we", "it", "they", "volume", "the", "our", "that", "you"}


def _say_opens(tokens: list[Token], start: int, stop: int) -> bool:
    """ "Say we got to 100k a month, ...", "let's say the budget is 20k": "say" opening a clause with a subject after
    it supposes; "I'd say roughly 900" (a subject before it) states."""
    words = [t.text for t in tokens[start:stop] if t.kind == "word"][:3]
    if words[:2] == ["let's", "say"] or words[:3] == ["let", "us", "say"]:
        return True
    return len(words) >= 2 and words[0] == "say" and words[1] in _SUBJECTS


def _opening(tokens: list[Token], start: int, stop: int) -> str:
    """The first word of the clause (after list marks and "so"/"and"), or "" when the clause starts with the number."""
    for t in tokens[start:stop]:
        if t.kind == "word" and t.text not in {"so", "and", "ok", "okay", "also", "but", "then"}:
            return t.text
        if t.kind == "num":
            return ""
    return ""


def _ends_in_question(tokens: list[Token], start: int, sentence: int) -> bool:
    """Whether the number's sentence ends with a question mark."""
    for t in tokens[start : start + REACH]:
        if t.sentence != sentence:
            return False
        if t.text == "?":
            return True
    return False


def _other_party(before: list[Token]) -> bool:
    """Whether the words before the number name another party or an earlier project as their subject."""
    for n, t in enumerate(before):
        if t.text in _OTHER_ALONE:
            return True
        if t.text in _OTHER_ADJECTIVES and any(u.text in _OTHER_NOUNS for u in before[n + 1 : n + 3]):
            return True
    return False
