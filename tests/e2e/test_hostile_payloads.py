"""Issue 18 over real HTTP, inside the app: a lead's decision is tied to the answers it was made on (defect 2),
Slack's escaping is undone once and done once (defect 5), and interactive payloads are checked as if forged:
user ids escaped wherever echoed, quick answers bound to their own assessment's question, updates rebuilt from
stored state, membership for private channels (defect 6)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, QuestionMessage, blocks_text, first_button, settle, wait_posts
from tests.e2e.leads_helpers import (
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
)
from tests.slack_emulator import SlackEmulator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_leads_server(emulator, tmp_path_factory.mktemp("payloads"), group="SPAYLOADS")
    yield srv
    srv.stop()


def summarize(server: Server, channel: str, thread: str, count: int = 1) -> tuple[str, str]:
    """Ask for the thread's summary; returns (its ts, its blocks as text)."""
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, thread_ts=thread))
    )
    summary = summary_of(server, channel, thread, count)
    return str(summary.response["ts"]), blocks_text(summary)


def approve(server: Server, channel: str, thread: str, count: int = 1, notices: int = 1) -> None:
    """A lead approves from the thread's `count`-th summary (asked for here); the requester's `notices`-th notice."""
    server.client.post_event(
        sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> summary", channel=channel, thread_ts=thread))
    )
    summary = summary_of(server, channel, thread, count)
    trigger = click(
        server,
        "decision:approved",
        decision_value(summary, "approved"),
        user=LEAD,
        channel=channel,
        message_ts=str(summary.response["ts"]),
        thread_ts=thread,
        block_id="decision",
    )
    view = modal(server, trigger)
    assert submit(server, "decision", {"note": {"value": "ok"}}, view["private_metadata"], user=LEAD) == {}
    server.emulator.wait_for(
        "chat.postMessage",
        notices,
        predicate=lambda c: c.params.get("thread_ts") == thread and "marked *Approved*" in str(c.params.get("text")),
    )


# --- defect 2: decisions and the answers they were made on ---


def test_a_decision_needs_re_review_once_the_answers_change(server: Server, channel: str) -> None:
    emulator = server.emulator
    requester = uid()
    emulator.set_channel(channel, members=[requester, LEAD])
    thread, _card_ts, cid = assess(server, channel, user=requester)
    approve(server, channel, thread)
    assert rows(server, "select intake_version from decisions where conversation_id = ?", cid)[0][0] >= 1
    # The requester changes the facts through Adjust answers: the approval was about the earlier answers.
    meta = json.dumps({"c": cid, "ch": channel}, separators=(",", ":"))
    assert submit(server, "adjust", {"labeled_examples": {"value": "0"}}, meta, user=requester) == {}
    notice = emulator.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.params.get("thread_ts") == thread and "re-review" in str(c.params.get("text")),
    )[0]
    assert f"<@{LEAD}>" in notice.params["text"] and "*Approved*" in notice.params["text"]
    # Everywhere the decision shows, it shows as needing re-review, never as "Approved" beside the new card.
    _, summary = summarize(server, channel, thread, count=2)
    assert "Needs re-review" in summary and "*Status:* Approved" not in summary
    digest = json.dumps(command(server, "digest 7d", LEAD, channel).params)
    assert "Needs re-review" in digest
    home = json.dumps(home_opened(server, requester))
    assert "Needs re-review" in home
    exported = CliRunner().invoke(main, ["export", "--since", "all"], env={"ADVISOR_DATA_DIR": str(server.data_dir)})
    row = next(r for r in csv.DictReader(io.StringIO(exported.output)) if r["id"] == cid)
    assert row["decision"] == "needs_re_review" and row["needs_review"] == "True" and row["decided_by"] == LEAD
    # A second change tells nobody again; deciding afresh makes the decision current.
    assert submit(server, "adjust", {"labeled_examples": {"value": "100"}}, meta, user=requester) == {}
    settle(0.5)
    assert (
        len(
            [
                c
                for c in emulator.calls("chat.postMessage")
                if c.params.get("thread_ts") == thread
                and "answers of this assessment changed" in str(c.params.get("text"))
            ]
        )
        == 1
    )
    approve(server, channel, thread, count=3, notices=2)
    _, summary = summarize(server, channel, thread, count=4)
    assert "Needs re-review" not in summary and "Approved" in summary


# --- defect 5: Slack's escaping undone once, done once ---


def test_text_slack_escaped_is_shown_as_typed(server: Server, channel: str) -> None:
    requester = uid()
    server.emulator.set_channel(channel, members=[requester, LEAD])
    typed = "Q&amp;A bot for support, answers in &lt;2s, R&amp;D &gt; sales. " + FULL  # as Slack sends "Q&A … <2s"
    thread, _, cid = assess(server, channel, user=requester, text=typed)
    stored = rows(server, "select text from turns where conversation_id = ? and role = 'user'", cid)[0][0]
    assert "Q&A bot" in stored and "<2s" in stored and "&amp;" not in stored
    _, summary = summarize(server, channel, thread)
    assert "Q&amp;A" in summary and "&amp;amp;" not in summary and "&amp;lt;" not in summary
    assert "&lt;2s" in summary
    home = json.dumps(home_opened(server, requester))
    assert "Q&amp;A" in home and "&amp;amp;" not in home


# --- defect 6: payloads checked as if forged ---


def test_forged_user_ids_never_reach_a_message(server: Server, channel: str) -> None:
    emulator = server.emulator
    forged = "U1><!channel> <https://evil.example|click>"
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel, user=forged)
    assert server.client.post_event(sr.event_body(event))[0] == 200
    settle(0.8)
    assert not [c for c in emulator.calls("chat.postMessage") if c.params.get("channel") == channel]
    # A forged clicker's id is shown as id characters only (the "answered" line names who answered).
    requester = uid()
    emulator.set_channel(channel, members=[requester, LEAD])
    thread, _, _ = assess(server, channel, user=requester)
    summarize(server, channel, thread)
    texts = [
        str(c.params.get("text")) + blocks_text(c)
        for c in emulator.calls("chat.postMessage")
        if c.params.get("channel") == channel
    ]
    assert not any("<!channel>" in t or "evil.example" in t for t in texts)


def question_round(server: Server, channel: str, user: str) -> tuple[str, QuestionMessage, str]:
    """A conversation waiting for answers: (thread, its question message, conversation id)."""
    event = sr.app_mention(
        f"<@{sr.BOT_USER_ID}> a chatbot that answers questions about our internal docs", channel=channel, user=user
    )
    server.client.post_event(sr.event_body(event))
    question = wait_posts(server.emulator, channel, thread=str(event["ts"]))[0]
    return (
        str(event["ts"]),
        {"call": question, "button": first_button(question)},
        json.loads(first_button(question)["value"])["c"],
    )


def test_a_click_on_one_assessments_question_cannot_answer_another(server: Server, channel: str) -> None:
    user = uid()
    thread_a, question_a, cid_a = question_round(server, channel, user)
    _thread_b, _question_b, cid_b = question_round(server, channel, user)
    before = stored_counts(server, cid_b)
    button = question_a["button"]
    # Assessment B's id in a button clicked on assessment A's question message (same channel).
    value = json.dumps({"c": cid_b, "v": json.loads(str(button["value"]))["v"]})
    click(
        server,
        str(button["action_id"]),
        value,
        user=user,
        channel=channel,
        message_ts=str(question_a["call"].response["ts"]),
        thread_ts=thread_a,
        block_id="q:x",
    )
    assert "doesn't belong" in ephemeral(server, user).params["text"]
    assert stored_counts(server, cid_b) == before
    # A click naming a message the app never posted is refused the same way.
    click(
        server,
        str(button["action_id"]),
        str(button["value"]),
        user=user,
        channel=channel,
        message_ts=sr.new_ts(),
        thread_ts=thread_a,
        block_id="q:x",
    )
    second = server.emulator.wait_for(
        "chat.postEphemeral", 2, timeout=10, predicate=lambda c: c.params.get("user") == user
    )[-1]
    assert "doesn't belong" in second.params["text"]
    assert stored_counts(server, cid_a)["intake_versions"] == 1


def test_the_answered_update_is_rebuilt_from_what_was_posted(server: Server, channel: str) -> None:
    emulator = server.emulator
    user = uid()
    thread, question, _cid = question_round(server, channel, user)
    button, call = question["button"], question["call"]
    payload = sr.block_actions_payload(
        str(button["action_id"]),
        str(button["value"]),
        user=user,
        channel=channel,
        message_ts=str(call.response["ts"]),
        thread_ts=thread,
        block_id="q:x",
    )
    payload["message"]["blocks"] = [
        {
            "type": "section",
            "block_id": "evil",
            "text": {"type": "mrkdwn", "text": "<!channel> pwned <https://evil.example>"},
        }
    ]
    payload["message"]["text"] = "<!channel> pwned"
    assert server.client.post_interactivity(sr.interactivity_form(payload))[0] == 200
    update = emulator.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == call.response["ts"])[0]
    shown = blocks_text(update) + str(update.params.get("text"))
    assert "pwned" not in shown and "evil" not in shown
    assert f"<@{user}>" in shown  # who answered what, on the app's own question message


def test_non_members_of_a_private_channel_cannot_vote_adjust_or_answer(server: Server) -> None:
    emulator = server.emulator
    private, member, outsider = uid("G"), uid(), uid()
    emulator.set_channel(private, private=True, members=[member, LEAD])
    thread, card_ts, cid = assess(server, private, user=member)
    before = stored_counts(server, cid)

    def told(count: int) -> str:
        """The refusal: Slack won't show an outsider an ephemeral message in the channel, so it comes as a DM."""
        return str(
            emulator.wait_for(
                "chat.postMessage", count, timeout=10, predicate=lambda c: c.params.get("channel") == outsider
            )[-1].params["text"]
        )

    for n, action in enumerate(("feedback:up", "feedback:down", "adjust"), 1):
        trigger = click(server, action, cid, user=outsider, channel=private, message_ts=card_ts, thread_ts=thread)
        assert "only members" in told(n).lower()
        assert not opened(server, trigger)
    meta = json.dumps({"c": cid, "ch": private}, separators=(",", ":"))
    refused = submit(server, "adjust", {"labeled_examples": {"value": "0"}}, meta, user=outsider)
    assert refused["response_action"] == "errors"
    assert stored_counts(server, cid) == before
    # a member may
    trigger = click(server, "adjust", cid, user=member, channel=private, message_ts=card_ts, thread_ts=thread)
    assert modal(server, trigger)["callback_id"] == "adjust"
    # a question round in a private channel: an outsider's click is refused too
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> a chatbot for our docs", channel=private, user=member)
    server.client.post_event(sr.event_body(event))
    question = wait_posts(emulator, private, thread=str(event["ts"]))[0]
    button = first_button(question)
    click(
        server,
        str(button["action_id"]),
        str(button["value"]),
        user=outsider,
        channel=private,
        message_ts=str(question.response["ts"]),
        thread_ts=str(event["ts"]),
        block_id="q:x",
    )
    assert "only members" in told(4).lower()


def test_an_adjust_form_filled_from_older_answers_is_refused(server: Server, channel: str) -> None:
    requester = uid()
    server.emulator.set_channel(channel, members=[requester, LEAD])
    thread, card_ts, cid = assess(server, channel, user=requester)
    trigger = click(server, "adjust", cid, user=requester, channel=channel, message_ts=card_ts, thread_ts=thread)
    stale_meta = modal(server, trigger)["private_metadata"]
    assert json.loads(stale_meta)["v"] == rows(server, "select version from conversations where id = ?", cid)[0][0]
    # the answers change meanwhile (a correction in the thread)
    server.client.post_event(
        sr.event_body(
            sr.message("actually we have no labeled data at all", channel=channel, thread_ts=thread, user=requester)
        )
    )
    wait_posts(server.emulator, channel, 2, thread=thread)
    before = stored_counts(server, cid)
    refused = submit(server, "adjust", {"budget_usd": {"value": "5000"}}, stale_meta, user=requester)
    assert refused["response_action"] == "errors" and "changed while this form was open" in json.dumps(refused)
    assert stored_counts(server, cid) == before
