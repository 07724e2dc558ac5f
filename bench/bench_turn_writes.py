"""Writes per user turn: write transactions, SQL statements and latency of the conversation core on a file database.

A scripted conversation (a thin description, answers, "why?", a correction, a what-if and "keep it") is run over
many conversations through `Advisor.handle`, offline, with SQLite's statement trace counting what each turn runs.
`--baseline DIR` measures another checkout (e.g. `git archive main | tar -x -C DIR`) in the same run, as the anchor.

Usage: python bench/bench_turn_writes.py [--conversations 200] [--baseline DIR] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE_ROOT") or ROOT)  # whose `bot` package is measured
sys.path.insert(0, str(CODE))

SCRIPT = (
    "We want an assistant that drafts replies for our support team",
    "no ML people, and about 2,000 labeled replies",
    "around 40k requests a month, live in 6 weeks",
    "recommend now",
    "why?",
    "actually we have 20k labeled examples",
    "what if we had 200k examples?",
    "keep it",
)


def measure(conversations: int) -> dict[str, Any]:
    """Run the script `conversations` times; per-turn counts and latencies."""
    from bot.storage.store import Store
    from bot.workflows.conversation import Advisor, ConversationKey

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "advisor.db")
        advisor = Advisor(store, today=dt.date(2026, 11, 29))
        begun: list[int] = [0]
        statements: list[int] = [0]

        def trace(sql: str) -> None:
            statements[0] += 1
            if sql.lstrip().upper().startswith("BEGIN"):
                begun[0] += 1

        conn = store.db.conn
        assert isinstance(conn, sqlite3.Connection)  # a SQLite file: its statement trace counts the BEGINs
        conn.set_trace_callback(trace)
        transactions, counted, latencies = [], [], []
        for n in range(conversations):
            key = ConversationKey("bench", "T", "C", f"{n}.1")
            for text in SCRIPT:
                begun[0] = statements[0] = 0
                started = time.perf_counter()
                advisor.handle(key, "U", text)
                latencies.append(time.perf_counter() - started)
                transactions.append(begun[0])
                counted.append(statements[0])
        conn.set_trace_callback(None)
        store.close()
    latencies.sort()
    return {
        "turns": len(latencies),
        "transactions_mean": statistics.fmean(transactions),
        "transactions_max": max(transactions),
        "statements_mean": statistics.fmean(counted),
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
    }


def measured(code: Path, conversations: int) -> dict[str, Any]:
    """`measure` in a fresh process importing the checkout at `code`."""
    env = {**os.environ, "BENCH_CODE_ROOT": str(code)}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure-only", "--conversations", str(conversations)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=code,
    )
    return dict(json.loads(out.stdout))


def table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "| code | turns | write transactions per turn (mean / max) | SQL statements per turn | p50 | p95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['turns']} | {r['transactions_mean']:.2f} / {r['transactions_max']} | "
            f"{r['statements_mean']:.1f} | {r['p50_ms']:.2f} ms | {r['p95_ms']:.2f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.conversations)))
        return
    from bench import harness as h

    started, clock = dt.datetime.now(dt.UTC), time.monotonic()
    rows = [("this checkout", measured(ROOT, args.conversations))]
    if args.baseline:
        rows.append((f"baseline ({args.baseline.name})", measured(args.baseline.resolve(), args.conversations)))
    body = h.header(started, time.monotonic() - clock) + "\n" + table(rows)
    print(body)
    if args.write:
        h.write_section("bench_turn_writes.py", "Writes per user turn", body)


if __name__ == "__main__":
    main()
