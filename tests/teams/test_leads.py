"""Leads in Teams over HTTP: summaries, decisions with an audit trail, digests, and who may see what."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services import Services
from tests.polling import eventually
from tests.teams.conftest import LEAD
from tests.teams.harness import Chat, Connector, Sent, Teams, User, actions, card_text
from tests.teams.schema import assert_valid_card

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

DANA = User("aad-dana-0003", "Dana")
FULL = (
    "Contract clause tagging: 90k clean labeled clauses, ML team of 4, 2M documents a month, stable taxonomy, "
    "live in 6 months, budget $350k"
)
NOT_A_LEAD = "Only leads can do that"


def card_of(sent: list[Sent]) -> Sent:
    cards = [s for s in sent if s.card is not None]
    assert len(cards) == 1, [s.text for s in sent]
    assert_valid_card(cards[0].card or {}, cards[0].body)
    return cards[0]


def assess_in(teams: Teams, channel: Chat, root: str) -> tuple[Chat, str]:
    """Dana @mentions the bot in a new channel post; returns the reply chain and the assessment id."""
    thread = channel.thread(root)
    card = card_of(teams.say(thread, DANA, FULL, mention=True)).card or {}
    return thread, str(actions(card)[0]["data"]["c"])


def decide(cid: str, status: str, note: str = "") -> dict[str, Any]:
    return {"verb": "decide", "c": cid, "v": status, "note": note}


def decisions(services: Services, cid: str) -> list[dict[str, Any]]:
    """The assessment's audited decisions (the audit trail also records who viewed summaries)."""
    return [a for a in services.store.audit(cid) if a["action"] == "decision"]


def test_summary_and_decisions_in_the_thread(teams: Teams, services: Services) -> None:
    thread, cid = assess_in(teams, Chat.channel("Risk"), "1800000000001")
    summary = card_of(teams.say(thread, DANA, "summary", mention=True))  # anyone in the thread may ask
    text = card_text(summary.card or {})
    assert "Assessment summary" in text and cid in text and "Awaiting decision" in text
    assert [(a["user"], a["action"]) for a in services.store.audit(cid)] == [(DANA.aad, "summary")]  # who saw it
    assert [a["data"]["v"] for a in actions(summary.card or {})] == ["approved", "needs_info", "rejected"]

    refused = teams.click(thread, DANA, decide(cid, "approved"), reply_to=summary.new_id)
    assert len(refused) == 1 and NOT_A_LEAD in refused[0].text
    assert services.store.decision(cid) is None and decisions(services, cid) == []

    sent = teams.click(
        thread, LEAD, decide(cid, "needs_info", "What is the monthly volume   per region?"), reply_to=summary.new_id
    )
    updated = [s for s in sent if s.method == "PUT"]
    assert [u.activity_id for u in updated] == [summary.new_id]
    assert "Needs info by aad-lead-0001: What is the monthly volume per region?" in card_text(updated[0].card or {})
    assert any(s.text == f"Decision recorded: Needs info (assessment {cid})." for s in sent)
    teams.click(thread, LEAD, decide(cid, "approved"), reply_to=summary.new_id)
    audit = [(a["user"], a["action"], a["previous"], a["value"]) for a in decisions(services, cid)]
    assert audit == [(LEAD.aad, "decision", None, "needs_info"), (LEAD.aad, "decision", "needs_info", "approved")]

    bogus = teams.click(thread, LEAD, decide(cid, "yolo"), reply_to=summary.new_id)
    assert "not a decision" in bogus[0].text
    assert len(decisions(services, cid)) == 2 and services.store.decision(cid)["status"] == "approved"  # type: ignore[index]


def test_a_summary_teams_refuses_is_retried_and_arrives_once(
    teams: Teams, connector: Connector, services: Services
) -> None:
    thread, cid = assess_in(teams, Chat.channel("Billing"), "1800000000401")
    connector.refuse(503)  # the summary's send in the request
    mark = len(connector.calls)
    sent = teams.say(thread, DANA, "summary", mention=True)
    assert [s for s in sent if s.type == "message"] == []  # nothing in the turn, and no error message either
    refused = [s for s in connector.refused if s.conversation == thread.id]
    assert len(refused) == 1 and "Assessment summary" in card_text(refused[0].card or {})

    def arrived() -> list[Sent]:
        return [s for s in connector.since(mark) if s.conversation == thread.id and s.card is not None]

    eventually(lambda: bool(arrived()), "the outbox worker sent the summary after the 503")
    summary = card_of(arrived())
    assert cid in card_text(summary.card or {}) and summary.method == "POST"
    assert services.outbox.counts("teams").get("pending", 0) == 0
    assert [s for s in connector.since(mark) if s.conversation == thread.id and s.card is None] == []  # no error


def test_summary_without_an_assessment_says_so(teams: Teams) -> None:
    sent = teams.say(Chat.channel().thread("9"), DANA, "summary", mention=True)
    assert [s.text for s in sent] == [
        "There is no assessment in this conversation yet. Describe the AI feature you want to build."
    ]


def test_digest_and_summaries_follow_membership(teams: Teams, connector: Connector, services: Services) -> None:
    seen_channel, hidden_channel = Chat.channel("Platform"), Chat.channel("Secret project")
    seen_thread, seen = assess_in(teams, seen_channel, "1800000000101")
    _, hidden = assess_in(teams, hidden_channel, "1800000000102")
    connector.members.update({(seen_channel.id, LEAD.id), (seen_channel.id, DANA.aad)})
    connector.names[DANA.aad] = "Dana Requester"
    lead_chat = Chat.personal()

    refused = teams.say(Chat.personal(), DANA, "digest")
    assert len(refused) == 1 and NOT_A_LEAD in refused[0].text

    digest = card_of(teams.say(lead_chat, LEAD, "digest 30d"))
    text = card_text(digest.card or {})
    assert "Digest · last 30 days" in text and seen in text and hidden not in text

    in_channel = card_text(card_of(teams.say(seen_channel.thread("55"), LEAD, "digest", mention=True)).card or {})
    assert seen in in_channel and hidden not in in_channel

    assert "not a period" in teams.say(lead_chat, LEAD, "digest forever")[0].text

    # A lead's `summary ID` works for what they can see, and its buttons record decisions from their own chat.
    summary = card_of(teams.say(lead_chat, LEAD, f"summary {seen}"))
    assert f"{seen} · requested by Dana Requester" in card_text(summary.card or {})
    teams.click(lead_chat, LEAD, decide(seen, "rejected", "too costly"), reply_to=summary.new_id)
    assert services.store.decision(seen)["status"] == "rejected"  # type: ignore[index]

    not_member = teams.say(lead_chat, LEAD, f"summary {hidden}")
    assert [s.text for s in not_member] == [
        "I couldn't use that: You can only see assessments from chats and channels you are a member of."
    ]
    forged = teams.click(lead_chat, LEAD, decide(hidden, "approved"))
    assert "member of" in forged[0].text and services.store.decision(hidden) is None
    other_tenant = teams.click(Chat(lead_chat.id, tenant="tenant-9999"), LEAD, decide(seen, "approved"))
    assert "another workspace" in other_tenant[0].text
    assert services.store.decision(seen)["status"] == "rejected"  # type: ignore[index]
    assert "Only leads" in teams.say(Chat.personal(), DANA, f"summary {seen}")[0].text
    assert card_of(teams.say(seen_thread, DANA, "summary", mention=True))  # still fine in the thread itself


def test_redelivered_decision_is_recorded_once(teams: Teams, services: Services) -> None:
    thread, cid = assess_in(teams, Chat.channel("Ops"), "1800000000201")
    summary = card_of(teams.say(thread, LEAD, "summary", mention=True))
    click = teams.submit(thread, LEAD, decide(cid, "approved", "ship it"), reply_to=summary.new_id)
    status, first = teams.post(click)
    assert status == 202 and any(s.text.startswith("Decision recorded: Approved") for s in first)
    status, again = teams.post(click)  # the same activity id again: Teams retried the delivery
    assert status == 202 and again == []
    assert [(a["user"], a["value"]) for a in decisions(services, cid)] == [(LEAD.aad, "approved")]


def test_digest_in_a_channel_without_assessments(teams: Teams) -> None:
    quiet = Chat.channel("Quiet corner")
    digest = card_of(teams.say(quiet.thread("1800000000301"), LEAD, "digest 30d", mention=True))
    text = card_text(digest.card or {})
    assert "Digest · last 30 days · Quiet corner" in text and "member" not in text


def test_a_change_of_answers_after_a_decision_needs_re_review(teams: Teams, services: Services) -> None:
    # Issue 18, defect 2 in Teams: the approval was about the earlier answers.
    thread, cid = assess_in(teams, Chat.channel("Legal"), "1800000000301")
    summary = card_of(teams.say(thread, DANA, "summary", mention=True))
    teams.click(thread, LEAD, decide(cid, "approved"), reply_to=summary.new_id)
    assert services.store.decision(cid)["status"] == "approved"  # type: ignore[index]
    told = teams.say(thread, DANA, "actually we have no labeled data at all", mention=True)
    assert sum("needs re-review" in s.text for s in told) == 1
    again = card_text(card_of(teams.say(thread, DANA, "summary", mention=True)).card or {})
    assert "Needs re-review: marked Approved by aad-lead-0001 before the answers changed" in again
    assert not any("needs re-review" in s.text for s in teams.say(thread, DANA, "and 20 weeks", mention=True))
