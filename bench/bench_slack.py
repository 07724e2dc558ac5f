"""Slack serving benchmark: ack latency and event→card time of `ai-advisor serve` vs a bare Bolt app.

Both run as separate processes on waitress against the local Web API emulator, one after the other in the same
run. Signed `app_mention` events, each starting its own conversation with a complete description (so each should
get exactly one card), are sent at concurrency 1, 10 and 50 in two ways:

- burst: N requests in flight; each client worker sends its next event as soon as its previous one is acked;
- users: N users in flight; each waits for its card before starting its next conversation.

Ack = HTTP response time of POST /slack/events. Event→card = until the emulator records the card (chat.postMessage
with metadata event_type advisor_recommendation) in the event's thread. Cards are counted per conversation: lost =
no card, duplicated = more than one.

Both servers run at once and take turns at every level, `--reps` times (the machine may be shared: each comparison
is made on the same load). Server CPU per card = the server process's user + system time over the users runs,
divided by the cards.

    .venv/bin/python bench/bench_slack.py [--events 200] [--levels 1,10,50] [--conversations 100] [--reps 3]
                                          [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h

TITLE = "Slack serving: ack latency and event→card, vs a bare Bolt app"
TARGETS = {10: 0.100, 50: 0.300}  # ack p99 targets (seconds) by concurrency, from issue #8
CARD_TIMEOUT = 60.0
COLD = 10  # concurrency of the burst sent as soon as each server is ready


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far, any children included: its own threads', its reaped
    children's (cutime, cstime) and its live or not yet reaped children's, from /proc. (`serve` has none since the
    cost chart is drawn in process; a server that starts helpers is still measured whole.)"""
    fields = _stat(pid)
    ticks = sum(int(f) for f in fields[11:15])
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            child = _stat(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(child[1]) == pid:
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command name (state first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


@dataclass
class Run:
    """One app's runs at one level and mode, pooled over the repetitions."""

    outcomes: list[h.Outcome] = field(default_factory=list)
    cpu: float = 0.0  # server CPU seconds over the runs (users mode: answering; burst: acks and cards)

    @property
    def acks(self) -> list[float]:
        return [a for o in self.outcomes for a in o.acks]

    @property
    def card_times(self) -> list[float]:
        return [t for o in self.outcomes for t in o.card_times]

    def total(self, name: str) -> int:
        return sum(int(getattr(o, name)) for o in self.outcomes)

    @property
    def rate(self) -> float:
        return statistics.median(o.rate for o in self.outcomes)

    @property
    def cpu_per_card_ms(self) -> float:
        return 1000 * self.cpu / max(1, self.total("carded"))


Results = dict[tuple[str, str, int], Run]  # (app, mode, level)


def run_all(levels: list[int], events: int, conversations: int, reps: int) -> tuple[Results, list[dict[int, float]]]:
    """Both servers up at once; every level and mode runs each app in turn (alternating which goes first), `reps`
    times, so both see the same machine. Returns the pooled runs and, per repetition, the ack p99 ratio
    (ai-advisor / bare Bolt) of each burst level."""
    results: Results = defaultdict(Run)
    ratios: list[dict[int, float]] = []
    with contextlib.ExitStack() as stack:
        servers: dict[str, tuple[h.Server, h.RecordingEmulator]] = {}
        for kind in (h.ADVISOR, h.BARE):
            emulator = stack.enter_context(h.RecordingEmulator())
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            server = h.start_server(kind, emulator.url, Path(tmp))
            stack.callback(server.stop)
            # A burst the moment the server is ready (how a restart under traffic meets it), then the rest.
            print(f"  {kind}: burst right after start-up, concurrency {COLD}", flush=True)
            results[(kind, "cold", COLD)].outcomes.append(run_burst(server, emulator, "COLD", events, COLD))
            servers[kind] = (server, emulator)
        for rep in range(reps):
            order = [h.ADVISOR, h.BARE] if rep % 2 == 0 else [h.BARE, h.ADVISOR]
            p99: dict[tuple[str, int], float] = {}
            for c in levels:
                for kind in order:
                    server, emulator = servers[kind]
                    print(f"  rep {rep + 1}/{reps}: {kind}: burst, concurrency {c}", flush=True)
                    before = cpu_seconds(server.pid)
                    out = run_burst(server, emulator, f"B{rep}r{c}x", events, c)
                    run = results[(kind, "burst", c)]
                    run.outcomes.append(out)
                    run.cpu += cpu_seconds(server.pid) - before
                    p99[(kind, c)] = h.pct(out.acks, 99)
            for c in levels:
                for kind in order:
                    server, emulator = servers[kind]
                    print(f"  rep {rep + 1}/{reps}: {kind}: users, {c} in flight", flush=True)
                    before = cpu_seconds(server.pid)
                    out = run_users(server, emulator, f"U{rep}r{c}x", c, max(conversations, 4 * c))
                    run = results[(kind, "users", c)]
                    run.outcomes.append(out)
                    run.cpu += cpu_seconds(server.pid) - before
            ratios.append({c: p99[(h.ADVISOR, c)] / p99[(h.BARE, c)] for c in levels})
    return results, ratios


def tables(results: Results, levels: list[int]) -> str:
    """The two markdown tables."""
    burst = [
        "| concurrency | app | ack p50 | ack p99 | event→card p50 | event→card p99 | cards | lost | duplicated "
        "| non-200 | acked events/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    users = [
        "| users in flight | app | event→card p50 | event→card p99 | ack p99 | cards | lost | duplicated "
        "| non-200 | cards/s | server CPU per card |",
        "|---" * 11 + "|",
    ]
    for c in levels:
        for kind in (h.ADVISOR, h.BARE):
            b = results[(kind, "burst", c)]
            burst.append(
                f"| {c} | {kind} | {h.ms(h.pct(b.acks, 50))} | {h.ms(h.pct(b.acks, 99))} | "
                f"{h.ms(h.pct(b.card_times, 50))} | {h.ms(h.pct(b.card_times, 99))} | "
                f"{b.total('carded')}/{b.total('conversations')} | {b.total('lost')} | "
                f"{b.total('duplicated')} | {b.total('non_200')} | {b.rate:.0f} |"
            )
            u = results[(kind, "users", c)]
            users.append(
                f"| {c} | {kind} | {h.ms(h.pct(u.card_times, 50))} | {h.ms(h.pct(u.card_times, 99))} | "
                f"{h.ms(h.pct(u.acks, 99))} | {u.total('carded')}/{u.total('conversations')} | "
                f"{u.total('lost')} | {u.total('duplicated')} | {u.total('non_200')} | {u.rate:.0f} | "
                f"{u.cpu_per_card_ms:.1f} ms |"
            )
    return (
        "**Burst** (N requests in flight):\n\n"
        + "\n".join(burst)
        + "\n\n**Users** (N users in flight, each waiting for its card before the next mention):\n\n"
        + "\n".join(users)
    )


def verdicts(results: Results, ratios: list[dict[int, float]], levels: list[int]) -> str:
    """Target checks for ai-advisor: ack p99 against bare Bolt and in absolute terms, CPU per card, the single
    user's event→card, and no lost or duplicated cards in any run."""
    lines = []
    for level in (c for c in (10, 50) if c in levels):
        acks = (results[(kind, "burst", level)].acks for kind in (h.ADVISOR, h.BARE))
        ratio = h.p99_ratio((r[level] for r in ratios), *acks)
        lines.append(
            f"- ack p99 / bare Bolt's at concurrency {level}: median {ratio.median:.2f}× over {len(ratio.per_rep)} "
            f"repetition(s) ({', '.join(f'{r:.2f}' for r in ratio.per_rep)}; pooled p99s {ratio.pooled:.2f}×; "
            "target ≤ 1.5×, judged on the median): "
            f"{'met' if ratio.met(1.5) else '**not met**'}"
        )
    for c, limit in TARGETS.items():
        if c in levels:
            p99 = h.pct(results[(h.ADVISOR, "burst", c)].acks, 99)
            lines.append(
                f"- ack p99 at concurrency {c}: {h.ms(p99)} (issue #8: under {limit * 1000:.0f} ms): "
                f"{'met' if p99 < limit else '**not met**'}"
            )
    if 1 in levels:
        one = results[(h.ADVISOR, "users", 1)]
        p50 = h.pct(one.card_times, 50)
        lines.append(
            f"- single user event→card p50: {h.ms(p50)} (target ≤ 12 ms): {'met' if p50 <= 0.012 else '**not met**'}"
        )
    cpu = [results[(h.ADVISOR, "users", c)].cpu_per_card_ms for c in levels]
    lines.append(
        f"- server CPU per card (users runs): {', '.join(f'{x:.1f} ms' for x in cpu)} (target ≤ 8 ms): "
        f"{'met' if max(cpu) <= 8 else '**not met**'}"
    )
    cold = {kind: h.pct(results[(kind, "cold", COLD)].acks, 99) for kind in (h.ADVISOR, h.BARE)}
    lines.append(
        f"- burst of {results[(h.ADVISOR, 'cold', COLD)].total('conversations')} at concurrency {COLD} "
        f"as soon as the server is ready: ack p99 {h.ms(cold[h.ADVISOR])} (bare Bolt {h.ms(cold[h.BARE])}, "
        f"{cold[h.ADVISOR] / cold[h.BARE]:.2f}×); `serve` warms up before it opens its port"
    )
    runs = [r for (kind, _, _), r in results.items() if kind == h.ADVISOR]
    lost = sum(r.total("lost") for r in runs)
    dup = sum(r.total("duplicated") for r in runs)
    non_200 = sum(r.total("non_200") for r in runs)
    total = sum(r.total("conversations") for r in runs)
    lines.append(
        f"- ai-advisor cards over all runs ({total} conversations): {lost} lost, {dup} duplicated, "
        f"{non_200} events not acked 200: {'met' if lost == dup == non_200 == 0 else '**not met**'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200, help="conversations per burst run")
    parser.add_argument("--levels", default="1,10,50", help="concurrency levels, comma-separated")
    parser.add_argument(
        "--conversations", type=int, default=100, help="conversations per users run (at least 4 per user)"
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions of every level (both apps each time)")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    results, ratios = run_all(levels, args.events, args.conversations, args.reps)
    body = (
        h.header(started, time.perf_counter() - t0) + f"\n{args.reps} repetitions, both apps up at once and "
        "alternating at every level; latencies pooled over the repetitions.\n\n"
        + tables(results, levels)
        + "\n\nai-advisor against its targets:\n\n"
        + verdicts(results, ratios, levels)
        + "\n"
    )
    print(body)
    if args.write:
        h.write_section("bench_slack.py", TITLE, body)


if __name__ == "__main__":
    main()
