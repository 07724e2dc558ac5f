"""The form of a message, from general vocabularies rather than from whole phrasings.

A message is read as tokens and covered by cue phrases from `message_cues.yaml`: it is an acknowledgement when
every word is thanks, praise, an acknowledgement or filler ("brilliant, ta", "ok cool 👍"); a refusal when it
declines ("nah, leave it"); a question by its punctuation or its first word; a question *about the advice* when
it asks why or has no subject of its own ("how come?", "what do you mean?"); a request to recommend now by what
its verb does (finish, skip the rest, give me the verdict); and a what-if by its conditional ("and if we only had
…?", "would it change if …?"). Pure and deterministic; `message_kind` and the conversation core decide with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.resources import load_yaml

Phrases = frozenset[tuple[str, ...]]

_TOKEN = re.compile(r":[a-z0-9_+\-]+:|[a-z0-9]+(?:['/\-][a-z0-9]+)*'?|[^\w\s]", re.I)
_CLAUSE = re.compile(r"[,;:.!?\n]+|\s[-–]\s")
_QUESTION_START = re.compile(
    r"^(?:(?:and|but|so|ok|okay|hmm|also|then)\s++)*(?:what|whats|what's|how|when|which|who|where|why|is|are|can|"
    r"could|does|do|did|should|would|will|explain|tell me|any|difference|isn't|aren't|doesn't|wouldn't|shouldn't)"
    r"\b",
    re.I,
)
# A modal or "is/are" straight before a verb or a hedge, with no "?", is a statement whose subject was left out
# ("could be a bit more", "will probably take 3 months", "should be fine"): a question puts its subject there
# ("could we …", "will it …").
_SUBJECT_DROPPED = re.compile(
    r"^(?:(?:and|but|so|ok|okay|hmm|also|then)\s++)*(?:can|could|should|would|will|might|may|is|are)\s++"
    r"(?:be|been|have|take|cost|need|get|go|grow|run|change|vary|stay|reach|hit|land|end|double|triple|"
    r"maybe|probably|likely|possibly|definitely|easily|roughly|around|about|mostly|well|fine|ok|okay)\b[^?]*+$",
    re.I,
)
# "what is fine-tuning?", "explain prompting": asks what a word means, even one the advice uses.
_DEFINE = re.compile(
    r"^\W*+(?:(?:so|and|ok|okay|but)\W++)*+(?:what(?:'s|\s++is|\s++are)|whats|what\s++exactly\s++is|explain|define|"
    r"describe)\s++(?:a\s++|an\s++)?[\w\s-]{1,40}?\s*+\??\s*+$",
    re.I,
)
# Openers that set a message aside from the dialogue without saying what it is ("sorry, side question: …", "btw …",
# "unrelated but …"): what follows them decides whether it asks.
# The words of such openers, shared with `_SET_ASIDE` below.
_ASIDE_WORDS = (
    r"sorry|btw|by\s++the\s++way|side\s++note|off[- ]topic|"
    # "random q while I have you", "side q", "quick question before anything", "dumb question"
    r"(?:side|random|different|another|small|silly|dumb|stupid|general)\s++(?:question|q)"
    r"(?:\s++(?:while\s++i\s++have\s++you|before\s++(?:anything|i\s++forget|we\s++(?:start|go\s++on))|"
    r"for\s++you))?"
)
_ASIDE = re.compile(
    r"^\W*+(?:(?:" + _ASIDE_WORDS + r"|quick\s++(?:question|q|one)|unrelated(?:\s++question)?|one\s++more\s++thing|"
    r"oh|also|ok|okay|so|and|but|hmm|cool|nice)\b[\s,;:.!-]*+)++",
    re.I,
)
# The advisor addressed as the one who decides ("would you …", "you'd say …", "your call", "what would make you …",
# "change your mind"); "can you explain …" and "could you tell me …" ask it for the topic instead.
_ADDRESSED = re.compile(
    r"\b(?:you'd|youd|you\s++would|your|yours|(?:would|will|do|did|should)\s++(?:you|u)|make\s++(?:you|u)|"
    r"(?:you|u)\s++(?:think|reckon|say|recommend|suggest|go|pick|choose|prefer|still))\b",
    re.I,
)
# "what would have to be true for you to recommend …", "is there anything that would make you …".
_FOR_YOU = re.compile(r"\b(?:for|make|get)\s++(?:you|u)\s++to\b", re.I)
# Asking for the card as a file or elsewhere: "export this as a pdf", "can u export the card to #channel".
_EXPORT = re.compile(
    r"^\W*+(?:(?:ok|okay|cool|great|thanks|nice|so|and|also|then|now|please|pls|plz|just|can\s++(?:you|u)|"
    r"could\s++(?:you|u)|would\s++(?:you|u)|will\s++(?:you|u)|kindly)\W++)*+"
    r"(?:export|download|(?:send|save|share|give)\s++(?:\S+\s++){0,4}?(?:as|in|to)\s++(?:a\s++)?"
    r"(?:pdf|doc|docx|word|file|markdown|md|slide|slides|deck)"
    # "turn this into a summary I can paste", "dump the rec into a doc", "write this up as a report": a verb that
    # makes something of the card, the card, and a kind of document
    r"|(?:turn|put|dump|convert|make|write|package|save|send|share|copy|paste|format|drop|get)\s++"
    r"(?:this|that|it|the\s++(?:card|rec|recommendation|result|results|verdict|decision|assessment|advice|answer))"
    r"(?:\s++up)?(?:\s++(?:into|as|in|to|onto))?\s++(?:(?:a|an|my|our|the|some)\s++)?(?:[\w-]+\s++){0,2}?"
    r"(?:pdf|docx?|word|file|markdown|md|slides?|deck|summary|report|one[- ]?pager|page|memo|e-?mail|write-?up|"
    r"brief|briefing|confluence|notion|wiki|sheet|spreadsheet|ppt|powerpoint|presentation|document|note|notes))\b",
    re.I,
)
_APPROACH_TERM = re.compile(r"\b(?:hybrid|fine[- ]?tun\w*|prompt\w*)", re.I)
# Sentence ends; a message is split on them once, left to right (a pattern searched from every position would
# rescan a long sentence once per character).
_SENTENCE_END = re.compile(r"([.!?\n]++)")
_GREETED = re.compile(r"^\W*+(?:hey|hi|hello|yo|hiya|heya)\b\W*+", re.I)
_LINKED_QUESTION = re.compile(
    r"^(?:and|but|so|also|ok|okay|then|hmm)\s++(?:what|how|why|which|when|where|who|is|are|can|could|does)\b", re.I
)
# Conditionals that make a what-if whatever follows ("what if …", "and if …", "suppose …"), and those that do only
# when the message also states a fact ("what about 2k?", "if we had 2k?"; "what about LoRA?" is about the topic).
_SUPPOSE = re.compile(
    r"^\W*+(?:(?:and|but|so|ok|okay|hmm|then|also|right)\W++)*+(?:what\s++(?:about\s++|would\s++happen\s++)?if|"
    r"how\s++about\s++if|and\s++if|but\s++if|suppose|supposing|hypothetically|imagine|assuming|assume|let's\s++say|"
    r"lets\s++say)\b[\s,:]*+|^\W*+(?:(?:and|but|so|then|ok|okay)\W++)++(?:even\s++|only\s++)?if\b[\s,:]*+",
    re.I,
)
_SUPPOSE_WEAK = re.compile(
    r"^\W*+(?:(?:and|but|so|ok|okay|hmm|then|also)\W++)*+(?:(?:what|how)\s++about|if|say|with|in\s++case|and\s++with|"
    r"but\s++with|even\s++with)\b[\s,:]*+",
    re.I,
)
# "…, would that change it?", "would you still say prompting if we had 100k labels?": a conditional inside a question.
_IF_INSIDE = re.compile(
    r"\b(?:if|once|assuming|supposing)\s++(?:we|we'd|we're|i|i'd|our|there|they|it|the\s++team|you)\b|"
    r"\b(?:would|does|will|could|might)\s++(?:it|that|this|anything|the\s++(?:answer|recommendation|verdict|result))"
    r"\s++(?:still\s++)?(?:change|be\s++different|differ|flip|hold)\b",
    re.I,
)


@dataclass(frozen=True)
class _Cues:
    thanks: Phrases
    small_talk: Phrases  # thanks, praise, acknowledgements
    refuse: Phrases
    filler: Phrases
    unsure: Phrases
    why: Phrases
    pointing: Phrases
    approaches: Phrases
    function: Phrases
    command: re.Pattern[str]
    command_alone: re.Pattern[str]
    generic: Phrases
    slang: dict[str, str]


def _phrases(words: list[str]) -> Phrases:
    return frozenset(tuple(_words(w)) for w in words)


def _alternation(words: list[str]) -> str:
    # Longest first, so "wrap it up" is tried before "wrap"; spaces match any run of spaces.
    return "|".join(re.escape(w).replace(r"\ ", r"\s++") for w in sorted(words, key=len, reverse=True))


def _command_pattern(spec: dict[str, list[str]], *, alone: bool = False) -> re.Pattern[str]:
    """The request to recommend now, as lead words, acts and tail words; `alone`: only the finishing words that
    are a request on their own ("done", "that's all")."""
    lead, tail = _alternation(spec["lead"]), _alternation(spec["tail"])
    if alone:
        one = rf"(?:(?:{lead})\s++)*+(?:{_alternation(spec['alone'])})(?:\s++(?:{tail}))*+"
        return re.compile(one, re.I)
    give, objects = _alternation(spec["give"]), _alternation(spec["objects"])
    skip, targets = _alternation(spec["skip"]), _alternation(spec["skip_targets"])
    det = r"(?:\s++(?:the|your|ur|a|an|my|our))?(?:\s++(?:final|overall|actual|full))?"
    act = (
        # "just tell me", "give me the verdict", "show the result"
        rf"(?:{give})(?:\s++(?:me|us)(?:{det}\s++(?:{objects}))?|{det}\s++(?:{objects}))"
        rf"|skip(?:\s++(?:{targets}))?|(?:{skip})\s++(?:{targets})"  # "skip", "skip the rest", "cut to the chase"
        rf"|(?:{skip})\s++(?:the|these|your|all|all\s++the)\s++\w+\s++questions"  # "skip the 20 questions"
        rf"|{_alternation(spec['finish'])}"  # "wrap it up", "enough questions", "what do you recommend"
    )
    one = rf"(?:(?:{lead})\s++)*+(?:{act})(?:\s++(?:{tail}))*+"
    # "stop asking and decide", "skip the rest just tell me": requests in a row, joined or not
    return re.compile(rf"{one}(?:\s++(?:(?:and|then|&)\s++)?{one})*+", re.I)


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    raw = load_yaml(Path(__file__).with_name("message_cues.yaml").read_text(encoding="utf-8"))
    return _Cues(
        thanks=_phrases(raw["thanks"]),
        small_talk=_phrases(raw["thanks"] + raw["praise"] + raw["acknowledge"]),
        refuse=_phrases(raw["refuse"]),
        filler=_phrases(raw["filler"]),
        unsure=_phrases(raw["unsure"]),
        why=_phrases(raw["why"]),
        pointing=_phrases(raw["pointing"]),
        approaches=_phrases(raw["approaches"]),
        function=_phrases(raw["function"]),
        command=_command_pattern(raw["command"]),
        command_alone=_command_pattern(raw["command"], alone=True),
        generic=_phrases(raw["generic"]),
        slang={str(k).lower(): str(v) for k, v in raw["slang"].items()},
    )


_WORD = re.compile(r"(?<![\w'])[a-z]+(?![\w'])", re.I)


def normal(text: str) -> str:
    """The message with chat spellings written out, for deciding its form ("gimme the rec" → "give me the rec",
    "what would change ur mind?" → "… your mind?"); the reader still reads what was written."""
    slang = _cues().slang
    return _WORD.sub(lambda m: slang.get(m.group(0).lower(), m.group(0)), text)


def _is_symbol(ch: str) -> bool:
    # Emoji and pictographs (So), their modifiers, variation selectors and joiners.
    return unicodedata.category(ch) in ("So", "Sk", "Mn", "Cf", "Cs")


def _words(text: str) -> list[str]:
    """Lowercase word tokens and Slack emoji shortcodes; each emoji character is the token "<emoji>"; other
    punctuation is dropped."""
    out = []
    for tok in _TOKEN.findall(text.replace("\u2019", "'").lower()):
        if tok[0].isalnum() or (tok.startswith(":") and len(tok) > 2):
            out.append("<emoji>" if tok.startswith(":") else tok.strip("'"))
        elif _is_symbol(tok):
            out.append("<emoji>")
    return [w for w in out if w]


@lru_cache(maxsize=64)
def _lengths(phrases: Phrases) -> tuple[int, ...]:
    """The lengths of the phrases, longest first (a set's: only these can match, so no other is tried)."""
    return tuple(sorted({len(p) for p in phrases if p}, reverse=True))


def _covered(words: list[str], phrases: Phrases) -> set[int]:
    """Indices of the words some phrase covers (longest phrase first at each place)."""
    lengths = _lengths(phrases)
    hit: set[int] = set()
    i = 0
    while i < len(words):
        for n in lengths:
            if n <= len(words) - i and tuple(words[i : i + n]) in phrases:
                hit.update(range(i, i + n))
                i += n
                break
        else:
            i += 1
    return hit


def is_question(text: str) -> bool:
    """True when the message asks something: a sentence ends with a question mark, it starts with a question word
    ("what's LoRA", "how come"), or a later clause does after "but"/"and"/"so" ("great, but how does it scale")."""
    if text.rstrip().endswith("?") or ("?" in text and any(_asks(s) for s in _asked_sentences(text))):
        return True
    rest = _ASIDE.sub("", text, count=1)  # "sorry, side question: can a …": the words after the opener ask
    clauses = [c.strip() for c in _CLAUSE.split(rest) if c.strip()]
    if clauses and _QUESTION_START.match(clauses[0]) and not _SUBJECT_DROPPED.match(clauses[0]):
        return True
    return any(_LINKED_QUESTION.match(c) for c in clauses[1:])


def _asked_sentences(text: str) -> list[str]:
    """The sentences of a message that end with a question mark before more text ("so basically both? ok how …"
    → ["so basically both"])."""
    parts = _SENTENCE_END.split(text)
    return [parts[i] for i in range(0, len(parts) - 2, 2) if "?" in parts[i + 1] and parts[i + 2][:1].isspace()]


def _asks(sentence: str) -> bool:
    """Whether a sentence that ends with a question mark mid-message asks: it opens with a question word, or runs
    to four words or more; "ML ppl? no not really" and "data? like 15" echo the question asked before answering."""
    rest = _ASIDE.sub("", _GREETED.sub("", sentence.strip()), count=1)
    return bool(_QUESTION_START.match(rest)) or len(_words(rest)) >= 4


def _only(words: list[str], cues: Phrases, allowed: Phrases) -> bool:
    """Some word is one of `cues` and every other word is a cue, one of `allowed`, or filler."""
    c = _cues()
    hit = _covered(words, cues)
    rest = _covered(words, allowed | c.filler)
    return bool(hit) and all(i in hit or i in rest for i in range(len(words)))


def is_acknowledgement(text: str, *, max_words: int = 10) -> bool:
    """Thanks, praise or an acknowledgement and nothing more ("ta", "brilliant, thanks", "ok cool", "👍 🙏"), in
    at most `max_words` words; never a question."""
    words = _words(text)
    if not words or len(words) > max_words or is_question(text):
        return False
    c = _cues()
    return _only(words, c.small_talk | frozenset({("<emoji>",)}), frozenset())


def without_preamble(text: str) -> str:
    """The message without the thanks or greeting it opens with ("thanks! we also want …" → "we also want …"), so
    its first sentence is what it is about; the whole text when it is nothing else."""
    c = _cues()
    allowed = c.small_talk | c.filler | frozenset({("<emoji>",), ("hi",), ("hello",), ("hey",), ("morning",)})
    rest = text
    while m := re.match(r"[^,;:.!?\n]*+[,;:.!?\n]++\s*+", rest):
        words = _words(m.group(0))
        if not words or len(_covered(words, allowed)) < len(words):
            break
        rest = rest[m.end() :]
    return rest if rest.strip() else text


def thanks(text: str, *, max_words: int = 6) -> bool:
    """A short message that thanks, whatever else its few words say ("sound, thanks", "ta muchly"); never a
    question."""
    words = _words(text)
    return 0 < len(words) <= max_words and not is_question(text) and bool(_covered(words, _cues().thanks))


def is_refusal(text: str) -> bool:
    """Declining an offer or dropping a subject ("no thanks", "nah, leave it", "never mind"), with nothing more
    than thanks or filler beside it; never a question."""
    words = _words(text)
    if not words or len(words) > 10 or is_question(text):
        return False
    c = _cues()
    return _only(words, c.refuse, c.small_talk)


def is_unsure(text: str) -> bool:
    """A short reply saying the user doesn't know ("not sure", "no idea tbh", "dunno yet")."""
    words = _words(text)
    return 0 < len(words) <= 10 and bool(_covered(words, _cues().unsure))


def asks_why(text: str) -> bool:
    """True when the message asks for reasons ("why?", "how come?", "what's the reasoning?", "explain")."""
    words = _words(text)
    return bool(_covered(words, _cues().why)) and (is_question(text) or len(words) <= 3)


def subject_words(text: str) -> list[str]:
    """The words of a message that say what it is about: not question words, pronouns, pointers back at the
    advice, reasons-words or filler ("what's LoRA?" → ["lora"]; "how come?" → [])."""
    words = _words(text)
    c = _cues()
    skip = _covered(words, c.function | c.pointing | c.approaches | c.why | c.filler)
    return [w for i, w in enumerate(words) if i not in skip and w != "<emoji>"]


def topic_words(text: str) -> set[str]:
    """What a description is about, to compare two of them: its subject words of four letters or more, without
    the words any project uses ("build", "bot", "team"), plural "s" dropped."""
    generic = _cues().generic
    return {w.rstrip("s") for w in subject_words(text) if len(w) > 3 and (w,) not in generic}


def points_back(text: str) -> bool:
    """True when the message speaks of the asker's own project or the advice given ("we", "our", "here", "your
    recommendation", "then")."""
    return bool(_covered(_words(text), _cues().pointing))


def defines_term(text: str) -> bool:
    """True when the message asks what a term means ("what's LoRA?", "what is fine-tuning?", "explain prompting"),
    even a term the advice uses; "what is it?" and "what are the next steps?" point back at the advice instead."""
    return defining_clause(text) is not None


def defining_clause(text: str) -> str | None:
    """The clause of a message that asks what a term means ("btw what is LoRA exactly, my lead keeps mentioning it"
    → "what is LoRA exactly"), after any opener; None when none does."""
    # "what's the catch with doing both?", "what's our budget then?": pointing back, so no term is defined
    if _DEFINE.match(text):
        return text if (subject_words(text) or _APPROACH_TERM.search(text)) and not points_back(text) else None
    clauses = [c.strip() for c in _CLAUSE.split(_ASIDE.sub("", text, count=1)) if c.strip()]
    if not clauses or not _DEFINE.match(clauses[0]) or points_back(clauses[0]):
        return None
    return clauses[0] if subject_words(clauses[0]) or _APPROACH_TERM.search(clauses[0]) else None


def addresses_advisor(text: str) -> bool:
    """True when a question speaks to the advisor as the one deciding ("would you go full fine-tune?", "so you'd
    say skip prompting?", "what would change your mind?"); "can you explain LoRA?" asks it about the topic."""
    text = normal(text)
    return is_question(text) and bool(_ADDRESSED.search(text) or _FOR_YOU.search(text))


# Openers that set a question aside from the advice just given ("btw", "side question:", "unrelated but"): what
# follows is about the topic unless it says otherwise.
_SET_ASIDE = re.compile(
    r"^\W*+(?:(?:ok|okay|oh|also|and|hmm)\W++)*+(?:" + _ASIDE_WORDS + r"|quick\s++(?:question|q)|unrelated|"
    r"general\s++question|out\s++of\s++curiosity|just\s++curious|curious)\b",
    re.I,
)
# A question tied to the turn before it: opened by a connective ("so …?", "and with …?", "hmm and …?", "ok and
# …?"); a question in the conditional ("what would …", "would it …", "couldn't we …"); or a negative question
# pushing back ("doesn't fine-tuning …?", "isn't that …?").
_LINKED = re.compile(r"^\W*+(?:(?:ok|okay|hmm|hm|right|wait|k|alright)\W++)*+(?:so|and|then|but)\b", re.I)
_CONDITIONAL = re.compile(
    r"\b(?:would|wouldn't|could|couldn't|should|shouldn't|might|'d)\b|\w'd\b|"
    r"^\W*+(?:doesn't|isn't|aren't|don't|won't|wasn't|can't)\b",
    re.I,
)
# "is that still true if …?", "how does this compare to RAG?", "any risks with this approach?": pointing at what was
# just said ("that" only where it can't open a relative clause: "a model that …" points nowhere).
_DEMONSTRATIVE = re.compile(
    r"\bthis\b|\b(?:is|does|would|will|was|with|about|of|than|like)\s++that\b|\bthat\s++(?:approach|option|plan|"
    r"setup|one|route|path|choice|answer|advice)\b|\bthat\W*$",
    re.I,
)
# The decision moved toward or away from something ("what tips it back to prompting?", "what swings the balance
# toward fine-tuning?"): "it" or "the balance" is the case's decision, so the question is about the case.
_MOVES_DECISION = re.compile(
    r"\b(?:it|things|the\s++(?:balance|scales?|needle|decision|call|choice|answer))\s++(?:back\s++|over\s++|more\s++)?"
    r"(?:to|toward|towards|in\s++favou?r\s++of|away\s++from)\s++(?:(?:the|an?)\s++)?(?:prompt|fine|tun|hybrid|both|rag)",
    re.I,
)
# "can you explain …", "could you tell me …": asking the advisor about the topic, not about its advice.
_EXPLAIN = re.compile(
    r"\b(?:can|could|would|will)\s++(?:you|u)\s++(?:please\s++)?(?:explain|tell\s++me|describe|define|"
    r"give\s++me\s++an?\s++(?:overview|intro|example))\b",
    re.I,
)


_ASKER = re.compile(r"\b(?:we|we're|we've|we'd|our|ours|us|my|mine|i|i'm|i've|i'd)\b", re.I)


def asks_aside(text: str) -> bool:
    """True when a question is set aside from the dialogue ("random q while I have you - what's LoRA?", "side q:
    does a tuned model forget if you retrain it weekly?") and says nothing of the asker's own case after the
    opener: a question about the topic, however it is put ("btw what if we had 2k?" speaks of "we")."""
    text = normal(text)
    m = _SET_ASIDE.match(text)
    if m is None:
        return False
    rest = text[m.end() :]
    return is_question(rest.strip(" ,;:.!-\u2013\u2014")) and not _ASKER.search(rest)


def about_the_case(text: str) -> bool:
    """After a card: whether a question asks about the advice or the asker's case rather than the topic in general.

    It does when it addresses the advisor ("what would change ur mind?"), points back ("what would push this toward
    …?", "for us"), is tied to the turn before by a connective ("so no fine-tuning then?", "and with a bigger
    team?"), or is in the conditional or pushes back ("what would the split look like?", "doesn't fine-tuning keep
    the data more private?"). A definition, a question set aside ("btw, …", "side question: …") or a request to
    explain the topic ("can you explain when …?") stays about the topic, as does a plain question in the present
    ("does fine-tuning help with hallucinations?")."""
    text = normal(without_preamble(text))
    if not is_question(text) or defines_term(text) or _SET_ASIDE.match(text) or _EXPLAIN.search(text):
        return False
    return bool(
        addresses_advisor(text)
        or points_back(text)
        or _LINKED.match(text)
        or _CONDITIONAL.search(text)
        or _DEMONSTRATIVE.search(text)
        or _MOVES_DECISION.search(text)
    )


def asks_first(text: str) -> bool:
    """Whether a message opens by asking ("ok and the tuned model would be cheaper?", "doesn't it …?") rather than
    by stating something it then asks about ("we have 3 ML engineers, do we need more?")."""
    rest = _ASIDE.sub("", normal(without_preamble(text)), count=1)
    first = next((c.strip() for c in _CLAUSE.split(rest) if c.strip()), "")
    return bool(
        _QUESTION_START.match(first)
        or _LINKED.match(text)
        or _CONDITIONAL.match(first)
        or not _CLAUSE.search(rest[:-1])
    )


# Saying the card will be passed on ("will send this to him", "ok will send her this, ta", "I'll forward it to my
# CTO"): a closing remark like thanks. The thing passed on is the card ("this", "it"), never a thing of the task.
_PASS_VERB = r"(?:send(?:ing)?|forward(?:ing)?|shar(?:e|ing)|pass(?:ing)?|show(?:ing)?|run(?:ning)?|tak(?:e|ing))"
_PASSES_ON = re.compile(
    r"\b(?:(?:i'll|ill|i\s++will|will|we'll|i'm\s++going\s++to|im\s++going\s++to|going\s++to|gonna|i'm|im|"
    r"i\s++can|let\s++me|just)\s++)*+" + _PASS_VERB + r"\s++"
    r"(?:(?:her|him|them|the\s++team|my\s++\w+|our\s++\w+)\s++(?:this|it|that)|(?:this|it|that|the\s++(?:card|rec|"
    r"recommendation|result|results|verdict|summary)))\b(?:\s++(?:on|along|over|around|up|by)\b)*+"
    r"(?:\s++(?:to|with|past)(?:\s++\S+){1,3})?",
    re.I,
)


def passes_on(text: str) -> bool:
    """True when the message says the card will be passed on ("will send this to him", "I'll forward it to my
    CTO, cheers"), with nothing beside it but acknowledgements and thanks; "we send 20k invoices to the ERP"
    passes on no card. ("will share this with the team" reads as a question by its first word; only a question
    mark makes it one here.)"""
    if "?" in text:
        return False
    joined = " ".join(_words(normal(text)))
    m = _PASSES_ON.search(joined)
    if m is None:
        return False
    c = _cues()
    closing = c.small_talk | c.filler | c.refuse
    return all(len(_covered(ws, closing)) == len(ws) for ws in (_words(joined[: m.start()]), _words(joined[m.end() :])))


def asks_export(text: str) -> bool:
    """True when the message asks for the card as a file or somewhere else ("export this as a pdf for my board",
    "cool, export the card to #ai-projects"); "can I export a fine-tuned model?" asks about the topic."""
    return bool(_EXPORT.match(text))


def about_the_advice(text: str) -> bool:
    """A question that can only be about what was just said: it asks why about the advice or the asker's project,
    or it has no subject of its own ("how come?", "why would we need more?", "what do you mean?")."""
    if (not is_question(text) and not asks_why(text)) or defines_term(text):
        return False
    subject = subject_words(text)
    return not subject or (asks_why(text) and points_back(text))


_SPACED_DASH = re.compile(r"(?<=\s)-++(?=\s)")


def recommend_now(text: str) -> str | None:
    """When the message asks for the recommendation now ("skip the rest, just tell me", "enough questions",
    "ok give me the verdict"), the text before the request (often "", or what the user still wanted to say);
    None otherwise. The request must be the message's last clauses."""
    c = _cues()
    # Slack's emoji words (":pray:") hold colons, which end clauses: blanked, keeping every other word's place
    text = _SHORTCODE.sub(lambda m: " " * len(m.group(0)), text)
    # "spill the tea - which one is it": a spaced dash ends a clause too (found on a copy; the words stay as said)
    marked = _SPACED_DASH.sub(lambda m: "," * len(m.group(0)), text)
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^,;:.!?\n\u2013\u2014]+", marked)]
    while len(clauses) > 1 and _ASIDE_AFTER.match(last := text[slice(*clauses[-1])]) and not _FACT_NUMBER.search(last):
        clauses.pop()  # "…, i have a meeting in 5": why the user is in a hurry, not what they ask
    start, alone = None, True
    for begin, end in reversed(clauses):
        part = " ".join("".join(ch for ch in normal(text[begin:end]) if not _is_symbol(ch)).split())
        if c.command.fullmatch(part) or c.command_alone.fullmatch(part):
            start, alone = begin, alone and not c.command.fullmatch(part)
        elif not _is_filler(part):
            break
        elif start is not None:  # "ok then, …" before the request is part of it; "…, thanks" after it too
            start = begin
    if start is None:
        return None
    before = text[:start].strip(" ,;:.!?\n\u2013\u2014-")
    return None if before and alone else before


# A short clause after a request saying why the user wants it now ("i have a meeting in 5", "gotta run").
_ASIDE_AFTER = re.compile(
    r"^\s*+(?:i\s++have|i've\s++got|ive\s++got|i\s++got|i'm|im|i\s++am|gotta|got\s++to|need\s++to|have\s++to|"
    r"running|in\s++a\s++(?:rush|hurry)|short\s++on\s++time|busy|late|boss|meeting)\b(?:\s++\S+){0,6}\s*+$",
    re.I,
)

_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:", re.I)
_FACT_NUMBER = re.compile(r"(?<!\bin\s)\b\d")  # "in 5" (minutes) is a hurry; "a team of 5" is a fact


def _is_filler(part: str) -> bool:
    words = _words(part)
    c = _cues()
    return not words or (len(_covered(words, c.filler | c.small_talk)) == len(words) and len(words) <= 2)


def supposition(text: str, *, states_facts: bool) -> str | None:
    """The supposed part of a what-if ("and if we only had 2k?" → "we only had 2k?"), or None when the message
    isn't one. Some conditionals make a what-if only in a question that states a fact (`states_facts`): "what
    about 2k labels?" is one, "what about LoRA?" asks about the topic and "if we get funding, the budget is 200k"
    states a plan."""
    m = _SUPPOSE.match(text)
    if m is not None:
        return text[m.end() :]
    if not states_facts or not is_question(text):
        return None
    m = _SUPPOSE_WEAK.match(text)
    if m is not None:
        return text[m.end() :]
    if _IF_INSIDE.search(text):
        return text
    return None


def words(text: str) -> list[str]:
    """The message's lowercase word tokens (emoji as "<emoji>"), as the cue phrases are matched against them."""
    return _words(text)


def covered(tokens: list[str], phrases: Phrases) -> set[int]:
    """Indices of `tokens` some phrase of `phrases` covers (longest first at each place)."""
    return _covered(tokens, phrases)


def cue_phrases(raw: list[str]) -> Phrases:
    """Cue phrases from a list of words and phrases in `message_cues.yaml`'s spelling."""
    return _phrases(raw)


def filler_words() -> Phrases:
    """Words that stand beside a cue without saying anything more (thanks, acknowledgements and filler)."""
    c = _cues()
    return c.filler | c.small_talk
