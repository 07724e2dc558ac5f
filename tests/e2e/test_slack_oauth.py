"""OAuth mode over real HTTP: installs through /slack/install and /slack/oauth_redirect, each workspace posting
with its own bot token and seeing only its own assessments, an org-wide Enterprise Grid install, and rotating
tokens refreshed before use (in a request and in the outbox worker)."""

from __future__ import annotations

import http.client
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, blocks_text, is_card
from tests.e2e.leads_helpers import rows
from tests.slack_emulator import Call, Fault, Grant, SlackEmulator

LEAD_B = "ULEADB0001"
OAUTH_ENV = {
    "SLACK_BOT_TOKEN": "",  # empty is unset: OAuth mode takes tokens from the database
    "SLACK_STATE_SECRET": "a-state-secret-for-the-tests-only",
    "ADVISOR_LEADS": LEAD_B,
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {**OAUTH_ENV, "SLACK_CLIENT_ID": emulator.client_id, "SLACK_CLIENT_SECRET": emulator.client_secret}
    srv = Server(emulator, tmp_path_factory.mktemp("oauth"), env=env).start()
    yield srv
    srv.stop()


def query(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read a PostgreSQL database a server uses."""
    with psycopg.connect(url) as conn:
        return list(conn.execute(sql, params))


def _get(server: Server, path: str, cookie: str | None = None) -> tuple[int, dict[str, list[str]], str]:
    """GET without following redirects; headers by lower-case name, every value kept (Set-Cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        headers: dict[str, list[str]] = {}
        for name, value in resp.getheaders():
            headers.setdefault(name.lower(), []).append(value)
        return resp.status, headers, resp.read().decode()
    finally:
        conn.close()


def install(server: Server, grant: Grant) -> str:
    """Go through the install flow as a browser would, with Slack granting `grant`; returns the bot token issued."""
    status, headers, page = _get(server, "/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    cookie = next(c.split(";")[0] for c in headers["set-cookie"] if c.startswith("slack-app-oauth-state="))
    state = cookie.split("=", 1)[1]
    assert f"state={urllib.parse.quote(state)}" in page or f"state={state}" in page
    code = uuid.uuid4().hex
    server.emulator.add_oauth_code(code, grant)
    query = urllib.parse.urlencode({"code": code, "state": state})
    status, _, page = _get(server, f"/slack/oauth_redirect?{query}", cookie)
    assert status == 200, page
    return server.emulator.tokens_of(grant.team_id, grant.enterprise_id)[-1]


def mention(
    server: Server, team: str, channel: str, text: str = FULL, enterprise: str | None = None, user: str = "U123"
) -> str:
    """Mention the bot in a workspace (of an org installed org-wide, with `enterprise`); returns the thread ts."""
    ts = sr.new_ts()
    body = sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel, user=user, ts=ts), team_id=team)
    if enterprise:
        body["enterprise_id"] = enterprise
        body["is_enterprise_install"] = True
        body["authorizations"] = [
            {
                "enterprise_id": enterprise,
                "team_id": None,
                "user_id": sr.BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ]
        body["event"]["team"] = team
    assert server.client.post_event(body)[0] == 200
    return ts


def card_for(server: Server, thread: str) -> Call:
    return server.emulator.wait_for(
        "chat.postMessage",
        timeout=20,
        ok_only=True,
        predicate=lambda c: c.params.get("thread_ts") == thread and is_card(c),
    )[0]


def channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


def digest(server: Server, team: str, user: str, where: str, enterprise: str | None = None) -> Call:
    """A lead's `/ai-advisor digest all` in a workspace (of an org installed org-wide, with `enterprise`)."""
    key = uuid.uuid4().hex
    url = server.emulator.webhook_url() + f"?k={key}"
    form = sr.slash_command_form("digest all", user_id=user, channel_id=where, team_id=team, response_url=url)
    if enterprise:
        fields = dict(urllib.parse.parse_qsl(form))
        form = urllib.parse.urlencode({**fields, "enterprise_id": enterprise, "is_enterprise_install": "true"})
    assert server.client.post_command(form)[0] == 200
    return server.emulator.wait_for("webhook", timeout=15, predicate=lambda c: c.params.get("k") == key)[0]


def test_two_workspaces_each_post_with_their_own_token_and_see_only_their_own_data(server: Server) -> None:
    emulator = server.emulator
    token_a = install(server, Grant("TA0000001"))
    token_b = install(server, Grant("TB0000001"))
    assert token_a != token_b
    stored = rows(server, "select team_id, enterprise_id from app_installations order by id")
    assert ("TA0000001", "") in stored and ("TB0000001", "") in stored

    in_a, in_b = channel(), channel()
    # B's lead is (in the emulator, which shares channels across workspaces) a member of both channels: only the
    # workspace scope keeps A's assessment out of B's digest.
    emulator.set_channel(in_a, members=["U123", LEAD_B])
    emulator.set_channel(in_b, members=["U123", LEAD_B])
    card_a = card_for(server, mention(server, "TA0000001", in_a))
    card_b = card_for(server, mention(server, "TB0000001", in_b))
    assert card_a.token == token_a and card_b.token == token_b
    card_for(server, mention(server, "TA0000001", in_a))  # a second request in A
    assert len([c for c in emulator.calls("auth.test") if c.token == token_a]) <= 2  # install, first request
    # Every call made for a workspace's thread used that workspace's token (reactions, posts, updates).
    for call in emulator.calls():
        if call.params.get("channel") == in_a:
            assert call.token == token_a, call.method
        if call.params.get("channel") == in_b:
            assert call.token == token_b, call.method
    cid_a = card_a.params["metadata"]["event_payload"]["conversation_id"]
    cid_b = card_b.params["metadata"]["event_payload"]["conversation_id"]
    queued = dict(rows(server, "select conversation_id, team_id from outbox where kind = 'recommendation'"))
    assert queued[cid_a] == "TA0000001" and queued[cid_b] == "TB0000001"
    assert not rows(server, "select 1 from outbox where message like '%xoxb-%'")  # never a token in a row

    seen = blocks_text(digest(server, "TB0000001", LEAD_B, in_b))
    assert cid_b in seen and cid_a not in seen
    lookups = [c for c in emulator.calls("conversations.members") if c.params.get("channel") == in_b]
    assert lookups and all(c.token == token_b for c in lookups)


def test_an_unknown_workspace_is_not_answered(server: Server) -> None:
    where = channel()
    mention(server, "TNOTINSTALLED", where)  # authorization happens before the ack: refused by now
    assert not [c for c in server.emulator.calls("chat.postMessage") if c.params.get("channel") == where]


def test_a_forged_or_reused_state_is_refused(server: Server) -> None:
    emulator = server.emulator
    status, headers, _ = _get(server, "/slack/install")
    cookie = next(c.split(";")[0] for c in headers["set-cookie"] if c.startswith("slack-app-oauth-state="))
    state = cookie.split("=", 1)[1]
    forged = f"{state.split('.')[0]}.{'0' * 32}"  # the issued nonce, another signature
    code = uuid.uuid4().hex
    emulator.add_oauth_code(code, Grant("TSTATE001"))
    status, _, page = _get(
        server, f"/slack/oauth_redirect?code={code}&state={forged}", f"slack-app-oauth-state={forged}"
    )
    assert status in (400, 401) and "Traceback" not in page
    assert not emulator.tokens_of("TSTATE001")  # the code was never exchanged
    # The genuine state works once (the forged attempt did not use it up) ...
    assert _get(server, f"/slack/oauth_redirect?code={code}&state={state}", cookie)[0] == 200
    assert len(emulator.tokens_of("TSTATE001")) == 1
    # ... and never again; nor does a redirect without a state, or Slack saying the user cancelled.
    again = uuid.uuid4().hex
    emulator.add_oauth_code(again, Grant("TSTATE001"))
    for query_string, sent_cookie in ((f"code={again}&state={state}", cookie), (f"code={again}", None)):
        status, _, page = _get(server, f"/slack/oauth_redirect?{query_string}", sent_cookie)
        assert status in (400, 401) and "Traceback" not in page, (query_string, status)
    status, _, page = _get(server, "/slack/oauth_redirect?error=access_denied")
    assert "Something Went Wrong" in page and "Traceback" not in page
    assert len(emulator.tokens_of("TSTATE001")) == 1
    assert len(rows(server, "select 1 from app_installations where team_id = 'TSTATE001'")) == 1
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/slack/install", body=b"")
        assert conn.getresponse().status == 405
    finally:
        conn.close()


def test_org_wide_install_answers_every_workspace_of_the_org(server: Server) -> None:
    emulator = server.emulator
    org_token = install(server, Grant(None, "E0000001", is_enterprise_install=True))
    assert rows(
        server, "select team_id, is_enterprise_install from app_installations where enterprise_id = 'E0000001'"
    )[0] == ("", 1)
    in_1, in_2 = channel(), channel()
    card_1 = card_for(server, mention(server, "T0RG00001", in_1, enterprise="E0000001"))
    # The second workspace's card post fails once: the outbox worker retries it outside the request, looking the
    # org's token up from the row's workspace.
    emulator.fail_next("chat.postMessage", Fault.server_error(500))
    card_2 = card_for(server, mention(server, "T0RG00002", in_2, enterprise="E0000001"))
    assert card_1.token == org_token and card_2.token == org_token
    teams = dict(
        rows(server, "select channel, team_id || '/' || enterprise_id from outbox where kind = 'recommendation'")
    )
    assert teams[in_1] == "T0RG00001/E0000001" and teams[in_2] == "T0RG00002/E0000001"
    scopes = dict(rows(server, "select channel, team from conversations where channel in (?, ?)", in_1, in_2))
    assert scopes == {in_1: "T0RG00001", in_2: "T0RG00002"}
    # A lead in the org's second workspace, member of both channels, sees that workspace's assessments only.
    emulator.set_channel(in_1, members=["U123", LEAD_B])
    emulator.set_channel(in_2, members=["U123", LEAD_B])
    seen = blocks_text(digest(server, "T0RG00002", LEAD_B, in_2, enterprise="E0000001"))
    cid_1 = card_1.params["metadata"]["event_payload"]["conversation_id"]
    cid_2 = card_2.params["metadata"]["event_payload"]["conversation_id"]
    assert cid_2 in seen and cid_1 not in seen
    lookups = [c for c in emulator.calls("conversations.members") if c.params.get("channel") == in_2]
    assert lookups and all(c.token == org_token for c in lookups)


def test_an_expiring_token_is_refreshed_before_use(server: Server) -> None:
    emulator = server.emulator
    # Tokens that live 60 s: always within the 120 minutes before expiry, so each use refreshes first.
    first = install(server, Grant("TROTATE01", rotating=True, expires_in=60))
    where = channel()
    emulator.fail_next("chat.postMessage", Fault.server_error(500))  # the card's first post: the worker retries
    card = card_for(server, mention(server, "TROTATE01", where))
    refreshes = [
        c for c in emulator.calls("oauth.v2.access", ok_only=True) if c.params.get("grant_type") == "refresh_token"
    ]
    assert len(refreshes) >= 2  # the request's (Bolt) and the outbox worker's
    issued = emulator.tokens_of("TROTATE01")
    assert card.token in issued and card.token != first
    assert not [c for c in emulator.calls() if c.token == first and c.method != "auth.test"]
    assert not [c for c in emulator.calls() if c.response.get("error") == "token_expired"]


def test_token_mode_manifest_and_oauth_manifest(tmp_path: Path) -> None:
    from bot.errors import InputError
    from bot.slack.manifest import manifest

    with pytest.raises(InputError, match="needs --url"):
        manifest(oauth=True)

    plain = manifest("https://advisor.example.com")
    assert plain["settings"]["org_deploy_enabled"] is False and "redirect_urls" not in plain["oauth_config"]
    oauth = manifest("https://advisor.example.com/slack/events", oauth=True)
    assert oauth["settings"]["org_deploy_enabled"] is True and oauth["settings"]["token_rotation_enabled"] is True
    assert oauth["oauth_config"]["redirect_urls"] == ["https://advisor.example.com/slack/oauth_redirect"]


def test_uninstalling_forgets_the_workspace(server: Server) -> None:
    install(server, Grant("TUNINST01"))
    assert rows(server, "select 1 from app_installations where team_id = 'TUNINST01'")
    event = {"type": "app_uninstalled", "event_ts": sr.new_ts()}
    assert server.client.post_event(sr.event_body(event, team_id="TUNINST01"))[0] == 200
    deadline = time.monotonic() + 10
    while rows(server, "select 1 from app_installations where team_id = 'TUNINST01'") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not rows(server, "select 1 from app_installations where team_id = 'TUNINST01'")
    where = channel()
    mention(server, "TUNINST01", where)
    assert not [c for c in server.emulator.calls("chat.postMessage") if c.params.get("channel") == where]


def test_on_postgresql_each_workspace_posts_with_its_own_rotated_token(
    emulator: SlackEmulator, tmp_path: Path, pg_url: str
) -> None:
    env = {
        **OAUTH_ENV,
        "SLACK_CLIENT_ID": emulator.client_id,
        "SLACK_CLIENT_SECRET": emulator.client_secret,
        "DATABASE_URL": pg_url,
    }
    srv = Server(emulator, tmp_path / "pg", env=env).start()
    try:
        plain = install(srv, Grant("TPGPLAIN1"))
        first = install(srv, Grant("TPGROT001", rotating=True, expires_in=60))
        in_plain, in_rotating = channel(), channel()
        assert card_for(srv, mention(srv, "TPGPLAIN1", in_plain)).token == plain
        emulator.fail_next("chat.postMessage", Fault.server_error(500))  # the worker posts it, refreshing first
        card = card_for(srv, mention(srv, "TPGROT001", in_rotating))
        assert card.token in emulator.tokens_of("TPGROT001") and card.token != first
        assert not [c for c in emulator.calls() if c.response.get("error") == "token_expired"]
        stored = query(pg_url, "select team_id, count(*) from app_installations group by team_id order by team_id")
        assert dict(stored)["TPGPLAIN1"] == 1 and dict(stored)["TPGROT001"] >= 2  # the install, then refreshes
        queued = query(pg_url, "select channel, team_id from outbox where kind = 'recommendation'")
        assert (in_plain, "TPGPLAIN1") in queued and (in_rotating, "TPGROT001") in queued
    finally:
        srv.stop()
