"""Slack serving benchmark: ack latency and event→card time of `ai-advisor serve` vs a bare Bolt app.

Both run as separate processes on waitress against the local Web API emulator, one after the other in the same
run. Signed `app_mention` events, each starting its own conversation with a complete description (so each should
get exactly one card), are sent at concurrency 1, 10 and 50 in two ways:

- burst: N requests in flight; each client worker sends its next event as soon as its previous one is acked;
- users: N users in flight; each waits for its card before starting its next conversation.

Ack = HTTP response time of POST /slack/events. Event→card = until the emulator records the card (chat.postMessage
with metadata event_type advisor_recommendation) in the event's thread. Cards are counted per conversation: lost =
no card, duplicated = more than one.

    .venv/bin/python bench/bench_slack.py [--events 200] [--levels 1,10,50] [--conversations 100] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h

TITLE = "Slack serving: ack latency and event→card, vs a bare Bolt app"
TARGETS = {10: 0.100, 50: 0.300}  # ack p99 targets (seconds) by concurrency, from issue #8
CARD_TIMEOUT = 60.0


def run_burst(server: h.Server, emulator: h.RecordingEmulator, tag: str, events: int, concurrency: int) -> h.Outcome:
    """`events` conversations with `concurrency` requests in flight; waits for the cards."""
    bodies = [h.mention_body(f"C{tag}{i:05d}", h.FULL_TEXTS[i % len(h.FULL_TEXTS)]) for i in range(events)]
    started = time.perf_counter()
    sent = h.burst(server.client, bodies, concurrency)
    acked_seconds = time.perf_counter() - started
    emulator.wait_cards([s.thread for s in sent], CARD_TIMEOUT)
    out = h.outcome(emulator, sent, {s.thread: s.at for s in sent})
    out.rate = len(sent) / acked_seconds
    return out


def run_users(server: h.Server, emulator: h.RecordingEmulator, tag: str, users: int, total: int) -> h.Outcome:
    """`total` conversations by `users` users in flight, each waiting for its card before the next mention."""
    lock = threading.Lock()
    sent: list[h.Sent] = []

    def user(i: int) -> None:
        thread, body = h.mention_body(f"C{tag}{i:05d}", h.FULL_TEXTS[i % len(h.FULL_TEXTS)])
        arrived = emulator.arrival(thread, card=True)
        s = h.send(server.client, thread, body)
        with lock:
            sent.append(s)
        if s.status == 200:
            arrived.wait(CARD_TIMEOUT)

    elapsed = h.spread(total, users, user)
    emulator.wait_cards([s.thread for s in sent], CARD_TIMEOUT)
    out = h.outcome(emulator, sent, {s.thread: s.at for s in sent})
    out.rate = out.carded / elapsed
    return out


def run_app(kind: str, levels: list[int], events: int, conversations: int) -> dict[tuple[str, int], h.Outcome]:
    """Every burst and users run against one server process of `kind`."""
    results: dict[tuple[str, int], h.Outcome] = {}
    with h.RecordingEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        server = h.start_server(kind, emulator.url, Path(tmp))
        try:
            # Warm-up (auth.test, imports, the knowledge index), not measured.
            thread, body = h.mention_body("CWARM", h.FULL_TEXTS[0])
            h.send(server.client, thread, body)
            emulator.wait_cards([thread], CARD_TIMEOUT, settle=0)
            for c in levels:
                print(f"  {kind}: burst, concurrency {c}", flush=True)
                results[("burst", c)] = run_burst(server, emulator, f"B{c}x", events, c)
            for c in levels:
                print(f"  {kind}: users, {c} in flight", flush=True)
                results[("users", c)] = run_users(server, emulator, f"U{c}x", c, max(conversations, 4 * c))
        finally:
            server.stop()
    return results


def tables(results: dict[str, dict[tuple[str, int], h.Outcome]], levels: list[int]) -> str:
    """The two markdown tables."""
    burst = ["| concurrency | app | ack p50 | ack p99 | event→card p50 | event→card p99 | cards | lost | duplicated "
             "| non-200 | acked events/s |", "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    users = ["| users in flight | app | event→card p50 | event→card p99 | ack p99 | cards | lost | duplicated "
             "| non-200 | cards/s |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for c in levels:
        for kind, res in results.items():
            b = res[("burst", c)]
            burst.append(f"| {c} | {kind} | {h.ms(h.pct(b.acks, 50))} | {h.ms(h.pct(b.acks, 99))} | "
                         f"{h.ms(h.pct(b.card_times, 50))} | {h.ms(h.pct(b.card_times, 99))} | "
                         f"{b.carded}/{b.conversations} | {b.lost} | {b.duplicated} | {b.non_200} | "
                         f"{b.rate:.0f} |")  # fmt: skip
            u = res[("users", c)]
            users.append(f"| {c} | {kind} | {h.ms(h.pct(u.card_times, 50))} | {h.ms(h.pct(u.card_times, 99))} | "
                         f"{h.ms(h.pct(u.acks, 99))} | {u.carded}/{u.conversations} | {u.lost} | {u.duplicated} | "
                         f"{u.non_200} | {u.rate:.0f} |")  # fmt: skip
    return "**Burst** (N requests in flight):\n\n" + "\n".join(burst) + \
        "\n\n**Users** (N users in flight, each waiting for its card before the next mention):\n\n" + "\n".join(users)


def verdicts(results: dict[tuple[str, int], h.Outcome], levels: list[int]) -> str:
    """Target checks for ai-advisor: ack p99 by concurrency, and no lost or duplicated cards in any run."""
    lines = []
    for c, limit in TARGETS.items():
        if ("burst", c) in results:
            p99 = h.pct(results[("burst", c)].acks, 99)
            lines.append(f"- ack p99 at concurrency {c}: {h.ms(p99)} (target under {limit * 1000:.0f} ms): "
                         f"{'met' if p99 < limit else '**not met**'}")  # fmt: skip
    lost = sum(o.lost for o in results.values())
    dup = sum(o.duplicated for o in results.values())
    non_200 = sum(o.non_200 for o in results.values())
    total = sum(o.conversations for o in results.values())
    lines.append(f"- cards over all {len(results)} runs ({total} conversations): {lost} lost, {dup} duplicated, "
                 f"{non_200} events not acked 200: {'met' if lost == dup == non_200 == 0 else '**not met**'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200, help="conversations per burst run")
    parser.add_argument("--levels", default="1,10,50", help="concurrency levels, comma-separated")
    parser.add_argument("--conversations", type=int, default=100,
                        help="conversations per users run (at least 4 per user)")  # fmt: skip
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    results: dict[str, dict[tuple[str, int], h.Outcome]] = {}
    for kind in (h.ADVISOR, h.BARE):
        print(f"{kind}:", flush=True)
        results[kind] = run_app(kind, levels, args.events, args.conversations)
    body = (h.header(started, time.perf_counter() - t0) + "\n" + tables(results, levels) + "\n\nai-advisor against "
            "the targets of issue #8:\n\n" + verdicts(results[h.ADVISOR], levels) + "\n")  # fmt: skip
    print(body)
    if args.write:
        h.write_section("bench_slack.py", TITLE, body)


if __name__ == "__main__":
    main()
