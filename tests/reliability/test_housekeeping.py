"""Housekeeping: old dedupe keys and finished deliveries are deleted at start-up and then periodically, whether or
not a retention is set; nothing still to be delivered or recent enough to dedupe against is touched."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.services import Services
from bot.slack.app import build_app
from bot.storage.outbox import DEAD, PENDING, SENT
from bot.storage.store import ago
from bot.workflows.housekeeping import DEDUPE_DAYS, FINISHED_DAYS, Housekeeper, Swept, sweep
from tests.polling import eventually
from tests.slack_emulator import SlackEmulator
from tests.sqlite_store import sqlite_db
from tests.tokens import BOT_TOKEN, SIGNING_SECRET


def services(tmp_path: Path, **settings: Any) -> Services:
    return Services(Settings(advisor_data_dir=tmp_path, **settings))


def aged(svc: Services, table: str, where: str, days: float) -> None:
    """Make rows look `days` old."""
    with svc.store.transaction() as db:
        stamp = ago(days)
        if table == "outbox":  # finished messages age from when they finished
            db.execute(f"update outbox set created_at = ?, sent_at = ? where {where}", [stamp, stamp])
        else:
            db.execute(f"update {table} set created_at = ? where {where}", [stamp])


def seed(svc: Services) -> dict[str, int]:
    """Dedupe keys and outbox rows of every age and state; returns the outbox ids by name."""
    for key in ("event:old", "trigger:old", "answer:C1:1.1:labeled_examples"):
        assert svc.store.mark_seen(key)
    assert svc.store.mark_seen("event:recent")
    aged(svc, "processed_events", "key != 'event:recent'", DEDUPE_DAYS + 1)
    aged(svc, "processed_events", "key = 'event:recent'", DEDUPE_DAYS - 1)
    outbox = svc.outbox
    ids = {
        name: outbox.enqueue("C1", "1.0", {"text": name}, conversation_id=None)
        for name in ("old_sent", "old_dead", "old_pending", "recent_sent")
    }
    with svc.store.transaction() as db:
        for name, state in (("old_sent", SENT), ("old_dead", DEAD), ("recent_sent", SENT)):
            db.execute("update outbox set state = ? where id = ?", [state, ids[name]])
    for name in ("old_sent", "old_dead", "old_pending"):
        aged(svc, "outbox", f"id = {ids[name]}", FINISHED_DAYS + 1)
    return ids


def test_a_sweep_deletes_only_old_keys_and_finished_deliveries(tmp_path: Path) -> None:
    svc = services(tmp_path)  # no ADVISOR_RETENTION_DAYS: housekeeping runs all the same
    ids = seed(svc)
    assert sweep(svc) == Swept(dedupe_keys=3, deliveries=2, conversations=0)
    assert not svc.store.mark_seen("event:recent")  # still deduped
    assert svc.store.mark_seen("event:old")  # forgotten: long past any redelivery
    assert svc.outbox.get(ids["old_pending"]) is not None and svc.outbox.counts() == {PENDING: 1, SENT: 1}
    assert svc.outbox.get(ids["old_sent"]) is None and svc.outbox.get(ids["old_dead"]) is None
    assert sweep(svc) == Swept()  # nothing left to delete


def test_a_sweep_applies_the_retention_when_set(tmp_path: Path) -> None:
    svc = services(tmp_path, advisor_retention_days=30)
    for thread in ("1.1", "2.2"):
        svc.store.create_conversation(f"k{thread}", platform="slack", team="T", channel="C", thread=thread, user="U")
    with svc.store.transaction() as db:
        db.execute("update conversations set updated_at = ? where thread = '1.1'", [ago(31)])
    assert sweep(svc).conversations == 1
    assert [r["thread"] for r in sqlite_db(svc.store).table("conversations").rows] == ["2.2"]


def test_a_failing_part_is_logged_and_the_others_still_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    svc = services(tmp_path)
    seed(svc)

    class BrokenOutbox:
        def prune(self, older_than_days: float) -> int:
            raise OSError("disk I/O error")

    svc.__dict__["outbox"] = BrokenOutbox()
    with caplog.at_level(logging.ERROR, logger="bot.workflows.housekeeping"):
        assert sweep(svc) == Swept(dedupe_keys=3)
    assert "deleting old deliveries failed" in caplog.text and "disk I/O error" in caplog.text


def test_the_housekeeper_sweeps_at_start_and_then_periodically(tmp_path: Path) -> None:
    svc = services(tmp_path)
    seed(svc)
    keeper = Housekeeper(svc, every=0.05).start()
    try:
        eventually(lambda: svc.outbox.counts() == {PENDING: 1, SENT: 1}, "the first sweep, at once")
        assert svc.store.mark_seen("event:later")
        aged(svc, "processed_events", "key = 'event:later'", DEDUPE_DAYS + 1)
        eventually(
            lambda: (
                svc.store.db.execute("select count(*) from processed_events where key = 'event:later'").fetchone()[0]
                == 0
            ),
            "a later sweep forgot the aged event",
        )
    finally:
        keeper.stop()
    assert keeper._thread is not None and not keeper._thread.is_alive()


def test_ago_is_in_the_stored_timestamp_format() -> None:
    at = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    assert ago(7, at=at) == "2026-11-20T12:00:00.000+00:00"


@pytest.mark.slow
def test_serving_slack_keeps_house_from_the_start_without_a_retention(tmp_path: Path) -> None:
    with SlackEmulator() as emu:
        svc = services(tmp_path, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=emu.url)
        seed(svc)
        app = build_app(svc)
        app.start_delivery()  # what `ai-advisor serve` does before taking requests
        try:
            eventually(lambda: svc.store.mark_seen("event:old"), "forgotten by the first sweep")
        finally:
            app.shutdown(5)
        assert app.housekeeper is not None and app.housekeeper._thread is not None
        app.housekeeper._thread.join(5)
        assert not app.housekeeper._thread.is_alive()
        svc.store.close()
