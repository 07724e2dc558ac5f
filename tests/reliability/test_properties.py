"""Property tests over anything that takes user text: the extractor (with any expected answer, any turn), the
slash-command parser, and every Slack message the advisor builds (tests/slack/test_blocks.py covers the card
from free text; these cover questions, plain replies, notices, cost estimates and answered questions)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.advisor import tco
from bot.advisor.extract import MAX_TEXT, clean_text, extract
from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.questions import question_bank
from bot.slack import blocks as bk
from bot.slack.listeners.commands import SUBCOMMANDS, parse_command
from bot.slack.replies import Addressed, coherent, notice, render
from bot.workflows.conversation import Reply
from tests.conftest import TODAY
from tests.slack.test_blocks import check_limits, hostile

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

FIELDS = sorted(IntakeValues.model_fields)
_numbers = st.sampled_from(
    [
        "0",
        "-5",
        "1e308",
        "9^999",
        "10**400",
        "1,000,000,000,000,000",
        "0.0001",
        "NaN",
        "inf",
        "20k",
        "1.5M",
        "3B",
        "$",
        "%",
        "a few dozen",
        "zero",
        "twelve",
    ]
)
_units = st.sampled_from(
    [
        " labeled examples",
        " requests a month",
        " weeks",
        " a day",
        " budget",
        " ML engineers",
        " HIPAA",
        " by Friday",
        " this quarter",
        " changes every sprint",
        "",
        " no",
        " yes",
    ]
)
numeric = st.lists(st.tuples(_numbers, _units).map("".join), max_size=12).map(" ".join)
binary = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
texts = st.one_of(hostile, numeric, binary, st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
SAFE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SAFE
@given(
    text=texts,
    expecting=st.lists(st.sampled_from(FIELDS), max_size=4, unique=True),
    turn=st.one_of(st.none(), st.integers(0, 50)),
)
def test_extraction_of_any_answer_is_a_valid_intake_with_honest_quotes(
    text: str, expecting: list[str], turn: int | None
) -> None:
    found = extract(text, turn=turn, expecting=expecting or None, today=TODAY)
    Intake().merged(found.facts)  # every value validates
    cleaned = clean_text(text)
    for fact in found.facts:
        assert fact.field in IntakeValues.model_fields
        assert fact.provenance.quote is not None and len(fact.provenance.quote) <= 200
        quote = fact.provenance.quote.strip()
        assert quote in cleaned or quote in cleaned.lower()  # provenance quotes what was said, nothing else
    assert found.values() == extract(text, turn=turn, expecting=expecting or None, today=TODAY).values()


@settings(max_examples=5, deadline=None)
@given(text=texts)
def test_an_oversized_message_is_read_in_part_and_says_so(text: str) -> None:
    big = (text + " ") * (MAX_TEXT // max(1, len(text) + 1) + 2)
    found = extract(big, today=TODAY)
    Intake().merged(found.facts)
    assert any(f"{MAX_TEXT:,}" in n for n in found.notes)


@given(
    text=st.one_of(
        st.text(max_size=200),
        hostile,
        st.lists(st.sampled_from([*SUBCOMMANDS, "START", " ", "\n", "\t", "\u00a0", "x"]), max_size=8).map("".join),
    )
)
def test_parse_command_splits_any_text(text: str) -> None:
    sub, rest = parse_command(text)
    words = text.split()
    if not words:
        assert (sub, rest) == ("help", "")
        return
    assert sub == words[0].lower() and not any(ch.isspace() for ch in sub)
    assert rest == rest.strip() and rest.split() == words[1:]
    assert parse_command(f"  {sub}\n{rest} ") == (sub, rest)


def _questions(draw: Any) -> list[Any]:
    bank = list(question_bank().values())
    return draw(st.lists(st.sampled_from(bank), min_size=1, max_size=len(bank), unique_by=lambda q: q.field))


@SAFE
@given(data=st.data(), intro=hostile, notes=st.lists(hostile, max_size=30), text=hostile)
def test_every_reply_message_is_within_limits_and_escaped(
    data: st.DataObject, intro: str, notes: list[str], text: str
) -> None:
    questions = _questions(data.draw)
    replies = [
        Reply(kind="questions", conversation_id="c1", text=intro + "\n1. q", questions=questions, notes=notes),
        Reply(kind="message", conversation_id="c1", text=text * 50, notes=notes),
    ]
    for reply in replies:
        out = render(reply)
        check_limits(out.message["blocks"])
        assert len(out.message["text"]) <= bk.MESSAGE_TEXT_MAX
        dumped = json.dumps(out.message, ensure_ascii=False)
        assert "<!" not in dumped and "<@" not in dumped and "<http" not in dumped
    told = notice(text * 100)
    assert len(told.message["text"]) <= bk.MESSAGE_TEXT_MAX and "<" not in told.message["text"]


@SAFE
@given(data=st.data(), line=hostile)
def test_an_answered_question_message_stays_within_limits(data: st.DataObject, line: str) -> None:
    questions = _questions(data.draw)
    original = bk.to_dicts(bk.question_blocks("intro", questions, "c1"))
    field = data.draw(st.sampled_from([q.field for q in questions]))
    updated = bk.answered_blocks(original, field, bk.escape(line) * 40)
    check_limits(updated)
    assert len(updated) == len(original)
    assert not any(b.get("block_id") == f"q:{field}" for b in updated)


@SAFE
@given(
    volume=st.one_of(st.none(), st.integers(0, 10**12)),
    examples=st.one_of(st.none(), st.integers(0, 10**9)),
    changes=st.one_of(st.none(), st.booleans()),
)
def test_cost_estimates_render_for_any_volume(volume: int | None, examples: int | None, changes: bool | None) -> None:
    est = tco.estimate(volume, labeled_examples=examples, changes_often=changes)
    check_limits(bk.to_dicts(bk.tco_blocks(est)))


_kinds = st.sampled_from(["questions", "recommendation", "message", "notice", "update"])


@given(kinds=st.lists(_kinds, max_size=8))
def test_answering_together_keeps_one_next_step_and_every_message(kinds: list[str]) -> None:
    from bot.slack.replies import Outgoing

    replies = [Addressed("C", "1.0", "c1", Outgoing(k, {"n": i})) for i, k in enumerate(kinds)]
    kept = coherent(replies)
    kept_kinds = [r.outgoing.kind for r in kept]
    assert [r for r in replies if r.outgoing.kind in ("message", "notice", "update")] == [
        r for r in kept if r.outgoing.kind in ("message", "notice", "update")
    ]
    assert kept_kinds.count("recommendation") == min(1, kinds.count("recommendation"))
    substantive = [k for k in kept_kinds if k in ("questions", "recommendation")]
    assert substantive.count("questions") <= 1 and (
        not substantive or substantive[-1] == [k for k in kinds if k in ("questions", "recommendation")][-1]
    )
    assert [r.outgoing.message["n"] for r in kept] == sorted(r.outgoing.message["n"] for r in kept)
