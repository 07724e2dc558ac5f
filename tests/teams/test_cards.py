"""Adaptive Cards from hostile input: always schema-valid 1.5, always under 28 KB, user text never markdown."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.advisor.engine import CaseStudy, Citation, Recommendation
from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.questions import question_bank
from bot.errors import InputError
from bot.storage.store import Store
from bot.teams import cards, lead_cards
from bot.workflows.conversation import Advisor
from bot.workflows.digest import Digest, DigestItem
from bot.workflows.summary import Decision, StepSummary, ThreadSummary
from tests.teams.harness import actions, card_text
from tests.teams.schema import assert_valid_card

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

FULL = (
    "We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
    "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task"
)
MARKDOWN = "**bold** [link](https://evil.example) <at>Everyone</at> # heading"
CID = "0123456789ab"

hostile = st.one_of(
    st.text(max_size=3000),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=500, max_size=4000),  # emoji
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "So"]), max_size=2000),
    st.sampled_from(["", MARKDOWN * 200, "\x00\ud800\udfff" * 500, "a" * 100_000, "\u202e" * 3000]),
)
many = st.integers(min_value=0, max_value=60)


@pytest.fixture(scope="module")
def base() -> Recommendation:
    store = Store(":memory:")
    rec, _, _ = Advisor(store).assess(FULL)
    return rec


def hostile_rec(rec: Recommendation, text: str, n: int) -> Recommendation:
    return rec.model_copy(
        update={
            "verdict": text,
            "confidence_reason": text,
            "risks": [text] * n,
            "next_steps": [text] * n,
            "factors": [f.model_copy(update={"said": text, "name": text[:80]}) for f in rec.factors],
            "gates": [g.model_copy(update={"reason": text, "would_change": text}) for g in rec.gates] * min(n, 10),
            "citations": [Citation(source=text, section=text, quote=text)] * n,
            "case_studies": [CaseStudy(name=text, source=text, takeaway=text)] * min(n, 3),
        }
    )


def text_blocks(node: Any) -> list[str]:
    """The text of every TextBlock (which Teams renders as markdown) in a card."""
    if isinstance(node, list):
        return [t for item in node for t in text_blocks(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "TextBlock" else []
    return own + [t for v in node.values() if isinstance(v, dict | list) for t in text_blocks(v)]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=hostile, n=many)
def test_recommendation_and_question_cards_from_hostile_text(base: Recommendation, text: str, n: int) -> None:
    card = cards.recommendation_card(hostile_rec(base, text, n), CID, [text] * n)
    assert_valid_card(card)
    assert [a["type"] for a in card["actions"]] == [
        "Action.Submit",
        "Action.Submit",
        "Action.ShowCard",
        "Action.Submit",
    ]
    assert [a["data"]["verb"] for a in actions(card)] == ["adjust", "feedback", "feedback", "record"]  # 👎: its form
    questions = cards.questions_card(text, list(question_bank().values()), CID, [text] * n)
    assert_valid_card(questions)
    assert all("\x00" not in t for t in text_blocks(card) + text_blocks(questions))


@settings(max_examples=15, deadline=None)
@given(text=hostile)
def test_assessing_hostile_text_gives_a_valid_card(text: str) -> None:
    try:
        rec, intake, notes = Advisor(Store(":memory:")).assess(text)
    except InputError:
        return  # nothing to assess: the adapter answers with help instead
    assert_valid_card(cards.recommendation_card(rec, CID, notes))
    assert_valid_card(cards.adjust_card(CID, intake))


@settings(max_examples=15, deadline=None)
@given(text=hostile, n=many)
def test_adjust_summary_and_digest_cards_from_hostile_text(text: str, n: int) -> None:
    clean = cards.clean(text)
    intake = Intake(
        values=IntakeValues(
            use_case=clean[:500] or None, industry=clean[:100] or None, labeled_examples=10**10, budget_usd=1.5e11 / 2
        )
    )
    adjust = cards.adjust_card(CID, intake)
    assert_valid_card(adjust)
    summary = ThreadSummary(
        conversation_id=CID,
        platform="teams",
        team=text,
        channel=text,
        thread=text,
        requester=text,
        created_at="2026-11-27T10:00:00.000+00:00",
        use_case=text,
        steps=[StepSummary(step=i, name=text, said=[text] * n, unknown=[text] * n) for i in range(1, 7)],
        approach="hybrid",
        confidence=0.5,
        confidence_reason=text,
        tco_headline=text,
        crossover=None,
        risks=[text] * n,
        open_questions=[text] * n,
        decision=Decision(status="needs_info", note=text, user=text, updated_at="2026-11-27"),
        prose=text,
        feedback={"up": n, "down": n},
        feedback_reasons=[text] * n,
    )
    summary_card = lead_cards.summary_card(summary)
    assert_valid_card(summary_card)
    item = DigestItem(
        conversation_id=CID,
        channel=text,
        thread=text,
        requester=text,
        created_at="2026-11-27",
        approach="fine_tuning",
        confidence=0.7,
        status=text,
        crossover=None,
        feedback_up=n,
        feedback_down=n,
        feedback_reasons=[text] * n,
    )
    digest = Digest(
        period=text,
        total=n,
        counts={"fine_tuning": n},
        groups={"fine_tuning": [item] * n},
        recent_decisions=[item] * n,
        headline=text,
    )
    digest_card = lead_cards.digest_card(digest, text)
    assert_valid_card(digest_card)
    assert all("\x00" not in t for t in text_blocks(summary_card) + text_blocks(digest_card))


def test_feedback_reasons_are_shown_verbatim_in_summaries_and_digests() -> None:
    reasons = [MARKDOWN, "Too expensive for our volume"]
    summary = ThreadSummary(
        conversation_id=CID,
        platform="teams",
        team="t",
        channel="c",
        thread="chat",
        requester="aad-1",
        created_at="2026-11-27T10:00:00.000+00:00",
        use_case="tickets",
        steps=[],
        approach="hybrid",
        confidence=0.5,
        confidence_reason="",
        tco_headline="",
        crossover=None,
        feedback={"up": 1, "down": 2},
        feedback_reasons=reasons,
        prose="A summary.",
    )
    item = DigestItem(
        conversation_id=CID,
        channel="c",
        thread="chat",
        requester="aad-1",
        created_at="2026-11-27",
        approach="hybrid",
        confidence=0.5,
        status="Awaiting decision",
        crossover=None,
        feedback_up=1,
        feedback_down=2,
        feedback_reasons=reasons,
    )
    digest = Digest(period="last 7 days", total=1, counts={"hybrid": 1}, groups={"hybrid": [item]}, headline="1")
    summary_card, digest_card = lead_cards.summary_card(summary), lead_cards.digest_card(digest)
    shown = card_text(summary_card)
    assert "Feedback: 👍 1 · 👎 2" in shown and "Why 👎 (most recent first)" in shown
    assert shown.index(f"• {MARKDOWN}") < shown.index("• Too expensive for our volume")  # their words, newest first
    assert (
        "Feedback: 👍 1 · 👎 2 · 👎 why: “**bold** [link](https://evil.example) <at>Everyone</at> # h…”; "
        "“Too expensive for our volume”"
    ) in card_text(digest_card)  # one line per assessment, reasons clipped
    for card in (summary_card, digest_card):
        assert_valid_card(card)
        assert not [t for t in text_blocks(card) if "evil.example" in t]  # in TextRuns: never markdown


def test_user_text_is_never_rendered_as_markdown(base: Recommendation) -> None:
    card = cards.recommendation_card(hostile_rec(base, MARKDOWN, 3), CID, [MARKDOWN])
    assert MARKDOWN in json.dumps(card, ensure_ascii=False)  # shown, verbatim
    assert not [t for t in text_blocks(card) if "evil.example" in t]  # but only in TextRuns


def test_adjust_form_is_prefilled_in_full_and_never_clipped() -> None:
    long_use_case = "x" * 499 + "y"
    intake = Intake(
        values=IntakeValues(use_case=long_use_case, budget_usd=250000.0, regulated=False, ml_expertise="limited")
    )
    body = cards.adjust_card(CID, intake)["body"]
    inputs = {e["id"]: e for e in body if e["type"].startswith("Input.")}
    assert inputs["use_case"]["value"] == long_use_case
    assert inputs["budget_usd"]["value"] == "250000"
    assert inputs["regulated"]["value"] == "false" and inputs["ml_expertise"]["value"] == '"limited"'
    assert inputs["labeled_examples"].get("value") is None and inputs["industry"].get("value") is None
    steps = [e["text"] for e in body if e["type"] == "TextBlock" and e["text"].startswith("Step ")]
    assert len(steps) == 6


def test_card_says_when_a_configured_model_fell_back_to_offline_wording(base: Recommendation) -> None:
    def text(rec: Recommendation) -> str:
        return json.dumps(cards.recommendation_card(rec, CID))

    fell_back = base.model_copy(update={"llm_usage": {"calls": 1, "failures": 1}})
    assert "Wording produced offline" not in text(base)
    assert "Wording produced offline" in text(fell_back)
    assert_valid_card(cards.recommendation_card(fell_back, CID))


def test_card_names_the_prices_used_and_points_to_the_explanation(base: Recommendation) -> None:
    shown = json.dumps(cards.recommendation_card(base, CID), ensure_ascii=False)
    assert "Cost assumptions:" in shown and "tco --explain" in shown
