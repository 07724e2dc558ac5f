"""Memory benchmark: resident memory of `ai-advisor serve` idle and after 1,000 conversations.

The real server runs against the local Web API emulator. Resident memory is VmRSS from /proc/<pid>/status
(VmHWM is the peak). Conversations come from --users users in flight; half are one message with a complete
description (a card at once), half are a short description (the advisor asks questions) followed by a thread reply
"recommend now" (then the card). Every conversation should end with exactly one card; lost and duplicated cards
are counted.

    .venv/bin/python bench/bench_memory.py [--conversations 1000] [--users 10] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h

TITLE = "Memory: `serve` resident set idle and after 1,000 conversations"
TARGET_MB = 250.0
IDLE_TARGET_MB, AFTER_TARGET_MB = 50.0, 70.0  # issue #17: idle, and after 1,000 conversations
TIMEOUT = 60.0


def mb(kib: int) -> str:
    """KiB as MB (10^6 bytes) for a table cell."""
    return f"{kib * 1024 / 1e6:.1f} MB"


def converse(server: h.Server, emulator: h.RecordingEmulator, i: int) -> list[h.Sent]:
    """Conversation `i`: one message with a complete description, or a short one, questions, "recommend now"."""
    if i % 2 == 0:
        thread, body = h.mention_body(f"CM{i:05d}", h.FULL_TEXTS[(i // 2) % len(h.FULL_TEXTS)])
        card = emulator.arrival(thread, card=True)
        sent = [h.send(server.client, thread, body)]
        card.wait(TIMEOUT)
        return sent
    thread, body = h.mention_body(f"CM{i:05d}", h.PARTIAL_TEXT)
    first, card = emulator.arrival(thread), emulator.arrival(thread, card=True)
    sent = [h.send(server.client, thread, body)]
    if not first.wait(TIMEOUT) or card.is_set():
        return sent  # no questions (or a card straight away): nothing to answer
    sent.append(h.send(server.client, thread, h.reply_body(thread, h.RECOMMEND_NOW)))
    card.wait(TIMEOUT)
    return sent


@dataclass
class MemoryRun:
    """Samples of (label, VmRSS/VmHWM in KiB) and what the conversations produced."""

    samples: list[tuple[str, dict[str, int]]]
    outcome: h.Outcome
    events: int
    elapsed: float
    db_bytes: int
    charts: dict[str, float]  # advisor_charts_total by source (drawn, cached), from /metrics


def chart_counts(server: h.Server) -> dict[str, float]:
    """The server's cost charts by source (drawn, or from its cache), from /metrics (empty before the counter)."""
    status, _, body = server.client.get("/metrics")
    prefix = 'advisor_charts_total{source="'
    lines = body.decode().splitlines() if status == 200 else []
    return {line[len(prefix) :].split('"')[0]: float(line.split()[-1]) for line in lines if line.startswith(prefix)}


def measure(
    conversations: int, users: int, checkpoints: int = 4, *, charts: bool = True, env: dict[str, str] | None = None
) -> MemoryRun:
    """Run the conversations; sample VmRSS idle, after the first card, at checkpoints, and at the end (`env`: more
    environment for the server)."""
    samples: list[tuple[str, dict[str, int]]] = []
    with h.RecordingEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        server_env = {"ADVISOR_SLACK_CHARTS": str(charts).lower(), **(env or {})}
        server = h.start_server(h.ADVISOR, emulator.url, Path(tmp), timeout=60, **server_env)
        try:
            time.sleep(2)  # let start-up settle
            samples.append(("idle (started, no event yet)", h.proc_status(server.pid)))
            thread, body = h.mention_body("CWARM", h.FULL_TEXTS[0])
            h.send(server.client, thread, body)
            emulator.wait_cards([thread], TIMEOUT, settle=0.5)
            samples.append(("after the first card (knowledge index open)", h.proc_status(server.pid)))

            done = itertools.count(1)
            lock = threading.Lock()
            sent: list[h.Sent] = []
            every = max(1, conversations // checkpoints)

            def user(i: int) -> None:
                result = converse(server, emulator, i)
                with lock:
                    sent.extend(result)
                    n = next(done)
                    if n % every == 0 and n < conversations:
                        samples.append((f"after {n:,} conversations", h.proc_status(server.pid)))

            elapsed = h.spread(conversations, users, user)
            first_sent: dict[h.Thread, float] = {}
            for s in sent:
                first_sent.setdefault(s.thread, s.at)
            emulator.wait_cards(first_sent, TIMEOUT, settle=2.0)
            samples.append((f"after {conversations:,} conversations", h.proc_status(server.pid)))
            db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("advisor.db*"))
            out = h.outcome(emulator, sent, first_sent)
            charts_by_source = chart_counts(server)
        finally:
            server.stop()
    return MemoryRun(samples, out, len(sent), elapsed, db_bytes, charts_by_source)


def report(r: MemoryRun, conversations: int, users: int, charts: bool = True) -> str:
    """The table and the target check."""
    samples, out = r.samples, r.outcome
    lines = ["| when | resident (VmRSS) | peak so far (VmHWM) |", "|---|---|---|"]
    lines += [f"| {label} | {mb(s['VmRSS'])} | {mb(s['VmHWM'])} |" for label, s in samples]
    final, idle = samples[-1][1], samples[0][1]
    met = final["VmRSS"] * 1024 / 1e6 < TARGET_MB and final["VmHWM"] * 1024 / 1e6 < TARGET_MB
    warm, first_checkpoint = samples[1], samples[2] if len(samples) > 3 else samples[1]
    growth = f"{(final['VmRSS'] - warm[1]['VmRSS']) * 1024 / 1e6:+.1f} MB from the first card to the end"
    if first_checkpoint is not warm:
        growth += (
            f", {(final['VmRSS'] - first_checkpoint[1]['VmRSS']) * 1024 / 1e6:+.1f} MB of it after the "
            f"{first_checkpoint[0].removeprefix('after ')}"
        )
    return (
        "\n".join(lines) + f"\n\n- {conversations:,} conversations ({r.events:,} events, {users} users in "
        f"flight, cost charts {'on' if charts else 'off'}) in {r.elapsed:.0f} s; cards: "
        f"{out.carded}/{out.conversations}, lost {out.lost}, duplicated "
        f"{out.duplicated}, non-200 {out.non_200}; event→card p50 {h.ms(h.pct(out.card_times, 50))}, p99 "
        f"{h.ms(h.pct(out.card_times, 99))} (from the first message of a conversation to its card).\n"
        f"- Resident growth: {growth}; database on disk afterwards: {r.db_bytes / 1e6:.1f} MB (advisor.db "
        "with its WAL).\n"
        + (
            f"- Cost charts: {r.charts.get('drawn', 0):.0f} drawn, {r.charts.get('cached', 0):.0f} from the cache (the "
            "same numbers drawn before: these conversations repeat a few descriptions).\n"
            if r.charts
            else ""
        )
        + f"- Target (issue #8): under {TARGET_MB:.0f} MB resident after 1,000 conversations: "
        f"{'met' if met else '**not met**'}.\n"
        f"- Targets (issue #17): idle ≤ {IDLE_TARGET_MB:.0f} MB: {_verdict(idle, IDLE_TARGET_MB)}; after "
        f"{conversations:,} conversations ≤ {AFTER_TARGET_MB:.0f} MB: {_verdict(final, AFTER_TARGET_MB)}.\n"
    )


def _verdict(sample: dict[str, int], limit_mb: float) -> str:
    """VmRSS against a limit in MB (10^6 bytes), as the table shows it."""
    got = sample["VmRSS"] * 1024 / 1e6
    return f"{got:.1f} MB, {'met' if got <= limit_mb else '**not met**'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10, help="users in flight")
    parser.add_argument("--no-charts", action="store_true", help="Serve with ADVISOR_SLACK_CHARTS=false.")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="More environment for the server (repeat)."
    )
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    result = measure(args.conversations, args.users, charts=not args.no_charts, env=env)
    body = (
        h.header(started, time.perf_counter() - t0)
        + "\n"
        + report(result, args.conversations, args.users, not args.no_charts)
    )
    print(body)
    if args.write:
        h.write_section("bench_memory.py", TITLE, body)


if __name__ == "__main__":
    main()
