"""Conversations over real HTTP: Teams activities posted to the agent, replies recorded by the connector emulator."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services import Services
from tests.teams.harness import Chat, Connector, Sent, Teams, User, actions, card_text
from tests.teams.schema import assert_valid_card

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

FULL = (
    "We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
    "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task"
)
DANA = User("aad-dana-0001", "Dana")


def only_card(sent: list[Sent]) -> Sent:
    cards = [s for s in sent if s.card is not None]
    assert len(cards) == 1, [(s.type, s.text[:60]) for s in sent]
    assert_valid_card(cards[0].card or {}, cards[0].body)
    return cards[0]


def button(card: dict[str, object], verb: str, **match: object) -> dict[str, object]:
    for action in actions(card):
        data = action["data"]
        if data.get("verb") == verb and all(data.get(k) == v for k, v in match.items()):
            return dict(data)
    raise AssertionError(f"no {verb} button {match} in {[a['data'] for a in actions(card)]}")


def test_full_description_in_a_personal_chat_gets_one_card(
    teams: Teams, connector: Connector, services: Services
) -> None:
    chat = Chat.personal()
    mark = len(connector.calls)
    sent = teams.say(chat, DANA, FULL)
    everything = connector.since(mark, typing=True)
    assert everything[0].type == "typing"  # the typing indicator comes first, while the advisor works
    card_message = only_card(sent)
    assert card_message.conversation == chat.id and card_message.activity_id  # a reply to the user's message
    card = card_message.card or {}
    text = card_text(card)
    assert "Fine-tuning · " in text and "The six steps" in text and "3-year cost" in text
    assert "Crossover" in text and "Risks" in text and "Next steps" in text
    verbs = [a["data"]["verb"] for a in actions(card)]
    assert verbs == ["adjust", "feedback", "feedback", "record"]
    cid = str(button(card, "adjust")["c"])
    assert f"summary {cid}" in text  # the card names its assessment for summaries and export
    conv = services.store.get_conversation(cid)
    assert conv.platform == "teams" and conv.team == "tenant-0001" and conv.thread == "chat"
    assert conv.user == DANA.aad
    stored = services.store.card(cid)
    assert stored is not None and stored == {**stored, "channel": chat.id, "ts": card_message.new_id}
    assert card_message.body.get("summary", "").startswith("Recommendation: Fine-tuning")


def test_channel_mention_thin_description_questions_then_card(
    teams: Teams, connector: Connector, services: Services
) -> None:
    channel = Chat.channel()
    post = teams.message(
        channel.thread("1700000000001"), DANA, "Summarize our sales calls", mention=True, id="1700000000001"
    )
    status, sent = teams.post(post)
    assert status == 202
    questions = only_card(sent).card or {}
    answer = button(questions, "answer")
    cid = str(answer["c"])
    conv = services.store.get_conversation(cid)
    assert conv.channel == channel.id and conv.thread == "1700000000001"
    assert services.store.turns(cid)[0]["text"] == "Summarize our sales calls"  # the mention is stripped
    thread = channel.thread("1700000000001")
    card = None
    for _ in range(6):  # answer each round with its first quick answer until the card comes
        sent = teams.click(thread, DANA, answer, reply_to=sent[0].new_id)
        message = only_card(sent)
        if button_verbs(message.card or {}) == ["adjust", "feedback", "feedback", "record"]:
            card = message
            break
        answer = button(message.card or {}, "answer")
        sent = [message]
    assert card is not None, "no recommendation after the question rounds"
    assert (services.store.card(cid) or {}).get("ts") == card.new_id
    # A correction typed in the reply chain (no mention needed once the conversation exists) replaces the card.
    sent = teams.say(thread, DANA, "actually we have 200k clean labeled examples and an ML team of 6")
    updates = [s for s in sent if s.method == "PUT"]
    assert [u.activity_id for u in updates] == [card.new_id]
    assert_valid_card(updates[0].card or {}, updates[0].body)
    assert any("updated the recommendation card" in s.text for s in sent)
    assert not [s for s in sent if s.method == "POST" and s.card]


def button_verbs(card: dict[str, object]) -> list[str]:
    return [str(a["data"]["verb"]) for a in actions(card) if a["data"].get("verb") != "answer"]


def test_quick_answer_is_applied_once(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    first = only_card(teams.say(chat, DANA, "Summarize our sales calls"))
    answer = button(first.card or {}, "answer")
    teams.click(chat, DANA, answer, reply_to=first.new_id)
    turns = len(services.store.turns(str(answer["c"])))
    again = teams.click(chat, DANA, answer, reply_to=first.new_id)  # a double click
    assert [s.text for s in again] == ["That question was already answered."]
    assert len(services.store.turns(str(answer["c"]))) == turns


def test_adjust_answers_replaces_the_card(teams: Teams, connector: Connector, services: Services) -> None:
    chat = Chat.personal()
    card_message = only_card(teams.say(chat, DANA, FULL))
    cid = str(button(card_message.card or {}, "adjust")["c"])
    form_message = only_card(
        teams.click(chat, DANA, button(card_message.card or {}, "adjust"), reply_to=card_message.new_id)
    )
    form = form_message.card or {}
    inputs = {e["id"]: e for e in walk_inputs(form)}
    intake = services.store.latest_intake(cid).values
    assert set(inputs) == set(intake.model_dump())
    assert inputs["labeled_examples"]["value"] == "50000" and inputs["ml_expertise"]["value"] == '"strong"'
    assert [b["data"]["verb"] for b in actions(form)] == ["adjust_submit"]
    versions = len(services.store.intake_versions(cid))

    # A value that isn't a number: a clear message naming the field, nothing stored.
    bad: dict[str, Any] = {
        "verb": "adjust_submit",
        "c": cid,
        **{k: v.get("value", "") for k, v in inputs.items()},
        "labeled_examples": "lots",
    }
    sent = teams.click(chat, DANA, bad, reply_to=form_message.new_id)
    assert len(sent) == 1 and "Labeled examples" in sent[0].text and "nothing was changed" in sent[0].text
    assert len(services.store.intake_versions(cid)) == versions

    # No labeled data and no ML team: the engine can't fine-tune, and the card is replaced in place.
    good = {**bad, "labeled_examples": "0", "ml_expertise": '"none"'}
    sent = teams.click(chat, DANA, good, reply_to=form_message.new_id)
    assert [s.activity_id for s in sent if s.method == "PUT"] == [card_message.new_id]
    assert connector.messages[str(card_message.new_id)]["summary"].startswith("Recommendation: Prompt engineering")
    assert any("adjusted the answers" in s.text and "Dana" in s.text for s in sent)
    assert services.store.latest_intake(cid).values.labeled_examples == 0
    assert services.store.latest_recommendation(cid).approach == "prompt_engineering"  # type: ignore[union-attr]


def walk_inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card.get("body", []) if str(e.get("type", "")).startswith("Input.")]


def test_feedback_is_stored(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    card = only_card(teams.say(chat, DANA, FULL)).card or {}
    up = button(card, "feedback", v="up")
    sent = teams.click(chat, DANA, up)
    assert [s.text for s in sent] == ["Thanks for the 👍, noted."]
    assert [(f["user"], f["value"]) for f in services.store.feedback(str(up["c"]))] == [(DANA.aad, "up")]


def test_a_thumbs_down_can_say_why_and_leads_see_it(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    card = only_card(teams.say(chat, DANA, FULL)).card or {}
    down = button(card, "feedback", v="down")  # inside the 👎 form, with the reason input
    cid = str(down["c"])
    too_long = teams.click(chat, DANA, {**down, "reason": "x" * 501})
    assert [s.text for s in too_long] == ["Keep the reason under 500 characters, please. Nothing was changed."]
    assert services.store.feedback(cid) == []
    sent = teams.click(chat, DANA, {**down, "reason": "  Our volume\n is **seasonal**  "})
    assert [s.text for s in sent] == ["Thanks, your reason is recorded with your 👎."]
    assert [(f["value"], f["reason"]) for f in services.store.feedback(cid)] == [("down", "Our volume is **seasonal**")]
    summary = card_text(only_card(teams.say(chat, DANA, "summary")).card or {})
    assert "Feedback: 👍 0 · 👎 1" in summary and "• Our volume is **seasonal**" in summary


def test_why_and_help_are_plain_text(teams: Teams) -> None:
    chat = Chat.personal()
    teams.say(chat, DANA, FULL)
    why = teams.say(chat, DANA, "why?")
    assert len(why) == 1 and why[0].card is None and why[0].body["textFormat"] == "plain"
    assert "Step 2" in why[0].text


def test_deleted_card_is_posted_again_and_old_buttons_are_refused(
    teams: Teams, connector: Connector, services: Services
) -> None:
    chat = Chat.personal()
    first = only_card(teams.say(chat, DANA, FULL))
    connector.messages.pop(str(first.new_id))  # the user deleted the card in Teams: it can't be updated
    sent = teams.say(chat, DANA, "actually we have no labeled data")
    assert [s.method for s in sent if s.card] == ["PUT", "POST"]  # tried in place, then posted anew
    second = next(s for s in sent if s.card and s.method == "POST")
    cid = str(button(second.card or {}, "adjust")["c"])
    assert services.store.card(cid)["ts"] == second.new_id  # type: ignore[index]
    stale = teams.click(chat, DANA, button(first.card or {}, "feedback", v="down"), reply_to=first.new_id)
    assert [s.text for s in stale] == ["That card is out of date: use the buttons on the latest recommendation card."]
    assert services.store.feedback(cid) == []
    fresh = teams.click(chat, DANA, button(second.card or {}, "feedback", v="down"), reply_to=second.new_id)
    assert "👎" in fresh[0].text and [f["value"] for f in services.store.feedback(cid)] == ["down"]


def test_redelivered_form_submission_is_applied_once(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    card_message = only_card(teams.say(chat, DANA, FULL))
    adjust = button(card_message.card or {}, "adjust")
    cid = str(adjust["c"])
    form = only_card(teams.click(chat, DANA, adjust, reply_to=card_message.new_id))
    values = {str(e["id"]): e.get("value", "") for e in walk_inputs(form.card or {})}
    submission = teams.submit(
        chat, DANA, {"verb": "adjust_submit", "c": cid, **values, "labeled_examples": "0"}, reply_to=form.new_id
    )
    status, first = teams.post(submission)
    assert status == 202 and [s.method for s in first if s.card] == ["PUT"]
    versions, turns = len(services.store.intake_versions(cid)), len(services.store.turns(cid))
    status, again = teams.post(submission)  # Teams redelivers the same activity (same id) after a timeout
    assert status == 202 and again == []
    assert (len(services.store.intake_versions(cid)), len(services.store.turns(cid))) == (versions, turns)


def test_a_complete_description_with_we_can_take_5_months_gets_a_card_in_teams(teams: Teams) -> None:
    text = (
        "Claims triage for our insurance ops: 80k labeled claims reviewed by adjusters, an ML team of 6, "
        "about 3M claims a month, the categories are stable, not regulated, budget $400k, "
        "we can take 5 months"
    )
    card = only_card(teams.say(Chat.personal(), DANA, text)).card or {}
    assert "The six steps" in card_text(card)
