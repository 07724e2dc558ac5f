"""Bad input over HTTP: refused or ignored with a clear message, and nothing stored changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.services import Services
from tests.sqlite_store import sqlite_db
from tests.teams.harness import Chat, Connector, Teams, User, actions, http

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

DANA = User("aad-dana-0002", "Dana")
MALLORY = User("aad-mallory-0001", "Mallory")
FULL = (
    "Invoice field extraction: 120k clean labeled invoices, ML team of 6, 3M documents a month, stable format, "
    "launch in 5 months, budget $400k"
)
TABLES = ("conversations", "turns", "intake_versions", "recommendations", "feedback", "cards", "decisions", "audit")


def counts(services: Services) -> dict[str, int]:
    db = sqlite_db(services.store)
    return {t: db.table(t).count for t in TABLES if db.table(t).exists()}


@pytest.fixture
def unchanged(services: Services) -> Iterator[None]:
    """Asserts after the test that no user-visible table changed."""
    before = counts(services)
    yield
    assert counts(services) == before


@pytest.fixture(scope="module")
def assessment(teams_module: Teams) -> tuple[Chat, str]:
    """A personal chat with a recommendation card, and the conversation id."""
    chat = Chat.personal()
    sent = teams_module.say(chat, DANA, FULL)
    card = next(s.card for s in sent if s.card)
    return chat, str(actions(card)[0]["data"]["c"])


@pytest.fixture(scope="module")
def teams_module(agent: Any, connector: Connector) -> Teams:
    return Teams(agent.url, connector)


@pytest.mark.usefixtures("unchanged")
def test_message_without_text_in_a_personal_chat_is_told_what_to_do(teams: Teams) -> None:
    status, sent = teams.post(
        teams.activity(
            Chat.personal(), DANA, attachments=[{"contentType": "image/png", "contentUrl": "https://example.com/a.png"}]
        )
    )
    assert status == 202
    assert [s.text for s in sent] == ["I can only read text. Describe the AI feature you want to build in a message."]


@pytest.mark.usefixtures("unchanged")
def test_bare_mention_gets_help(teams: Teams) -> None:
    sent = teams.say(Chat.channel().thread("42"), DANA, "", mention=True)
    assert len(sent) == 1 and "Describe the AI feature" in sent[0].text


@pytest.mark.usefixtures("unchanged")
def test_channel_chatter_without_a_mention_is_ignored(teams: Teams) -> None:
    assert teams.say(Chat.channel().thread("43"), DANA, FULL) == []


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("kind", ["event", "messageReaction", "installationUpdate", "typing", "endOfConversation"])
def test_unknown_activity_types_are_ignored(teams: Teams, kind: str) -> None:
    status, sent = teams.post({**teams.activity(Chat.personal(), DANA), "type": kind, "name": "x"})
    assert status in (200, 202) and sent == []


@pytest.mark.usefixtures("unchanged")
def test_unknown_invoke_is_refused(teams: Teams) -> None:
    activity = {**teams.activity(Chat.personal(), DANA), "type": "invoke", "name": "composeExtension/query"}
    status, sent = teams.post(activity)
    assert status == 501 and sent == []


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"type": 5}', 400),
        (b'{"type": "message"}', 400),
        (b'{"type": "message", "conversation": {"id": ""}}', 400),
    ],
)
def test_malformed_bodies_are_refused(teams: Teams, body: bytes, status: int) -> None:
    got, _ = http("POST", teams.url, raw=body)
    assert got == status


@pytest.mark.slow
def test_redelivered_activity_is_handled_once(teams: Teams, services: Services) -> None:
    chat = Chat.personal()
    activity = teams.message(chat, DANA, FULL)
    _, first = teams.post(activity)
    before = counts(services)
    _, second = teams.post(activity)
    assert first and second == []
    assert counts(services) == before


@pytest.mark.slow
@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("data", "reply"),
    [
        ({}, "I don't know that button"),
        ({"verb": "answer"}, "I don't know that button"),
        ({"verb": "launch_missiles", "c": "CID"}, "I don't know that button"),
        ({"verb": "feedback", "c": "000000000000", "v": "up"}, "no longer valid"),
        ({"verb": "feedback", "c": "CID", "v": "meh"}, "I don't know that button"),
        ({"verb": "answer", "c": "CID", "f": "labeled_examples", "v": 123456789}, "I don't know that button"),
        ({"verb": "answer", "c": "CID", "f": "rm -rf", "v": 0}, "I don't know that button"),
        ({"verb": "adjust_submit", "c": "CID"}, "nothing was changed"),
        ({"verb": "adjust_submit", "c": "CID", "regulated": '"maybe"'}, "Regulated: Pick one of the options"),
        ({"verb": "adjust_submit", "c": "CID", "deadline_weeks": "-3"}, "Deadline (weeks)"),
    ],
)
def test_bad_submissions_change_nothing(
    teams: Teams, assessment: tuple[Chat, str], data: dict[str, Any], reply: str
) -> None:
    chat, cid = assessment
    data = {k: (cid if v == "CID" else v) for k, v in data.items()}
    sent = teams.click(chat, DANA, data)
    assert len(sent) == 1 and reply in sent[0].text, [s.text for s in sent]


@pytest.mark.slow
@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("verb", ["feedback", "adjust", "adjust_submit", "answer"])
def test_another_conversations_id_is_refused(teams: Teams, assessment: tuple[Chat, str], verb: str) -> None:
    _, cid = assessment
    data = {"verb": verb, "c": cid, "v": "up", "f": "labeled_examples", "labeled_examples": "0"}
    for elsewhere in (Chat.personal(), Chat.channel().thread("7"), Chat(assessment[0].id, tenant="other-tenant")):
        sent = teams.click(elsewhere, MALLORY, data)
        assert [s.text for s in sent] == ["That button doesn't belong to this conversation, so I ignored it."]
