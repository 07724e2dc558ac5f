"""Operations benchmark: what a Prometheus scrape of `/metrics` costs with a large outbox, and how long
`ai-advisor backup` takes on a database of a given size.

- scrape: `bot.metrics.exposition()` in process (the counters plus the queue gauges, which read the outbox and the
  inbox from the database at each scrape) with N pending and N sent outbox messages;
- backup: `bot.storage.backup.backup` (SQLite's online backup API, integrity check, rename) of that database.

    .venv/bin/python bench/bench_ops.py [--messages 20000] [--reps 50] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot import metrics
from bot.storage.backup import backup
from bot.storage.inbox import Inbox
from bot.storage.outbox import SENT, Outbox
from bot.storage.store import Store

TITLE = "Operations: metrics scrape and backup"


def populate(store: Store, outbox: Outbox, messages: int) -> None:
    """`messages` pending and as many sent outbox rows, each with a card-sized payload."""
    payload = {"text": "x" * 2000, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 1500}}]}
    with store.transaction() as db:
        for n in range(2 * messages):
            item = outbox.enqueue(f"C{n % 50:04d}", f"{n}.000", payload, conversation_id=None)
            if n % 2:
                db.execute("update outbox set state = ? where id = ?", [SENT, item])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=20000, help="pending (and as many sent) outbox messages")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--write", action="store_true", help="Write this section of BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "advisor.db")
        outbox = Outbox(store)
        populate(store, outbox, args.messages)
        metrics.watch_queues(outbox, Inbox(store))
        scrapes = []
        for _ in range(args.reps):
            t = time.perf_counter()
            text = metrics.exposition()
            scrapes.append(time.perf_counter() - t)
        size = (Path(tmp) / "advisor.db").stat().st_size
        copies = []
        for n in range(max(3, args.reps // 10)):
            t = time.perf_counter()
            backup(Path(tmp) / "advisor.db", Path(tmp) / f"copy-{n}.db")
            copies.append(time.perf_counter() - t)
        store.close()
    lines = ["| measured | runs | p50 | p95 | max |", "|---|---|---|---|---|"]
    lines.append(
        f"| `/metrics` exposition, {args.messages:,} pending + {args.messages:,} sent outbox messages "
        f"({len(text):,} bytes) | {len(scrapes)} | {h.ms(h.pct(scrapes, 50))} | {h.ms(h.pct(scrapes, 95))} | "
        f"{h.ms(max(scrapes))} |"
    )
    lines.append(
        f"| `ai-advisor backup` of that database ({size / 1e6:.0f} MB) | {len(copies)} | "
        f"{h.ms(h.pct(copies, 50))} | {h.ms(h.pct(copies, 95))} | {h.ms(max(copies))} |"
    )
    table = "\n".join(lines)
    notes = (
        "A scrape reads the outbox's state counts, its oldest unsent message and the inbox (indexed queries), so "
        "its cost grows slowly with the queue; Prometheus' default interval is 15 s. The backup copies pages in "
        "steps of 1,024, so writers are not held off for the whole copy."
    )
    print(table)
    print(notes)
    if args.write:
        body = h.header(started, time.perf_counter() - t0) + "\n" + table + "\n\n" + notes + "\n"
        h.write_section("bench_ops.py", TITLE, body)


if __name__ == "__main__":
    main()
