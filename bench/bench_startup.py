"""Start-up benchmark: whole-process time of `ai-advisor --help`, `tco` and a one-shot `assess`, against
`python -c pass` measured in the same run.

Each command runs as its own process (after one warm-up run each), taking turns with the anchor: A B A B ...; CPU
time is the child's user + system time and peak memory its max RSS (both from `os.wait4`), wall time from start to
exit. Quoted: medians, and the median of the per-pair ratios to the anchor, so a machine that
slows down during the run shifts both. Bytecode is compiled first (`compileall`), as an installed package has it;
with PYTHONDONTWRITEBYTECODE set, an editable checkout would otherwise recompile its modules on every start.

    .venv/bin/python bench/bench_startup.py [--runs 15] [--write]
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h

TITLE = "Start-up: `ai-advisor --help`, `tco` and one-shot `assess`, vs `python -c pass`"
ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "ai-advisor")
ANCHOR = [sys.executable, "-c", "pass"]
TEXT = "We have 75k annotated reports, in-house ML engineers, 1.2M reports per month, the format rarely changes"
# The same assessment with its citations not kept yet (bot/knowledge/evidence_cache.py emptied before each run): the
# first card of its kind, which opens the knowledge index and searches it.
COLD = "ai-advisor assess TEXT, citations not kept yet"
# bot.knowledge.evidence_cache.TABLE, not imported: the children's peak RSS would count this process's memory too.
EVIDENCE_TABLE = "evidence_cache"
COMMANDS = {
    "ai-advisor --help": [CLI, "--help"],
    "ai-advisor tco": [CLI, "tco", "--requests", "2000000"],
    "ai-advisor assess TEXT": [CLI, "assess", TEXT],
    COLD: [CLI, "assess", TEXT],
}
TARGETS = {"ai-advisor --help": 0.25, "ai-advisor assess TEXT": 0.35}  # seconds, wall, median (issue #17)


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one run of `cmd`, from the kernel's accounting of that child (`wait4`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss: KiB on Linux


def forget_citations(data_dir: str) -> None:
    """Empty the evidence cache in the knowledge index's database (not timed)."""
    import sqlite3  # here, after the other rows: what this process loads shows in its children's peak RSS

    with closing(sqlite3.connect(Path(data_dir) / "knowledge.db")) as db, db:
        db.execute(f"DELETE FROM {EVIDENCE_TABLE}")


def measure(runs: int, env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    """Per command: wall and CPU times, and the ratios to the anchor run next to each."""
    out: dict[str, dict[str, list[float]]] = {}
    for name, cmd in COMMANDS.items():
        run_once(cmd, env)  # warm-up: the index is built and the page cache is warm
        run_once(ANCHOR, env)
        data: dict[str, list[float]] = {
            k: [] for k in ("wall", "cpu", "anchor_wall", "anchor_cpu", "ratio_wall", "ratio_cpu", "peak")
        }
        for _ in range(runs):
            if name == COLD:
                forget_citations(env["ADVISOR_DATA_DIR"])
            wall, cpu, peak = run_once(cmd, env)
            a_wall, a_cpu, _ = run_once(ANCHOR, env)
            data["wall"].append(wall)
            data["cpu"].append(cpu)
            data["peak"].append(peak)
            data["anchor_wall"].append(a_wall)
            data["anchor_cpu"].append(a_cpu)
            data["ratio_wall"].append(wall / a_wall)
            data["ratio_cpu"].append(cpu / max(a_cpu, 1e-3))
        out[name] = data
    return out


def report(results: dict[str, dict[str, list[float]]], runs: int) -> str:
    """The table and the target checks."""
    med = statistics.median
    lines = [
        f"{runs} runs of each command, each followed by `python -c pass` (the anchor); medians (min–max).",
        "",
        "| command | wall | CPU | anchor wall | wall ÷ anchor | CPU ÷ anchor | peak RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, d in results.items():
        lines.append(
            f"| `{name}` | {med(d['wall']) * 1000:.0f} ms ({min(d['wall']) * 1000:.0f}–"
            f"{max(d['wall']) * 1000:.0f}) | {med(d['cpu']) * 1000:.0f} ms | "
            f"{med(d['anchor_wall']) * 1000:.0f} ms | {med(d['ratio_wall']):.1f}× | "
            f"{med(d['ratio_cpu']):.1f}× | {med(d['peak']):.0f} MB |"
        )
    lines += ["", "Against issue #17's targets (median wall time on this machine):", ""]
    for name, limit in TARGETS.items():
        got = med(results[name]["wall"])
        lines.append(
            f"- `{name}`: {got * 1000:.0f} ms (target ≤ {limit * 1000:.0f} ms): "
            f"{'met' if got <= limit else '**not met**'}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (each paired with the anchor)")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    compileall.compile_dir(str(ROOT / "bot"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_", "AZURE_"))}
        env["ADVISOR_DATA_DIR"] = tmp
        results = measure(args.runs, env)
    body = h.header(started, time.perf_counter() - t0) + "\n" + report(results, args.runs) + "\n"
    print(body)
    if args.write:
        h.write_section("bench_startup.py", TITLE, body)


if __name__ == "__main__":
    main()
