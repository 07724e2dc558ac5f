"""The outbox: queued messages are posted in order, retried with backoff, and posted exactly once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.storage.outbox import DEAD, NOTICE, PENDING, SENT, DeliveryError, Outbox, OutboxWorker
from bot.storage.store import Store
from tests.polling import eventually
from tests.reliability.conftest import FakeSender

BUSY = DeliveryError("internal_error", retryable=True, maybe_sent=True)
LIMITED = DeliveryError("ratelimited", retryable=True, retry_after=0.05)


def settle(outbox: Outbox, sender: FakeSender, rounds: int = 100) -> None:
    """Flush until nothing is pending (waiting out the short test backoffs)."""
    for _ in range(rounds):
        outbox.flush(sender)
        if not outbox.counts().get(PENDING):
            return
        time.sleep(0.01)
    raise AssertionError(f"still pending: {outbox.counts()}")


def test_messages_are_posted_in_order_and_cards_are_remembered(
    store: Store, outbox: Outbox, sender: FakeSender
) -> None:
    conv = store.create_conversation("k", platform="slack", team="T", channel="C1", thread="1.0", user="U")
    first = outbox.enqueue("C1", "1.0", {"text": "questions"}, conversation_id=conv.id, kind="questions")
    card = outbox.enqueue("C1", "1.0", {"text": "card"}, conversation_id=conv.id, kind="recommendation")
    assert outbox.flush(sender) == 2
    assert [p.id for _, p in sender.posted] == [first, card]
    row = outbox.get(card)
    assert row is not None and row["state"] == SENT and row["ts"] == sender.posted[1][0]
    assert row["message"] == "{}"  # the payload (which may quote the user) is dropped once posted
    saved = store.card(conv.id)
    assert saved is not None and (saved["channel"], saved["ts"]) == ("C1", row["ts"])
    assert outbox.flush(sender) == 0 and sender.sends == 2


def test_a_failed_post_waits_for_its_backoff_then_posts_once(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(LIMITED)
    item = outbox.enqueue("C1", "1.0", {"text": "hi"}, conversation_id=None)
    before = time.time()
    assert outbox.flush(sender) == 0
    row = outbox.get(item)
    assert row is not None and row["state"] == PENDING and row["attempts"] == 1 and row["error"] == "ratelimited"
    assert row["next_attempt_at"] >= before + 0.05  # Retry-After is honoured
    assert outbox.flush(sender) == 0 and sender.sends == 1  # not due yet
    settle(outbox, sender)
    assert sender.sends == 2 and len(sender.posted) == 1
    assert sender.finds == 0  # a 429 means Slack didn't take it: no need to look before re-posting


def test_a_held_message_is_the_requests_to_send_and_the_workers_only_after_a_failure(
    outbox: Outbox, sender: FakeSender
) -> None:
    held = outbox.enqueue("C1", "1.0", {"text": "in the turn"}, conversation_id=None, hold=60)
    assert outbox.due() == [] and outbox.flush(sender) == 0 and sender.sends == 0  # not the worker's
    assert outbox.due(fresh=True) == [(held, "message")]
    assert outbox.flush(sender, fresh=True) == 1 and [p.id for _, p in sender.posted] == [held]
    # A held message the request failed to send follows its backoff like any other, for the worker.
    failing = outbox.enqueue("C1", "1.0", {"text": "again"}, conversation_id=None, hold=60)
    sender.fail(LIMITED)
    assert outbox.flush(sender, fresh=True) == 0
    assert outbox.flush(sender, fresh=True) == 0  # tried once: no longer the request's to send at once
    settle(outbox, sender)
    assert [p.id for _, p in sender.posted] == [held, failing] and sender.sends == 3


def test_an_accepted_post_whose_answer_was_lost_is_found_not_reposted(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(BUSY, accepted=True)  # e.g. a 500 or a timeout after Slack stored the message
    item = outbox.enqueue("C1", "1.0", {"text": "card"}, conversation_id=None, kind="recommendation")
    settle(outbox, sender)
    assert len(sender.posted) == 1 and sender.sends == 1 and sender.finds == 1
    row = outbox.get(item)
    assert row is not None and row["state"] == SENT and row["ts"] == sender.posted[0][0]


def test_an_unsure_post_that_did_not_get_through_is_posted_after_looking(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(BUSY, times=2)
    outbox.enqueue("C1", None, {"text": "dm reply"}, conversation_id=None)
    settle(outbox, sender)
    assert len(sender.posted) == 1 and sender.sends == 3 and sender.finds == 2


def test_a_permanent_error_gives_up_and_tells_the_thread(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(DeliveryError("invalid_blocks", retryable=False))
    item = outbox.enqueue("C1", "1.0", {"text": "card"}, conversation_id=None, kind="recommendation")
    settle(outbox, sender)
    row = outbox.get(item)
    assert row is not None and row["state"] == DEAD and row["error"] == "invalid_blocks"
    assert [(p.kind, p.message["text"]) for _, p in sender.posted] == [(NOTICE, "could not post: invalid_blocks")]


@pytest.mark.slow
def test_too_many_failures_give_up_once_and_a_failing_notice_does_not_chain(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(LIMITED, times=4 + 4)  # the message's 4 attempts, then the notice's 4
    outbox.enqueue("C1", "1.0", {"text": "card"}, conversation_id=None, kind="recommendation")
    settle(outbox, sender)
    assert sender.posted == [] and outbox.counts() == {DEAD: 2}


@pytest.mark.slow
def test_a_later_message_never_overtakes_an_earlier_one_in_the_same_thread(outbox: Outbox, sender: FakeSender) -> None:
    sender.fail(LIMITED)
    first = outbox.enqueue("C1", "1.0", {"text": "first"}, conversation_id=None)
    second = outbox.enqueue("C1", "1.0", {"text": "second"}, conversation_id=None)
    other = outbox.enqueue("C1", "2.0", {"text": "another thread"}, conversation_id=None)
    outbox.flush(sender)
    assert [p.id for _, p in sender.posted] == [other]  # the other thread isn't held up
    settle(outbox, sender)
    assert [p.id for _, p in sender.posted] == [other, first, second]


def test_a_message_being_sent_when_the_process_died_is_looked_for(database: str, sender: FakeSender) -> None:
    dead = Store(database)
    outbox = Outbox(dead, retry_base=0.01)
    item = outbox.enqueue("C1", "1.0", {"text": "card"}, conversation_id=None)
    claimed = outbox._claim(item)  # the dead process had claimed it and posted it; then it was killed
    assert claimed is not None
    sender.posted.append(("999.1", claimed))
    dead.close()
    store = Store(database)
    restarted = Outbox(store, retry_base=0.01)
    assert restarted.recover() == 1
    assert restarted.flush(sender) == 1
    assert sender.sends == 0 and sender.finds == 1
    row = restarted.get(item)
    assert row is not None and row["state"] == SENT and row["ts"] == "999.1"
    store.close()


@pytest.mark.slow
def test_many_threads_flushing_at_once_post_each_message_exactly_once(outbox: Outbox, sender: FakeSender) -> None:
    for i in range(60):
        outbox.enqueue(f"C{i % 6}", f"{i % 3}.0", {"text": f"m{i}"}, conversation_id=None)
    sender.fail(BUSY, accepted=True, times=5)
    sender.fail(LIMITED, times=5)
    with ThreadPoolExecutor(8) as pool:
        for _ in range(16):
            pool.submit(settle, outbox, sender)
    settle(outbox, sender)
    assert sorted(sender.uids()) == sorted(set(sender.uids())) and len(sender.uids()) == 60
    for channel in {p.channel for _, p in sender.posted}:  # and in order within each thread
        for thread in ("0.0", "1.0", "2.0"):
            ids = [p.id for _, p in sender.posted if p.channel == channel and p.thread_ts == thread]
            assert ids == sorted(ids)


@pytest.mark.slow
def test_worker_retries_in_the_background_and_flushes_on_stop(outbox: Outbox, sender: FakeSender) -> None:
    worker = OutboxWorker(outbox, sender, idle=0.05).start()
    try:
        sender.fail(BUSY)
        outbox.enqueue("C1", "1.0", {"text": "hi"}, conversation_id=None)
        worker.kick()
        eventually(lambda: len(sender.posted) == 1, "the reply was posted", interval=0.01)
        sender.fail(DeliveryError("ratelimited", retryable=True, retry_after=0.2))
        outbox.enqueue("C1", "1.0", {"text": "due during shutdown"}, conversation_id=None)
        worker.kick()
        # failed once; due again in 0.2 s, i.e. during the shutdown
        eventually(lambda: sender.sends == 3, "three sends", interval=0.01)
    finally:
        left = worker.stop(timeout=5)
    assert left == 0 and len(sender.posted) == 2


def test_prune_forgets_old_delivered_messages(store: Store, outbox: Outbox, sender: FakeSender) -> None:
    outbox.enqueue("C1", "1.0", {"text": "x"}, conversation_id=None)
    outbox.flush(sender)
    assert outbox.prune(older_than_days=1) == 0
    with store.transaction() as db:
        db.execute("update outbox set created_at = ?, sent_at = ?", ["2000-01-01T00:00:00.000+00:00"] * 2)
    assert outbox.prune(older_than_days=1) == 1 and outbox.counts() == {}


def test_a_chart_waits_for_its_card_but_never_holds_up_later_replies(outbox: Outbox, sender: FakeSender) -> None:
    card = outbox.enqueue("C1", "1.0", {"text": "card"}, conversation_id=None, kind="recommendation")
    chart = outbox.enqueue("C1", "1.0", {"text": "chart"}, conversation_id=None, kind="chart")
    reply = outbox.enqueue("C1", "1.0", {"text": "later"}, conversation_id=None)
    # the inline flush leaves the chart to the worker; the reply after it goes out at once
    assert outbox.flush(sender, defer=frozenset({"chart"})) == 2
    assert [p.id for _, p in sender.posted] == [card, reply]
    row = outbox.get(chart)
    assert row is not None and row["state"] == PENDING
    # A minute's backoff here: the fixture's 10 ms can pass between two flushes on a slow engine or a busy machine.
    patient = Outbox(outbox.store, retry_base=60, retry_max=60, max_attempts=4)
    sender.fail(BUSY)  # the chart's first upload fails ...
    assert patient.flush(sender) == 0
    reply2 = outbox.enqueue("C1", "1.0", {"text": "even later"}, conversation_id=None)
    assert patient.flush(sender) == 1  # ... and a newer reply does not wait for its retry
    assert [p.id for _, p in sender.posted][-1] == reply2
    with outbox.store.transaction() as db:  # the retry falls due
        db.execute("update outbox set next_attempt_at = 0 where id = ?", [chart])
    settle(outbox, sender)
    assert [p.id for _, p in sender.posted] == [card, reply, reply2, chart]


class OtherPlatform(FakeSender):
    """A second platform's sender on the same database (as Teams' is beside Slack's)."""

    platform = "teams"


def test_each_platform_delivers_and_recovers_only_its_own_messages(database: str) -> None:
    store = Store(database)
    outbox = Outbox(store, retry_base=0.01)
    slack, teams = FakeSender(), OtherPlatform()
    ours = outbox.enqueue("C1", "1.0", {"text": "for slack"}, conversation_id=None)
    theirs = outbox.enqueue("a:chat", None, {"text": "for teams"}, conversation_id=None, platform="teams")
    assert outbox.flush(slack) == 1 and [p.id for _, p in slack.posted] == [ours]
    assert outbox.deliver(theirs, slack) is False  # never claimed by the wrong sender
    assert outbox.next_due("slack") is None and outbox.next_due("teams") is not None
    assert outbox.counts() == {SENT: 1, PENDING: 1}  # every platform's
    assert outbox.counts("teams") == {PENDING: 1}
    assert outbox.counts_by_platform() == {("slack", SENT): 1, ("teams", PENDING): 1}  # what /metrics reports
    assert outbox.oldest_unsent("slack") is None and outbox.oldest_unsent("teams") == outbox.oldest_unsent()
    claimed = outbox._claim(theirs, "teams")  # a Teams process claimed it, then died
    assert claimed is not None and claimed.platform == "teams"
    store.close()
    store = Store(database)
    restarted = Outbox(store, retry_base=0.01)
    assert restarted.recover("slack") == 0  # a Slack process starting never takes Teams' sends over
    assert restarted.recover("teams") == 1
    assert restarted.flush(teams) == 1 and [p.id for _, p in teams.posted] == [theirs]
    row = restarted.get(theirs)
    assert row is not None and row["state"] == SENT and row["platform"] == "teams"
    store.close()
