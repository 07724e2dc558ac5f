"""What a message is, before what it says.

Every message is one of `MESSAGE_KINDS`: a project description, an answer to the pending question, a correction,
a question about the topic, a follow-up about the recommendation ("why?", "why not hybrid?", "what if …?"), thanks or
small talk, or a command. The conversation core decides most of them from where the dialogue is (a pending
question, a card already given); this module holds the text-only rules.

The rules are deliberately narrow: a message about the asker's own project ("our", "we", "my") or one that states a
number is read as a description, even when it ends with a question mark ("we have 20k examples, should we
fine-tune?").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

from bot.advisor import message_form as form
from bot.advisor.intake import Approach
from bot.advisor.reader.numbers import find_quantities
from bot.advisor.reader.tokens import tokenize

Kind = Literal["topic_question", "thanks", "why_not", "about_advice", "other"]
MessageKind = Literal["description", "answer", "correction", "topic_question", "follow_up", "small_talk", "command"]
MESSAGE_KINDS: tuple[MessageKind, ...] = get_args(MessageKind)

# Words that make a question about the asker's own project, not about the topic: "we", and a modal pointing at
# the case in hand ("how long would it take?", "would that work?").
_OWN = re.compile(
    r"\b(?:our|we|we're|we've|my|us|i|i'm|i've|mine|ours)\b|\b(?:would|will)\s++(?:it|that|this|they)\b|"
    r"\b(?:it|that)(?:'d|'ll)\b",
    re.I,
)
_GREETING = re.compile(
    r"^\W*+(?:hi|hello|hey|heya|hiya|howdy|yo|greetings|morning|afternoon|evening|good\s++(?:morning|afternoon|"
    r"evening|day))(?:\s++(?:there|all|team|everyone|again|folks|bot|y'all|yall))?\W*+$",
    re.I,
)
# A short message that opens with thanks ("thanks, I'll pass it on", "thank you so much!! this helps a lot with my
# writeup") is thanks even when the rest isn't filler; a fact or a task in it is read first (`classify`).
_THANKS_FIRST = re.compile(r"^\W*+(?:thanks?|thank you|thx|ty|ta|cheers|many thanks|much appreciated)\b", re.I)
# "ok that makes more sense now, thanks": a short remark closed by thanks
_THANKS_LAST = re.compile(r"[,.!\s-](?:thanks?|thank you|thx|ty|cheers|much appreciated)(?:\s++a\s++lot)?\W*+$", re.I)
_WHY_NOT = re.compile(
    r"^\W*+(?:(?:so|and|but|ok|okay|then|hmm|right|wait|hang\s++on)\W++)*+"  # "so why not …", "hang on, why not …"
    r"why\s++not\s++(?:just\s++|a\s++|an\s++)?(?P<x>hybrid|fine[- ]?tun\w*|prompt\w*)",
    re.I,
)
_WHY_NOT_OTHER = re.compile(r"^\W*+(?:(?:so|and|but|ok|okay|then|hmm|right|wait)\W++)*+why\s++not\b", re.I)
_APPROACH_WORDS: dict[str, Approach] = {"hybrid": "hybrid", "fine": "fine_tuning", "prompt": "prompt_engineering"}
_APPROACH = re.compile(r"\b(?:hybrid|fine[- ]?tun\w*|prompt\w*)", re.I)
# A message that fixes an earlier answer rather than describing something new.
_CORRECTION = re.compile(
    # "actually", "btw" open a fix only at the head of a clause ("oh actually, 4k"); inside one they are an adverb
    # or an aside ("replies we actually like", "the codes haven't changed btw")
    r"(?:^|[,.;:!?\n\u2013\u2014(]|\s-)\s*+(?:(?:oh|no|wait|hmm|hm|ok|okay|and|but|so|um|well|ah|right)\W++)*+"
    r"(?:actually|btw|by the way)\b|"
    # "those 2000 old tickets are labeled examples btw": an aside about something named before restates it
    r"^\W*+(?:those|these|that|the\s++same)\b[^\n]*\b(?:btw|by the way)\W*+$|"
    r"\b(?:correction|i meant|we meant|sorry|scratch that|turns out|oops|"
    r"my mistake|my bad|to be precise|more like|rather than|not \S+ but|instead of|i misspoke|wrong|make that|"
    r"change (?:that|it) to|should have said|let me correct|on second thought|typo|i misread|no wait|"
    r"\d[\d.,]*+\s*+[kmb]?\s*+,?\s*+not\s++(?:~\s*+)?\d[\d.,]*+\s*+[kmb]?)\b|"
    r"^\W*+(?:update|quick\s++update)\b",  # "update: …", not "they update it weekly"
    re.I,
)
# Words that say what is being built: a task, a kind of system, or the intent to build one.
# What follows "we want/need …" when it says when or points back, not what: "we want [it] before summer", "we
# need it by March" answer the deadline question; they describe no system.
_NOT_WHEN = (
    r"(?!\s++(?:it|this|that|them|one|before|by|in|within|until|till|asap|soon|next|end|early|late|ready|live|"
    r"done|launched|[0-9]))"
)
_PROJECT = re.compile(
    r"\b(?:(?:we|i)\s++(?:(?:want|need|plan|would like|'d like)" + _NOT_WHEN + "|are (?:building|planning|looking)|"
    r"'re (?:building|planning|looking)|am building|'m building)|build(?:ing)?\s++(?:a|an|our)|"
    r"(?:bot|chatbot|assistant|copilot|classifier|agent|tool|pipeline|system|feature|app|model)\s++(?:that|to|"
    r"for|which)|classif\w*|categori[sz]\w*|summari[sz]\w*|extract\w*|draft\w*|generat\w*|triag\w*|rout(?:e|es|ing)|"
    r"tag(?:s|ging)?|detect\w*|translat\w*|automat\w*|answer\w*\s++(?:\w+\s++){0,3}questions|chatbot|copilot)\b",
    re.I,
)


# One more system, introduced with a word that says it is another ("also", "another", "one more", "second").
_VERB = r"(?:want|need|like|would\s++like|have|plan|got|are\s++(?:building|planning|looking\s++at))"
_INTRODUCES = re.compile(
    rf"\b(?:we|i|they)(?:'d|'re|'ve)?\s++(?:(?:also|now|too)\s++{_VERB}\s++(?:to\s++(?:build|make|add|try)\s++)?"
    rf"(?:a|an)|(?:also\s++)?{_VERB}\s++(?:to\s++(?:build|make|add|try)\s++)?(?:another|one\s++more|a\s++second|"
    r"a\s++separate))\b|^\W*+another\s++(?:one|bot|assistant|tool|model|classifier|project|idea|use\s++case)\b",
    re.I,
)


def classify(text: str, *, has_facts: bool) -> Kind:
    """The kind of a cleaned message; `has_facts` says whether the reader found any fact in it.

    "thanks" is any small talk (thanks, praise, acknowledgement, a refusal, a greeting, emoji); "about_advice" a
    question that can only be about what was just said ("how come?", "why would we need more?"); "topic_question"
    a question with a subject of its own that isn't about the asker's project ("what's LoRA?")."""
    if _WHY_NOT.match(text):
        return "why_not"
    if _WHY_NOT_OTHER.match(text):  # "why not just use RAG?": a comparison with the advice, whatever it names
        return "about_advice"
    if has_facts:
        return "other"
    if is_small_talk(text) and not names_a_task(text):
        return "thanks"
    if form.about_the_advice(text):
        return "about_advice"
    clause = form.defining_clause(text)  # "btw what is LoRA exactly, my lead keeps mentioning it"
    if clause is not None and form.is_question(text) and not _OWN.search(clause):
        return "topic_question"
    # "is fine-tuning worth it for routing claims?" names a task: it asks about a project
    topical = form.defines_term(text) or (form.subject_words(text) and not names_a_task(text))
    if form.is_question(text) and not _OWN.search(text) and topical:
        return "topic_question"
    return "other"


def is_small_talk(text: str) -> bool:
    """Thanks, praise, an acknowledgement, a refusal, a greeting or emoji, and nothing more."""
    if _GREETING.match(text) or form.is_acknowledgement(text) or form.is_refusal(text) or form.thanks(text):
        return True
    if form.passes_on(text):  # "ok will send her this, ta"
        return True
    thanked = _THANKS_FIRST.match(text) or _THANKS_LAST.search(text)
    return bool(thanked) and len(text.split()) <= 16 and not form.is_question(text)


def why_not_target(text: str) -> Approach | None:
    """The approach a "why not X?" message asks about."""
    m = _WHY_NOT.match(text)
    if m is None:
        return None
    return _approach(m.group("x"))


def approach_named(text: str) -> Approach | None:
    """The one approach a message names ("would hybrid be better here?" → hybrid), or None for none or several."""
    named = {_approach(m.group(0)) for m in _APPROACH.finditer(text)}
    return named.pop() if len(named) == 1 else None


def _approach(word: str) -> Approach:
    return next(a for prefix, a in _APPROACH_WORDS.items() if word.lower().startswith(prefix))


def is_greeting(text: str) -> bool:
    """True for a greeting on its own: "hi", "hello there" and the like."""
    return bool(_GREETING.match(text))


def is_correction(text: str) -> bool:
    """True when the message says it fixes something said before ("actually we have 2000 examples")."""
    return bool(_CORRECTION.search(text))


def names_a_task(text: str) -> bool:
    """True when the message says what is being built (a task, a kind of system, the intent to build one)."""
    return bool(_PROJECT.search(text))


def describes_project(text: str, facts: int) -> bool:
    """True when a message with `facts` facts reads as a project of its own rather than an answer or a fix: it names
    a task, or states three or more facts at once, in a sentence of some length, and doesn't say it corrects."""
    if is_correction(text) or len(text.split()) < 6:
        return False
    return names_a_task(text) or facts >= 3


def introduces_new(rest: str) -> bool:
    """Whether the words after "new project" describe it: they name a task, or run to a sentence of six words or
    more ("new project pls, diff team" doesn't; "new project: a bot that drafts replies" does)."""
    return names_a_task(rest) or len(rest.split()) >= 6


def introduces_project(text: str, use_case: object) -> bool:
    """True when a message introduces one more system to assess ("we also need a classifier for …", "another
    one: a bot that …") whose words share at most one subject word with the stored use case; a fix, a question or
    a message about the same subject never does."""
    if is_correction(text) or form.is_question(text) or not _INTRODUCES.search(text):
        return False
    if not isinstance(use_case, str):
        return True
    return len(form.topic_words(text) & form.topic_words(use_case)) <= 1


# The start of a description: the intent to build ("we need …", "i'd like …") or the thing itself ("a classifier
# that …", "an assistant for …"), after any filler; and words that point back at the project so far.
_OPENS = re.compile(
    r"^\W*+(?:(?:ok|okay|so|now|also|and|next|then|hi|hey|right|alright)\W++)*+"
    r"(?:(?:we|i)(?:'re|'d|'ve|\s++are|\s++would|\s++also|\s++now)*+\s++(?:(?:want|need|like|plan)\b"
    + _NOT_WHEN
    + r"|(?:are\s++)?(?:building|looking))\b|(?:a|an)\s++(?:[\w-]+\s++){0,3}(?:bot|chatbot|assistant|copilot|"
    r"classifier|agent|tool|pipeline|system|model|app|service)\b)",
    re.I,
)
# ("that" is left out: "a classifier that …" opens a description)
_BACK = re.compile(r"\b(?:it|its|it's|this|same|too|as\s++well|the\s++(?:bot|tool|model|assistant))\b", re.I)


def opens_another(text: str, use_case: object) -> bool:
    """True when a message opens with the description of a different system from the stored use case ("a
    classifier that sorts invoices into 30 categories, …" while drafting support replies is under way): its first
    sentence starts like a description, names a task, doesn't point back at the project so far ("it should also
    …", "the bot too") and shares at most one subject word with the use case. Never a fix or a question."""
    if not isinstance(use_case, str) or is_correction(text) or form.is_question(text):
        return False
    first = re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]
    if not _OPENS.match(first) or not names_a_task(first) or _BACK.search(first):
        return False
    return len(form.topic_words(first) & form.topic_words(use_case)) <= 1


# A change said relative to a stored number ("if volume triples", "with half the budget", "10x the data").
_SCALE_WORDS = {
    "double": 2.0,
    "doubles": 2.0,
    "doubled": 2.0,
    "twice": 2.0,
    "triple": 3.0,
    "triples": 3.0,
    "tripled": 3.0,
    "quadruple": 4.0,
    "quadruples": 4.0,
    "quadrupled": 4.0,
    "half": 0.5,
    "halves": 0.5,
    "halved": 0.5,
    "halve": 0.5,
}
_SCALE = r"(?:double[sd]?|twice|triple[sd]?|quadruple[sd]?|half|halve[sd]?|\d+(?:\.\d+)?\s*+(?:x|times))"
_TIMES = re.compile(r"(\d+(?:\.\d+)?)\s*+(?:x|times)\b", re.I)
_SCALED_FIELD = {
    "monthly_requests": r"volume|requests|traffic|load|usage|calls|queries|messages|tickets",
    "labeled_examples": r"data|examples|labels|labeled\s++data|dataset|training\s++data|labelled\s++data",
    "budget_usd": r"budget|spend|funding",
    "deadline_weeks": r"deadline|timeline|runway",
}


# Parts of a what-if that change one thing each: "if the budget doubles and the deadline halves" scales each
# field by the factor in its own part, never by its neighbour's.
_CHANGE_PARTS = re.compile(r"\s++(?:and|but|while|plus)\s++|[,;]\s*+", re.I)


def scaled(text: str, known: Mapping[str, Any]) -> dict[str, float]:
    """The stored numbers a message changes by a factor ("and if volume triples?" with 40k requests a month →
    {"monthly_requests": 120000}); only fields with a stored number, the factor within a few words of the field."""
    return {field: value for field, (value, _) in scaled_words(text, known).items()}


def scaled_words(text: str, known: Mapping[str, Any]) -> dict[str, tuple[float, str]]:
    """As `scaled`, with the words that say each change ("volume triples")."""
    out: dict[str, tuple[float, str]] = {}
    for part in _CHANGE_PARTS.split(text):
        for field, words in _SCALED_FIELD.items():
            value = known.get(field)
            if field in out or value is None or not _number(value):
                continue
            near = rf"\b(?:{_SCALE}\W++(?:\w+\W++){{0,3}}?(?:{words})|(?:{words})\W++(?:\w+\W++){{0,3}}?{_SCALE})\b"
            m = re.search(near, part, re.I)
            if m is not None:
                times = _TIMES.search(m.group(0))
                factor = float(times.group(1)) if times else _factor(m.group(0))
                out[field] = (float(value) * factor, m.group(0))
    return out


def _factor(phrase: str) -> float:
    return next((f for w, f in _SCALE_WORDS.items() if re.search(rf"\b{w}\b", phrase, re.I)), 1.0)


def differing(known: Mapping[str, Any], stated: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The fields both the stored facts and a message state, and those of them whose values disagree (numbers that
    differ by more than half, any other value that isn't equal). The use case is text, never compared."""
    shared = sorted(f for f in stated if f in known and f != "use_case" and known[f] is not None)
    return shared, [f for f in shared if not _same(known[f], stated[f])]


def contradicts(text: str, known: Mapping[str, Any], stated: Mapping[str, Any]) -> bool:
    """True when a message describes another project: it names a task, doesn't say it corrects anything, and most
    of the facts it shares with the stored ones (at least two) disagree. "Actually we have 2000 examples" never
    does: it says it corrects, and one fact is not most of a project."""
    if is_correction(text) or not names_a_task(text):
        return False
    shared, changed = differing(known, stated)
    return len(changed) >= 2 and 2 * len(changed) > len(shared)


def replaced(text: str, known: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """The numbers a correction puts in place of stored ones, as (new value, old value, field): "2k not 20k" with
    20,000 stored labeled examples gives (2000, 20000, "labeled_examples"); the field is the one whose stored value
    is the number the message negates ("3M tagged articles, not 300k", "500, not 5000")."""
    tokens = tokenize(text)
    found = find_quantities(tokens)
    out = []
    for new, old in itertools.pairwise(found):
        between = [t.text.lower() for t in tokens[new.end : old.start] if t.text not in (",", "~", "-")]
        if not between or between[-1] != "not" or len(between) > 4:
            continue
        owner = next((f for f, v in known.items() if f != "use_case" and _number(v) and _same(v, old.value)), None)
        if owner is not None:
            out.append((new.value, old.value, owner))
    return out


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_number(a: Any, b: Any) -> bool:
    """Whether two stored values are the same number within rounding ("20k" and 20,000; 19,500 and 20,000)."""
    if not _number(a) or not _number(b):
        return False
    low, high = sorted((abs(float(a)), abs(float(b))))
    return high <= 1.05 * low if low else high == 0


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return bool(a == b)
    low, high = sorted((abs(float(a)), abs(float(b))))
    return high <= 1.5 * low if low else high == 0
