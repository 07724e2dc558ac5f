"""The same scenarios give the same approach on Slack, Teams and the CLI: one core, three adapters.

Slack: signed Events API requests to the Bolt app served in-process over HTTP, replies read from the Web API
emulator. Teams: activities posted to the agent, replies read from the connector emulator. CLI: `ai-advisor
assess --json`. A conversation that asks questions first is told "recommend now".
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from bot.advisor.engine import APPROACH_NAMES
from bot.cli import main
from bot.config import Settings
from bot.services import Services
from bot.slack.app import build_app
from bot.slack.serve import SlackWsgiApp
from tests import slack_requests as sr
from tests.polling import SERVER_POLL_S
from tests.slack_emulator import SlackEmulator
from tests.teams.harness import Chat, Sent, Teams, User

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

SECRET = "cross-platform-secret"
SCENARIOS = [
    (
        "fine_tuning",
        "Invoice field extraction for our AP team: 120k clean labeled invoices, an ML team of 6, "
        "3M documents a month, the format is stable, launch in 5 months, budget $400k",
    ),
    (
        "prompt_engineering",
        "An internal HR policy Q&A chatbot. No labeled data, two web developers and no ML "
        "people, policies change every month, we need it in 2 weeks",
    ),
    (
        "hybrid",
        "Clinical note coding assistant for a hospital network: HIPAA regulated, 60k labeled notes reviewed "
        "by coders, strong ML team, 2M notes a month, coding guidelines change every quarter, budget $500k, "
        "6 months",
    ),
    (
        "prompt_engineering",
        "Marketing copy generator pilot with a few dozen examples, no ML engineers, about 5k requests a month",
    ),
    (
        "hybrid",
        "Fraud alert triage for a bank: 200k labeled alerts of mixed quality, in-house ML team of 8, 10M "
        "alerts per month, the fraud patterns change every sprint, budget $1M, live in 4 months",
    ),
    (
        "prompt_engineering",
        "Legal contract summarizer: 15k clean labeled summaries, an ML team of 3, 500k requests "
        "a month, budget $150k, launch in 8 weeks",
    ),
]
BY_NAME = {name: approach for approach, name in APPROACH_NAMES.items()}


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def slack_emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def slack(slack_emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sr.SlackClient]:
    """The Bolt app in-process behind a real HTTP server, talking to the Web API emulator."""
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=slack_emulator.url,
        advisor_data_dir=tmp_path_factory.mktemp("slack"),
    )
    server = make_server(
        "127.0.0.1",
        0,
        SlackWsgiApp(build_app(Services(settings)), SECRET),
        server_class=_ThreadingWSGIServer,
        handler_class=_Quiet,
    )
    threading.Thread(target=server.serve_forever, args=(SERVER_POLL_S,), daemon=True).start()
    yield sr.SlackClient(f"http://127.0.0.1:{server.server_address[1]}", SECRET)
    server.shutdown()
    server.server_close()


def slack_approach(client: sr.SlackClient, emulator: SlackEmulator, text: str) -> str:
    channel = "C" + uuid.uuid4().hex[:10].upper()
    mention = sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel)
    assert client.post_event(sr.event_body(mention))[0] == 200
    thread = str(mention["ts"])

    def in_thread(call: object) -> bool:
        params = getattr(call, "params", {})
        return bool(params.get("channel") == channel and params.get("thread_ts") == thread)

    first = emulator.wait_for("chat.postMessage", 1, 20, in_thread, ok_only=True)[0]
    card = first
    if (first.params.get("metadata") or {}).get("event_type") != "advisor_recommendation":
        reply = sr.message("recommend now", channel=channel, thread_ts=thread)
        assert client.post_event(sr.event_body(reply))[0] == 200
        card = emulator.wait_for("chat.postMessage", 2, 20, in_thread, ok_only=True)[1]
    metadata = card.params["metadata"]
    assert metadata["event_type"] == "advisor_recommendation"
    return str(metadata["event_payload"]["approach"])


def teams_approach(teams: Teams, text: str) -> str:
    chat, user = Chat.personal(), User(f"aad-{uuid.uuid4().hex[:8]}")

    def card_of(sent: list[Sent]) -> Sent | None:
        return next((s for s in sent if s.card and s.body.get("summary", "").startswith("Recommendation: ")), None)

    card = card_of(teams.say(chat, user, text)) or card_of(teams.say(chat, user, "recommend now"))
    assert card is not None
    name = str(card.body["summary"]).removeprefix("Recommendation: ").rsplit(" (", 1)[0]
    return BY_NAME[name]


def cli_approach(text: str) -> str:
    result = CliRunner().invoke(main, ["assess", "--json", text])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["approach"])


@pytest.mark.parametrize(("expected", "text"), SCENARIOS, ids=[f"s{i}" for i in range(len(SCENARIOS))])
def test_same_approach_on_slack_teams_and_cli(
    expected: str, text: str, slack: sr.SlackClient, slack_emulator: SlackEmulator, teams: Teams
) -> None:
    got = {
        "cli": cli_approach(text),
        "slack": slack_approach(slack, slack_emulator, text),
        "teams": teams_approach(teams, text),
    }
    assert got == {"cli": expected, "slack": expected, "teams": expected}
