"""Cost chart benchmark: drawing the PNG (bot/workflows/chart.py) in a warm process (drawn afresh, and answered
from the chart cache), the first chart of a process (Pillow's import and fonts included), PNG sizes, and
`python -c pass` as the anchor measured in the same run.

    .venv/bin/python bench/bench_chart.py [--runs 5] [--renders 30] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor import tco
from bot.workflows import chart

TITLE = "Cost chart (PNG)"
VOLUMES = [0, 5_000, 40_000, 300_000, 2_000_000, 20_000_000, 150_000_000]
FIRST = "from bot.advisor import tco; from bot.workflows import chart; chart.render_png(tco.estimate(2_000_000))"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes drawing their first chart")
    parser.add_argument("--renders", type=int, default=30, help="charts drawn in this (warm) process")
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    timed([sys.executable, "-c", FIRST])  # warm-up: page cache warm
    first, anchor = [], []
    for _ in range(args.runs):
        first.append(timed([sys.executable, "-c", FIRST]))
        anchor.append(timed([sys.executable, "-c", "pass"]))
    estimates = [tco.estimate(v) for v in VOLUMES]
    chart.render_png(estimates[0])
    warm, cpu, sizes = [], [], []
    for i in range(args.renders):
        data = chart.curves(estimates[i % len(estimates)])
        start, cpu_start = time.perf_counter(), time.thread_time()
        png = chart.draw_png(data)  # drawn every time: the cache is not asked
        warm.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - cpu_start)
        sizes.append(len(png))
    cached = []
    for i in range(args.renders):
        est = estimates[i % len(estimates)]
        chart.render_png(est)  # drawn (or already cached), then asked again
        start = time.perf_counter()
        chart.render_png(est)
        cached.append(time.perf_counter() - start)
    body = (
        h.header(started, time.perf_counter() - t0)
        + "\n```\n"
        + f"first chart of a fresh process (imports included): median {h.ms(statistics.median(first))}"
        + f" (anchor `python -c pass`: {h.ms(statistics.median(anchor))}), {args.runs} runs\n"
        + f"chart drawn in a warm process: p50 {h.ms(h.pct(warm, 50))}, p95 {h.ms(h.pct(warm, 95))}, CPU (thread "
        + f"time) mean {h.ms(statistics.mean(cpu))}, {args.renders} charts\n"
        + "chart from the cache (the same numbers again; their curves computed for the key): p50 "
        + f"{h.ms(h.pct(cached, 50))}, p95 {h.ms(h.pct(cached, 95))}\n"
        + f"PNG size: {min(sizes) / 1000:.1f} to {max(sizes) / 1000:.1f} KB (limit {chart.MAX_BYTES / 1000:.0f} KB)\n"
        + "```\n"
    )
    print(body)
    if args.write:
        h.write_section("bench_chart.py", TITLE, body)


if __name__ == "__main__":
    main()
