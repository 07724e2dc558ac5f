"""The card and question blocks stay within Block Kit's limits and never let user text inject mentions or links."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.advisor.engine import CaseStudy, Citation
from bot.slack import blocks as bk
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey

FULL = (
    "support ticket classifier; 50k clean labeled tickets, 2M requests a month, an ML team of 5, "
    "live in 6 months, budget $300k, not regulated, stable task"
)
_pieces = st.sampled_from(
    [*"<>&!@|*_~`\n #", "<!channel>", "<!here>", "<@U1>", "<https://x.io|y>", "🚀", "ש", "م", "```", "x" * 50]
)
hostile = st.one_of(st.text(max_size=300), st.lists(_pieces, max_size=60).map("".join))


def check_limits(blocks: list[dict[str, object]]) -> None:
    assert len(blocks) <= 50
    for b in blocks:
        text = b.get("text")
        if b["type"] == "header":
            assert isinstance(text, dict) and len(text["text"]) <= 150
        if b["type"] == "section":
            if isinstance(text, dict):
                assert len(text["text"]) <= 3000
            fields = b.get("fields") or []
            assert isinstance(fields, list) and len(fields) <= 10
            assert all(len(f["text"]) <= 2000 for f in fields)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user_text=hostile, extra=hostile)
def test_card_from_arbitrary_text_is_within_limits_and_escaped(user_text: str, extra: str) -> None:
    advisor = Advisor(Store(":memory:"))
    reply = advisor.handle(ConversationKey("slack", "T", "C", "1"), "U", user_text + " " + FULL + " " + extra)
    assert reply.recommendation is not None
    rec = reply.recommendation.model_copy(
        update={
            "verdict": user_text * 50,
            "risks": [user_text] * 40,
            "next_steps": [extra * 30] * 40,
            "citations": [Citation(source=user_text or "s", section=extra)] * 30,
            "case_studies": [CaseStudy(name=user_text or "n", source="s", takeaway=extra * 100)],
        }
    )
    card = bk.card_blocks(rec, reply.conversation_id, [user_text] * 20)
    blocks = bk.to_dicts(card)
    assert blocks == [b.to_dict() for b in card]  # what slack_sdk gives, its validators run
    check_limits(blocks)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "<!" not in dumped and "<@" not in dumped and "<http" not in dumped


@pytest.mark.slow
@given(text=hostile)
def test_escape_and_clip(text: str) -> None:
    out = bk.safe(text, 100)
    assert len(out) <= 100 and "<" not in out and ">" not in out
    assert not out.rstrip("…").endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))


def test_metadata_carries_the_contract() -> None:
    advisor = Advisor(Store(":memory:"))
    reply = advisor.handle(ConversationKey("slack", "T", "C", "1"), "U", FULL)
    assert reply.recommendation is not None
    meta = bk.card_metadata(reply.recommendation, reply.conversation_id, 7).to_dict()
    assert meta["event_type"] == "advisor_recommendation"
    assert {"approach", "confidence", "conversation_id", "tco_crossover_monthly_requests"} <= set(meta["event_payload"])


def test_question_blocks_have_unique_action_ids() -> None:
    advisor = Advisor(Store(":memory:"))
    reply = advisor.handle(ConversationKey("slack", "T", "C", "1"), "U", "a chatbot for our docs <!here>")
    blocks = bk.to_dicts(bk.question_blocks("intro <!here>", reply.questions, reply.conversation_id))
    check_limits(blocks)
    for b in blocks:
        if b["type"] == "actions":
            ids = [e["action_id"] for e in b["elements"]]
            assert len(ids) == len(set(ids)) and all(i.startswith("answer:") for i in ids)
            assert json.loads(b["elements"][0]["value"])["c"] == reply.conversation_id
    assert "<!here>" not in json.dumps(blocks)


def test_card_says_when_a_configured_model_fell_back_to_offline_wording() -> None:
    rec = Advisor(Store(":memory:")).assess(FULL)[0]
    plain = json.dumps(bk.to_dicts(bk.card_blocks(rec, "c1")))
    assert "Wording produced offline" not in plain  # no model configured: nothing to say
    fell_back = rec.model_copy(update={"llm_usage": {"calls": 1, "failures": 1}})
    assert "Wording produced offline" in json.dumps(bk.to_dicts(bk.card_blocks(fell_back, "c1")))
    worded = fell_back.model_copy(update={"wording": "llm"})
    assert "Wording produced offline" not in json.dumps(bk.to_dicts(bk.card_blocks(worded, "c1")))


def test_blocks_serialise_as_slack_sdk_does_validators_and_all() -> None:
    # bk.to_dicts skips slack_sdk's validators: what it gives must be what `to_dict` (which runs them) gives.
    advisor = Advisor(Store(":memory:"))
    thin = advisor.handle(ConversationKey("slack", "T", "C", "1"), "U", "a chatbot for our docs <!here> & more")
    full = advisor.handle(ConversationKey("slack", "T", "C", "2"), "U", FULL)
    assert thin.questions and full.recommendation is not None
    rounds = [
        bk.card_blocks(full.recommendation, full.conversation_id, ["a note <@U1>", ""]),
        bk.question_blocks("intro <!here>", thin.questions, thin.conversation_id, ["note"]),
        bk.question_blocks("", thin.questions, thin.conversation_id),
        bk.text_blocks("plain & <simple>"),
        bk.tco_blocks(full.recommendation.tco),
    ]
    for blocks in rounds:
        assert bk.to_dicts(blocks) == [b.to_dict() for b in blocks]
    assert bk.to_dicts([]) == []
