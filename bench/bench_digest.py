"""Digest benchmark: a lead's digest over 500 stored assessments must answer in under 1 s.

Builds a database of 500 Slack assessments (25 channels: 20 public, 4 private, 1 DM; a fifth decided, a fifth
with feedback), then measures:

- in process: `build_digest` (one store query, visibility asked once per channel) plus the Block Kit rendering
  and serialisation of the message (`digest_blocks` → dicts), and the App Home view of a lead;
- over HTTP: the signed `/ai-advisor digest all` command sent to `ai-advisor serve` until its ephemeral answer
  reaches the command's response_url on the local Web API emulator. The first request is cold (membership of
  every channel looked up with `conversations.members`, 300 members each = 2 pages, and `auth.test` for the
  permalinks); the rest hit the brief membership cache.

    .venv/bin/python bench/bench_digest.py [--assessments 500] [--reps 50] [--http-reps 20] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.slack import leads_blocks as lb
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from bot.workflows.digest import build_digest, parse_period
from tests import slack_requests as sr
from tests.e2e.helpers import param_is
from tests.slack_emulator import SlackEmulator

TITLE = "Digest"
TARGET = 1.0  # seconds
LEAD = "ULEAD"
TEAM = sr.TEAM_ID
TEXTS = (*h.FULL_TEXTS, h.PARTIAL_TEXT)


def channels() -> dict[str, str]:
    """Channel id → kind: 20 public, 4 private (the lead is in 2), 1 DM the lead is not part of."""
    out = {f"CPUB{i:06d}": "public" for i in range(20)}
    out |= {f"GPRIV{i:05d}": "private" for i in range(4)}
    out["DDM0000000"] = "dm"
    return out


def populate(path: Path, count: int) -> None:
    """`count` assessments through the real conversation core, spread over the channels, some decided."""
    store = Store(path)
    store.db.execute("PRAGMA synchronous = OFF")  # only while building the fixture: no fsync per transaction
    advisor = Advisor(store)
    chans = list(channels())
    for n in range(count):
        channel = chans[n % len(chans)]
        reply = advisor.handle(
            ConversationKey("slack", TEAM, channel, f"{1_700_000_000 + n}.000100"),
            f"U{n % 40:03d}",
            TEXTS[n % len(TEXTS)],
        )
        if reply.recommendation is not None and n % 5 == 0:
            store.record_decision(reply.conversation_id, LEAD, ("approved", "needs_info", "rejected")[n % 3], "ok")
        if n % 5 == 1:
            store.set_feedback(reply.conversation_id, f"U{n % 40:03d}", "up" if n % 2 else "down", "")
    store.close()


def visible(channel: str) -> bool:
    kind = channels().get(channel)
    return kind == "public" or (kind == "private" and channel[-1] in "01")


def timed(fn: Callable[[], object], reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def in_process(db: Path, reps: int) -> dict[str, list[float]]:
    store = Store(db)
    period = parse_period("all")

    def link(channel: str, thread: str) -> str:
        return f"https://example.slack.com/archives/{channel}/p{thread.replace('.', '')}"

    def digest_only() -> object:
        return build_digest(store, platform="slack", team=TEAM, period=period, can_see=visible)

    def digest_and_blocks() -> object:
        digest = build_digest(store, platform="slack", team=TEAM, period=period, can_see=visible)
        return json.dumps([b.to_dict() for b in lb.digest_blocks(digest, link, since="all")])

    def home() -> object:
        digest = build_digest(store, platform="slack", team=TEAM, period=parse_period("30d"), can_see=visible)
        return json.dumps(lb.home_view([], link, digest).to_dict())

    digest_and_blocks()  # warm-up (imports, SQLite page cache)
    results = {
        "build_digest": timed(digest_only, reps),
        "build_digest + blocks": timed(digest_and_blocks, reps),
        "App Home view (lead)": timed(home, reps),
    }
    store.close()
    return results


def over_http(db_dir: Path, reps: int) -> tuple[float, list[float], list[float], int]:
    """(cold round trip, warm round trips, acks, blocks in the answer)."""
    with SlackEmulator() as emulator:
        for channel, kind in channels().items():
            members = [f"UM{i:04d}" for i in range(300)]
            if visible(channel):
                members.append(LEAD)
            emulator.set_channel(channel, private=kind == "private", im=kind == "dm", members=members)
        server = h.start_server(h.ADVISOR, emulator.url, db_dir, ADVISOR_LEADS=LEAD, ADVISOR_LOG_LEVEL="WARNING")
        try:
            trips, acks, blocks = [], [], 0
            for _ in range(reps + 1):
                key = uuid.uuid4().hex
                form = sr.slash_command_form(
                    "digest all",
                    user_id=LEAD,
                    channel_id="CPUB000000",
                    response_url=emulator.webhook_url() + f"?k={key}",
                )
                sent = time.time()
                start = time.perf_counter()
                status, _, _ = server.client.post_command(form)
                acks.append(time.perf_counter() - start)
                if status != 200:
                    raise RuntimeError(f"digest command answered {status}:\n{server.log_tail()}")
                call = emulator.wait_for("webhook", timeout=30, predicate=param_is("k", key))[0]
                trips.append(call.at - sent)
                blocks = len(call.params.get("blocks") or [])
        finally:
            server.stop()
    return trips[0], trips[1:], acks, blocks


def row(name: str, values: list[float]) -> str:
    worst = max(values)
    return (
        f"| {name} | {h.ms(statistics.median(values))} | {h.ms(h.pct(values, 95))} | {h.ms(worst)} | "
        f"{'yes' if worst < TARGET else 'NO'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--assessments", type=int, default=500)
    parser.add_argument("--reps", type=int, default=50, help="in-process repetitions")
    parser.add_argument("--http-reps", type=int, default=20, help="warm HTTP requests after the cold one")
    parser.add_argument("--write", action="store_true", help="Write the Digest section of BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        t_pop = time.perf_counter()
        populate(data / "advisor.db", args.assessments)
        populated = time.perf_counter() - t_pop
        local = in_process(data / "advisor.db", args.reps)
        cold, warm, acks, blocks = over_http(data, args.http_reps)
        visible_count = build_digest(
            Store(data / "advisor.db"), platform="slack", team=TEAM, period=parse_period("all"), can_see=visible
        ).total
    lines = ["| measured | p50 | p95 | max | under 1 s |", "|---|---|---|---|---|"]
    lines += [row(f"in process: {name} ({args.reps} runs)", values) for name, values in local.items()]
    lines.append(row("HTTP `/ai-advisor digest all`, cold membership cache (1 run)", [cold]))
    lines.append(row(f"HTTP `/ai-advisor digest all`, warm ({args.http_reps} runs)", warm))
    lines.append(row(f"HTTP ack of the command ({args.http_reps + 1} runs)", acks))
    table = "\n".join(lines)
    notes = (
        f"{args.assessments} assessments in the store (built through the conversation core in "
        f"{populated:.1f} s), {visible_count} of them in channels the lead is a member of; the digest message "
        f"has {blocks} blocks (at most {lb.DIGEST_PER_GROUP} items per approach, the rest counted). HTTP round "
        "trip = from sending the signed command to the emulator receiving the answer at the response_url "
        "(the command is acked at once; the digest follows through the response_url)."
    )
    print(table)
    print(notes)
    if args.write:
        body = h.header(started, time.perf_counter() - t0) + "\n" + table + "\n\n" + notes + "\n"
        h.write_section("bench_digest.py", TITLE, body)


if __name__ == "__main__":
    main()
