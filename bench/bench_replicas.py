"""Replicas: `ai-advisor serve` on SQLite (one process) and on PostgreSQL with one and two replicas; and two
replicas with one killed (SIGKILL) in the middle of a steady stream of conversations.

Every configuration gets the same load, against the local Web API emulator with signed events:

- burst: EVENTS mentions with a complete description (each gives a card at once), CONCURRENCY requests in flight;
  with two replicas the events alternate between them, as a round-robin load balancer sends them. Reported: ack
  p50/p99, event→card p50/p99, and cards/s (cards over the time from the first event to the last card).
- kill: two replicas on PostgreSQL take a steady RATE of mentions/s for KILL_SECONDS; half-way, replica 0
  acknowledges IN_FLIGHT more mentions at once and is killed with SIGKILL before answering them. An event whose POST
  to the dead replica fails is sent to the survivor (the load balancer's retry, or Slack's). Reported: event→card
  for the events sent in the second before and the seconds after the kill, and for the acknowledged mentions the
  survivor adopted; and that no conversation lost its card or got two.

PostgreSQL is a throwaway cluster started here with the server binaries on the machine (as the tests do); without
them the script says so and leaves BENCHMARKS.md alone.

    .venv/bin/python bench/bench_replicas.py [--events 200] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from tests import pg

TITLE = "Replicas: SQLite vs PostgreSQL with one and two `serve` replicas, and a replica killed mid-stream"
CONCURRENCY = 10
RATE = (
    8.0  # mentions per second in the kill run: below what one replica sustains, so latency is take-over, not queueing
)
KILL_SECONDS = 8.0
IN_FLIGHT = 6  # mentions replica 0 acknowledges just before it is killed


def card_texts() -> tuple[str, ...]:
    """The complete descriptions that get a card on the first message (checked in process: a description the
    reader stops accepting as complete would count as a lost card)."""
    from bot.storage.store import Store
    from bot.workflows.conversation import Advisor, ConversationKey

    store = Store(":memory:")
    advisor = Advisor(store)
    kinds = [
        advisor.handle(ConversationKey("slack", "T", "C", str(i)), "U", t).kind for i, t in enumerate(h.FULL_TEXTS)
    ]
    store.close()
    return tuple(t for t, kind in zip(h.FULL_TEXTS, kinds, strict=True) if kind == "recommendation")


TEXTS = card_texts()


def warm(emulator: h.RecordingEmulator, server: h.Server, tag: str) -> None:
    thread, body = h.mention_body(f"CWARM{tag}", TEXTS[0])
    h.send(server.client, thread, body)
    emulator.wait_cards([thread], 60, settle=0)


def burst_run(emulator: h.RecordingEmulator, servers: list[h.Server], events: int, tag: str) -> h.Outcome:
    """EVENTS mentions at CONCURRENCY, alternating between the servers."""
    bodies = [h.mention_body(f"C{tag}{i:04d}", TEXTS[i % len(TEXTS)]) for i in range(events)]
    counter = iter(range(10**9))
    lock = threading.Lock()

    def one(item: tuple[h.Thread, dict[str, Any]]) -> h.Sent:
        with lock:
            n = next(counter)
        return h.send(servers[n % len(servers)].client, item[0], item[1])

    started = time.time()
    with ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="bench-client") as pool:
        sent = list(pool.map(one, bodies))
    emulator.wait_cards([s.thread for s in sent], 120)
    out = h.outcome(emulator, sent, {s.thread: s.at for s in sent})
    last = max((emulator.cards(s.thread)[0].at for s in sent if emulator.cards(s.thread)), default=started)
    out.rate = out.carded / max(1e-9, last - started)
    return out


def kill_run(emulator: h.RecordingEmulator, servers: list[h.Server]) -> tuple[h.Outcome, dict[str, list[float]]]:
    """A steady stream over both replicas; replica 0 is killed half-way, right after acknowledging IN_FLIGHT more
    mentions. Returns the outcome and event→card times: of the events sent in the second before the kill, of those
    sent after it, and of the ones replica 0 acknowledged and died with ("adopted": answered by the survivor)."""
    total = int(RATE * KILL_SECONDS)
    tag = f"K{int(time.time() * 1000) % 10**8}x"
    kill_at = time.time() + KILL_SECONDS / 2
    sent: list[h.Sent] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        thread, body = h.mention_body(f"C{tag}{i:04d}", TEXTS[i % len(TEXTS)])
        first = h.send(servers[i % 2].client, thread, body)
        if first.status != 200:  # the replica is gone: the retry reaches the survivor
            retry = h.send(servers[1].client, thread, body)
            first = h.Sent(thread, first.at, first.ack + retry.ack, retry.status)
        with lock:
            sent.append(first)

    killed = False
    orphans: list[h.Sent] = []
    workers: list[threading.Thread] = []
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if not killed and time.time() >= kill_at:
            # Mid-flight: replica 0 acknowledges a handful of mentions at once and is killed before answering them.
            pending = [h.mention_body(f"C{tag}F{j:02d}", TEXTS[j % len(TEXTS)]) for j in range(IN_FLIGHT)]
            with ThreadPoolExecutor(IN_FLIGHT) as pool:
                acked = list(pool.map(lambda tb: h.send(servers[0].client, tb[0], tb[1]), pending))
            servers[0].proc.kill()
            servers[0].proc.wait()
            killed = True
            orphans = [s for s in acked if s.status == 200]
            with lock:
                sent.extend(acked)
        worker = threading.Thread(target=one, args=(i,), daemon=True)
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(60)
    emulator.wait_cards([s.thread for s in sent], 120, settle=2.0)
    out = h.outcome(emulator, sent, {s.thread: s.at for s in sent})
    adopted = {s.thread for s in orphans}
    times: dict[str, list[float]] = {"before": [], "after": [], "adopted": []}
    for s in sent:
        cards = emulator.cards(s.thread)
        if not cards:
            continue
        latency = cards[0].at - s.at
        if s.thread in adopted:
            times["adopted"].append(latency)
        elif kill_at - 1.0 <= s.at < kill_at:
            times["before"].append(latency)
        elif s.at >= kill_at:
            times["after"].append(latency)
    return out, times


def row(name: str, out: h.Outcome) -> str:
    cards = out.card_times
    return (
        f"| {name} | {h.ms(h.pct(out.acks, 50))} | {h.ms(h.pct(out.acks, 99))} | {h.ms(h.pct(cards, 50))} | "
        f"{h.ms(h.pct(cards, 99))} | {out.rate:.0f} | {out.carded}/{out.conversations} | {out.lost} | "
        f"{out.duplicated} | {out.non_200} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args()
    reason = pg.missing_reason()
    if reason:
        print(f"bench_replicas: skipped, {reason} (BENCHMARKS.md left as it is)")
        return
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    cluster = pg.Cluster()
    rows: list[str] = []
    try:
        with h.RecordingEmulator() as emulator, tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
            root = Path(tmp)
            configs = [("SQLite, 1 process", 1, False), ("PostgreSQL, 1 replica", 1, True)]
            configs.append(("PostgreSQL, 2 replicas", 2, True))
            for n, (name, count, postgres) in enumerate(configs):
                url = cluster.database() if postgres else None
                servers = [_start(emulator.url, root / f"run{n}-replica{r}", url) for r in range(count)]
                try:
                    for r, server in enumerate(servers):
                        warm(emulator, server, f"{n}{r}")
                    out = burst_run(emulator, servers, args.events, f"B{n}x{int(time.time()) % 10**6}")
                    rows.append(row(name, out))
                    print(rows[-1], flush=True)
                finally:
                    for server in servers:
                        server.stop()
            url = cluster.database()
            servers = [
                h.start_server(h.ADVISOR, emulator.url, root / f"kill-replica{r}", DATABASE_URL=url) for r in (0, 1)
            ]
            try:
                for r, server in enumerate(servers):
                    warm(emulator, server, f"k{r}")
                killed, times = kill_run(emulator, servers)
            finally:
                for server in servers:
                    if server.proc.poll() is None:
                        server.stop()
    finally:
        cluster.stop()
    seconds = time.perf_counter() - clock
    before, after, adopted = times["before"], times["after"], times["adopted"]
    kill_lines = [
        f"- event→card in the second before the kill: p50 {h.ms(h.pct(before, 50))}, p99 {h.ms(h.pct(before, 99))} "
        f"({len(before)} events)",
        f"- event→card after the kill (the survivor alone): p50 {h.ms(h.pct(after, 50))}, p99 "
        f"{h.ms(h.pct(after, 99))} ({len(after)} events; those sent to the dead replica include its failed POST)",
        f"- event→card of the {len(adopted)} mentions the killed replica had acknowledged but not answered (adopted by "
        f"the survivor): p50 {h.ms(h.pct(adopted, 50))}, max {h.ms(max(adopted, default=float('nan')))}",
        f"- cards: {killed.carded}/{killed.conversations}, lost {killed.lost}, duplicated {killed.duplicated}, "
        f"events not acked 200 even after the retry: {killed.non_200}",
    ]
    body = (
        h.header(started, seconds)
        + f"\n**Burst** of {args.events} mentions (each gives a card), {CONCURRENCY} requests in flight; with two "
        "replicas the events alternate between them:\n\n"
        "| configuration | ack p50 | ack p99 | event→card p50 | event→card p99 | cards/s | cards | lost | "
        "duplicated | non-200 |\n|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + f"\n\n**Kill**: two replicas on PostgreSQL, {RATE:.0f} mentions/s for {KILL_SECONDS:.0f} s alternating "
        f"between them; half-way, replica 0 acknowledges {IN_FLIGHT} more mentions at once and is killed with SIGKILL "
        "before answering them; an event it can no longer take is sent to the survivor:\n\n" + "\n".join(kill_lines)
    )
    print(body)
    if args.write:
        h.write_section("bench_replicas.py", TITLE, body)


if __name__ == "__main__":
    main()


def _start(emulator_url: str, data_dir: Path, url: str | None) -> h.Server:
    """An `ai-advisor serve` on the PostgreSQL database at `url` (None: its own SQLite file)."""
    if url:
        return h.start_server(h.ADVISOR, emulator_url, data_dir, DATABASE_URL=url)
    return h.start_server(h.ADVISOR, emulator_url, data_dir)
