"""The conversations of issue 13 in Teams, over real HTTP: a personal chat keeps one conversation per chat but
starts a new assessment for a new project (or a description that contradicts the known facts); channel reply chains
are one assessment each; questions, thanks and "why not X?" are answered as what they are."""

from __future__ import annotations

import pytest

from bot.services import Services
from bot.storage.store import Conversation
from tests.teams.harness import Chat, Sent, Teams, User, card_text

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

SAM = User("aad-sam-0013", "Sam")
# My own wording: an IT-helpdesk bot, then a fraud-screening project that disagrees on nearly every fact.
HELPDESK = (
    "We'd like a bot that answers staff questions about our IT helpdesk guides. No labeled examples at all, "
    "two web developers and nobody who does ML, we need it in 5 weeks"
)
FRAUD = (
    "We want to flag fraudulent expense reports: 90k reviewed reports with labels, 4 data scientists, about "
    "2 million reports a month, live in 9 months"
)
FULL = (
    "A classifier that tags incoming support tickets: 60k clean labeled tickets, 1.5M tickets a month, an ML team "
    "of 4, live in 5 months, budget $250k, not regulated, the tags are stable"
)


def shown(sent: list[Sent]) -> str:
    """Everything the agent sent: plain text and the text of its cards."""
    return "\n".join(s.text + "\n" + card_text(s.card) if s.card else s.text for s in sent)


def chat_conversation(services: Services, chat: Chat) -> Conversation:
    found = services.store.find_conversation(f"teams:tenant-0001:{chat.id}:chat")
    assert found is not None
    return found


def test_another_project_in_a_personal_chat_starts_a_new_assessment(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    teams.say(chat, SAM, HELPDESK)
    old = chat_conversation(services, chat).id
    sent = shown(teams.say(chat, SAM, "another idea: " + FRAUD))
    assert f"previous assessment is kept (ID {old})" in sent
    new = chat_conversation(services, chat).id
    assert new != old and services.store.latest_intake(new).known()["labeled_examples"] == 90_000
    assert "deadline_weeks" in services.store.latest_intake(old).known()  # the old one is intact
    assert {old, new} <= {r["id"] for r in services.store.assessments()}


def test_a_contradicting_description_starts_a_new_assessment_but_a_correction_does_not(
    teams: Teams, services: Services
) -> None:
    chat = Chat.personal()
    teams.say(chat, SAM, HELPDESK)
    old = chat_conversation(services, chat).id
    teams.say(chat, SAM, "actually we have 300 labeled examples")
    assert chat_conversation(services, chat).id == old
    sent = shown(teams.say(chat, SAM, FRAUD))
    assert "different project" in sent and old in sent
    assert chat_conversation(services, chat).id != old
    assert services.store.latest_intake(old).known()["labeled_examples"] == 300


def test_a_reply_fills_only_the_fields_its_words_fit(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    teams.say(chat, SAM, "an assistant that writes first drafts of replies to customer emails")
    teams.say(chat, SAM, "we have a data science team of 4. budget is roughly 300k")
    cid = chat_conversation(services, chat).id
    known = services.store.latest_intake(cid).known()
    assert "labeled_examples" not in known and known["budget_usd"] == 300_000
    teams.say(chat, SAM, "those 2500 old tickets are basically labeled examples, btw")
    assert services.store.latest_intake(cid).known()["labeled_examples"] == 2500


def test_a_topic_question_and_thanks_start_no_intake(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    answer = shown(teams.say(chat, SAM, "what's the difference between retrieval and fine-tuning?"))
    assert "knowledge/" in answer and "Happy to help" not in answer
    thanks = shown(teams.say(chat, SAM, "thanks, that's helpful"))
    assert "Describe" in thanks and "didn't catch" not in thanks
    assert not services.store.latest_intake(chat_conversation(services, chat).id).known()


def test_why_not_hybrid_and_restart_in_a_channel_thread(teams: Teams, services: Services) -> None:
    thread = Chat.channel().thread("1700000000777")
    card = shown(teams.say(thread, SAM, FULL, mention=True))
    assert "Fine-tuning · " in card
    why_not = shown(teams.say(thread, SAM, "why not hybrid though?"))
    assert why_not.startswith("Why not hybrid") and "→ fine-tuning (" not in why_not
    key = f"teams:tenant-0001:{thread.id.split(';')[0]}:1700000000777"
    old = services.store.find_conversation(key)
    assert old is not None
    restarted = shown(teams.say(thread, SAM, "restart"))
    assert str(old.id) in restarted
    assert old.id in {r["id"] for r in services.store.assessments()}  # still exportable
    teams.say(thread, SAM, HELPDESK)  # the next description is the new assessment's use case
    new = services.store.find_conversation(key)
    assert new is not None and new.id != old.id
    assert "helpdesk" in str(services.store.latest_intake(str(new.id)).known().get("use_case"))
