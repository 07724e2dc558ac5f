"""What a message points at besides the facts it states.

Something said before ("same as above", "like I said, 20k": a restatement, not a new fact), the card it disputes
("that's not right, …"), another team's or project's numbers ("the fraud team next door has 2M labeled examples",
not this project's), and the separate questions one message asks ("why fine-tuning? and what would it cost?").
Cue words are in `message_cues.yaml` (`refer_back`, `dispute`, `other_party`); pure and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.advisor import message_form as form
from bot.resources import load_yaml


@dataclass(frozen=True)
class _Refs:
    refer_back: form.Phrases
    dispute: form.Phrases
    other: form.Phrases
    project: form.Phrases
    party: form.Phrases
    own: form.Phrases
    disown: form.Phrases
    behalf: form.Phrases
    said_before: form.Phrases


@lru_cache(maxsize=1)
def _refs() -> _Refs:
    raw = load_yaml(Path(__file__).with_name("message_cues.yaml").read_text(encoding="utf-8"))
    party = raw["other_party"]
    return _Refs(
        refer_back=form.cue_phrases(raw["refer_back"]),
        dispute=form.cue_phrases(raw["dispute"]),
        other=form.cue_phrases(party["other"]),
        project=form.cue_phrases(party["project"]),
        party=form.cue_phrases(party["party"]),
        own=form.cue_phrases(["we", "we're", "we've", "we'd", "our", "ours", "us", "i", "i'm", "i've", "my"]),
        disown=form.cue_phrases(party["disown"]),
        behalf=form.cue_phrases(party["behalf"]),
        said_before=form.cue_phrases(party["said_before"]),
    )


_CLAUSE_END = re.compile(r"[,;:.!?\n]+|\s[-\u2013\u2014]\s")


def refers_back(text: str) -> bool:
    """True when the message points at something said before instead of saying it again ("same as above", "like I
    said, 20k", "as I mentioned earlier")."""
    return bool(form.covered(form.words(text), _refs().refer_back))


def disputes(text: str) -> bool:
    """True when the message opens by disagreeing ("that's not right, …", "hmm, no. we only have …", "I don't think
    so: …"): its first clauses are a dispute and filler only, so "no rush, …" and "no labels at all" (a "no" that
    goes with a noun) are not."""
    return _dispute_prefix(text)[0]


def after_dispute(text: str) -> str:
    """The message after the clauses it opens with to disagree ("wait, that's wrong - we do have ML engineers" →
    "we do have ML engineers"), so the words of the dispute are not read as facts ("wrong" is no verdict on the
    data); the whole message when it doesn't open with one or says nothing after it."""
    disputed, rest = _dispute_prefix(text)
    return rest if disputed and rest.strip() else text


_LEADING_CLAUSE = re.compile(r"[^,;:.!?\n\u2013\u2014-]*+(?:[,;:.!?\n\u2013\u2014]++|-+\s|$)\s*+")


# Words that may stand beside a dispute without saying more ("I'm not sure that's right", "honestly, that's wrong").
# What a dispute points at may stand beside it too ("I don't agree with this card", "hmm disagree tbh").
_DISPUTE_FILLER = form.cue_phrases(
    [
        "i'm",
        "im",
        "honestly",
        "well",
        "actually",
        "really",
        "but",
        "um",
        "uh",
        "with",
        "on",
        "about",
        "card",
        "recommendation",
        "rec",
        "verdict",
        "result",
        "answer",
        "call",
        "tbh",
        "tho",
        "though",
        "here",
        "fully",
        "entirely",
        "quite",
        "your",
        "the",
        "one",
        "part",
        "what i said",
        "what i told you",
        "what i wrote",
        "what we said",
        "what we told you",
    ]
)


def _dispute_prefix(text: str) -> tuple[bool, str]:
    """Whether the message's leading clauses of dispute and filler words hold a dispute, and the text after them."""
    rest, disputed = text, False
    while rest and (m := _LEADING_CLAUSE.match(rest)) and m.end() > 0:
        tokens = form.words(m.group(0))
        hit = form.covered(tokens, _refs().dispute)
        filler = form.covered(tokens, form.filler_words() | _DISPUTE_FILLER)
        if not all(i in hit or i in filler for i in range(len(tokens))):
            break
        disputed, rest = disputed or bool(hit), rest[m.end() :]
    return disputed, rest


# Clauses: sentences, lines, and the parts around "but", "while", "whereas" (a contrast often sets another team's
# numbers beside the asker's: "another team has 50k labels, we have none").
_CLAUSES = re.compile(r"(?<=[.!?;])\s++|\n++|,\s*+|\s++(?=(?:but|while|whereas)\b)", re.I)


def _near_other(tokens: list[str], nouns: form.Phrases) -> bool:
    """Whether one of `nouns` has an `other` word within three words of it ("the fraud team next door")."""
    found, other = form.covered(tokens, nouns), form.covered(tokens, _refs().other)
    return any(abs(i - j) <= 3 for i in found for j in other)


def _mentions_other_party(tokens: list[str]) -> bool:
    r = _refs()
    return _near_other(tokens, r.project | r.party) or bool(form.covered(tokens, r.disown))


def foreign_clauses(text: str, use_case: object) -> list[str]:
    """The clauses of a message said about another team or project than the one assessed ("the fraud team next door
    has 2M labeled examples, but that's not us" → both clauses; "another team has 50k labels" → that clause). A
    clause that only disowns ("that's not us") takes the one before it along. None when the project itself is
    another team's (its description names one, or is asked for someone else: "asking on behalf of the claims
    team", "I lead the data group; HR asked me …")."""
    r = _refs()
    if isinstance(use_case, str):
        said = form.words(use_case)
        if _mentions_other_party(said) or form.covered(said, r.behalf):
            return []
    parts = [p for p in _CLAUSES.split(text) if p and p.strip()]
    words = [form.words(p) for p in parts]
    disowned = any(form.covered(w, r.disown) for w in words)
    out: list[str] = []
    for i, part in enumerate(parts):
        tokens = words[i]
        # another team is set against this project's: "…, we have none", or disowned ("but that's not us")
        contrast = disowned or any(form.covered(w, r.own) for j, w in enumerate(words) if j != i)
        other_team = _near_other(tokens, r.party) and contrast and not form.covered(tokens, r.own)
        # "…, not this." ends a clause by disowning it ("not this year" goes on, so only at the clause's end)
        disowns = bool(form.covered(tokens, r.disown)) or tokens[-2:] == ["not", "this"]
        if not (_near_other(tokens, r.project) or other_team or disowns):
            continue
        disowning = disowns and not any(ch.isdigit() for ch in part)
        if disowning and i > 0 and parts[i - 1] not in out:
            out.append(parts[i - 1])  # "…, but that's not us": the clause before is the other one's
        out.append(part)
    return out


def disowns_said(clauses: list[str]) -> bool:
    """Whether clauses said about another team or project (`foreign_clauses`) take back a number the asker gave
    before ("the 50k I mentioned is for the permits thing, not this one"): a fix of what was said."""
    return any(
        any(ch.isdigit() for ch in part) and form.covered(form.words(part), _refs().said_before) for part in clauses
    )


def without(text: str, clauses: list[str]) -> str:
    """The message with `clauses` taken out (each once), for reading only what is left."""
    for clause in clauses:
        text = text.replace(clause, " ", 1)
    return " ".join(text.split()).strip(" ,;:.-")


_APPROACH = re.compile(r"\b(?:hybrid|fine[- ]?tun\w*|prompt\w*)", re.I)
# Words announcing the questions that follow ("ok two things:", "couple of qs -").
_ANNOUNCED = re.compile(
    r"^\W*+(?:(?:ok|okay|so|right|hmm|cool|thanks|alright)\W++)*+(?:(?:a\s++)?(?:two|2|three|3|couple(?:\s++of)?|"
    r"few)\s++(?:things|questions|qs|q's|follow[- ]?ups|points)|(?:some|more)\s++(?:questions|qs|follow[- ]?ups))"
    r"\s*+[:\-\u2013\u2014]\s*+",
    re.I,
)
_QUESTION_SPLIT = re.compile(r"(?<=\?)\s++")
_LIST_MARK = re.compile(r"^\s*+(?:\(?\d{1,2}[.)]|[-*\u2022])\s++")  # "1. why …?", "2) …", "- …", "• …"


def questions(text: str) -> list[str]:
    """The separate questions of a message that asks two or more ("why fine-tuning? and what would it cost over
    three years?" → both), each with its question mark; [] when it asks one or states anything beside its
    questions. A question with no subject of its own after another ("what if we had 2k? would that change it?")
    goes on with the one before it and is not counted apart."""
    # "ok two things: why …? and how …?": the words announcing the questions are none of them
    parts = [
        _LIST_MARK.sub("", p).strip() for p in _QUESTION_SPLIT.split(_ANNOUNCED.sub("", text.strip())) if p.strip()
    ]
    if len(parts) < 2 or not all(form.is_question(p) for p in parts):
        return []
    joined: list[str] = []
    for part in parts:
        # "would that change it?" goes on with the question before; "why not hybrid?", "why?" and "which would you
        # pick?" ask on their own
        alone = form.asks_why(part) or _APPROACH.search(part) or form.addresses_advisor(part)
        if joined and not form.subject_words(part) and not alone:
            joined[-1] = f"{joined[-1]} {part}"
        else:
            joined.append(part)
    return joined if len(joined) >= 2 else []
