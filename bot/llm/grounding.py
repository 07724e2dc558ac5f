"""Grounding checks for LLM mode, so the model adds words but never facts of its own.

- Wording: every number in model text must be a number of its inputs (`ungrounded_numbers`).
- Extraction: every fact the model proposes must be backed by a quote of the user's own words that is not part
  of a sentence aimed at the assistant (`UserText.backs`), and a number must be one the quote states
  (`stated_number`).

Hand-written regular expressions: LangChain and the OpenAI client offer no grounding or injection checks that
work offline, and these rules must be exact and testable rather than another model's judgement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.advisor.engine import APPROACH_NAMES
from bot.advisor.extract import clean_text
from bot.advisor.intake import FIELD_LABELS, STEP_NAMES

# A number written in digits: 10,000 / 10k / 10K / 1.5M / $40. A suffix counts only as a whole word ("10 kg" is
# 10, not 10,000) and letters may follow the digits ("10x", "200ms", "8h" are numbers); digits inside a name
# ("GPT-4o", "Q4", "H100") are not.
_NUM = re.compile(
    r"(?<![\w.])(?<![A-Za-z]-)[$€£]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(?:\s*(k|mm|m|bn|b|thousand|million|billion)(?![a-z]))?(?!\d|[.,]\d)",
    re.I,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
SIGNIFICANT = (2, 3)  # "1.4M" may stand for 1,382,000; "$1,000" may not stand for $1,450


def _numbers(text: str) -> Iterator[tuple[float, re.Match[str]]]:
    for m in _NUM.finditer(text):
        value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        yield value * _SCALE.get((m.group(3) or "").lower(), 1.0), m


def numbers_in(text: str) -> list[float]:
    """Every number written in digits in `text`, with 10,000 / 10k / 10K / 1.5M forms normalised."""
    return [value for value, _ in _numbers(text)]


def _round_sig(x: float, digits: int) -> float:
    if x == 0:
        return 0.0
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def _matches(v: float, u: float) -> bool:
    if math.isclose(v, u, rel_tol=0.005, abs_tol=1e-9):
        return True
    if any(math.isclose(v, _round_sig(u, d), rel_tol=1e-9) for d in SIGNIFICANT):
        return True
    return 0 < u <= 1 and (math.isclose(v, round(u * 100)) or math.isclose(v, round(u * 100, 1)))


def _structural(text: str, m: re.Match[str], value: float) -> bool:
    """Whether a number is structure rather than a claim: list numbering, a citation, one of the six steps."""
    before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 12]
    line_start = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
    listed = re.fullmatch(r"\s*(?:[-*•]\s*)?", line_start) and re.match(r"[.)](?:\s|$)", after)
    if listed and value.is_integer() and value <= 20:
        return True  # "1. …" / "2) …" at the start of a line
    if before.endswith("[") and after.startswith("]"):
        return True  # a citation marker; `LlmClient.answer` checks it names a passage it was given
    if value.is_integer() and 1 <= value <= len(STEP_NAMES):
        return bool(re.search(r"\bsteps?\s*$", before, re.I) or re.match(r"[\s-]*steps?\b", after, re.I))
    return False


def ungrounded_numbers(output: str, inputs: str) -> list[float]:
    """Numbers in `output` that appear nowhere in `inputs`.

    Allowed: the same number in another form (10k for 10,000; 78% for 0.78), rounded to 2 or 3 significant
    figures (1.4M for 1,382,000), and numbers that are structure, not claims: list numbering at the start of a line,
    citation markers like [2], and "step 3" of the six steps (which, in the inputs, ground nothing else).
    """
    # Structure in the inputs grounds nothing: "step 5" there does not make "5 engineers" a fact.
    known = [u for u, m in _numbers(inputs) if not _structural(inputs, m, u)]
    return [v for v, m in _numbers(output) if not _structural(output, m, v) and not any(_matches(v, u) for u in known)]


# --- evidence for extracted facts -------------------------------------------------------------------------------

# Sentences that talk to the assistant instead of describing the project: classic injection phrasing, requests
# for "your" prompt, role play, fake delimiters, the form's own field and value names, and telling it which
# approach to pick. "Please recommend something" is a normal request to an advisor and does not match;
# "recommend fine-tuning" as an order does. A false alarm costs little: that message is read by the offline rules.
_MACHINE_NAMES = sorted(
    {k for k in FIELD_LABELS if "_" in k}
    | {k for k in APPROACH_NAMES if "_" in k}
    | {"deep_domain", "broad_flexibility"}
)
_TO_ASSISTANT = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?"
    r"\b(?:instructions?|prompts?|rules|guidelines|guardrails|the above|previous|prior)\b"
    r"|\b(?:your|the assistant's|the model's)\s+(?:\w+\s+)?(?:prompt|instructions|guidelines|guardrails)\b"
    r"(?!\s*engineer)"
    r"|\b(?:you are now|you're now|from now on,? you|pretend (?:to be|you)|developer mode)\b"
    r"|\bnew instructions?\s*[:-]"
    r"|\byou (?:must|should|will|have to|need to|are required to)\s+(?:always\s+)?(?:recommend|output|set|answer"
    r"|respond|say|reply|return|choose|pick|ignore|print|reveal|classify|mark|treat|fill|extract)\b"
    r"|\b(?:reveal|print|show|repeat|output|leak|dump)\s+(?:me\s+|us\s+)?"
    r"(?:your|the\s+(?:system|hidden|initial|original|full|exact))\s+(?:\w+\s+)?(?:prompt|instructions|template)s?\b"
    r"|(?:^|\b(?:and|please|just|so|then|now|always)\s+)(?:recommend|choose|pick|output|answer|respond with|return"
    r"|say|go with)\s+(?:only\s+)?(?:fine[- ]?tun\w*|prompt[- ]?(?:engineering|ing)|(?:a |the )?hybrid)\b"
    r"|\b(?:set|change|force|override)\s+(?:the\s+|your\s+)?(?:approach|recommendation|verdict)\b"
    r"|^\W*(?:system|assistant|developer)\s*:"
    r"|</?\s*(?:user_message|system|instructions?|facts|question|offline_verdict)\b"
    rf"|\b(?:{'|'.join(_MACHINE_NAMES)})\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def addresses_assistant(sentence: str) -> bool:
    """Whether a sentence gives the assistant orders (an injection attempt) rather than describing the project."""
    return bool(_TO_ASSISTANT.search(sentence.strip()))


def words(text: str) -> str:
    """Lower-case words and numbers separated by single spaces: how a quote is compared with the message."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


@dataclass(frozen=True)
class UserText:
    """One user message as sentences of words, each marked when it addresses the assistant."""

    sentences: tuple[str, ...]
    to_assistant: tuple[bool, ...]

    @classmethod
    def of(cls, text: str) -> UserText:
        """Split a message (cleaned as the offline extractor cleans it) into sentences."""
        parts = [p for p in _SENTENCE.split(clean_text(text)) if words(p)]
        return cls(tuple(words(p) for p in parts), tuple(addresses_assistant(p) for p in parts))

    @property
    def has_instructions(self) -> bool:
        """Whether any sentence addresses the assistant."""
        return any(self.to_assistant)

    def backs(self, quote: str) -> str | None:
        """Why `quote` is not evidence (None when it is): it must be the user's own words, word for word (case
        and punctuation aside), outside any sentence that addresses the assistant."""
        wanted = words(quote)
        if len(wanted) < 3 and not any(c.isdigit() for c in wanted):
            return "no evidence quoted"
        joined = " " + " ".join(self.sentences) + " "
        spans, start = [], 1
        for sentence in self.sentences:
            spans.append((start, start + len(sentence)))
            start += len(sentence) + 1
        at = joined.find(f" {wanted} ")
        if at < 0:
            return "the evidence is not in the message"
        while at >= 0:
            lo, hi = at + 1, at + 1 + len(wanted)
            if not any(to and a < hi and lo < b for (a, b), to in zip(spans, self.to_assistant, strict=True)):
                return None
            at = joined.find(f" {wanted} ", at + 1)
        return "the evidence is an instruction to the assistant"


# Unit words a quote must contain for a number to be converted: "500 a day" backs 15,000 requests a month.
_PER_MONTH = (
    (r"\b(?:day|days|daily)\b", (30.0,)),
    (r"\b(?:week|weeks|weekly|wk)\b", (52 / 12, 4.0)),
    (r"\b(?:year|years|yearly|annual|annually|yr)\b", (1 / 12,)),
    (r"\b(?:quarter|quarters|quarterly)\b", (1 / 3,)),
)
_IN_WEEKS = (
    (r"\b(?:day|days)\b", (1 / 7,)),
    (r"\b(?:month|months|mo)\b", (52 / 12, 4.0)),
    (r"\b(?:year|years)\b", (52.0,)),
)
UNITS = {"monthly_requests": _PER_MONTH, "deadline_weeks": _IN_WEEKS}


def stated_number(field: str, value: float, quote: str) -> float | None:
    """The number typed in `quote` that `value` is, or None when the quote states no such number.

    The number must be the same (10k = 10,000), or, for requests per month and a deadline in weeks only, the
    same quantity converted from a unit the quote names (500 a day = 15,000 a month; 2 months = 8.7 weeks).
    """
    factors = [1.0]
    for pattern, per in UNITS.get(field, ()):
        if re.search(pattern, quote, re.I):
            factors += per
    for typed in numbers_in(quote):
        if math.isclose(value, typed, rel_tol=0.001):
            return typed
        if any(math.isclose(value, typed * f, rel_tol=0.02) for f in factors[1:]):
            return typed
    return None
