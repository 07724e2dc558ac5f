"""Run every benchmark in turn and print their results (`make bench`); BENCHMARKS.md records them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ["bench_core.py"],
    ["bench_retrieval.py"],
    ["bench_slack.py", "--events", "200", "--concurrency", "10"],
    ["bench_llm.py"],
]


def main() -> int:
    failed = 0
    for script, *args in SCRIPTS:
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        failed += subprocess.call([sys.executable, str(HERE / script), *args]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
