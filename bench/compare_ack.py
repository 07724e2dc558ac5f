"""Checkouts' `ai-advisor serve` and a bare Bolt app side by side: ack p99 under Slack-like load, and CPU per card.

For measuring a change to the ack path or to scheduling against the code before it on a shared, noisy machine:
every server runs at once against its own Web API emulator, and they take turns, round after round (the order
rotates), each sending `--events` new conversations over a new connection per event (`bench_ack.py`'s driver,
in a process of its own) with `--concurrency` in flight. Prints each round, then per checkout the median of its
per-round ack p99 ratios to bare Bolt's (the issue #17 measure), its pooled ack p50/p99 and its server CPU per
card. Not a BENCHMARKS.md section of its own: the ack section quotes what it printed. Other checkouts run with this
checkout's virtualenv; a checkout's `bot` comes first on its server's path.

    .venv/bin/python bench/compare_ack.py main=/work/main new=. [--rounds 6] [--events 200] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bench.bench_ack import card_texts, run_load
from bench.bench_slack import cpu_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("trees", nargs="+", help="NAME=CHECKOUT, one per server to compare")
    parser.add_argument("--rounds", type=int, default=6, help="rounds; every server runs once per round")
    parser.add_argument("--events", type=int, default=200, help="new conversations per run")
    parser.add_argument("--concurrency", type=int, default=10, help="connections in flight")
    parser.add_argument("--charts", action="store_true", help="cost charts on (default off: the card path alone)")
    args = parser.parse_args()
    trees = {n: Path(p).resolve() for n, p in (t.split("=", 1) for t in args.trees)}
    texts = card_texts()
    names = [*trees, h.BARE]
    p99: dict[str, list[float]] = {n: [] for n in names}
    acks: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in trees}
    bad = 0
    with contextlib.ExitStack() as stack:
        servers = {n: h.serve_tree(n, t, stack, charts=args.charts) for n, t in trees.items()}
        emulator = stack.enter_context(h.RecordingEmulator())
        bare_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="compare-ack-bare-")))
        bare = h.start_server(h.BARE, emulator.url, bare_dir)
        stack.callback(bare.stop)
        servers[h.BARE] = (bare, emulator)
        for name, (server, emu) in servers.items():  # warm-up run, not counted
            run_load(server, emu, f"WARM{name}", texts, 40, args.concurrency)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                server, emu = servers[name]
                before = cpu_seconds(server.pid) if name in trees else 0.0
                result = run_load(server, emu, f"R{r}{name}", texts, args.events, args.concurrency)
                out = result.outcome
                bad += out.lost + out.duplicated + out.non_200
                p99[name].append(h.pct(out.acks, 99))
                acks[name].extend(out.acks)
                if name in trees:
                    cpu[name].append(1000 * (cpu_seconds(server.pid) - before) / max(1, out.carded))
            print(
                f"round {r + 1} (load {os.getloadavg()[0]:.1f}): "
                + "; ".join(f"{n} p99 {1000 * p99[n][-1]:.1f} ms" for n in names)
                + "; CPU/card "
                + ", ".join(f"{n} {cpu[n][-1]:.1f} ms" for n in trees),
                flush=True,
            )
    for name in trees:
        ratios = [a / b for a, b in zip(p99[name], p99[h.BARE], strict=True)]
        print(
            f"{name}: ack p99 / bare Bolt's median {statistics.median(ratios):.2f}× "
            f"({', '.join(f'{x:.2f}' for x in ratios)}); pooled p50 {1000 * h.pct(acks[name], 50):.1f} ms, "
            f"p99 {1000 * h.pct(acks[name], 99):.1f} ms; CPU per card median {statistics.median(cpu[name]):.2f} ms"
        )
    print(f"bare Bolt: pooled p50 {1000 * h.pct(acks[h.BARE], 50):.1f} ms, p99 {1000 * h.pct(acks[h.BARE], 99):.1f} ms")
    print(f"lost + duplicated + non-200 over all runs: {bad}; load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
