"""The cost chart and the decision record in Teams, over real HTTP: the card's Image is served by the agent's own
endpoint behind an unguessable, expiring link; "Export decision record" replies with the ADR and a download link."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.advisor import tco
from bot.services import Services
from bot.storage.links import token_hash
from bot.storage.store import Store
from bot.teams import cards
from bot.teams.files import Download, chart_image
from bot.teams.records import TEXT_BUDGET, record_activity
from bot.teams.serve import build
from bot.workflows.chart import MAX_BYTES, alt_text
from bot.workflows.conversation import Advisor
from bot.workflows.housekeeping import sweep
from bot.workflows.record import decision_record
from tests.teams.conftest import teams_services
from tests.teams.harness import AgentServer, Chat, Connector, Sent, Teams, User, actions, card_text, elements, http
from tests.teams.schema import TEAMS_LIMIT, assert_valid_card
from tests.teams.test_auth import CREDENTIALS
from tests.teams.test_cards import FULL as CARD_FULL
from tests.teams.test_cards import hostile_rec

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

PUBLIC = "https://advisor.example.test"
FULL = (
    "We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
    "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task"
)
DANA = User("aad-dana-0002", "Dana")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The module's agent has a public URL (overrides the conftest's, which has none)."""
    return teams_services(
        tmp_path_factory.mktemp("teams-files"), advisor_teams_anonymous=True, advisor_teams_public_url=PUBLIC + "/"
    )


@pytest.fixture
def fetch(agent: AgentServer) -> Any:
    """GET a public link from the agent itself (the public URL is a TLS proxy in front of it)."""

    def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        assert url.startswith(PUBLIC + "/"), url
        request = urllib.request.Request(agent.url + parts.path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    return get


def card_of(sent: list[Sent]) -> Sent:
    found = [s for s in sent if s.card is not None]
    assert len(found) == 1, [(s.type, s.text[:60]) for s in sent]
    return found[0]


def verb(card: dict[str, Any], name: str) -> dict[str, Any]:
    return next(dict(a["data"]) for a in actions(card) if a["data"].get("verb") == name)


def expire(services: Services, url: str) -> None:
    """Move a link's expiry into the past (as if its days had gone by)."""
    token = urlsplit(url).path.rsplit("/", 1)[1].split(".")[0]
    with services.store.transaction() as db:
        changed = db.execute(
            "update shared_links set expires_at = ? where token_hash = ?",
            ["2020-01-01T00:00:00.000+00:00", token_hash(token)],
        ).rowcount
    assert changed == 1


def test_the_card_shows_the_chart_served_from_an_expiring_link(teams: Teams, services: Services, fetch: Any) -> None:
    sent = card_of(teams.say(Chat.personal(), DANA, FULL))
    card = sent.card or {}
    assert_valid_card(card, sent.body)  # version 1.5, schema-valid, and the activity as sent is under 28 KB
    assert card["version"] == "1.5" and len(json.dumps(sent.body)) < TEAMS_LIMIT
    (image,) = elements(card, "Image")
    url = str(image["url"])
    assert url.startswith(PUBLIC + "/charts/") and url.endswith(".png")  # the configured base, without its slash
    cid = str(verb(card, "adjust")["c"])
    estimate = services.store.latest_recommendation(cid).tco  # type: ignore[union-attr]
    assert image["altText"] == alt_text(estimate) and "$" in image["altText"] and "requests/month" in image["altText"]

    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "image/png" and body.startswith(PNG)
    assert len(body) < MAX_BYTES and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"].startswith("private,max-age=") and headers["Content-Security-Policy"] == "sandbox"
    assert fetch(url)[2] == body  # shown again: the same picture

    expire(services, url)
    status, _, body = fetch(url)
    assert status == 410 and not body.startswith(PNG)
    assert sweep(services).links >= 1  # housekeeping deletes expired links ...
    status, _, body = fetch(url)
    assert status == 404 and not body.startswith(PNG)  # ... and then the link is simply unknown


def test_a_chart_that_cannot_be_drawn_is_a_503_and_the_others_still_draw(
    teams: Teams, services: Services, fetch: Any
) -> None:
    estimate = tco.estimate(3_000_000).model_dump(mode="json")
    estimate["approaches"]["fine_tuning"]["monthly_fixed_usd"] = float("inf")  # as a stored row could carry
    image = chart_image(services, "conv-undrawable", tco.TcoEstimate.model_validate(estimate))
    assert image is not None
    status, headers, body = fetch(image.url)
    assert status == 503 and headers["Retry-After"] and not body.startswith(PNG)
    url = str(elements(card_of(teams.say(Chat.personal(), DANA, FULL)).card or {}, "Image")[0]["url"])
    status, _, body = fetch(url)
    assert status == 200 and body.startswith(PNG)


def test_guessed_forged_and_malformed_links_are_not_found(teams: Teams, fetch: Any) -> None:
    card = card_of(teams.say(Chat.personal(), DANA, FULL)).card or {}
    real = str(elements(card, "Image")[0]["url"])
    token = urlsplit(real).path.rsplit("/", 1)[1].removesuffix(".png")
    guesses = [
        f"{PUBLIC}/charts/{secrets.token_urlsafe(32)}.png",  # the right shape, but not a link
        f"{PUBLIC}/charts/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}.png",  # one character off
        f"{PUBLIC}/charts/{token[:20]}.png",  # a prefix
        f"{PUBLIC}/charts/{token}x.png",
        f"{PUBLIC}/records/{token}.md",  # a chart's token is not a record's
        f"{PUBLIC}/charts/..%2Fapi%2Fmessages.png",
        f"{PUBLIC}/charts/.png",
    ]
    for url in guesses:
        status, _, body = fetch(url)
        assert status == 404 and not body.startswith(PNG), url


def test_links_are_served_without_a_bot_token_when_the_agent_needs_one(tmp_path: Path) -> None:
    services = teams_services(tmp_path / "data", advisor_teams_public_url=PUBLIC, **CREDENTIALS)
    server = AgentServer(build(services)).start()
    try:
        estimate = tco.estimate(2_000_000, labeled_examples=50_000)
        image = chart_image(services, "conv-1", estimate)
        assert image is not None
        request = urllib.request.Request(server.url + urlsplit(image.url).path)
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200 and response.read().startswith(PNG)
        assert http("POST", server.url + "/api/messages", {"type": "message"})[0] == 401  # the agent still isn't
        # ... nor through a path under the links' prefixes (aiohttp routes the raw path: nothing climbs out)
        for path in ("/charts/../api/messages", "/charts/%2e%2e/api/messages", "/records/..%2F..%2Fapi%2Fmessages"):
            connection = HTTPConnection("127.0.0.1", server.port, timeout=60)
            connection.request("POST", path, body=b'{"type": "message"}', headers={"Content-Type": "application/json"})
            assert connection.getresponse().status == 404, path
            connection.close()
    finally:
        server.stop()


def test_export_record_replies_with_the_adr_and_a_download(
    teams: Teams, connector: Connector, services: Services, fetch: Any
) -> None:
    chat = Chat.channel().thread("1700000000101")
    card_message = card_of(teams.say(chat, DANA, FULL, mention=True))
    record = verb(card_message.card or {}, "record")
    cid = str(record["c"])
    expected = decision_record(services.store, cid)

    sent = teams.click(chat, User("aad-sam-0002", "Sam"), record, reply_to=card_message.new_id)
    (reply,) = sent  # one message: the record, with the download card
    assert reply.body["textFormat"] == "xml" and reply.conversation == chat.id
    html = reply.text
    assert html.startswith("<p>Decision record exported by Sam:</p>")
    assert "<h1>Decision record: Fine-tuning for" in html and "<h2>Options considered</h2>" in html
    assert "<table>" in html and "Prompt engineering" in html and "<h2>Sources</h2>" in html
    assert len(json.dumps(reply.body)) < TEAMS_LIMIT
    download = reply.card or {}
    assert_valid_card(download, reply.body)
    (button,) = download["actions"]
    assert button["type"] == "Action.OpenUrl" and button["title"] == f"Download decision-record-{cid}.md"
    assert str(button["url"]).startswith(PUBLIC + "/records/") and "works until" in card_text(download)

    status, headers, body = fetch(str(button["url"]))
    assert status == 200 and headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert headers["Content-Disposition"] == f'attachment; filename="decision-record-{cid}.md"'
    assert body.decode("utf-8") == expected

    # A redelivered click (same activity id) is answered once.
    again = teams.submit(chat, User("aad-sam-0002", "Sam"), record, reply_to=card_message.new_id)
    assert teams.post(again)[1] and teams.post(again)[1] == []

    expire(services, str(button["url"]))
    assert fetch(str(button["url"]))[0] == 410


def test_the_record_is_the_latest_one_whichever_card_it_is_exported_from(
    teams: Teams, connector: Connector, services: Services
) -> None:
    chat = Chat.personal()
    first = card_of(teams.say(chat, DANA, FULL))
    connector.messages.pop(str(first.new_id))  # the card can't be updated: a new one is posted
    sent = teams.say(chat, DANA, "actually we have no labeled data")
    assert [s.method for s in sent if s.card] == ["PUT", "POST"]
    (reply,) = teams.click(chat, DANA, verb(first.card or {}, "record"), reply_to=first.new_id)
    assert "<h1>Decision record: Prompt engineering for" in reply.text  # as Slack: the assessment's current record


def test_export_is_refused_outside_its_conversation(teams: Teams, connector: Connector, services: Services) -> None:
    chat = Chat.personal()
    record = verb(card_of(teams.say(chat, DANA, FULL)).card or {}, "record")
    links = _count_links(services)
    other = teams.click(Chat.personal(), User("aad-eve-0002", "Eve"), record)
    assert [s.text for s in other] == ["That button doesn't belong to this conversation, so I ignored it."]
    unknown = teams.click(chat, DANA, {**record, "c": "not-an-assessment"})
    assert [s.text for s in unknown] == [
        "That button is no longer valid here. Start a new assessment by describing your feature."
    ]
    other_tenant = Chat(chat.id, tenant="tenant-9999")
    forged = teams.click(other_tenant, DANA, record)
    assert [s.text for s in forged] == ["That button doesn't belong to this conversation, so I ignored it."]
    assert _count_links(services) == links  # nothing was exported


def _count_links(services: Services) -> int:
    with services.store.reading() as db:
        return int(db.execute("select count(*) from shared_links where kind = 'teams_record'").fetchone()[0])


def test_user_text_in_the_record_message_stays_text(teams: Teams) -> None:
    chat = Chat.personal()
    hostile = (
        "<script>alert(1)</script> [click me](https://evil.example) **loud** <at>Everyone</at> | a | b | "
        + FULL.removeprefix("We want a support ticket classifier")
    )
    card = card_of(teams.say(chat, DANA, "We want a ticket classifier " + hostile)).card or {}
    (reply,) = teams.click(chat, DANA, verb(card, "record"))
    html = reply.text
    assert "<script" not in html and "<at>" not in html and 'href="https://evil.example"' not in html
    assert "&lt;script&gt;" in html


@pytest.fixture
def plain_teams(tmp_path: Path, connector: Connector) -> Iterator[Teams]:
    """An agent without ADVISOR_TEAMS_PUBLIC_URL."""
    services = teams_services(tmp_path / "data", advisor_teams_anonymous=True)
    server = AgentServer(build(services)).start()
    yield Teams(server.url, connector)
    server.stop()


def test_without_a_public_url_no_image_and_the_record_without_a_link(plain_teams: Teams) -> None:
    chat = Chat.personal()
    sent = card_of(plain_teams.say(chat, DANA, FULL))
    card = sent.card or {}
    assert elements(card, "Image") == [] and "3-year cost" in card_text(card)
    assert_valid_card(card, sent.body)
    (reply,) = plain_teams.click(chat, DANA, verb(card, "record"))
    assert reply.card is None and not reply.body.get("attachments")
    assert "<h1>Decision record: Fine-tuning for" in reply.text


def test_a_record_too_long_for_a_message_keeps_whole_sections() -> None:
    sections = "\n\n".join(f"## Section {i}\n\n" + "- a long line of text\n" * 200 for i in range(20))
    markdown = "# Decision record: Hybrid for something\n\n- Status: Proposed\n\n" + sections + "\n"
    link = Download(PUBLIC + "/records/x.md", dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    activity = json.loads(record_activity("abc", markdown, "Dana", link).model_dump_json(by_alias=True))
    assert len(json.dumps(activity["text"])) <= TEXT_BUDGET and len(json.dumps(activity)) < TEAMS_LIMIT
    text = activity["text"]
    assert "<h2>Section 0</h2>" in text and "<h2>Section 19</h2>" not in text
    assert text.rstrip().endswith("download it for the rest.</em></p>")
    assert text.count("<li>a long line of text</li>") == 200 * text.count("<h2>")  # sections are kept whole
    assert_valid_card(activity["attachments"][0]["content"])
    no_link = json.loads(record_activity("abc", markdown, "Dana", None).model_dump_json(by_alias=True))
    assert "<code>ai-advisor record abc</code> prints all of it" in no_link["text"]


def test_the_chart_fits_on_a_card_from_hostile_text() -> None:
    rec, _, _ = Advisor(Store(":memory:")).assess(CARD_FULL)
    chart = cards.ChartImage(PUBLIC + "/charts/" + "A" * 43 + ".png", alt_text(rec.tco))
    for text in ("x" * 100_000, "\ud800" * 3000, "<at>😀</at>" * 2000):
        card = cards.recommendation_card(hostile_rec(rec, text, 60), "0123456789ab", [text] * 60, chart)
        assert_valid_card(card)
        assert elements(card, "Image") == [{"type": "Image", "url": chart.url, "altText": chart.alt, "size": "stretch"}]
