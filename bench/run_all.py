"""Run every benchmark in turn with --write (`make bench`): each script rewrites its own BENCHMARKS.md section.

Scripts are bench/bench_*.py: the ones listed in ORDER first (quick in-process ones, then the server ones), then
any other in name order. Extra arguments per script go in ARGS. Usage: python bench/run_all.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "bench_startup.py",
    "bench_core.py",
    "bench_reader.py",
    "bench_advice.py",
    "bench_techniques.py",
    "bench_conversations.py",
    "bench_crossover.py",
    "bench_retrieval.py",
    "bench_llm.py",
    "bench_digest.py",
    "bench_scaling.py",
    "bench_slack.py",
    "bench_ack.py",
    "bench_memory.py",
    "bench_throughput.py",
    "bench_replicas.py",
]
ARGS: dict[str, list[str]] = {"bench_retrieval.py": ["--reps", "100"]}


def scripts() -> list[str]:
    """Every benchmark script, in running order."""
    found = sorted(p.name for p in HERE.glob("bench_*.py"))
    return [s for s in ORDER if s in found] + [s for s in found if s not in ORDER]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="*", default=None, help="run only these scripts (e.g. bench_slack.py)")
    args = parser.parse_args()
    chosen = [s for s in scripts() if not args.only or s in args.only or s.removesuffix(".py") in args.only]
    results: list[tuple[str, int, float]] = []
    for script in chosen:
        cmd = [sys.executable, str(HERE / script), *ARGS.get(script, []), "--write"]
        print(f"\n=== {script}", flush=True)
        start = time.perf_counter()
        code = subprocess.call(cmd, cwd=HERE.parent)
        results.append((script, code, time.perf_counter() - start))
    print("\n=== summary")
    for script, code, seconds in results:
        print(f"{script:24} {'ok' if code == 0 else f'FAILED (exit {code})':16} {seconds:6.0f} s")
    print(f"{'total':24} {'':16} {sum(s for _, _, s in results):6.0f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
