"""Updates through the outbox: retried until they get through (nothing to look for first), never ahead of the post
they change, and a card update aimed at the conversation's card as it is when the update is sent."""

from __future__ import annotations

import pytest

from bot.storage.outbox import DEAD, PENDING, SENT, DeliveryError, Outbox
from bot.storage.store import Store
from tests.reliability.conftest import FakeSender
from tests.reliability.test_outbox import BUSY, LIMITED, settle

CARD = {"text": "card v1"}
NEW_CARD = {"text": "card v2", "metadata": {"event_type": "advisor_recommendation", "event_payload": {}}}


def conversation(store: Store, thread: str = "1.0") -> str:
    return str(
        store.create_conversation(f"k{thread}", platform="slack", team="T", channel="C1", thread=thread, user="U").id
    )


@pytest.mark.slow
def test_an_update_is_retried_after_5xx_and_429_without_looking(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(BUSY, times=2)  # a 5xx may hide an applied update: harmless, it is applied again
    sender.fail(LIMITED)
    item = outbox.enqueue(
        "C1", "1.0", {"text": "answered"}, conversation_id=None, kind="update", op="update", target_ts="5.5"
    )
    assert outbox.flush(sender) == 0
    row = outbox.get(item)
    assert row is not None and row["state"] == PENDING and row["unsure"] == 1 and row["error"] == "internal_error"
    settle(outbox, sender)
    assert sender.sends == 4 and sender.finds == 0 and sender.posted == []
    assert [(ts, u.id) for ts, u in sender.updated] == [("5.5", item)]
    row = outbox.get(item)
    assert row is not None and row["state"] == SENT and row["ts"] == "5.5" and row["attempts"] == 4


def test_a_card_update_waits_for_the_pending_card_post_and_then_changes_it(
    store: Store, outbox: Outbox, sender: FakeSender
) -> None:
    cid = conversation(store)
    sender.fail(LIMITED)  # the card's post is turned away first
    card = outbox.enqueue("C1", "1.0", CARD, conversation_id=cid, kind="recommendation")
    update = outbox.enqueue("C1", "1.0", NEW_CARD, conversation_id=cid, kind="recommendation", op="update")
    note = outbox.enqueue("C1", "1.0", {"text": "U1 adjusted the answers"}, conversation_id=cid)
    assert outbox.flush(sender) == 0
    assert sender.sends == 1 and sender.taken == []  # neither the update nor the note overtook the post
    assert outbox.counts() == {PENDING: 3}
    settle(outbox, sender)
    assert sender.taken == [card, update, note]
    (card_ts, _), _ = sender.posted
    assert [(ts, u.message["text"]) for ts, u in sender.updated] == [(card_ts, "card v2")]
    saved = store.card(cid)
    assert saved is not None and saved["ts"] == card_ts
    assert outbox.counts() == {SENT: 3}


def test_a_card_update_changes_the_newest_card_not_the_one_known_when_queued(
    store: Store, outbox: Outbox, sender: FakeSender
) -> None:
    cid = conversation(store)
    store.save_card(cid, "C1", "1.5")  # an older card, already posted
    outbox.enqueue("C1", "1.0", CARD, conversation_id=cid, kind="recommendation")  # a newer one, still to post
    outbox.enqueue("C1", "1.0", NEW_CARD, conversation_id=cid, kind="recommendation", op="update")
    settle(outbox, sender)
    ((newest, _),) = sender.posted
    assert [ts for ts, _ in sender.updated] == [newest] != ["1.5"]


def test_a_card_update_without_a_card_posts_the_card_once(store: Store, outbox: Outbox, sender: FakeSender) -> None:
    cid = conversation(store)
    sender.fail(DeliveryError("invalid_blocks", retryable=False))  # the first card was given up (the thread told)
    outbox.enqueue("C1", "1.0", CARD, conversation_id=cid, kind="recommendation")
    sender.fail(BUSY, accepted=True)  # the update, sent as a post, reaches Slack but the answer is lost
    update = outbox.enqueue("C1", "1.0", NEW_CARD, conversation_id=cid, kind="recommendation", op="update")
    settle(outbox, sender)
    assert sender.updated == []
    assert [p.message["text"] for _, p in sender.posted] == ["card v2", "could not post: invalid_blocks"]
    assert sender.finds == 1  # looked for before posting again: found, so posted once
    row = outbox.get(update)
    saved = store.card(cid)
    assert row is not None and row["state"] == SENT and saved is not None and saved["ts"] == row["ts"]
    assert row["op"] == "update"  # what was queued is kept; only the attempt became a post


def test_an_update_refused_for_good_is_given_up(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(DeliveryError("message_not_found", retryable=False))
    item = outbox.enqueue("C1", "1.0", {"text": "x"}, conversation_id=None, kind="update", op="update", target_ts="9.9")
    outbox.enqueue("C1", "1.0", {"text": "next"}, conversation_id=None)
    settle(outbox, sender)
    row = outbox.get(item)
    assert row is not None and row["state"] == DEAD and row["error"] == "message_not_found"
    # the thread goes on after it; whether it is told is the sender's choice (Slack's: only for a card)
    assert [p.message["text"] for _, p in sender.posted] == ["next", "could not post: message_not_found"]


def test_an_update_names_its_message_or_its_conversation(outbox: Outbox) -> None:
    with pytest.raises(ValueError, match="an update needs"):
        outbox.enqueue("C1", "1.0", {"text": "x"}, conversation_id=None, op="update")
    with pytest.raises(ValueError, match="unknown outbox operation"):
        outbox.enqueue("C1", "1.0", {"text": "x"}, conversation_id="c1", op="delete")
    assert outbox.counts() == {}
