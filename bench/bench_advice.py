"""Advice quality on our own complete cases: approach accuracy, contradictions, and confidence calibration.

The cases (`bench/advice_cases.jsonl`) are complete enterprise situations written for this benchmark, each with
the approach a specialist would pick written down before the engine ran on them (see the file's git history).
Each intake is built directly from the case's values, so this measures the engine, not the reader.

Usage: python bench/bench_advice.py [--file bench/advice_cases.jsonl] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor import engine
from bot.advisor.checks import contradictions
from bot.advisor.engine import DECISIVE_GROUPS, analyse, recommend
from bot.advisor.extract import extract
from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.questions import next_questions

DEFAULT_FILE = Path(__file__).with_name("advice_cases.jsonl")
DEV_FILE = h.eval_file("dev_scenarios.jsonl")
# The tuning half of an independent ML specialist's cases (text, labeled facts, approach, why, clear/judgement).
SPECIALIST_FILE = Path(__file__).parent / "data" / "specialist_odd.jsonl"
BINS = ((0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def reliability(rows: list[tuple[float, bool]]) -> tuple[list[str], float, float]:
    """A reliability table (stated confidence vs how often the approach was right), the ECE and the Brier score."""
    lines = ["| stated confidence | cases | mean stated | right | accuracy |", "|---|---|---|---|---|"]
    ece = 0.0
    for lo, hi in BINS:
        inside = [(c, ok) for c, ok in rows if lo <= c < hi]
        if not inside:
            lines.append(f"| {lo:.1f}–{min(hi, 1.0):.1f} | 0 | – | – | – |")
            continue
        mean = sum(c for c, _ in inside) / len(inside)
        right = sum(ok for _, ok in inside)
        acc = right / len(inside)
        ece += len(inside) / len(rows) * abs(acc - mean)
        lines.append(f"| {lo:.1f}–{min(hi, 1.0):.1f} | {len(inside)} | {mean:.2f} | {right} | {acc:.0%} |")
    brier = sum((c - ok) ** 2 for c, ok in rows) / len(rows)
    return lines, ece, brier


def _timings(intakes: list[Intake], repeat: int) -> str:
    """Cold-cache time per case of the full recommendation and of a question-planner round, with the bare
    scoring pass (`analyse`, no wording and no what-ifs) measured in the same run as the anchor."""
    spent = {"analyse": 0.0, "recommend": 0.0, "next_questions": 0.0}
    for _ in range(repeat):
        for intake in intakes:
            for name, call in (
                ("analyse", lambda i: analyse(i.values)),
                ("recommend", recommend),
                ("next_questions", next_questions),
            ):
                engine._plan.cache_clear()
                start = time.perf_counter()
                call(intake)
                spent[name] += time.perf_counter() - start
    per = {name: total / (repeat * len(intakes)) * 1000 for name, total in spent.items()}
    return (
        f"time per case (cold cache, {repeat} passes): analyse {per['analyse']:.2f} ms (anchor), recommend "
        f"{per['recommend']:.2f} ms, question-planner round {per['next_questions']:.2f} ms"
    )


def _fact_read(got: Any, expected: Any) -> bool:
    """A labeled fact counts as read when equal, or within 15% for a number (the eval corpus's rule)."""
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(got, int | float) and not isinstance(got, bool) and abs(got - expected) <= 0.15 * expected
    return bool(got == expected)


def specialist_lines(path: Path) -> list[str]:
    """The specialist's cases end to end (the reader on the text) and on the labeled facts alone, so a miss is
    split into the reader's (right on the facts, wrong from the text) and the engine's (wrong on the facts)."""
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    e2e = facts = read = labeled = 0
    by_kind: dict[str, list[bool]] = {}
    judged: list[tuple[str, float, bool]] = []
    misses: list[str] = []
    for case in cases:
        got = extract(case["text"]).values()
        through = recommend(Intake(values=IntakeValues(**got)))
        on_facts = recommend(Intake(values=IntakeValues(**case["facts"])))
        e2e += through.approach == case["approach"]
        facts += on_facts.approach == case["approach"]
        by_kind.setdefault(case["confidence"], []).append(through.approach == case["approach"])
        judged.append((case["confidence"], through.confidence, through.approach == case["approach"]))
        wrong = sorted(k for k, v in case["facts"].items() if not _fact_read(got.get(k), v))
        read += len(case["facts"]) - len(wrong)
        labeled += len(case["facts"])
        if through.approach != case["approach"] or on_facts.approach != case["approach"]:
            who = "reader" if on_facts.approach == case["approach"] else "engine on the labeled facts"
            misses.append(
                f"{case['id']} ({case['confidence']}): expected {case['approach']}; text → {through.approach} at "
                f"{through.confidence:.2f}, facts → {on_facts.approach} at {on_facts.confidence:.2f} [{who}]"
                + (f"; facts misread: {', '.join(wrong)}" if wrong else "")
            )
    n = len(cases)
    kinds = ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_kind.items()))
    mean = {k: sum(c for kk, c, _ in judged if kk == k) / max(1, sum(kk == k for kk, _, _ in judged)) for k in by_kind}
    high_judgement = sum(1 for k, c, _ in judged if k != "clear" and c >= 0.8)
    return [
        f"specialist ({path.name}, {n} cases): end to end {e2e}/{n}, on the labeled facts {facts}/{n}; "
        f"end to end by the specialist's call: {kinds}",
        f"  labeled facts read from the text: {read}/{labeled}; mean confidence (end to end): "
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(mean.items()))
        + f"; judgement calls stated at 0.8 or more: {high_judgement}",
        *(f"  specialist miss: {m}" for m in misses),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--dev", type=Path, default=DEV_FILE, help="the development scenarios (text), if present")
    parser.add_argument("--specialist", type=Path, default=SPECIALIST_FILE, help="the specialist's cases, if present")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the cases")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    cases: list[dict[str, Any]] = [json.loads(line) for line in args.file.read_text().splitlines() if line.strip()]
    rows: list[tuple[float, bool]] = []
    by_batch: dict[int, list[bool]] = {}
    misses: list[str] = []
    problems: list[str] = []
    for case in cases:
        intake = Intake(values=IntakeValues(**case["intake"]))
        rec = recommend(intake)
        right = rec.approach == case["approach"]
        rows.append((rec.confidence, right))
        by_batch.setdefault(int(case.get("batch", 1)), []).append(right)
        if not right:
            misses.append(f"{case['id']}: {rec.approach} at {rec.confidence:.2f} (expected {case['approach']})")
        problems += [f"{case['id']}: {p}" for p in contradictions(intake, rec)]
    # The same cases with one decisive group of facts hidden: the label stays the fully informed pick, so this
    # measures whether confidence drops as much as accuracy does when a fact is missing.
    hidden: list[tuple[float, bool]] = []
    for case in cases:
        for group in DECISIVE_GROUPS:
            values = {k: (None if k in group else val) for k, val in case["intake"].items()}
            rec = recommend(Intake(values=IntakeValues(**values)))
            hidden.append((rec.confidence, rec.approach == case["approach"]))
    dev_lines: list[str] = []
    if args.dev.exists():
        # The development scenarios through the reader, for the contradiction checks and the 0.6 rule.
        dev = [json.loads(line) for line in args.dev.read_text().splitlines() if line.strip()]
        dev_ok = dev_rule = dev_problems = 0
        for scenario in dev:
            intake = Intake(values=IntakeValues(**extract(scenario["text"]).values()))
            rec = recommend(intake)
            dev_ok += rec.approach == scenario["approach"]
            dev_rule += (rec.confidence < 0.6) == bool(scenario.get("low_confidence"))
            dev_problems += len(contradictions(intake, rec))
        dev_lines = [
            f"dev scenarios ({args.dev.name}): approach {dev_ok}/{len(dev)}, confidence rule "
            f"{dev_rule}/{len(dev)}, contradictions {dev_problems}"
        ]
    if args.specialist.exists():
        dev_lines += specialist_lines(args.specialist)
    timing = _timings([Intake(values=IntakeValues(**c["intake"])) for c in cases], args.repeat)
    table, ece, brier = reliability(rows)
    hidden_table, hidden_ece, hidden_brier = reliability(hidden)
    hidden_ok = sum(right for _, right in hidden)
    n, ok = len(cases), sum(right for _, right in rows)
    mix = ", ".join(
        f"{a} {sum(c['approach'] == a for c in cases)}" for a in ("prompt_engineering", "fine_tuning", "hybrid")
    )
    hidden_mean = sum(c for c, _ in hidden) / len(hidden)
    lines = [
        f"cases: {n} (approaches: {mix})",
        f"approach accuracy: {ok}/{n} = {ok / n:.1%}",
        *(f"  batch {b}: {sum(r)}/{len(r)} = {sum(r) / len(r):.1%}" for b, r in sorted(by_batch.items())),
        f"contradictions: {len(problems)}",
        f"calibration: ECE {ece:.3f}, Brier {brier:.3f}, mean confidence {sum(c for c, _ in rows) / n:.2f}",
        f"one decisive fact hidden ({len(hidden)} variants): accuracy {hidden_ok / len(hidden):.0%}, "
        f"ECE {hidden_ece:.3f}, Brier {hidden_brier:.3f}, mean confidence {hidden_mean:.2f}",
        *dev_lines,
        timing,
        *(f"  miss: {m}" for m in misses),
        *(f"  contradiction: {p}" for p in problems),
    ]
    print("\n".join(lines))
    print("\n".join(table))
    print("\n".join(hidden_table))
    if args.write:
        body = (
            h.header(started, time.perf_counter() - t0) + f"- Data: `{args.file.name}`, {n} complete cases "
            "with the specialist's approach written before the first run; intakes built directly from the "
            f"case values; `{args.specialist.name}`, an independent specialist's tuning half, through the reader "
            "and on its labeled facts\n\n```\n"
            + "\n".join(lines)
            + "\n```\n\nReliability (stated confidence vs how often "
            "the approach was right), complete cases:\n\n" + "\n".join(table) + "\n\nThe same cases with one "
            "decisive group of facts hidden (label: the fully informed pick):\n\n" + "\n".join(hidden_table) + "\n"
        )
        h.write_section("bench_advice.py", "Advice quality and calibration", body)


if __name__ == "__main__":
    main()
