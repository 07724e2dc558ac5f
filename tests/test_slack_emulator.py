"""Tests of the Slack Web API emulator and the signed-request helpers."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import types
import urllib.error
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier

from tests import slack_requests as sr
from tests.polling import SERVER_POLL_S
from tests.slack_emulator import BOT_ID, BOT_USER_ID, Fault, Grant, SlackEmulator

SECRET = "test-signing-secret"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(token="xoxb-test", base_url=emulator.url, timeout=5)


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


# Web API basics


def test_url_has_api_suffix_with_trailing_slash(emulator: SlackEmulator) -> None:
    assert emulator.url == f"http://127.0.0.1:{emulator.port}/api/"


def test_post_message_is_answered_and_recorded(emulator: SlackEmulator, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    metadata = {"event_type": "advice", "event_payload": {"id": 1}}
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks, metadata=metadata, thread_ts="1.2")
    second = client.chat_postMessage(channel="C1", text="again")

    assert first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "hi"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["metadata"] == metadata
    assert first["message"]["thread_ts"] == "1.2"
    assert (first["message"]["user"], first["message"]["bot_id"]) == (BOT_USER_ID, BOT_ID)

    call = emulator.calls("chat.postMessage")[0]
    assert call.params["blocks"] == blocks
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.headers["content-type"].startswith("application/json")
    assert call.ok and call.faulted is None
    assert call.response["ts"] == first["ts"]
    assert len(emulator.calls()) == 2


def test_form_encoded_calls_decode_json_fields(emulator: SlackEmulator, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)})
    call = emulator.calls("chat.postMessage")[0]
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == blocks


def test_auth_test_and_scopes_header(client: WebClient) -> None:
    resp = client.auth_test()
    assert (resp["team_id"], resp["user_id"], resp["bot_id"]) == ("T0001", BOT_USER_ID, BOT_ID)
    assert "chat:write" in resp.headers["x-oauth-scopes"].split(",")


def test_missing_or_bad_token_is_rejected(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=emulator.url).auth_test()
    with pytest.raises(SlackApiError) as bad:
        WebClient(token="xoxp-user", base_url=emulator.url).chat_postMessage(channel="C1", text="x")
    assert (_error(missing), _error(bad)) == ("not_authed", "invalid_auth")
    assert [c.ok for c in emulator.calls()] == [False, False]


def test_unknown_method_is_ok_and_recorded(emulator: SlackEmulator, client: WebClient) -> None:
    assert client.api_call("bookmarks.list", params={"channel_id": "C1"})["ok"] is True
    assert emulator.calls("bookmarks.list")[0].params == {"channel_id": "C1"}


def test_message_validation_errors(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as no_text:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    with pytest.raises(SlackApiError) as long_section:
        client.chat_postMessage(
            channel="C1",
            text="x",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}],
        )
    assert (_error(no_text), _error(long_section)) == ("no_text", "invalid_blocks")


def test_update_permalink_and_replies(emulator: SlackEmulator, client: WebClient) -> None:
    parent = emulator.add_message("C1", "question", user="U9")
    reply = client.chat_postMessage(channel="C1", text="thinking", thread_ts=parent)["ts"]
    updated = client.chat_update(channel="C1", ts=reply, text="answer")
    assert updated["message"]["text"] == "answer"

    replies = client.conversations_replies(channel="C1", ts=parent)["messages"]
    assert [(m["ts"], m["text"]) for m in replies] == [(parent, "question"), (reply, "answer")]
    assert replies[0]["reply_count"] == 1

    link = client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert link == f"https://example.slack.com/archives/C1/p{reply.replace('.', '')}?thread_ts={parent}&cid=C1"

    with pytest.raises(SlackApiError) as unknown:
        client.chat_update(channel="C1", ts="1.000001", text="x")
    with pytest.raises(SlackApiError) as not_ours:
        client.chat_update(channel="C1", ts=parent, text="x")
    assert (_error(unknown), _error(not_ours)) == ("message_not_found", "cant_update_message")


def test_reactions_status_ephemeral_and_views(client: WebClient) -> None:
    client.reactions_add(channel="C1", timestamp="1.1", name="eyes")
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel="C1", timestamp="1.1", name="eyes")
    client.reactions_remove(channel="C1", timestamp="1.1", name="eyes")
    with pytest.raises(SlackApiError) as gone:
        client.reactions_remove(channel="C1", timestamp="1.1", name="eyes")
    assert (_error(again), _error(gone)) == ("already_reacted", "no_reaction")

    client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="is thinking...")
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]

    modal = {"type": "modal", "callback_id": "cb", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    opened = client.views_open(trigger_id="1.2.abc", view=modal)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "cb"
    assert client.views_update(view_id=opened["id"], view=modal)["view"]["id"] == opened["id"]
    home = {"type": "home", "blocks": []}
    first = client.views_publish(user_id="U1", view=home)["view"]["id"]
    assert client.views_publish(user_id="U1", view=home)["view"]["id"] == first


def test_conversations_info_users_and_usergroups(emulator: SlackEmulator, client: WebClient) -> None:
    emulator.set_channel("C1")
    emulator.set_channel("G1", private=True)
    emulator.set_channel("D1", im=True, members=["U1", BOT_USER_ID])
    emulator.set_usergroup("S1", ["U1", "U2"])

    public = client.conversations_info(channel="C1")["channel"]
    private = client.conversations_info(channel="G1")["channel"]
    im = client.conversations_info(channel="D1")["channel"]
    assert (public["is_private"], public["is_im"]) == (False, False)
    assert (private["is_private"], private["is_im"]) == (True, False)
    assert (im["is_im"], im["user"]) == (True, "U1")
    assert client.conversations_info(channel="C404")["channel"]["is_private"] is False  # lenient, as posting is
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_info(channel="G404")
    assert _error(unknown) == "channel_not_found"

    assert client.users_info(user="U1")["user"]["id"] == "U1"
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as no_group:
        client.usergroups_users_list(usergroup="S404")
    assert _error(no_group) == "no_such_subteam"


def test_members_pagination(emulator: SlackEmulator, client: WebClient) -> None:
    members = [f"U{i}" for i in range(7)]
    emulator.set_channel("C1", members=members)
    pages = [page["members"] for page in client.conversations_members(channel="C1", limit=3)]
    assert pages == [members[0:3], members[3:6], members[6:7]]
    assert [c.params.get("cursor") is None for c in emulator.calls("conversations.members")] == [
        True,
        False,
        False,
    ]
    with pytest.raises(SlackApiError) as bad_cursor:
        client.conversations_members(channel="C1", cursor="garbage")
    assert _error(bad_cursor) == "invalid_cursor"


# Waiting


def test_wait_for_sees_calls_made_from_another_thread(emulator: SlackEmulator, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel="C1", text="one")
        client.chat_postMessage(channel="C1", text="two")

    threading.Thread(target=later).start()
    calls = emulator.wait_for("chat.postMessage", count=2, timeout=2)
    assert [c.params["text"] for c in calls] == ["one", "two"]
    assert emulator.wait_for("chat.postMessage", predicate=lambda c: c.params["text"] == "two")


def test_wait_for_timeout_lists_recorded_calls(emulator: SlackEmulator, client: WebClient) -> None:
    client.reactions_add(channel="C1", timestamp="1.1", name="eyes")
    with pytest.raises(AssertionError, match=r"reactions\.add ok=True") as exc:
        emulator.wait_for("chat.postMessage", timeout=0.05)
    assert "expected 1 call(s) to 'chat.postMessage', got 0" in str(exc.value)


def test_reset_forgets_calls_and_messages_but_keeps_config(emulator: SlackEmulator, client: WebClient) -> None:
    emulator.set_channel("C1", members=["U1"])
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    emulator.fail_next("auth.test", Fault.error("invalid_auth"))
    emulator.reset()
    assert emulator.calls() == []
    assert client.auth_test()["ok"]
    assert client.conversations_members(channel="C1")["members"] == ["U1"]
    with pytest.raises(SlackApiError):
        client.chat_update(channel="C1", ts=ts, text="y")


# Faults


@pytest.fixture
def no_retry_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make slack_sdk's rate-limit handler record its sleeps instead of sleeping, without jitter."""
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    monkeypatch.setattr(builtin_handlers, "random", types.SimpleNamespace(random=lambda: 0.0))
    return slept


def test_rate_limited_then_retried(emulator: SlackEmulator, no_retry_sleep: list[float]) -> None:
    emulator.fail_next("chat.postMessage", Fault.rate_limited(retry_after=1))
    client = WebClient(
        token="xoxb-test",
        base_url=emulator.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    calls = emulator.calls("chat.postMessage")
    assert [c.faulted for c in calls] == ["rate_limited", None]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert len(emulator.calls("chat.postMessage", ok_only=True)) == 1
    assert no_retry_sleep == [1.0]


def test_rate_limited_without_retry_raises_with_retry_after(emulator: SlackEmulator, client: WebClient) -> None:
    emulator.fail_next("chat.postMessage", Fault.rate_limited(retry_after=7))
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="hi")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"


def test_server_error_then_retried(emulator: SlackEmulator) -> None:
    emulator.fail_next("chat.postMessage", Fault.server_error(500))
    handler = ServerErrorRetryHandler(max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0))
    client = WebClient(token="xoxb-test", base_url=emulator.url, retry_handlers=[handler])
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.faulted for c in emulator.calls("chat.postMessage")] == ["server_error", None]
    assert len(emulator.calls("chat.postMessage", ok_only=True)) == 1


@pytest.mark.slow
def test_timeout_fault_makes_client_time_out(emulator: SlackEmulator) -> None:
    emulator.fail_next("chat.postMessage", Fault.timeout(0.5))
    client = WebClient(token="xoxb-test", base_url=emulator.url, timeout=cast(int, 0.1))
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        client.chat_postMessage(channel="C1", text="hi")
    assert time.monotonic() - started < 0.45
    assert [c.faulted for c in emulator.calls()] == ["timeout"]
    assert emulator.calls(ok_only=True) == []
    assert WebClient(token="xoxb-test", base_url=emulator.url).chat_postMessage(channel="C1", text="x")["ok"]


@pytest.mark.slow
def test_delay_fault_applies_the_call_even_if_the_client_gives_up(emulator: SlackEmulator) -> None:
    emulator.fail_next("chat.postMessage", Fault.delay(0.5))
    slow = WebClient(token="xoxb-test", base_url=emulator.url, timeout=cast(int, 0.1))
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        slow.chat_postMessage(channel="C1", text="hi", thread_ts="5.5")
    [call] = emulator.calls("chat.postMessage", ok_only=True)
    assert call.faulted == "delay"
    replies = WebClient(token="xoxb-test", base_url=emulator.url).conversations_replies(channel="C1", ts="5.5")
    assert [m["text"] for m in replies["messages"]] == ["hi"]


def test_error_fault_has_no_effect(emulator: SlackEmulator, client: WebClient) -> None:
    emulator.fail_next("chat.postMessage", Fault.error("channel_not_found"), Fault.error("not_in_channel"))
    errors = []
    for _ in range(3):
        try:
            client.chat_postMessage(channel="C1", text="hi", thread_ts="5.5")
        except SlackApiError as exc:
            errors.append(exc.response["error"])
    assert errors == ["channel_not_found", "not_in_channel"]
    assert len(client.conversations_replies(channel="C1", ts="5.5")["messages"]) == 1


def _faults_for(seed: int, rate: float = 0.5, calls: int = 40) -> list[str | None]:
    with SlackEmulator() as emu:
        emu.set_fault_rate(rate, seed, kinds=[Fault.error("fatal_error"), Fault.server_error(503)])
        client = WebClient(token="xoxb-test", base_url=emu.url)
        for _ in range(calls):
            with contextlib.suppress(SlackApiError):
                client.users_info(user="U1")
        return [c.faulted for c in emu.calls("users.info")]


@pytest.mark.slow
def test_fault_rate_is_deterministic_for_a_seed() -> None:
    first, again, other = _faults_for(7), _faults_for(7), _faults_for(8)
    assert first == again
    assert first != other
    assert {"error", "server_error", None} == set(first)
    assert 8 <= sum(f is not None for f in first) <= 32


def test_fault_rate_limited_to_methods_and_off_at_zero(emulator: SlackEmulator, client: WebClient) -> None:
    emulator.set_fault_rate(1.0, 1, kinds=[Fault.error("fatal_error")], methods=["chat.postMessage"])
    assert client.auth_test()["ok"]
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x")
    emulator.set_fault_rate(0.0, 1)
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


# Signing


def test_sign_verifies_with_slack_sdk() -> None:
    body = sr.slash_command_form("hello")
    headers = sr.sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode(), headers)
    assert not verifier.is_valid_request(body + "x", headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)


def test_stale_timestamp_does_not_verify() -> None:
    body = json.dumps(sr.event_body(sr.app_mention("<@UBOT> hi")))
    headers = sr.sign(SECRET, body, timestamp=int(time.time()) - 10 * 60)
    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_builders_produce_unique_ids_and_increasing_ts() -> None:
    a, b = sr.event_body(sr.message("x")), sr.event_body(sr.message("y", channel="D1", channel_type="im"))
    assert a["event_id"] != b["event_id"]
    assert float(b["event"]["ts"]) > float(a["event"]["ts"])
    assert b["event"]["channel_type"] == "im"
    form = sr.interactivity_form(sr.block_actions_payload("approve", "yes", message_ts="1.1"))
    payload = json.loads(parse_qs(form)["payload"][0])
    assert payload["actions"][0]["action_id"] == "approve"
    assert payload["message"]["ts"] == payload["container"]["message_ts"] == "1.1"
    command = parse_qs(sr.slash_command_form("hi there"))
    assert (command["command"], command["text"]) == (["/ai-advisor"], ["hi there"])


# Signed requests to a real Bolt app over HTTP


class _BoltServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: App) -> None:
        super().__init__(("127.0.0.1", 0), _BoltHandler)
        self.app = app


class _BoltHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._reply(200, {"content-type": "text/plain"}, b"ok")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in self.headers.items()}
        resp = cast(_BoltServer, self.server).app.dispatch(BoltRequest(body=body, headers=headers))
        self._reply(resp.status, resp.first_headers(), resp.body.encode())

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def bolt(emulator: SlackEmulator) -> Iterator[sr.SlackClient]:
    app = App(client=WebClient(token="xoxb-test", base_url=emulator.url), signing_secret=SECRET)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Any) -> None:
        say(text=f"echo: {event['text']}", thread_ts=event.get("thread_ts") or event["ts"])

    @app.command("/ai-advisor")
    def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        respond(text=f"got {command['text']}")

    @app.action("approve")
    def on_approve(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="approved")

    server = _BoltServer(app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SERVER_POLL_S}, daemon=True)
    thread.start()
    try:
        yield sr.SlackClient(f"http://127.0.0.1:{server.server_address[1]}", SECRET)
    finally:
        server.shutdown()
        server.server_close()


def test_signed_event_reaches_bolt_and_reply_hits_emulator(emulator: SlackEmulator, bolt: sr.SlackClient) -> None:
    event = sr.app_mention("<@UBOT> hello", channel="C9")
    status, _, _ = bolt.post_event(sr.event_body(event))
    assert status == 200
    [call] = emulator.wait_for("chat.postMessage")
    assert (call.params["channel"], call.params["text"]) == ("C9", "echo: <@UBOT> hello")
    assert call.params["thread_ts"] == event["ts"]


def test_bad_or_stale_signature_is_rejected(bolt: sr.SlackClient) -> None:
    body = sr.event_body(sr.app_mention("<@UBOT> hi"))
    assert bolt.post_event(body, signature="v0=bad")[0] == 401
    assert bolt.post_event(body, timestamp=int(time.time()) - 600)[0] == 401
    status, headers, payload = bolt.get("/health")
    assert (status, payload) == (200, b"ok")
    assert headers["content-type"] == "text/plain"


def test_command_responds_via_response_url(emulator: SlackEmulator, bolt: sr.SlackClient) -> None:
    form = sr.slash_command_form("costs", response_url=emulator.webhook_url())
    assert bolt.post_command(form)[0] == 200
    [call] = emulator.wait_for("webhook")
    assert call.params["text"] == "got costs"


def test_block_action_updates_the_message(emulator: SlackEmulator, bolt: sr.SlackClient) -> None:
    ts = WebClient(token="xoxb-test", base_url=emulator.url).chat_postMessage(channel="C1", text="ok?")["ts"]
    payload = sr.block_actions_payload("approve", "yes", channel="C1", message_ts=ts)
    assert bolt.post_interactivity(sr.interactivity_form(payload))[0] == 200
    [call] = emulator.wait_for("chat.update", ok_only=True)
    assert call.response["message"]["text"] == "approved"


def test_event_retry_headers_are_sent(bolt: sr.SlackClient) -> None:
    status, headers, _ = bolt.post_event(sr.event_body(sr.app_mention("<@UBOT> hi")), retry_num=1)
    assert status == 200
    assert "x-slack-no-retry" not in headers


def test_view_submission_and_shortcut_payload_shapes() -> None:
    submission = sr.view_submission_payload("advise", {"q": {"input": "why"}}, "meta")
    assert submission["view"]["state"]["values"] == {"q": {"input": {"type": "plain_text_input", "value": "why"}}}
    assert submission["view"]["private_metadata"] == "meta"
    shortcut = sr.message_shortcut_payload("ask", message_ts="1.1", thread_ts="1.0")
    assert shortcut["message"]["thread_ts"] == "1.0"


def test_oauth_codes_refresh_tokens_and_tokens_per_workspace(emulator: SlackEmulator) -> None:
    app = WebClient(base_url=emulator.url, retry_handlers=[])
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        app.oauth_v2_access(client_id=emulator.client_id, client_secret="wrong", code="x")
    emulator.add_oauth_code("c1", Grant("TW1", rotating=True, expires_in=3600))
    granted = app.oauth_v2_access(client_id=emulator.client_id, client_secret=emulator.client_secret, code="c1")
    assert granted["team"]["id"] == "TW1" and granted["expires_in"] == 3600 and granted["refresh_token"]
    with pytest.raises(SlackApiError, match="invalid_code"):  # a code is exchanged once
        app.oauth_v2_access(client_id=emulator.client_id, client_secret=emulator.client_secret, code="c1")
    token = str(granted["access_token"])
    who = WebClient(token=token, base_url=emulator.url, retry_handlers=[]).auth_test()
    assert who["team_id"] == "TW1" and who["user_id"] == BOT_USER_ID
    refreshed = app.oauth_v2_access(
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        grant_type="refresh_token",
        refresh_token=str(granted["refresh_token"]),
    )
    assert refreshed["access_token"] != token and emulator.tokens_of("TW1") == [token, refreshed["access_token"]]
    emulator.expire(token)
    with pytest.raises(SlackApiError, match="token_expired"):
        WebClient(token=token, base_url=emulator.url, retry_handlers=[]).chat_postMessage(channel="C1", text="hi")
    posted = WebClient(token=str(refreshed["access_token"]), base_url=emulator.url, retry_handlers=[])
    posted.chat_postMessage(channel="C1", text="hi")
    assert emulator.calls("chat.postMessage", ok_only=True)[-1].token == refreshed["access_token"]
    # A token the emulator never issued is the default workspace's, as before.
    assert WebClient(token="xoxb-any", base_url=emulator.url).auth_test()["team_id"] == "T0001"
