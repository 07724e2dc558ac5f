"""Slack renders a reply from its parts (intro, questions with quick answers, notes, card), never its text."""

from __future__ import annotations

import json
from typing import Any

from bot.advisor.questions import question_bank
from bot.slack.replies import render
from bot.workflows.conversation import Advisor, ConversationKey, Reply
from tests.workflows.replies import CID, INTRO, MISLEADING_TEXT, NOTE, question_round


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    shown = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            shown.append(block["text"]["text"])
        shown += [e["text"] for e in block.get("elements") or [] if e.get("type") == "mrkdwn"]
    return shown


def test_a_question_round_shows_its_intro_questions_buttons_and_notes() -> None:
    out = render(question_round())
    blocks = out.message["blocks"]
    shown = texts(blocks)
    assert out.kind == "questions" and shown[0] == INTRO
    assert "Not the intro" not in json.dumps(blocks) and "Reworded question" not in json.dumps(blocks)
    bank = question_bank()
    assert f"*1. {bank['ml_expertise'].text}*" in shown[1] and f"*2. {bank['changes_often'].text}*" in shown[2]
    buttons = {b["block_id"]: [e["text"]["text"] for e in b["elements"]] for b in blocks if b["type"] == "actions"}
    assert buttons == {
        "q:ml_expertise": [a.label for a in bank["ml_expertise"].quick_answers],
        "q:changes_often": ["Stable", "Changes often"],
    }
    values = [json.loads(e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert {v["c"] for v in values} == {CID} and {"v": True, "c": CID} in values  # answers keep their types
    assert f"_{NOTE}_" in shown


def test_a_round_without_an_intro_starts_with_its_first_question() -> None:
    blocks = render(question_round(intro="")).message["blocks"]
    assert texts(blocks)[0].startswith("*1. ")


def test_a_message_shows_its_text_and_a_card_its_recommendation(advisor: Advisor) -> None:
    message = render(Reply(kind="message", conversation_id=CID, text="Starting over."))
    assert message.kind == "message" and texts(message.message["blocks"]) == ["Starting over."]
    reply = advisor.handle(
        ConversationKey("test", "T1", "C1", "1.1"),
        "U1",
        "A support ticket classifier: 50k clean labeled tickets, 2M requests a month, an ML team of 5, "
        "live in 6 months, budget $300k, not regulated, stable task",
    )
    card = render(reply.model_copy(update={"text": MISLEADING_TEXT}))
    assert card.kind == "recommendation" and "Not the intro" not in json.dumps(card.message)
    assert card.message["metadata"]["event_payload"]["conversation_id"] == reply.conversation_id
