"""Slack throughput benchmark: step the offered event rate up until ack p99 exceeds 1 s.

Open-loop load on the real `ai-advisor serve` against the local Web API emulator: at each step, signed
`app_mention` events (each a new conversation with a complete description, so one card each) are scheduled at a
fixed rate for a few seconds, whatever the server does. The ack is timed from each event's scheduled send time, so
a server that falls behind shows it as latency instead of silently lowering the rate. After each step the cards are
awaited (the backlog drains) and counted per conversation, so every step reports lost and duplicated cards.

Rates double from --start until ack p99 passes --limit-ms; one more step between the last rate under the limit and
the first over it narrows the answer. The client caps in-flight requests at --clients; a step where the client
could not keep to the schedule is marked as such.

    .venv/bin/python bench/bench_throughput.py [--start 10] [--seconds 2] [--limit-ms 1000] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h

TITLE = "Slack throughput: events/s until ack p99 exceeds 1 s"
MAX_RATE = 2560.0
DRAIN_FLOOR = 20.0  # cards/s assumed when sizing the wait for a step's backlog


@dataclass
class Step:
    """One offered rate and what came of it."""

    rate: float
    outcome: h.Outcome
    sent_rate: float  # events actually sent per second
    late_p99: float  # how late the client started sends vs the schedule (seconds)
    drain: float  # seconds from the first send until the last card
    cards_per_s: float

    @property
    def ack_p99(self) -> float:
        """The step's ack p99 (failed connections count as infinitely slow)."""
        acks = self.outcome.acks + [math.inf] * self.outcome.non_200
        return h.pct(acks, 99)


def run_step(
    server: h.Server, emulator: h.RecordingEmulator, rate: float, seconds: float, clients: int, tag: str
) -> Step:
    """Offer `rate` events/s for `seconds`, then wait for every card."""
    total = max(20, round(rate * seconds))
    bodies = [h.mention_body(f"C{tag}{i:06d}", h.FULL_TEXTS[i % len(h.FULL_TEXTS)]) for i in range(total)]
    lock = threading.Lock()
    sent: list[h.Sent] = []
    late: list[float] = []
    start = time.perf_counter() + 0.05

    def client(i: int) -> None:
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        lateness = time.perf_counter() - scheduled
        thread, body = bodies[i]
        s = h.send(server.client, thread, body, scheduled=scheduled)
        with lock:
            sent.append(s)
            late.append(max(0.0, lateness))

    h.spread(total, clients, client, name="bench-load")
    send_span = max(s.at for s in sent) - min(s.at for s in sent)
    emulator.wait_cards([s.thread for s in sent], 60 + total / DRAIN_FLOOR)
    out = h.outcome(emulator, sent, {s.thread: s.at for s in sent})
    last_card = max((p.at for s in sent for p in emulator.cards(s.thread)), default=max(s.at for s in sent))
    drain = last_card - min(s.at for s in sent)
    return Step(
        rate,
        out,
        (total - 1) / send_span if send_span > 0 else float(total),
        h.pct(late, 99),
        drain,
        out.carded / drain if drain > 0 else 0.0,
    )


def measure(start_rate: float, seconds: float, limit: float, clients: int) -> list[Step]:
    """Step the rate up (doubling, then one step between the last pass and the first failure)."""
    steps: list[Step] = []
    with h.RecordingEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        server = h.start_server(h.ADVISOR, emulator.url, Path(tmp))
        try:
            thread, body = h.mention_body("CWARM", h.FULL_TEXTS[0])  # warm-up, not measured
            h.send(server.client, thread, body)
            emulator.wait_cards([thread], 60, settle=0)
            rate, n = start_rate, 0
            while rate <= MAX_RATE:
                step = run_step(server, emulator, rate, seconds, clients, f"T{n}x")
                steps.append(step)
                print(
                    f"  offered {rate:.0f}/s: ack p99 {h.ms(step.ack_p99)}, sent {step.sent_rate:.0f}/s, "
                    f"{step.outcome.carded}/{step.outcome.conversations} cards",
                    flush=True,
                )
                n += 1
                if step.ack_p99 > limit:
                    break
                rate *= 2
            passed = [s for s in steps if s.ack_p99 <= limit]
            failed = [s for s in steps if s.ack_p99 > limit]
            if passed and failed:
                between = math.sqrt(passed[-1].rate * failed[0].rate)
                step = run_step(server, emulator, between, seconds, clients, f"T{n}x")
                steps.append(step)
                print(f"  offered {between:.0f}/s: ack p99 {h.ms(step.ack_p99)}", flush=True)
        finally:
            server.stop()
    return sorted(steps, key=lambda s: s.rate)


def report(steps: list[Step], limit: float, seconds: float) -> str:
    """The table and the answer."""
    lines = [
        "| offered events/s | sent events/s | client late p99 | ack p50 | ack p99 | event→card p50 | "
        "event→card p99 | cards | lost | duplicated | non-200 | cards/s (first send → last card) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in steps:
        o = s.outcome
        lines.append(
            f"| {s.rate:.0f} | {s.sent_rate:.0f} | {h.ms(s.late_p99)} | {h.ms(h.pct(o.acks, 50))} | "
            f"{h.ms(s.ack_p99)} | {h.ms(h.pct(o.card_times, 50))} | {h.ms(h.pct(o.card_times, 99))} | "
            f"{o.carded}/{o.conversations} | {o.lost} | {o.duplicated} | {o.non_200} | "
            f"{s.cards_per_s:.0f} |"
        )
    passed = [s for s in steps if s.ack_p99 <= limit]
    best = max(passed, key=lambda s: s.rate) if passed else None
    failed = [s for s in steps if s.ack_p99 > limit]
    answer = (
        f"- Highest offered rate with ack p99 ≤ {limit * 1000:.0f} ms: **{best.rate:.0f} events/s**"
        if best
        else f"- No step kept ack p99 ≤ {limit * 1000:.0f} ms."
    )
    if best and not failed:
        answer += f" (the limit was not reached up to {MAX_RATE:.0f} events/s)"
    cards = max((s.cards_per_s for s in steps if s.outcome.conversations >= 50), default=0.0)
    lost = sum(s.outcome.lost for s in steps)
    dup = sum(s.outcome.duplicated for s in steps)
    return (
        "\n".join(lines) + f"\n\n{answer}.\n- Card throughput (the most cards/s over a step, first send to last "
        f"card): **{cards:.0f} cards/s**; above that rate events are acked and queue for the listener threads.\n"
        f"- Lost cards over all steps: {lost}; duplicated: {dup}.\n- Each step offers its rate for {seconds:g} s "
        "(at least 20 events).\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--start", type=float, default=10.0, help="first offered rate (events/s)")
    parser.add_argument("--seconds", type=float, default=2.0, help="how long each rate is offered")
    parser.add_argument("--limit-ms", type=float, default=1000.0, help="ack p99 limit")
    parser.add_argument("--clients", type=int, default=100, help="most requests in flight from the load generator")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    steps = measure(args.start, args.seconds, args.limit_ms / 1000, args.clients)
    body = h.header(started, time.perf_counter() - t0) + "\n" + report(steps, args.limit_ms / 1000, args.seconds)
    print(body)
    if args.write:
        h.write_section("bench_throughput.py", TITLE, body)


if __name__ == "__main__":
    main()
