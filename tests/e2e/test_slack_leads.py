"""The leads' workflow over real HTTP: adjust, quick answers, feedback, summaries, decisions, digests, App Home,
purge and retention, and the forged or stale interactions that must change nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from tests import slack_requests as sr
from tests.e2e.conftest import CLI, Server
from tests.e2e.helpers import FULL, blocks_text, cards, first_button, is_card, settle, wait_posts
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
    rows,
    start_leads_server,
    stored_counts,
    submit,
    summary_of,
    uid,
    wait_card_moved,
)
from tests.slack_emulator import Fault, SlackEmulator

pytestmark = pytest.mark.e2e

PROMPT = "A support assistant drafting replies; no labeled data, no ML engineers, ship in 3 weeks."


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_leads_server(emulator, tmp_path_factory.mktemp("leads"))
    yield srv
    srv.stop()


# --- adjust, quick answers, feedback ---


def test_adjust_updates_the_card_in_place_when_the_answer_flips_it(server: Server, channel: str) -> None:
    emulator = server.emulator
    thread, card_ts, cid = assess(server, channel)
    trigger = click(server, "adjust", cid, channel=channel, message_ts=card_ts, thread_ts=thread)
    view = modal(server, trigger)
    meta = view["private_metadata"]
    assert json.loads(meta).items() >= {"c": cid, "ch": channel}.items()  # and the version it was filled from
    before = stored_counts(server, cid)
    # invalid numbers, negative values and forged dropdown values: inline errors, nothing stored
    for bad in (
        {"labeled_examples": {"value": "lots"}},
        {"deadline_weeks": {"value": "-3"}},
        {"monthly_requests": {"value": "-2M"}},
        {"budget_usd": {"value": "1e400"}},
        {"regulated": {"value": {"type": "static_select", "selected_option": {"value": "not json"}}}},
        {"ml_expertise": {"value": {"type": "static_select", "selected_option": {"value": '"guru"'}}}},
        {"regulated": {"value": {"type": "static_select", "selected_option": {"value": "1"}}}},
    ):
        answer = submit(server, "adjust", bad, meta)
        assert answer["response_action"] == "errors" and set(answer["errors"]) == set(bad)
    assert stored_counts(server, cid) == before
    # an unknown id or another workspace's conversation: refused, nothing stored
    forged = json.dumps({"c": "forged", "ch": channel})
    assert submit(server, "adjust", {"labeled_examples": {"value": "500"}}, forged)["response_action"] == "errors"
    other = submit(server, "adjust", {"labeled_examples": {"value": "500"}}, meta, team="T0002")
    assert "another workspace" in json.dumps(other["errors"])
    assert stored_counts(server, cid) == before
    # 150 examples rules fine-tuning out: the same card is updated with a new recommendation
    assert submit(server, "adjust", {"labeled_examples": {"value": "150"}}, meta) == {}
    update = emulator.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == card_ts)[0]
    payload = update.params["metadata"]["event_payload"]
    assert payload["approach"] != "fine_tuning" and payload["conversation_id"] == cid
    header = update.params["blocks"][0]["text"]["text"]
    assert not header.startswith("Fine-tuning")
    assert stored_counts(server, cid)["intake_versions"] == before["intake_versions"] + 1
    assert stored_counts(server, cid)["recommendations"] == before["recommendations"] + 1
    settle(0.3)
    assert len(cards(emulator, channel, thread)) == 1  # updated in place, not re-posted


def test_quick_answer_and_forged_answers(server: Server, channel: str) -> None:
    emulator = server.emulator
    ts = sr.new_ts()
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> a chatbot for our internal docs", channel=channel, ts=ts))
    )
    question = wait_posts(emulator, channel, thread=ts)[0]
    assert not is_card(question)
    cid = json.loads(first_button(question)["value"])["c"]
    before = stored_counts(server, cid)
    # a forged value naming an unknown conversation, and one from another workspace: refused, nothing stored
    button = first_button(question)
    click(
        server,
        button["action_id"],
        json.dumps({"c": "nope", "v": 1}),
        user="UFORGE",
        channel=channel,
        message_ts=question.response["ts"],
        thread_ts=ts,
        block_id=f"q:{button['action_id'].split(':')[1]}",
    )
    assert "can't find that assessment" in ephemeral(server, "UFORGE").params["text"]
    click(
        server,
        button["action_id"],
        button["value"],
        user="UFORGE2",
        channel=channel,
        team="T0002",
        message_ts=question.response["ts"],
        thread_ts=ts,
    )
    assert "another workspace" in ephemeral(server, "UFORGE2").params["text"]
    assert stored_counts(server, cid) == before
    # the real click answers the question in place and continues the conversation
    payload = sr.block_actions_payload(
        button["action_id"], button["value"], channel=channel, thread_ts=ts, message_ts=question.response["ts"]
    )
    payload["message"]["blocks"] = question.params["blocks"]
    assert server.client.post_interactivity(sr.interactivity_form(payload))[0] == 200
    wait_posts(emulator, channel, 2, thread=ts)
    update = emulator.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == question.response["ts"])[0]
    assert "✓" in blocks_text(update)
    assert stored_counts(server, cid)["intake_versions"] == before["intake_versions"] + 1


def test_feedback_is_one_vote_per_user_with_an_optional_reason(server: Server, channel: str) -> None:
    emulator = server.emulator
    thread, card_ts, cid = assess(server, channel)
    voter = uid()
    click(server, "feedback:up", cid, user=voter, channel=channel, message_ts=card_ts, thread_ts=thread)
    assert "👍" in ephemeral(server, voter).params["text"]
    click(server, "feedback:up", cid, user=voter, channel=channel, message_ts=card_ts, thread_ts=thread)
    emulator.wait_for("chat.postEphemeral", 2, predicate=lambda c: c.params.get("user") == voter)
    assert rows(server, "select user, value from feedback where conversation_id = ?", cid) == [(voter, "up")]
    # 👎 replaces the vote at once and asks for a reason in a small modal
    trigger = click(server, "feedback:down", cid, user=voter, channel=channel, message_ts=card_ts, thread_ts=thread)
    view = modal(server, trigger)
    assert view["callback_id"] == "feedback_reason"
    assert rows(server, "select user, value from feedback where conversation_id = ?", cid) == [(voter, "down")]
    too_long = submit(server, "feedback_reason", {"reason": {"value": "x" * 600}}, view["private_metadata"], user=voter)
    assert too_long["response_action"] == "errors"
    assert (
        submit(
            server,
            "feedback_reason",
            {"reason": {"value": "ignores our GPU budget"}},
            view["private_metadata"],
            user=voter,
        )
        == {}
    )
    ephemeral(server, voter, "reason is recorded")
    audit = rows(server, "select user, action, previous, value, note from audit where conversation_id = ?", cid)
    assert audit[-1] == (voter, "feedback", "down", "down", "ignores our GPU budget")
    assert [a[2:4] for a in audit] == [(None, "up"), ("up", "up"), ("up", "down"), ("down", "down")]
    # the reason shows in the thread's summary for leads
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, thread_ts=thread))
    )
    summary = blocks_text(summary_of(server, channel, thread))
    assert "Why 👎" in summary and "• ignores our GPU budget" in summary
    # a correction in the thread posts a new card: buttons on the old card are stale and change nothing
    server.client.post_event(
        sr.event_body(sr.message("actually we only have 300 labeled examples", channel=channel, thread_ts=thread))
    )
    emulator.wait_for("chat.postMessage", 2, predicate=lambda c: c.params.get("thread_ts") == thread and is_card(c))
    wait_card_moved(server, cid, card_ts)
    before = stored_counts(server, cid)
    stale = uid()
    click(server, "feedback:up", cid, user=stale, channel=channel, message_ts=card_ts, thread_ts=thread)
    assert "out of date" in ephemeral(server, stale).params["text"]
    trigger = click(server, "adjust", cid, user=stale, channel=channel, message_ts=card_ts, thread_ts=thread)
    emulator.wait_for("chat.postEphemeral", 2, predicate=lambda c: c.params.get("user") == stale)
    assert not opened(server, trigger)
    assert stored_counts(server, cid) == before


# --- summaries and decisions ---


def test_summary_via_mention_in_the_thread(server: Server, channel: str) -> None:
    emulator = server.emulator
    requester = uid()
    thread, card_ts, cid = assess(server, channel, user=requester)
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, thread_ts=thread))
    )
    summary = summary_of(server, channel, thread)
    text = blocks_text(summary)
    assert f"<@{requester}>" in text and cid in text
    assert "Fine-tuning" in text and "3-year cost" in text and "Awaiting decision" in text
    assert "1. Business objective" in text and "Unknown:" in text and "Risks" in text
    permalink = emulator.wait_for("chat.getPermalink", predicate=lambda c: c.params.get("message_ts") == card_ts)[0]
    assert permalink.response["permalink"] in text
    assert {"decision:approved", "decision:needs_info", "decision:rejected"} <= set(text.split('"'))
    assert len(summary.params["blocks"]) <= 50
    settle(0.3)
    assert len(cards(emulator, channel, thread)) == 1  # "summary" did not reach the advisor
    # a summary asked for outside an assessment's thread says so and creates nothing
    count = rows(server, "select count(*) from conversations")[0][0]
    ts = sr.new_ts()
    server.client.post_event(sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, ts=ts)))
    reply = wait_posts(emulator, channel, thread=ts)[0]
    assert "no assessment in this thread" in reply.params["text"]
    assert rows(server, "select count(*) from conversations")[0][0] == count


def test_summary_via_the_message_shortcut_on_any_message_of_the_thread(server: Server, channel: str) -> None:
    thread, _, cid = assess(server, channel)
    reply_ts = sr.new_ts()  # someone's reply in the thread
    payload = sr.message_shortcut_payload(
        "summarize_for_leads", message_ts=reply_ts, thread_ts=thread, channel=channel, user=LEAD
    )
    assert server.client.post_interactivity(sr.interactivity_form(payload))[0] == 200
    assert cid in blocks_text(summary_of(server, channel, thread))
    # on a message that is not part of an assessment: told privately, nothing posted
    lone = sr.message_shortcut_payload("summarize_for_leads", message_ts=sr.new_ts(), channel=channel, user=LEAD)
    server.client.post_interactivity(sr.interactivity_form(lone))
    assert "no assessment" in ephemeral(server, LEAD, "no assessment").params["text"]


def test_decisions_are_audited_and_the_requester_is_told(server: Server, channel: str) -> None:
    emulator = server.emulator
    requester, outsider = uid(), uid()
    emulator.set_channel(channel, members=[requester, LEAD, GROUP_LEAD, outsider])  # leads decide in their channels
    thread, _, cid = assess(server, channel, user=requester)
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, thread_ts=thread))
    )
    summary = summary_of(server, channel, thread)
    summary_ts = str(summary.response["ts"])
    value = decision_value(summary, "approved")

    def decide(user: str, status: str, val: str, note: str = "") -> dict[str, Any]:
        trigger = click(
            server,
            f"decision:{status}",
            val,
            user=user,
            channel=channel,
            message_ts=summary_ts,
            thread_ts=thread,
            block_id="decision",
        )
        view = modal(server, trigger)
        assert view["callback_id"] == "decision"
        return submit(server, "decision", {"note": {"value": note}}, view["private_metadata"], user=user)

    assert decide(LEAD, "approved", value, "Go ahead, start with the labeling pilot.") == {}
    assert rows(
        server,
        "select user, action, previous, value, note from audit where conversation_id = ? and action = 'decision'",
        cid,
    ) == [(LEAD, "decision", None, "approved", "Go ahead, start with the labeling pilot.")]
    notice = emulator.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.params.get("thread_ts") == thread and "marked *Approved*" in str(c.params.get("text")),
    )[0]
    assert f"<@{requester}>" in notice.params["text"] and f"<@{LEAD}>" in notice.params["text"]
    assert "labeling pilot" in notice.params["text"]
    updated = emulator.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == summary_ts)[-1]
    assert "Approved" in blocks_text(updated) and f"<@{LEAD}>" in blocks_text(updated)
    # a member of the leads' user group changes it, from the refreshed summary
    fresh = decision_value(updated, "needs_info")
    assert decide(GROUP_LEAD, "needs_info", fresh) == {}
    audit = rows(
        server, "select user, previous, value from audit where conversation_id = ? and action = 'decision'", cid
    )
    assert audit == [(LEAD, None, "approved"), (GROUP_LEAD, "approved", "needs_info")]
    before = stored_counts(server, cid)
    # a stale summary (the original one, showing no decision): refreshed in place, no modal
    trigger = click(
        server,
        "decision:rejected",
        value,
        user=LEAD,
        channel=channel,
        message_ts=summary_ts,
        thread_ts=thread,
        block_id="decision",
    )
    assert "out of date" in ephemeral(server, LEAD, "out of date").params["text"]
    assert not opened(server, trigger)
    # a non-lead's click is refused politely; a forged submission by a non-lead changes nothing
    trigger = click(
        server,
        "decision:rejected",
        fresh,
        user=outsider,
        channel=channel,
        message_ts=summary_ts,
        thread_ts=thread,
        block_id="decision",
    )
    assert "only leads" in ephemeral(server, outsider).params["text"]
    assert not opened(server, trigger)
    meta = json.dumps({**json.loads(fresh), "d": "needs_info", "s": "rejected", "ch": channel, "ts": summary_ts})
    refused = submit(server, "decision", {"note": {"value": "no"}}, meta, user=outsider)
    assert refused["response_action"] == "errors" and "only leads" in refused["errors"]["note"]
    # a lead's forged submissions: unknown status, unknown id, a note that's too long
    for forged in ({**json.loads(meta), "s": "shipped"}, {**json.loads(meta), "c": "nope"}):
        assert submit(server, "decision", {"note": {"value": ""}}, json.dumps(forged), user=LEAD)["errors"]
    assert submit(server, "decision", {"note": {"value": "x" * 501}}, meta, user=LEAD)["response_action"] == "errors"
    assert stored_counts(server, cid) == before


def test_decisions_on_unknown_or_other_workspace_conversations_are_refused(server: Server, channel: str) -> None:
    _, _, other = assess(server, channel, team="T0002")
    before = stored_counts(server, other)
    state = json.dumps({"c": other, "v": 1, "d": ""})
    click(server, "decision:approved", state, user=LEAD, channel=channel, block_id="decision")
    assert "another workspace" in ephemeral(server, LEAD, "another workspace").params["text"]
    click(
        server,
        "decision:approved",
        json.dumps({"c": "000000000000", "v": 1, "d": ""}),
        user=GROUP_LEAD,
        channel=channel,
        block_id="decision",
    )
    assert "can't find" in ephemeral(server, GROUP_LEAD, "can't find").params["text"]
    meta = json.dumps({"c": other, "v": 1, "d": "", "s": "approved"})
    assert "another workspace" in json.dumps(submit(server, "decision", {"note": {"value": ""}}, meta, user=LEAD))
    assert stored_counts(server, other) == before


# --- digests, private channels, App Home, purge ---


@pytest.fixture(scope="module")
def channels(server: Server) -> dict[str, str]:
    """A public channel the lead is in, a private channel they are not in, and someone's DM with the bot."""
    emulator = server.emulator
    names = {"public": uid("C"), "private": uid("G"), "dm": uid("D")}
    members = [LEAD, GROUP_LEAD, "U123"] + [f"UM{i:04d}" for i in range(250)]  # more than one page of members
    emulator.set_channel(names["public"], members=members)
    emulator.set_channel(names["private"], private=True, members=["U123", "USECRET"])
    emulator.set_channel(names["dm"], im=True, members=["USECRET", sr.BOT_USER_ID])
    return names


@pytest.fixture(scope="module")
def assessed(server: Server, channels: dict[str, str]) -> dict[str, str]:
    """One assessment in each of the channels above (and one more in the public channel)."""
    ids = {
        name: assess(server, channel, user="USECRET" if name != "public" else "U123")[2]
        for name, channel in channels.items()
    }
    ids["public_prompt"] = assess(server, channels["public"], user="U123", text=PROMPT)[2]
    return ids


def test_digest_for_a_lead_lists_only_channels_they_are_in(
    server: Server, channels: dict[str, str], assessed: dict[str, str]
) -> None:
    emulator = server.emulator
    thread = rows(server, "select thread from conversations where id = ?", assessed["public"])[0][0]
    card_ts = rows(server, "select ts from cards where conversation_id = ?", assessed["public"])[0][0]
    voter = uid()
    trigger = click(
        server,
        "feedback:down",
        assessed["public"],
        user=voter,
        channel=channels["public"],
        thread_ts=thread,
        message_ts=card_ts,
    )
    reason = {"reason": {"value": "<!channel> far too pricey"}}
    assert submit(server, "feedback_reason", reason, modal(server, trigger)["private_metadata"], user=voter) == {}
    ephemeral(server, voter, "reason is recorded")
    permalinks = len(emulator.calls("chat.getPermalink"))
    answer = command(server, "digest 7d", LEAD, channels["public"])
    assert answer.params["response_type"] == "ephemeral"
    text = blocks_text(answer)
    assert assessed["public"] in text and assessed["public_prompt"] in text
    assert assessed["private"] not in text and assessed["dm"] not in text  # private channel and DM excluded
    assert "Fine-tuning" in text and "Prompt engineering" in text and "👎 1" in text
    assert "👎 why: “&lt;!channel&gt; far too pricey”" in text and "<!channel>" not in text  # escaped
    assert f"https://example.slack.com/archives/{channels['public']}/p{thread.replace('.', '')}" in text
    assert len(emulator.calls("chat.getPermalink")) == permalinks  # built from auth.test, not one call per item
    members = [c for c in emulator.calls("conversations.members") if c.params.get("channel") == channels["public"]]
    assert len(members) >= 2 and members[1].params.get("cursor")  # paginated
    # the group lead gets it too (leads from ADVISOR_LEADS_GROUP), for one channel
    one = blocks_text(command(server, f"digest all <#{channels['public']}|general>", GROUP_LEAD))
    assert assessed["public"] in one and "#general" in one
    # someone who is in the private channel but not a lead is refused politely
    refused = command(server, "digest 7d", "U123")
    assert "digests are for leads" in refused.params["text"] and "blocks" not in refused.params


def test_digest_refusals_for_hidden_channels_and_bad_arguments(
    server: Server, channels: dict[str, str], assessed: dict[str, str]
) -> None:
    hidden = command(server, f"digest 30d <#{channels['private']}>", LEAD)
    assert "you're not in" in hidden.params["text"] and assessed["private"] not in json.dumps(hidden.params)
    assert "member" in command(server, f"digest {channels['dm']}", LEAD).params["text"]
    assert "Usage" in command(server, "digest yesterday", LEAD).params["text"]
    assert "Pick it from Slack's suggestions" in command(server, "digest #general", LEAD).params["text"]
    assert "between 1 and" in command(server, "digest 0d", LEAD).params["text"]


def test_app_home_for_a_user_and_for_a_lead(server: Server, channels: dict[str, str], assessed: dict[str, str]) -> None:
    mine = home_opened(server, "USECRET")
    text = json.dumps(mine)
    assert mine["type"] == "home" and "New assessment" in text and "home:new_assessment" in text
    assert "Your recent assessments" in text and "Awaiting decision" in text and "For leads" not in text
    lead = json.dumps(home_opened(server, LEAD))
    assert "For leads" in lead and assessed["public"] in lead
    assert assessed["private"] not in lead and assessed["dm"] not in lead
    assert "You have no assessments yet" in lead
    assert len(mine["blocks"]) <= 100


def test_new_assessment_from_the_app_home(server: Server, channel: str) -> None:
    emulator = server.emulator
    user = uid()
    trigger = click(
        server,
        "home:new_assessment",
        "new",
        user=user,
        block_id="home_actions",
        container={"type": "view", "view_id": "VHOME"},
    )
    view = modal(server, trigger)
    assert view["callback_id"] == "new_assessment"
    empty = submit(server, "new_assessment", {"description": {"value": "   "}}, "", user=user)
    assert empty["errors"]["description"]
    emulator.set_channel(channel, members=[user, "UOTHER"])
    outsider = submit(
        server,
        "new_assessment",
        {
            "description": {"value": FULL},
            "channel": {"value": {"type": "conversations_select", "selected_conversation": channel}},
        },
        "",
        user=uid(),
    )
    assert "member" in outsider["errors"]["channel"]  # not a member of the channel picked: refused
    emulator.fail_next("chat.postMessage", Fault.error("not_in_channel"))
    refused = submit(
        server,
        "new_assessment",
        {
            "description": {"value": FULL},
            "channel": {"value": {"type": "conversations_select", "selected_conversation": channel}},
        },
        "",
        user=user,
    )
    assert "not_in_channel" in refused["errors"]["channel"]
    assert (
        submit(
            server,
            "new_assessment",
            {
                "description": {"value": FULL},
                "channel": {"value": {"type": "conversations_select", "selected_conversation": channel}},
            },
            "",
            user=user,
        )
        == {}
    )
    opening = wait_posts(emulator, channel)[0]
    assert f"<@{user}>" in opening.params["text"]
    card = wait_posts(emulator, channel, thread=opening.response["ts"])[0]
    assert is_card(card)
    assert rows(
        server,
        "select user from conversations where id = ?",
        card.params["metadata"]["event_payload"]["conversation_id"],
    ) == [(user,)]
    home = emulator.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == user)[-1]
    assert "Fine-tuning" in json.dumps(home.params["view"])


def test_purge_removes_old_assessments_from_the_digest(
    server: Server, channels: dict[str, str], assessed: dict[str, str]
) -> None:
    _, _, old = assess(server, channels["public"], user="U123")
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=200)).isoformat(timespec="milliseconds")
    with sqlite3.connect(server.data_dir / "advisor.db") as conn:
        conn.execute("update conversations set created_at = ?, updated_at = ? where id = ?", [long_ago, long_ago, old])
    assert old in blocks_text(command(server, "digest all", LEAD))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_"))}
    env["ADVISOR_DATA_DIR"] = str(server.data_dir)
    done = subprocess.run(
        [str(CLI), "purge", "--older-than", "180d"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=server.data_dir,
    )
    assert done.returncode == 0, done.stderr
    assert "Deleted 1 conversation" in done.stdout
    after = blocks_text(command(server, "digest all", LEAD))
    assert old not in after and assessed["public"] in after
    assert stored_counts(server, old) == dict.fromkeys(stored_counts(server, old), 0)
    # bad input changes nothing
    bad = subprocess.run(
        [str(CLI), "purge", "--older-than", "soon"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=server.data_dir,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert assessed["public"] in blocks_text(command(server, "digest all", LEAD))


def test_retention_purges_while_serving(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = tmp_path_factory.mktemp("retention")
    store = Store(data / "advisor.db")
    advisor = Advisor(store)
    old = advisor.handle(ConversationKey("slack", sr.TEAM_ID, "CRET", "1.1"), "U1", FULL).conversation_id
    new = advisor.handle(ConversationKey("slack", sr.TEAM_ID, "CRET", "2.2"), "U1", FULL).conversation_id
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=400)).isoformat(timespec="milliseconds")
    store.db.execute("update conversations set updated_at = ? where id = ?", [long_ago, old])
    store.close()
    srv = Server(emulator, data, env={"ADVISOR_RETENTION_DAYS": "365"}).start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and rows(srv, "select count(*) from conversations where id = ?", old)[0][0]:
            time.sleep(0.1)
        assert rows(srv, "select id from conversations order by id") == [(new,)]
        assert rows(srv, "select sum(count) from purged_counts")[0][0] == 1  # anonymised counts kept by default
    finally:
        srv.stop()
