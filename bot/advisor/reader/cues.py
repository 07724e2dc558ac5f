"""Yes/no and choice facts from cue phrases scoped to their clause, with negation ("no PHI involved" is a no).

Each field has positive and negative cue phrases in `lexicon.yaml` (some marked weak). A positive cue preceded by
a negator in its clause counts as negative evidence. The strongest evidence wins; between equals, the last one
said wins (people correct themselves as they go: "it's a bank, but this tool is not regulated").
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.advisor.reader.frames import FAILURES, asked_about, stated
from bot.advisor.reader.lexicon import Match, is_negator, phrases, words
from bot.advisor.reader.tokens import Token

NEGATION_REACH = 4  # words before a cue that a negator can reach


@dataclass(frozen=True)
class Cue:
    """One reading of a field from a cue phrase: the value, its strength (2 strong, 1 weak) and where it was."""

    value: object
    strength: int
    start: int
    end: int


def negated(tokens: list[Token], m: Match, reach: int = NEGATION_REACH) -> bool:
    """Whether a negator in the same clause, at most `reach` words before the cue, negates it. "Cannot" before a
    failure ("we cannot get this wrong", "can't miss one") forbids the failure: a demand, not a denial."""
    clause = tokens[m.start].clause
    for k in range(m.start - 1, max(-1, m.start - 1 - reach), -1):
        if tokens[k].clause != clause:
            return False
        if is_negator(tokens[k]) or tokens[k].text in {"rarely", "seldom", "barely"}:
            return not _forbids_failure(tokens, k, m) and not _restricts_handling(tokens, k, m)
    return False


_CANNOT = {"cannot", "can't", "cant", "mustn't", "shouldn't"}
# Verbs of handling data: "we can't share patient data" restricts data there is; it does not deny it.
# (Not "use" or "store": "we can't use personal data for this" may well mean the project has none.)
_HANDLING = {"share", "send", "upload", "expose", "leak", "give", "pass", "move", "transfer", "paste", "disclose"}
_HANDLING |= {"feed", "export", "sharing", "sending", "uploading"}


def _restricts_handling(tokens: list[Token], k: int, m: Match) -> bool:
    """Whether the negator at `k` is a "cannot"/"not allowed to" before a verb of handling the cue's data."""
    allowed = tokens[k].text == "not" and k + 1 < len(tokens) and tokens[k + 1].text in {"allowed", "permitted"}
    return (_cannot(tokens, k) or allowed) and any(t.text in _HANDLING for t in tokens[k + 1 : m.start])


def _cannot(tokens: list[Token], k: int) -> bool:
    """Whether the negator at `k` is a "cannot": "can't", "cannot", "must not"."""
    return tokens[k].text in _CANNOT or (tokens[k].text == "not" and k > 0 and tokens[k - 1].text in {"can", "must"})


def _forbids_failure(tokens: list[Token], k: int, m: Match) -> bool:
    """Whether the negator at `k` is a "cannot" whose cue names a failure: "we cannot get this wrong"."""
    return _cannot(tokens, k) and any(set(t.parts) & FAILURES for t in tokens[m.start : m.end])


def boolean(tokens: list[Token], field: str) -> Cue | None:
    """The reading of a yes/no field, or None when nothing in the message speaks to it."""
    found: list[Cue] = []
    matches = phrases(field).find(tokens)
    # "if it goes down for an hour, is that critical?": a sentence that asks about the field states nothing of it
    questioned = {
        tokens[m.start].sentence
        for m in matches
        if m.label != "neutral" and asked_about(tokens, m.start) and _label_answer(tokens, m.start, m.end) is None
    }
    for m in matches:
        if m.label == "neutral" or not stated(tokens, m.start, m.end):
            continue  # "law firm", "sensitive to timing": the words of a cue, meaning something else
        if tokens[m.start].sentence in questioned:
            continue  # "do I need to worry about HIPAA if it only books appointments?": asked, not said
        value = m.label.startswith("true")
        strength = 1 if m.label.endswith("_weak") else 2
        after = _denied_after(tokens, m)
        if after and not {t.text for t in tokens[m.start : m.end]} & _GENERAL:
            continue  # "GDPR doesn't apply (but HIPAA does)": one named rule denied says nothing of the others
        if negated(tokens, m) or after or _none_subject(tokens, m):
            value = not value
        answer = _label_answer(tokens, m.start, m.end)
        if answer == "unsure":
            continue  # "is it regulated? no idea": asked and not known
        if answer is not None:
            # "Regulated? No." / "Sensitive data: yes": a form's label answered, the answer decides
            found.append(Cue((answer == "yes") == value, 2, m.start, m.end))
            continue
        if tokens[m.start].text == "if" and _consequence_negated(tokens, m.end):
            continue  # "if it goes down the line doesn't stop" / "we can't ship": which, the words don't say
        found.append(Cue(value, strength, m.start, m.end))
    if field == "changes_often":
        found.extend(_change_frequency(tokens))
    return _decide(tokens, found)


_YES = {"yes", "yep", "yeah", "yup", "y", "definitely", "absolutely", "certainly", "correct", "true"}
_NO = {"no", "nope", "nah", "n", "none", "never", "false"}
_UNSURE = {("no", "idea"), ("not", "sure"), ("not", "certain"), ("no", "clue"), ("dunno",), ("idk",), ("unsure",)}
_ANSWER_FILLERS = {"also", "and", "-", "–", "—", ":", "well", "again", "so", "ok", "okay"}


def _label_answer(tokens: list[Token], start: int, end: int) -> str | None:
    """The answer given to a cue said as a question or a form's label ("Regulated? No.", "Sensitive data: yes",
    "is it regulated? no idea"): "yes", "no" or "unsure", or None when none follows. Yes and no count only for a
    bare label (the cue is all its sentence says); not knowing counts after any question."""
    if end >= len(tokens) or tokens[end].text not in {"?", ":"}:
        return None
    nxt = [t.text for t in tokens[end + 1 : end + 6] if t.text not in _ANSWER_FILLERS][:2]
    if any(tuple(nxt[: len(u)]) == u for u in _UNSURE) and tokens[end].text == "?":
        return "unsure"
    lo = start
    while lo > 0 and tokens[lo - 1].sentence == tokens[start].sentence and tokens[lo - 1].kind == "sym":
        lo -= 1
    if (lo > 0 and tokens[lo - 1].sentence == tokens[start].sentence) or not nxt:
        return None  # words before the cue in its sentence: not a label
    if nxt[0] in _YES:
        return "yes"
    if nxt[0] in _NO or (nxt[0] == "not" and nxt[1:] in (["really"], ["at"], ["much"], ["quite"])):
        return "no"
    if nxt[0] == "not" and set(nxt[1:]) & _RELEVANCE:  # "personal data? not involved"
        return "no"
    return None


# What a cue's own predicate can deny of it: "HIPAA doesn't apply", "PII is not involved", "isn't a concern".
_RELEVANCE = {"apply", "applies", "applicable", "matter", "matters", "relevant", "involved", "included", "present"}
_RELEVANCE |= {"concern", "issue", "factor", "needed", "required", "scope", "problem", "thing", "relevant", "there"}
# Cue words that name the whole field, not one named rule or kind of data among others.
_GENERAL = {"regulated", "regulation", "regulations", "regulatory", "compliance", "compliant", "sensitive"}
_GENERAL |= {"pii", "personal", "private", "confidential", "customer", "mission", "critical", "stakes"}
DENIAL_REACH = 5  # words after a cue in which its predicate is denied


def _denied_after(tokens: list[Token], m: Match) -> bool:
    """Whether the cue is the subject of a denied predicate: "HIPAA doesn't apply to us", "PII is not involved",
    "compliance isn't a concern here". The negator comes after the cue, and a word of relevance right after it."""
    clause = tokens[m.start].clause
    after = [t for t in tokens[m.end : m.end + DENIAL_REACH] if t.clause == clause]
    for k, t in enumerate(after):
        if t.kind == "num":
            return False
        if (is_negator(t) or t.text == "not") and {a.text for a in after[k + 1 : k + 3]} & _RELEVANCE:
            return True
    return False


_NONE_SUBJECTS = {"none", "neither", "nothing"}


def _none_subject(tokens: list[Token], m: Match) -> bool:
    """Whether the cue's clause opens with "none of" / "neither of" / "nothing": "none of the tickets contain PII"
    denies the cue as far as the clause reaches."""
    clause = tokens[m.start].clause
    k = m.start
    while k > 0 and tokens[k - 1].clause == clause and m.start - k < 12:
        k -= 1
    words_ = [t.text for t in tokens[k : m.start] if t.kind == "word" and t.text not in {"and", "but", "so"}]
    return bool(words_) and words_[0] in _NONE_SUBJECTS


CONSEQUENCE_REACH = 8  # words after a supposed failure that say what follows from it


def _consequence_negated(tokens: list[Token], end: int) -> bool:
    """Whether what follows a supposed failure ("if this goes down ...") is negated: "the line doesn't stop" makes
    the failure harmless, "nobody gets paid" makes it grave: a negated consequence alone does not tell which. A lost
    ability ("we can't ship") is grave."""
    sentence = tokens[end - 1].sentence
    after = [t for t in tokens[end : end + CONSEQUENCE_REACH] if t.sentence == sentence]
    if any(t.text in {"can't", "cannot", "cant", "couldn't", "unable"} for t in after):
        return False  # "if it breaks we can't ship": losing an ability is the harm itself
    return any(is_negator(t) or t.text in {"nothing", "nobody", "noone"} for t in after)


# Words that settle a conflict in favour of what follows: "oh wait, actually it's critical", "so yes, sensitive".
_SETTLERS = {"actually", "wait", "sorry", "correction", "scratch", "so", "mean", "turns", "rethinking", "fact"}
_SETTLERS |= {"say"}  # "I'd say 'often' honestly": the writer's own verdict after the facts


def _decide(tokens: list[Token], found: list[Cue]) -> Cue | None:
    """The strongest cue; when the strongest disagree, the last only if words before it settle the conflict
    ("not sensitive... oh wait, actually it is"), otherwise unknown ("nothing sensitive here; our HR system has
    PII but that's separate" reads neither way)."""
    if not found:
        return None
    best = max(c.strength for c in found)
    top = sorted((c for c in found if c.strength == best), key=lambda c: c.start)
    last = top[-1]
    if all(c.value == last.value for c in top):
        return last
    rival = max(c.end for c in top if c.value != last.value)
    between = {t.text for t in tokens[max(rival, last.start - 8) : last.start]}
    return last if between & _SETTLERS else None


def _change_frequency(tokens: list[Token]) -> list[Cue]:
    """ "the rules change every sprint", "pages change weekly": a verb of change with a frequency in its clause.
    A negated verb ("hasn't changed in years", "rarely changes") or a slow frequency in its sentence ("updated at
    each open enrollment, so once a year") says the opposite."""
    out: list[Cue] = []
    frequencies = phrases("change_frequency").find(tokens)
    slow_matches = phrases("slow_change").find(tokens)
    inside_slow = {i for m in slow_matches for i in range(m.start, m.end)}
    fast = {tokens[f.start].sentence for f in frequencies if not inside_slow & set(range(f.start, f.end))}
    # "every year and also many times inside the year": a faster frequency in the sentence wins
    slow = {tokens[m.start].sentence for m in slow_matches} - fast
    for verb in phrases("change_verbs").find(tokens):
        if not stated(tokens, verb.start, verb.end) or asked_about(tokens, verb.start):
            continue  # "what if the rules change every month?", "doesn't that change things?"
        clause = tokens[verb.start].clause
        if negated(tokens, verb) or tokens[verb.start].sentence in slow:
            out.append(Cue(False, 2, verb.start, verb.end))  # "updated once a year" is stable
        elif any(tokens[f.start].clause == clause for f in frequencies) or any(
            t.text in {"every", "each"} and t.clause == clause for t in tokens[verb.end : verb.end + 3]
        ):  # "changes every patch": every/each after a verb of change is a frequency, whatever it counts
            out.append(Cue(True, 2, verb.start, verb.end))
    return out + _verdicts_of_change(tokens, out)


_OFTEN = {"often", "frequently", "frequent"}
VERDICT_REACH = 25  # tokens from a change read to the writer's verdict on it
_JUDGING = {"say", "call", "guess", "so", "think", "basically", "honestly"}


def _verdicts_of_change(tokens: list[Token], changes: list[Cue]) -> list[Cue]:
    """The writer's own verdict on a change read just before ("a few times a year ... I'd say 'often' honestly",
    "every election cycle (so every ~2 yrs, not really often)"): "often" judged, or denied, after a change."""
    out: list[Cue] = []
    for k, tok in enumerate(tokens):
        if tok.text not in _OFTEN or not any(0 < k - c.start <= VERDICT_REACH for c in changes):
            continue
        before = [t for t in tokens[max(0, k - 4) : k] if t.sentence == tok.sentence]
        if any(t.text == "how" for t in before):
            continue  # "how often": a question, no verdict
        if any(is_negator(t) or t.text == "not" for t in before):
            out.append(Cue(False, 2, k, k + 1))
        elif any(t.text in _JUDGING for t in before):
            out.append(Cue(True, 2, k, k + 1))
    return out


# What a choice cue may be said of instead of the project: "timeline flexible", "the budget is flexible".
_SCHEDULE_OR_MONEY = {"timeline", "deadline", "schedule", "date", "dates", "timing", "timeframe", "budget", "hours"}
_FLEXIBLE = {"broad_flexibility", "adaptability"}  # "timeline asap" is still speed said of the schedule


def choice(tokens: list[Token], field: str) -> Cue | None:
    """The reading of a choice field (needs, priority) from its cue phrases; negated cues are ignored, and so are
    flexibility said of a schedule or of money ("timeline flexible") and the lesser side of a comparison ("they'd
    rather get it right than fast")."""
    found = [
        Cue(m.label, 2, m.start, m.end)
        for m in phrases(field).find(tokens)
        if not negated(tokens, m)
        and stated(tokens, m.start, m.end)
        and not (m.label in _FLEXIBLE and _near(tokens, m, _SCHEDULE_OR_MONEY, after=2))
        and not _near(tokens, m, {"than"}, after=0)  # "rather X than fast"
    ]
    return found[0] if found else None


def _near(tokens: list[Token], m: Match, words_: set[str], *, after: int) -> bool:
    """Whether one of `words_` is in the cue's clause, within three words before it or `after` words after it."""
    clause = tokens[m.start].clause
    return any(t.clause == clause and t.text in words_ for t in tokens[max(0, m.start - 3) : m.end + after])


def flag(tokens: list[Token], field: str) -> Cue | None:
    """A fact that is only ever said positively (knowledge_gap, behavior_gap, has_fine_tuned_model)."""
    for m in phrases(field).find(tokens):
        if not negated(tokens, m) and stated(tokens, m.start, m.end):
            return Cue(True, 2, m.start, m.end)
    return None


def data_quality(tokens: list[Token], data_sentences: set[int]) -> Cue | None:
    """Label quality, read only in sentences that talk about data or labels. Conflicting cues ("70% solid, the
    rest noisy") or a cue of mixed quality read as mixed; a negated cue says nothing ("never audited").
    `data_sentences` are sentences already known to be about the data (where a count of examples was read)."""
    nouns = phrases("data_nouns").find(tokens)
    about_data = data_sentences | {tokens[m.start].sentence for m in nouns}
    data_at = {i for m in nouns for i in range(m.start, m.end)}
    seen: list[Cue] = []
    for m in phrases("data_quality").find(tokens):
        if tokens[m.start].sentence not in about_data or negated(tokens, m) or not stated(tokens, m.start, m.end):
            continue
        if _said_of_people(tokens, m, data_at):
            continue  # "2 solid ML engineers", "a data scientist who's pretty good": people, not labels
        if _owns_up(tokens, m.start):
            continue  # "5k. wait, that's wrong, it's 8k": the writer corrects a number, not a verdict on labels
        label = m.label
        if tokens[m.start].text in {"%", "percent"} and m.start > 0 and tokens[m.start - 1].kind == "num":
            share = float(tokens[m.start - 1].text.replace(",", "") or 0)
            label = "poor" if share > 30 else "mixed"  # "40% are just wrong" is poor; "10% are off" is mixed
        if label == "mixed" and _intensified(tokens, m):
            label = "poor"  # "super inconsistent", "really patchy": a partial defect said at full strength
        elif label == "poor" and _partial(tokens, m.start) and not _of_the_whole(tokens, m):
            label = "mixed"  # "everything before 2022 is sloppy", "a fair chunk, maybe 10%, are wrong": a part
        seen.append(Cue(label, 2, m.start, m.end))
    if not seen:
        return None
    counts = {v: sum(c.value == v for c in seen) for v in ("high", "mixed", "poor")}
    if counts["high"] and counts["poor"]:
        value = "mixed"  # "70% are solid, the rest are noisy"
    elif counts["mixed"] and (counts["high"] or counts["poor"]):
        other = "high" if counts["high"] else "poor"
        value = other if counts[other] > counts["mixed"] else "mixed"
    else:
        value = str(seen[0].value)
    first = next(c for c in seen if c.value == value) if any(c.value == value for c in seen) else seen[0]
    return Cue(value, 2, first.start, first.end)


# Verdicts on the whole set, which a share said with them does not narrow: labelers at odds on half the items make
# every label doubtful ("they disagreed on like half the items"), and so does the writer's distrust.
_WHOLE_SET = {"disagreed", "disagree", "disagreement", "disagreements", "trust"}


def _of_the_whole(tokens: list[Token], m: Match) -> bool:
    """Whether a defect is a verdict on the whole set (disagreement, distrust), not a defect of some items."""
    return any(t.text in _WHOLE_SET for t in tokens[m.start : m.end])


# Words that scope a defect to a part of the data: "a fair chunk are wrong", "some of them are junk".
_PARTS = {"chunk", "portion", "fraction", "part", "subset", "some", "minority", "bunch", "few", "handful"}
_UNTIL = {"before", "prior", "pre", "until", "till", "pre-"}  # "everything before 2023 is sloppy"
_HEDGES = {"about", "maybe", "roughly", "around", "approximately", "approx", "~", "perhaps", "like", "nearly"}
PART_REACH = 12  # words before a defect in its sentence that can scope it
PART_SHARE = 30  # a share of the data at most this large is a part ("10-15% are wrong"); more is the whole's quality


def _partial(tokens: list[Token], start: int) -> bool:
    """Whether the words before a defect in its sentence say it is of a part of the data: a part noun ("a fair
    chunk"), a time before which the labels were made ("everything before 2022"), or a small share ("10-15%")."""
    sentence = tokens[start].sentence
    before = [t for t in tokens[max(0, start - PART_REACH) : start + 1] if t.sentence == sentence]
    for n, t in enumerate(before):
        if t.text == "half" and n and before[n - 1].text in _HEDGES:
            return True  # "about half of those labels are outdated": a rough share, not all; "half are wrong" is poor
        if t.text in _PARTS and not any(is_negator(u) for u in before[max(0, n - 2) : n]):
            return True
        nxt = before[n + 1] if n + 1 < len(before) else None
        if t.text in _UNTIL and nxt is not None and nxt.kind == "num":
            return True
        if t.text in {"%", "percent"} and n and before[n - 1].kind == "num":
            share = float(before[n - 1].text.replace(",", "") or 0)
            return 0 < share <= PART_SHARE
    return False


PEOPLE_REACH = 6  # words before a quality word in which the noun it describes is looked for
# People who would build the model (not those who label: "labeled by agents, pretty solid" is about the labels).
_BUILDERS = {"ml", "ds", "mle", "mles", "data-scientist", "data-scientists", "engineer", "engineers", "scientist"}
_BUILDERS |= {"scientists", "researcher", "researchers", "guy", "gal", "cto", "devs", "developers"}
_BUILDERS |= {"developer", "dev", "postdocs", "postdoc", "cofounder", "co-founder", "founder"}
_BUILDERS |= {"data-team", "ml-team", "ds-team"}  # "the data team is good": the people, not the data
_REFERS = {"they", "they're", "theyre", "it", "it's", "its", "these", "those", "labels", "data"}


def _said_of_people(tokens: list[Token], m: Match, data_at: set[int]) -> bool:
    """Whether a quality word describes people rather than data: the noun right after it is a person ("solid ML
    engineers"), or the nearest noun before it in its sentence is ("two data scientists, pretty good ones"),
    with no word about data in between."""
    sentence = tokens[m.start].sentence
    if tokens[m.start].text in _BUILDERS:
        return True  # "data scientist is pretty good" (one token, which also has the form "data")
    after = [t for t in tokens[m.end : m.end + 2] if t.sentence == sentence]
    if m.end in data_at or (after and after[0].text in {"ones", "one"} and m.end + 1 in data_at):
        return False  # "very good quality", "clean labeled ones": the noun after it is the data
    if after and after[0].text in _BUILDERS:
        return True
    for k in range(m.start - 1, max(-1, m.start - PEOPLE_REACH - 1), -1):
        if tokens[k].sentence != sentence or tokens[k].text in _REFERS:
            return False  # "our ML engineer says they're pretty good": the pronoun names the labels
        if tokens[k].text in _BUILDERS:  # before the data test: "data-scientists" also has the form "data"
            return True
        if k in data_at:
            return False
    return False


_OWNING_UP = (("that's",), ("thats",), ("that", "was"), ("that", "is"), ("i", "was"), ("i'm",), ("i", "said"))


_OWNING_UP_NEXT = {"it's", "its", "it", "actually", "sorry", "earlier", "before", "above", "about"}


def _owns_up(tokens: list[Token], start: int) -> bool:
    """Whether "wrong" is the writer saying a number they gave was wrong ("that's wrong", "I was wrong"): the words
    right before it own the mistake and a number comes before them in the message."""
    if tokens[start].text not in {"wrong", "incorrect"}:
        return False
    words = tuple(t.text for t in tokens[max(0, start - 2) : start])
    if not any(words[-len(w) :] == w for w in _OWNING_UP):
        return False
    after = tokens[start + 1] if start + 1 < len(tokens) else None
    if after is not None and after.kind == "word" and after.text not in _OWNING_UP_NEXT:
        return False  # "that's wrong data": a verdict on something named after it
    return any(t.kind == "num" for t in tokens[max(0, start - 12) : start])


_INTENSIFIERS = {"super", "very", "really", "totally", "completely", "extremely", "wildly", "hugely", "incredibly"}
_INTENSIFIERS |= {"so", "insanely", "crazy", "horribly", "terribly", "massively", "hopelessly"}
_PARTIAL = {"inconsistent", "inconsistently", "patchy", "spotty", "uneven"}  # defects that leave some labels right


def _intensified(tokens: list[Token], m: Match) -> bool:
    """Whether a word of partial defect is said at full strength ("super inconsistent")."""
    return tokens[m.start].text in _PARTIAL and m.start > 0 and tokens[m.start - 1].text in _INTENSIFIERS


_GONE = {"left", "quit", "gone", "departed", "resigned", "laid", "lost"}


def _former(tokens: list[Token], m: Match) -> bool:
    """Whether a mention of ML people is about people who were there before ("we had", "they left")."""
    sentence = tokens[m.start].sentence
    if any(t.sentence == sentence and t.text in _GONE for t in tokens[m.end : m.end + 12]):
        return True
    return any(t.text in {"had", "used", "former", "ex", "previous"} for t in tokens[max(0, m.start - 3) : m.start])


_EASE = {"comfortable", "confident", "experienced", "fluent"}
_JUNIOR = {"junior", "juniors", "interns", "intern", "grads", "inexperienced", "beginners", "learning", "new-grads"}


# Words that say the ML people counted are experienced: the count alone says little about a small team.
_SEASONED = {"senior", "strong", "experienced", "seasoned", "veteran", "phd", "ph-d", "shipped", "background"}
_SEASONED |= {"research", "principal", "staff", "expert", "experts", "solid"}
_SEASONED |= {"productionized", "productionised"}
# Phrases that name one ML person: the count is small, so words about that person decide (as for a counted team).
_ONE = {"a", "an", "one", "single", "lone", "sole"}
SEASONED_REACH = 12  # words around the count that can describe its people (a relative clause, a parenthesis)


def _seasoned(tokens: list[Token], start: int, end: int) -> bool:
    """Whether words around a small ML head count, in its sentence and not negated, say its people are
    experienced ("2 strong ML ppl", "one data scientist who has shipped models", "2 NLP engineers with a clinical
    NLP background", "our CTO did ML research ... and 2 more ML engs")."""
    sentence = tokens[start].sentence
    lo, hi = max(0, start - SEASONED_REACH), min(len(tokens), end + SEASONED_REACH)
    for k in range(lo, hi):
        tok = tokens[k]
        if tok.sentence != sentence or not set(tok.parts) & _SEASONED:
            continue
        if not any(is_negator(t) for t in tokens[max(lo, k - 3) : k] if t.clause == tok.clause):
            return True
    return False


def _stated_skill(tokens: list[Token], m: Match) -> bool:
    """Whether a phrase of experience is said of people there now, as a fact (not denied, past or planned)."""
    return stated(tokens, m.start, m.end) and not negated(tokens, m) and not _former(tokens, m)


def _one_seasoned(tokens: list[Token], m: Match) -> bool:
    """Whether a limited reading names one ML person ("a data scientist", "an ML guy") whom the words around say
    is experienced: one person, like a small counted team, is strong when seasoned."""
    if tokens[m.start].text not in _ONE or not any(t.text in words("ml_people") for t in tokens[m.start : m.end]):
        return False
    return _seasoned(tokens, m.start, m.end) or any(
        _stated_skill(tokens, s) for s in phrases("ml_seasoned").find(tokens)
    )


_HIRING = {"hire", "hiring", "recruit", "recruiting", "recruitment", "headcount", "req", "backfill"}


def _planned(tokens: list[Token], start: int) -> bool:
    """Whether ML people are mentioned as a hiring plan ("we're hiring 2 ML engineers"): a plan is not a skill."""
    clause = tokens[start].clause
    return any(t.clause == clause and t.text in _HIRING for t in tokens[max(0, start - 6) : start])


_SCOPES = {"team", "department", "dept", "side", "unit", "office", "floor"}
_WHOLE = {"the", "our", "my", "this", "that", "here", "house", "company", "org", "organisation", "organization"}
_WHOLE |= {"business", "firm", "shop", "staff", "board", "payroll", "team", "side", "office", "building"}
_FUNCTIONS = {"sales", "marketing", "hr", "finance", "legal", "support", "ops", "operations", "accounting"}
_FUNCTIONS |= {"procurement", "admin", "billing", "compliance", "recruiting", "facilities"}
_TECH_SCOPES = {"tech", "technical", "it", "engineering", "eng", "dev", "data", "product", "platform"}


def _elsewhere(tokens: list[Token], m: Match) -> bool:
    """Whether a statement of no skills is limited to another part of the organisation ("nobody technical on the
    HR team"): it says nothing about who could own a model."""
    after = [t for t in tokens[m.end : m.end + 5] if t.clause == tokens[m.start].clause]
    words_after = [t.text for t in after]
    if not words_after or words_after[0] not in {"on", "in", "at"}:
        return False
    end = next((k for k, w in enumerate(words_after) if k and w in _SCOPES), None)
    if end is None:  # "in sales", but not "at all", "at the plant" or "in the agency"
        return bool(set(words_after[1:3]) & _FUNCTIONS)
    named = set(words_after[1:end]) - _WHOLE
    return bool(named) and not named & (_TECH_SCOPES | words("ml_people"))


def _team_span(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """A counted team's words around its number ("2 ML engineers", "ML team of 5"), so what the user said is
    quoted back whole, not as a bare "2"."""
    team = words("ml_people") | words("ml_roles") | {"data-scientist", "data-scientists", "data-team", "senior"}
    clause = tokens[start].clause
    while end < len(tokens) and end - start < 5 and tokens[end].clause == clause and tokens[end].text in team:
        end += 1
    lo = start
    if lo > 0 and tokens[lo - 1].text in {"of", "is", "are", ":", "="}:
        lo -= 1
        while lo > 0 and start - lo < 5 and tokens[lo - 1].clause == clause and tokens[lo - 1].text in team:
            lo -= 1
    return (lo if lo < start - 1 else start), end


def ml_expertise(tokens: list[Token], team_sizes: list[tuple[float, int, int]]) -> Cue | None:
    """ML expertise from a counted team ("4 ML engineers", "ML team of 5"), or from cue phrases: none ("nobody
    here knows ML"), limited ("one DS", "built a couple of models but no ML engineers"), strong ("our ML team").
    Skills next to ML ("an analyst who knows some Python") read limited unless a statement of none is made;
    hiring plans say nothing about the skills there are."""
    team_sizes = [t for t in team_sizes if not _planned(tokens, t[1])]
    seasoned = [m for m in phrases("ml_seasoned").find(tokens) if _stated_skill(tokens, m)]
    if team_sizes:
        size, start, end = team_sizes[0]
        level = "none" if size == 0 else ("limited" if size < 3 else "strong")
        sentence = tokens[start].sentence
        if level == "strong" and any(t.sentence == sentence and t.text in _JUNIOR for t in tokens):
            level = "limited"  # "an ML team of 3, all juniors"
        elif level == "limited" and (seasoned or _seasoned(tokens, start, end)):
            level = "strong"  # "2 senior ML engineers who've shipped models": few, but experienced
        return Cue(level, 2, *_team_span(tokens, start, end))
    none = [m for m in phrases("ml_none").find(tokens) if stated(tokens, m.start, m.end) and not _elsewhere(tokens, m)]
    inside_none = {i for m in none for i in range(m.start, m.end)}
    adjacent = [
        m
        for m in phrases("ml_adjacent").find(tokens)
        if not negated(tokens, m) and m.start not in inside_none and stated(tokens, m.start, m.end)
    ]
    # "we'd have to hire an ML engineer": the engineer is part of saying there is none
    # "none of us ever trained one": a subject's negation reaches further than a modifier's
    limited = [
        m
        for m in phrases("ml_limited").find(tokens)
        if not negated(tokens, m, reach=8) and m.start not in inside_none and stated(tokens, m.start, m.end)
    ]
    limited = [m for m in limited if not _former(tokens, m) and not _planned(tokens, m.start)]
    strong: list[Match] = []
    denied: list[Match] = []
    for m in phrases("ml_strong").find(tokens) + phrases("ml_seasoned").find(tokens):
        if _former(tokens, m) or _planned(tokens, m.start) or not stated(tokens, m.start, m.end):
            continue  # "we had ML engineers but they left": not the team there is now
        if negated(tokens, m) and tokens[m.start].text in _EASE:
            continue  # "not comfortable fine-tuning": unease, not a statement that no one has the skill
        (denied if negated(tokens, m) else strong).append(m)  # "no in-house ML team" says there is none
    if not none:
        limited += adjacent  # "knows a bit of Python; no ML people" is none, "... no ML team" stays limited
    none += denied
    pick = None
    if none and limited:
        pick = ("limited", limited[0])
    elif strong:
        pick = ("strong", strong[0])
    elif limited:
        pick = ("limited", limited[0])
        if _one_seasoned(tokens, limited[0]):
            pick = ("strong", limited[0])  # "a data scientist on staff who's pretty solid": one, but experienced
    elif none:
        pick = ("none", none[0])
    return Cue(pick[0], 2, pick[1].start, pick[1].end) if pick else None
