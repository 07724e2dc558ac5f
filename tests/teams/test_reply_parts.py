"""Teams renders a reply from its parts (intro, questions with quick answers, notes, card), never its text."""

from __future__ import annotations

from bot.advisor.questions import question_bank
from bot.teams import messages as msg
from bot.teams.replies import render
from bot.workflows.conversation import Reply
from tests.teams.harness import actions, card_text
from tests.teams.schema import assert_valid_card
from tests.workflows.replies import CID, INTRO, NOTE, question_round


def test_a_question_round_is_a_card_of_its_parts() -> None:
    out = render(question_round())
    assert out.card is not None and out.summary == INTRO
    assert_valid_card(out.card)
    shown = card_text(out.card)
    bank = question_bank()
    assert INTRO in shown and NOTE in shown
    assert bank["ml_expertise"].text in shown and bank["changes_often"].text in shown
    assert "Not the intro" not in shown and "Reworded question" not in shown
    submitted = [a["data"] for a in actions(out.card)]
    assert {"verb": "answer", "c": CID, "f": "changes_often", "v": True} in submitted
    assert [a["title"] for a in actions(out.card)][:3] == [a.label for a in bank["ml_expertise"].quick_answers]


def test_a_round_without_an_intro_falls_back_to_a_neutral_notification() -> None:
    out = render(question_round(intro=""))
    assert out.card is not None and out.summary == msg.QUESTIONS_FALLBACK
    assert not card_text(out.card).startswith(INTRO)


def test_a_message_is_plain_text() -> None:
    out = render(Reply(kind="message", conversation_id=CID, text="Starting over."))
    assert out.card is None and out.text == "Starting over."
    assert out.activity().text == "Starting over."
