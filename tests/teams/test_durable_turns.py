"""Teams turns are durable: a message is in the inbox before Teams gets its answer. One left there (its process died
before answering) is answered at the next start and replied to proactively in its conversation; a message that
cannot be written down (the database is down) gets a 503, so Teams sends it again, and is answered once then."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from microsoft_agents.activity import Activity

from bot.services import Services
from bot.teams.routing import key_of, route
from bot.teams.serve import build
from bot.teams.turns import TeamsTurns
from tests import pg
from tests.teams.conftest import teams_services
from tests.teams.harness import AgentServer, Chat, Connector, Teams, User

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

KIM = User("aad-kim-0031", "Kim")
OPENING = "an assistant that summarises our weekly sales calls"


def queued_without_answer(services: Services, teams: Teams, chat: Chat) -> None:
    """What a process killed right after writing the message down leaves: the turn, in the inbox."""
    activity = Activity.model_validate(teams.message(chat, KIM, OPENING))
    turn = route(activity, mentioned=False, has_conversation=False)
    assert turn is not None and turn.key == key_of(activity)
    assert TeamsTurns(services).queue(turn, activity) is not None


@pytest.mark.slow
def test_a_turn_left_in_the_inbox_is_answered_at_start_and_replied_to_proactively(
    tmp_path: Path, connector: Connector
) -> None:
    services = teams_services(tmp_path / "data", advisor_teams_anonymous=True)
    chat = Chat.personal()
    teams = Teams("http://127.0.0.1:9", connector)  # only builds activities here
    queued_without_answer(services, teams, chat)
    assert services.inbox.waiting() == 1

    server = AgentServer(build(services)).start()  # answers what the inbox holds as it starts
    try:
        deadline = time.monotonic() + 30
        while not (sent := [c for c in connector.since(0) if c.conversation == chat.id]):
            assert time.monotonic() < deadline, "the turn left in the inbox was not answered"
            time.sleep(0.1)
        assert [c.method for c in sent] == ["POST"] and sent[0].card is not None  # the first question round
        assert services.inbox.waiting() == 0
        conv = services.store.find_conversation(str(key_of(Activity.model_validate(teams.message(chat, KIM, "x")))))
        assert conv is not None and services.store.turn_count(conv.id) == 2  # the message and the reply, once
    finally:
        server.stop()


def test_a_message_that_cannot_be_written_down_gets_a_503_then_is_answered_once(
    tmp_path: Path, connector: Connector, pg_url: str, pg_cluster: pg.Cluster
) -> None:
    services = teams_services(tmp_path / "data", advisor_teams_anonymous=True, database_url=pg_url)
    server = AgentServer(build(services)).start()
    chat = Chat.personal()
    teams = Teams(server.url, connector)
    activity = teams.message(chat, KIM, OPENING)
    try:
        pg_cluster.shut_down()
        try:
            status, sent = teams.post(activity)
            assert status == 503 and sent == []
        finally:
            pg_cluster.start()
        for _ in range(100):  # Teams sends it again; the reconnection backoff may refuse the first tries
            status, sent = teams.post(activity)
            if status != 503:
                break
            time.sleep(0.2)
        assert status in (200, 202) and [c.card is not None for c in sent] == [True]
        assert teams.post(activity) == (status, [])  # the same activity once more: recognised, not answered twice
        assert services.inbox.waiting() == 0
    finally:
        server.stop()
        services.store.close()
