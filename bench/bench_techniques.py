"""Techniques and regulation on situations written for this benchmark: does the card name the technique a
specialist would (distillation, LoRA pilot, routing, open-weight hosting, retrieval) and cite only the
regulation that applies? End to end offline: reader, engine, questions answered "not sure", citations.

Usage: python bench/bench_techniques.py [--file bench/technique_cases.jsonl] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor import regulation
from bot.config import Settings
from bot.services import Services
from bot.workflows.conversation import ConversationKey

DEFAULT_FILE = Path(__file__).with_name("technique_cases.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    cases = [json.loads(line) for line in args.file.read_text().splitlines() if line.strip()]
    approach_ok = technique_ok = regulation_ok = cited_ok = 0
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        advisor = Services(Settings(advisor_data_dir=Path(tmp))).advisor
        for case in cases:
            key = ConversationKey("bench", "T", "C", case["id"])
            reply = advisor.handle(key, "U", case["text"])
            while reply.kind == "questions":
                reply = advisor.handle(key, "U", "not sure")
            rec = reply.recommendation
            assert rec is not None, case["id"]
            approach_ok += rec.approach == case["approach"]
            want = case["techniques"]
            got = [
                t for t in rec.techniques if t in {"distillation", "peft_pilot", "routing", "open_weight", "retrieval"}
            ]
            technique_ok += got == want
            regulation_ok += rec.regulations == case["regulations"]
            others = [r.section for k, r in regulation.REGIMES.items() if k not in rec.regulations]
            clean = not any(p.search(c.section) or p.search(c.quote) for c in rec.citations for p in others)
            cited_ok += clean
            if rec.approach != case["approach"] or got != want or rec.regulations != case["regulations"] or not clean:
                flag = "" if clean else " other-sector cite"
                misses.append(
                    f"{case['id']}: {rec.approach} {got} {rec.regulations}"
                    f" (expected {case['approach']} {want} {case['regulations']}){flag}"
                )
    n = len(cases)
    lines = [
        f"cases: {n}",
        f"approach: {approach_ok}/{n}",
        f"techniques named exactly as expected: {technique_ok}/{n}",
        f"regulations exactly as expected: {regulation_ok}/{n}",
        f"cards citing no other sector's rules: {cited_ok}/{n}",
        *(f"  miss: {m}" for m in misses),
    ]
    print("\n".join(lines))
    if args.write:
        body = (
            h.header(started, time.perf_counter() - t0) + f"- Data: `{args.file.name}`, {n} situations written for "
            "this benchmark with the specialist's approach, techniques and regulations set down before the run; "
            'end to end offline (reader, engine, questions answered "not sure", citations)\n\n```\n'
            + "\n".join(lines)
            + "\n```\n"
        )
        h.write_section("bench_techniques.py", "Techniques and regulation by sector", body)


if __name__ == "__main__":
    main()
