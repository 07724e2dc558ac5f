"""Two checkouts' `ai-advisor serve` side by side: server CPU per card and a single user's event→card p50.

For measuring a change to the card path against the code before it (a `git worktree` or `git archive` of the
other commit) on a shared, noisy machine: both servers run at once against their own Web API emulator, charts off
(`ADVISOR_SLACK_CHARTS=false`, so the card path alone is measured) unless `--charts`, and take turns, round after
round, each round sending `--conversations` single-user conversations (each waits for its card). Prints each
round, the medians and the median of the per-round CPU ratios (new ÷ old). Not a BENCHMARKS.md section of its own:
the Slack serving section quotes what it printed. The other checkout runs with this checkout's virtualenv.

    .venv/bin/python bench/compare_serve.py OLD_CHECKOUT [--rounds 6] [--conversations 100] [--charts]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bench.bench_slack import cpu_seconds, run_users


def start(name: str, tree: Path, stack: contextlib.ExitStack, charts: bool) -> tuple[h.Server, h.RecordingEmulator]:
    """`serve` from `tree`, warmed up with 20 conversations."""
    server, emulator = h.serve_tree(name, tree, stack, charts=charts)
    run_users(server, emulator, "WARM", 1, 20)
    return server, emulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("old", type=Path, help="the other checkout (the code before the change)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds; each server runs once per round")
    parser.add_argument("--conversations", type=int, default=100, help="single-user conversations per run")
    parser.add_argument("--charts", action="store_true", help="cost charts on (default off: the card path alone)")
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": Path(__file__).resolve().parents[1]}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    p50: dict[str, list[float]] = {name: [] for name in trees}
    with contextlib.ExitStack() as stack:
        servers = {name: start(name, tree, stack, args.charts) for name, tree in trees.items()}
        for r in range(args.rounds):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                server, emulator = servers[name]
                before = cpu_seconds(server.pid)
                out = run_users(server, emulator, f"R{r}", 1, args.conversations)
                cpu[name].append(1000 * (cpu_seconds(server.pid) - before) / max(1, out.carded))
                p50[name].append(1000 * h.pct(out.card_times, 50))
            print(
                f"round {r + 1}: " + "; ".join(f"{n} {cpu[n][-1]:.1f} ms CPU, p50 {p50[n][-1]:.1f} ms" for n in trees)
            )
    for name in trees:
        print(f"{name}: CPU per card {statistics.median(cpu[name]):.2f} ms, p50 {statistics.median(p50[name]):.1f} ms")
    ratios = [n / o for n, o in zip(cpu["new"], cpu["old"], strict=True)]
    print(f"new ÷ old CPU per card: median {statistics.median(ratios):.2f} ({', '.join(f'{x:.2f}' for x in ratios)})")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
