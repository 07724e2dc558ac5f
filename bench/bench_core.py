"""Core advisor benchmark: approach and field accuracy, questions-to-card, assessment speed.

Usage: python bench/bench_core.py [--file ../shared/eval/dev_scenarios.jsonl] [--repeat 20] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor.extract import extract
from bot.config import Settings
from bot.services import Services
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey

DEFAULT_FILE = h.eval_file("dev_scenarios.jsonl")


def _same(got: Any, expected: Any) -> bool:
    if isinstance(expected, int | float) and isinstance(got, int | float) and not isinstance(expected, bool):
        return abs(got - expected) <= 0.02 * max(1.0, abs(expected))
    return bool(got == expected)


def questions_to_card(advisor: Advisor, text: str, key: str) -> tuple[int, int]:
    """Questions and rounds until the card, with a user who answers every question "not sure"."""
    reply = advisor.handle(ConversationKey("bench", "T", "C", key), "U", text)
    questions = rounds = 0
    while reply.kind == "questions":
        questions += len(reply.questions)
        rounds += 1
        reply = advisor.handle(ConversationKey("bench", "T", "C", key), "U", "not sure")
    return questions, rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=20, help="timed repetitions of the whole set")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    scenarios = [json.loads(line) for line in args.file.read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(advisor_data_dir=Path(tmp)))
        advisor = services.advisor
        advisor.assess("warm-up: 10k labeled examples")  # index build and imports happen once, before timing
        ok = fields_ok = fields_total = low_ok = 0
        questions: list[int] = []
        rounds: list[int] = []
        misses: list[str] = []
        for s in scenarios:
            rec, _, _ = advisor.assess(s["text"])
            ok += rec.approach == s["approach"]
            if rec.approach != s["approach"]:
                misses.append(f"{s['id']}: {rec.approach} (expected {s['approach']})")
            low_ok += (rec.confidence < 0.6) == bool(s.get("low_confidence"))
            got = extract(s["text"]).values()
            for name, expected in s.get("fields", {}).items():
                fields_total += 1
                fields_ok += _same(got.get(name), expected)
                if not _same(got.get(name), expected):
                    misses.append(f"{s['id']}.{name}: {got.get(name)!r} (expected {expected!r})")
            q, r = questions_to_card(Advisor(Store(":memory:"), enrich=advisor.enrich), s["text"], s["id"])
            questions.append(q)
            rounds.append(r)

        timings: list[float] = []
        for _ in range(args.repeat):
            for s in scenarios:
                start = time.perf_counter()
                advisor.assess(s["text"])
                timings.append(time.perf_counter() - start)
    timings.sort()
    n = len(scenarios)
    p50 = timings[len(timings) // 2] * 1000
    p95 = timings[int(len(timings) * 0.95)] * 1000
    lines = [
        f"scenarios: {n}",
        f"approach accuracy: {ok}/{n} = {ok / n:.0%}",
        f"field accuracy: {fields_ok}/{fields_total} = {fields_ok / max(1, fields_total):.1%}",
        f"confidence rule (low_confidence <-> < 0.6): {low_ok}/{n}",
        f"questions to card: median {statistics.median(questions):g}, max {max(questions)}; "
        f"rounds: median {statistics.median(rounds):g}, max {max(rounds)}",
        f"assess latency: p50 {p50:.2f} ms, p95 {p95:.2f} ms, {len(timings) / sum(timings):.0f} assessments/s",
        *(f"  miss: {miss}" for miss in misses),
    ]
    print("\n".join(lines))
    if args.write:
        body = (
            h.header(started, time.perf_counter() - t0) + f"- Data: `{args.file.name}`, {args.repeat} timed "
            "repetitions of the whole set, after a warm-up that builds the knowledge index\n\n```\n"
            + "\n".join(lines)
            + "\n```\n"
        )
        h.write_section("bench_core.py", "Core advisor", body)


if __name__ == "__main__":
    main()
