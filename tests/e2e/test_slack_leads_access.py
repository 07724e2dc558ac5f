"""Who may act on an assessment, over real HTTP: a click or a modal must come from the assessment's own channel,
decisions need a lead who is a member of that channel, and a Slack lookup that times out refuses clearly (never
silence) and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.slack import messages as msg
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, settle
from tests.e2e.leads_helpers import (
    GROUP_LEAD,
    LEAD,
    assess,
    click,
    command,
    decision_value,
    ephemeral,
    home_opened,
    modal,
    opened,
    outbox_count,
    rows,
    start_leads_server,
    stored_counts,
    submit,
    summary_of,
    uid,
)
from tests.slack_emulator import Call, Fault, SlackEmulator

pytestmark = pytest.mark.e2e

OTHER_CHANNEL = "another channel"


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_leads_server(emulator, tmp_path_factory.mktemp("access"))
    yield srv
    srv.stop()


def dm(server: Server, user: str, text: str) -> Call:
    """Wait for the app's DM to `user` containing `text` (how a click outside any channel is answered)."""
    return server.emulator.wait_for(
        "chat.postMessage",
        timeout=10,
        predicate=lambda c: c.params.get("channel") == user and text in str(c.params.get("text")),
    )[-1]


def private_assessment(server: Server) -> tuple[str, str, str, str, str]:
    """An assessment in a private channel only its owner is in: (channel, owner, thread, card ts, id)."""
    channel, owner = uid("G"), uid()
    server.emulator.set_channel(channel, private=True, members=[owner])
    thread, card_ts, cid = assess(server, channel, user=owner, text="SECRET PROJECT X. " + FULL)
    return channel, owner, thread, card_ts, cid


def test_card_buttons_and_modals_only_work_from_the_assessments_channel(server: Server) -> None:
    priv, owner, thread, card_ts, cid = private_assessment(server)
    public, outsider = uid("C"), uid()
    before, queued = stored_counts(server, cid), outbox_count(server, cid)
    # an outsider names the private assessment from a modal or the App Home (a view, no channel): told in a DM
    for action in ("adjust", "feedback:down", "feedback:up"):
        trigger = click(
            server, action, cid, user=outsider, channel=public, container={"type": "view", "view_id": "VFORGED"}
        )
        assert OTHER_CHANNEL in dm(server, outsider, OTHER_CHANNEL).params["text"]
        assert not opened(server, trigger)  # no modal prefilled with the private intake
    # ... and from a message in another channel, pointing at the real card: told there, privately
    for action in ("adjust", "feedback:down"):
        watcher = uid()
        trigger = click(server, action, cid, user=watcher, channel=public, message_ts=card_ts, thread_ts=thread)
        told = ephemeral(server, watcher, OTHER_CHANNEL)
        assert told.params["channel"] == public and "SECRET" not in json.dumps(told.params)
        assert not opened(server, trigger)
    # a payload whose two channel fields disagree
    sneaky = uid()
    payload = sr.block_actions_payload(
        "adjust", cid, user=sneaky, channel=priv, message_ts=card_ts, thread_ts=thread, block_id="card_actions"
    )
    payload["channel"]["id"] = public
    assert server.client.post_interactivity(sr.interactivity_form(payload))[0] == 200
    ephemeral(server, sneaky, OTHER_CHANNEL)
    assert not opened(server, payload["trigger_id"])
    # forged modal submissions: the modal must have been opened from the assessment's channel
    values = {"labeled_examples": {"value": "500"}}
    for meta in (json.dumps({"c": cid, "ch": public}), json.dumps({"c": cid}), cid):
        refused = submit(server, "adjust", values, meta, user=outsider)
        assert refused["response_action"] == "errors" and OTHER_CHANNEL in json.dumps(refused["errors"])
    reason = submit(
        server,
        "feedback_reason",
        {"reason": {"value": "leak it"}},
        json.dumps({"c": cid, "ch": public, "ts": thread}),
        user=outsider,
    )
    assert OTHER_CHANNEL in reason["errors"]["reason"]
    settle(0.3)
    assert stored_counts(server, cid) == before and outbox_count(server, cid) == queued
    assert rows(server, "select count(*) from feedback where conversation_id = ?", cid) == [(0,)]
    # the owner, on the card in the private channel, gets the modal; its metadata carries the channel
    trigger = click(server, "adjust", cid, user=owner, channel=priv, message_ts=card_ts, thread_ts=thread)
    assert json.loads(modal(server, trigger)["private_metadata"]).items() >= {"c": cid, "ch": priv}.items()


def test_a_lead_decides_only_in_channels_they_are_in(server: Server) -> None:
    priv, owner, thread, _, cid = private_assessment(server)
    public = uid("C")
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=priv, user=owner, thread_ts=thread))
    )
    summary = summary_of(server, priv, thread)
    summary_ts, value = str(summary.response["ts"]), decision_value(summary, "approved")
    before, queued = stored_counts(server, cid), outbox_count(server, cid)
    # a lead who is not in the private channel: from another channel, and "from" the private one (forged)
    trigger = click(
        server,
        "decision:approved",
        value,
        user=LEAD,
        channel=public,
        message_ts=summary_ts,
        thread_ts=thread,
        block_id="decision",
    )
    assert ephemeral(server, LEAD, OTHER_CHANNEL).params["channel"] == public
    assert not opened(server, trigger)
    trigger = click(
        server,
        "decision:approved",
        value,
        user=GROUP_LEAD,
        channel=priv,
        message_ts=summary_ts,
        thread_ts=thread,
        block_id="decision",
    )
    assert ephemeral(server, GROUP_LEAD, "member").params["text"] == msg.DECISION_NOT_MEMBER
    assert not opened(server, trigger)
    # the lead forges the decision modal's submission instead
    meta = {**json.loads(value), "s": "approved", "ts": summary_ts}
    inside = submit(server, "decision", {"note": {"value": "ship it"}}, json.dumps({**meta, "ch": priv}), user=LEAD)
    assert inside["errors"]["note"] == msg.DECISION_NOT_MEMBER[:150]
    outside = submit(server, "decision", {"note": {"value": ""}}, json.dumps({**meta, "ch": public}), user=LEAD)
    assert OTHER_CHANNEL in outside["errors"]["note"]
    assert (
        OTHER_CHANNEL
        in submit(server, "decision", {"note": {"value": ""}}, json.dumps(meta), user=LEAD)["errors"]["note"]
    )  # no channel at all
    settle(0.3)
    assert rows(server, "select count(*) from decisions where conversation_id = ?", cid) == [(0,)]
    assert stored_counts(server, cid) == before and outbox_count(server, cid) == queued  # the requester isn't told


def test_slack_timeouts_refuse_clearly(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A lookup that times out counts as "no", and the user is told Slack couldn't be asked (never silence)."""
    group, group_lead, owner = "SSLOW", uid(), uid()
    channel = uid("C")
    emulator.set_channel(channel, members=[owner, group_lead, LEAD])
    srv = start_leads_server(emulator, tmp_path_factory.mktemp("slow"), group, group_lead, ADVISOR_SLACK_TIMEOUT="1")
    try:
        thread, _, cid = assess(srv, channel, user=owner)
        srv.client.post_event(
            sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, user=owner, thread_ts=thread))
        )
        summary = summary_of(srv, channel, thread)
        summary_ts, value = str(summary.response["ts"]), decision_value(summary, "approved")

        def decide(user: str) -> str:
            return click(
                srv,
                "decision:approved",
                value,
                user=user,
                channel=channel,
                message_ts=summary_ts,
                thread_ts=thread,
                block_id="decision",
            )

        # the group lead clicks while `usergroups.users.list` times out
        emulator.fail_next("usergroups.users.list", Fault.timeout(2))
        trigger = decide(group_lead)
        assert ephemeral(srv, group_lead, "couldn't check").params["text"] == msg.LOOKUP_FAILED
        assert not opened(srv, trigger)
        # a lead from ADVISOR_LEADS while the channel's members can't be looked up
        emulator.fail_next("conversations.members", Fault.timeout(2))
        trigger = decide(LEAD)
        assert ephemeral(srv, LEAD, "couldn't check").params["text"] == msg.LOOKUP_FAILED
        assert not opened(srv, trigger)
        # the App Home is still published (without the leads' part), and the digest says why it can't be made
        emulator.fail_next("usergroups.users.list", Fault.timeout(2))
        home = json.dumps(home_opened(srv, group_lead))
        assert "Your recent assessments" in home and "For leads" not in home
        emulator.fail_next("usergroups.users.list", Fault.timeout(2))
        assert command(srv, "digest 7d", group_lead, channel).params["text"] == msg.LOOKUP_FAILED
        assert rows(srv, "select count(*) from decisions where conversation_id = ?", cid) == [(0,)]
        # once Slack answers again, the same click opens the decision modal
        assert modal(srv, decide(group_lead))["callback_id"] == "decision"
    finally:
        srv.stop()
    assert "Traceback" not in srv.log.read_text()
