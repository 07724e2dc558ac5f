"""Helpers for the leads' end-to-end tests: assessments, signed clicks and modal submissions, and reads of the
served database."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, blocks_text, is_card
from tests.polling import eventually
from tests.slack_emulator import Call, SlackEmulator

LEAD, GROUP_LEAD, GROUP = "ULEAD", "UGLEAD", "SLEADS"


def start_leads_server(
    emulator: SlackEmulator, data_dir: Path, group: str = GROUP, group_lead: str = GROUP_LEAD, **env: str
) -> Server:
    """`ai-advisor serve` with LEAD configured by id and `group_lead` through the leads user group `group`."""
    emulator.set_usergroup(group, [group_lead])
    return Server(emulator, data_dir, env={"ADVISOR_LEADS": LEAD, "ADVISOR_LEADS_GROUP": group, **env}).start()


def uid(prefix: str = "U") -> str:
    return prefix + uuid.uuid4().hex[:9].upper()


def rows(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the served database (a fresh connection sees every committed write)."""
    with sqlite3.connect(server.data_dir / "advisor.db") as conn:
        return conn.execute(sql, params).fetchall()


def wait_card_moved(server: Server, cid: str, old_ts: str | None, timeout: float = 15.0) -> str:
    """Wait until the served database records the conversation's card somewhere other than `old_ts`; returns its ts.
    The emulator sees a card a moment before the outbox records where it was posted, and only then do summaries link
    it and clicks on the previous card count as stale."""

    def recorded() -> list[tuple[Any, ...]]:
        return rows(server, "select ts from cards where conversation_id = ?", cid)

    eventually(lambda: recorded() not in ([], [(old_ts,)]), "the new card was never recorded", timeout, 0.02)
    return str(recorded()[0][0])


def stored_counts(server: Server, cid: str) -> dict[str, int]:
    """What an interaction could change about an assessment (summaries are audited as reads, so they don't count)."""
    tables = ("intake_versions", "recommendations", "feedback", "decisions")
    counts = {t: rows(server, f"select count(*) from {t} where conversation_id = ?", cid)[0][0] for t in tables}
    counts["audit"] = rows(server, "select count(*) from audit where conversation_id = ? and action != 'summary'", cid)[
        0
    ][0]
    return counts


def outbox_count(server: Server, cid: str) -> int:
    """Messages queued (or sent) for an assessment's thread."""
    return int(rows(server, "select count(*) from outbox where conversation_id = ?", cid)[0][0])


def assess(
    server: Server, channel: str, user: str = "U123", text: str = FULL, team: str = sr.TEAM_ID
) -> tuple[str, str, str]:
    """Mention the bot with a description; returns (thread ts, card ts, conversation id)."""
    ts = sr.new_ts()
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel, user=user, ts=ts)
    assert server.client.post_event(sr.event_body(event, team_id=team))[0] == 200
    card = server.emulator.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("thread_ts") == ts and is_card(c)
    )[0]
    cid = str(card.params["metadata"]["event_payload"]["conversation_id"])
    if (server.data_dir / "advisor.db").exists():  # SQLite: wait until the card is recorded, as users see it
        assert wait_card_moved(server, cid, None) == str(card.response["ts"])
    return ts, str(card.response["ts"]), cid


def click(
    server: Server,
    action_id: str,
    value: str,
    *,
    user: str = "U123",
    channel: str = "C123",
    message_ts: str | None = None,
    thread_ts: str | None = None,
    block_id: str = "card_actions",
    team: str = sr.TEAM_ID,
    container: dict[str, Any] | None = None,
) -> str:
    """Send a signed block_actions click; returns its trigger_id."""
    trigger = sr.new_trigger_id()
    payload = sr.block_actions_payload(
        action_id,
        value,
        user=user,
        channel=channel,
        message_ts=message_ts,
        thread_ts=thread_ts,
        block_id=block_id,
        team_id=team,
        trigger_id=trigger,
        container=container,
        response_url=server.emulator.webhook_url(),
    )
    assert server.client.post_interactivity(sr.interactivity_form(payload))[0] == 200
    return trigger


def submit(
    server: Server, callback: str, values: dict[str, Any], metadata: str, *, user: str = "U123", team: str = sr.TEAM_ID
) -> dict[str, Any]:
    """Send a signed view_submission; returns the JSON answer (empty when accepted)."""
    payload = sr.view_submission_payload(callback, values, metadata, user=user, team_id=team)
    status, _, body = server.client.post_interactivity(sr.interactivity_form(payload))
    assert status == 200
    return json.loads(body) if body.strip() else {}


def ephemeral(server: Server, user: str, text: str | None = None, timeout: float = 10) -> Call:
    """Wait for an ephemeral message to `user` (containing `text`, if given)."""
    return server.emulator.wait_for(
        "chat.postEphemeral",
        timeout=timeout,
        predicate=lambda c: c.params.get("user") == user and (text is None or text in str(c.params.get("text"))),
    )[-1]


def modal(server: Server, trigger: str, timeout: float = 10) -> dict[str, Any]:
    call = server.emulator.wait_for(
        "views.open", timeout=timeout, predicate=lambda c: c.params.get("trigger_id") == trigger
    )[0]
    return dict(call.params["view"])


def opened(server: Server, trigger: str) -> bool:
    return any(c.params.get("trigger_id") == trigger for c in server.emulator.calls("views.open"))


def command(server: Server, text: str, user: str, channel: str = "C123") -> Call:
    """Send `/ai-advisor TEXT` and wait for the answer posted to its response_url."""
    key = uuid.uuid4().hex
    url = server.emulator.webhook_url() + f"?k={key}"
    status, _, _ = server.client.post_command(
        sr.slash_command_form(text, user_id=user, channel_id=channel, response_url=url)
    )
    assert status == 200
    return server.emulator.wait_for("webhook", timeout=15, predicate=lambda c: c.params.get("k") == key)[0]


def summary_of(server: Server, channel: str, thread: str, count: int = 1) -> Call:
    return server.emulator.wait_for(
        "chat.postMessage",
        count,
        timeout=10,
        predicate=lambda c: (
            c.params.get("channel") == channel
            and c.params.get("thread_ts") == thread
            and "Summary for leads" in blocks_text(c)
        ),
    )[-1]


def decision_value(summary: Call, status: str) -> str:
    """The value of a decision button on a posted (or updated) summary."""
    for block in summary.params["blocks"]:
        if block.get("block_id") == "decision":
            return next(str(e["value"]) for e in block["elements"] if e["action_id"] == f"decision:{status}")
    raise AssertionError("no decision buttons on the summary")


def home_opened(server: Server, user: str) -> dict[str, Any]:
    """Open the App Home as `user` and return the view published for them."""
    event = {"type": "app_home_opened", "user": user, "channel": uid("D"), "tab": "home", "event_ts": sr.new_ts()}
    count = len([c for c in server.emulator.calls("views.publish") if c.params.get("user_id") == user])
    assert server.client.post_event(sr.event_body(event))[0] == 200
    call = server.emulator.wait_for(
        "views.publish", count + 1, timeout=10, predicate=lambda c: c.params.get("user_id") == user
    )[-1]
    assert call.ok
    return dict(call.params["view"])
