"""Fact reading benchmark: how well the offline reader understands chat messages, per field and per half.

    .venv/bin/python bench/bench_reader.py [--write]

Corpora (JSON lines: id, text, fields, absent; scored as ../shared/eval/README.md describes):
- dev_paraphrases.jsonl: 150 messages written independently of the project. Odd ids were read while building the
  reader (tuned); even ids were only scored (held out).
- bench/data/own_chat_messages*.jsonl: 120 + 150 + 150 messages written for this project by independent writers who
  saw neither the code nor the dev corpus, each scored once before any rule was shaped on it. Odd ids tuned, even
  ids held out.
Also: the reader's time per message, and a 20,000-character hostile message next to a normal one, same run.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness as h  # noqa: E402
from bot.advisor.extract import extract  # noqa: E402

TODAY = dt.date(2026, 11, 29)  # the corpora date relative deadlines from this day
CORPORA = {
    "dev_paraphrases": h.eval_file("dev_paraphrases.jsonl"),
    "own_1": ROOT / "bench/data/own_chat_messages.jsonl",
    "own_2": ROOT / "bench/data/own_chat_messages_2.jsonl",
    "own_3": ROOT / "bench/data/own_chat_messages_3.jsonl",
}
HOSTILE = {
    "20,000 digits": "9" * 20_000,
    "10,000 × '1 '": "1 " * 10_000,
    "repeated sentence": "We have 20k labeled examples and 2M requests a month. " * 370,
}


def same(got: Any, want: Any) -> bool:
    """The corpus rule: numbers within 15%, everything else exactly."""
    numeric = isinstance(want, int | float) and not isinstance(want, bool)
    if numeric and isinstance(got, int | float) and not isinstance(got, bool):
        return abs(got - want) <= 0.15 * max(abs(want), 1)
    return bool(got == want)


def score(items: list[dict[str, Any]], read: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Stated facts read, wrong values, distractors resisted, and per-field counts."""
    c: collections.Counter[str] = collections.Counter()
    per: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for s in items:
        got = read[s["id"]]
        for k, v in s.get("fields", {}).items():
            ok = same(got.get(k), v)
            c["stated"] += 1
            c["read"] += ok
            c["wrong"] += (not ok) and got.get(k) is not None
            per[k][0] += ok
            per[k][1] += 1
        for k in s.get("absent", []):
            c["traps"] += 1
            c["resisted"] += got.get(k) is None
    return {"c": c, "per": per}


def line(r: dict[str, Any]) -> str:
    c = r["c"]
    return (
        f"{c['read']}/{c['stated']} = {c['read'] / max(c['stated'], 1):.2f} | {c['wrong']} "
        f"({c['wrong'] / max(c['stated'], 1):.1%}) | {c['resisted']}/{c['traps']} = "
        f"{c['resisted'] / max(c['traps'], 1):.2f}"
    )


def half(items: list[dict[str, Any]], odd: bool) -> list[dict[str, Any]]:
    return [s for s in items if (int("".join(ch for ch in s["id"] if ch.isdigit()) or 0) % 2 == 1) == odd]


@click.command()
@click.option("--write", is_flag=True, help="Write the results into BENCHMARKS.md.")
def main(write: bool) -> None:
    """Print the reader's scores and timings."""
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    out = [
        "Scores: stated facts read (numbers within 15%) | stated facts read with a wrong value | distractor "
        "fields left unknown. Odd ids tuned on, even ids held out.",
        "",
        "| corpus | part | read | wrong | distractors resisted |",
        "|---|---|---|---|---|",
    ]
    fields_rows: list[str] = []
    times: list[float] = []
    extract("warm up: load the lexicon", today=TODAY)
    for name, path in CORPORA.items():
        items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        read: dict[str, dict[str, Any]] = {}
        for s in items:
            t = time.perf_counter()
            read[s["id"]] = extract(s["text"], today=TODAY).values()
            times.append(time.perf_counter() - t)
        for part, subset in (
            ("all", items),
            ("odd (tuned)", half(items, True)),
            ("even (held out)", half(items, False)),
        ):
            out.append(f"| {name} ({len(subset)}) | {part} | " + line(score(subset, read)) + " |")
        per = score(items, read)["per"]
        fields_rows.append(f"| {name} | " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(per.items())) + " |")
    out += ["", "| corpus | per field (read/stated) |", "|---|---|", *fields_rows, ""]
    out.append(
        f"Reader time per message over all {len(times)} messages: p50 {h.ms(statistics.median(times))}, "
        f"p95 {h.ms(h.pct(times, 95))}, max {h.ms(max(times))}."
    )
    normal = "Support ticket routing: 40k labeled tickets, 2M requests a month, ML team of 5, live in 6 months."
    out += ["", "| message | characters | reader time (median of 5) |", "|---|---|---|"]
    for label, text in [("a normal description", normal), *HOSTILE.items()]:
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            extract(text, today=TODAY)
            runs.append(time.perf_counter() - t)
        out.append(f"| {label} | {len(text):,} | {h.ms(statistics.median(runs))} |")
    body = "\n".join(out) + "\n"
    click.echo(body)
    if write:
        h.write_section(
            "bench_reader.py", "Reading chat messages", h.header(started, time.perf_counter() - t0) + "\n" + body
        )


if __name__ == "__main__":
    main()
