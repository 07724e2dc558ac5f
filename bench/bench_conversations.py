"""Conversations: how often each kind of message is recognised, and how often the final card is right.

The conversations are written for this benchmark (bench/data/conversations_*.jsonl), several turns each, every
message labelled with what it is (project description, answer to the pending question, correction, question about
the topic, follow-up about the recommendation, thanks or small talk, command) and every conversation with the
approach its final card should give, decided when it was written. `conversations_tuned.jsonl` was written first and
the rules were tuned on it; `conversations_held_out.jsonl` was written afterwards in another voice and nothing was
changed after running it. Each conversation runs through the conversation core (`Advisor.handle`, as Slack threads,
Teams and the terminal use it) with the offline knowledge answers, on a fresh store; the message kind is the one the
core says it acted on (`Reply.heard`).

Usage: python bench/bench_conversations.py [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor.message_kind import MESSAGE_KINDS
from bot.config import Settings
from bot.services import Services
from bot.workflows.conversation import Advisor, ConversationKey

DATA = Path(__file__).with_name("data")
PARTS = {"tuned": DATA / "conversations_tuned.jsonl", "held out": DATA / "conversations_held_out.jsonl"}
TODAY = dt.date(2026, 11, 27)


def load(path: Path) -> list[dict[str, Any]]:
    """The conversations of one file (JSON lines)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(advisor: Advisor, conversation: dict[str, Any]) -> dict[str, Any]:
    """Play one conversation; returns each message's (expected, heard) kind and the final card's approach."""
    key = ConversationKey("bench", "T", "C", conversation["id"])
    kinds: list[tuple[str, str, str]] = []
    final: dict[str, str] = {}
    for turn in conversation["turns"]:
        reply = advisor.handle(key, "bench-user", turn["say"])
        kinds.append((turn["kind"], reply.heard or "none", turn["say"]))
        if reply.kind == "recommendation" and reply.recommendation is not None:
            final[reply.conversation_id] = reply.recommendation.approach
        last = reply.conversation_id
    return {"kinds": kinds, "approach": final.get(last)}


def score(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Per kind (recognised, messages), and final cards right out of conversations."""
    seen: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for _, got in results:
        for expected, heard, _ in got["kinds"]:
            seen[expected] += 1
            right[expected] += expected == heard
    cards = sum(got["approach"] == conv["approach"] for conv, got in results)
    return {k: (right[k], seen[k]) for k in MESSAGE_KINDS}, cards, len(results)


def _cell(pair: tuple[int, int]) -> str:
    hit, total = pair
    return f"{hit}/{total} = {hit / total:.2f}" if total else "–"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    rows, misses, timings = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(advisor_data_dir=Path(tmp)))
        advisor = services.advisor
        advisor.today = TODAY
        for part, path in ((p, f) for p, f in PARTS.items() if f.exists()):
            conversations = load(path)
            results = []
            for conv in conversations:
                t = time.perf_counter()
                results.append((conv, run(advisor, conv)))
                timings.append((time.perf_counter() - t) / len(conv["turns"]))
            per_kind, cards, total = score(results)
            messages = sum(n for _, n in per_kind.values())
            hits = sum(k for k, _ in per_kind.values())
            rows.append((part, len(conversations), messages, per_kind, (hits, messages), (cards, total)))
            for conv, got in results:
                misses += [(part, conv["id"], e, g, said) for e, g, said in got["kinds"] if e != g]
                if got["approach"] != conv["approach"]:
                    misses.append((part, conv["id"], f"card {conv['approach']}", f"card {got['approach']}", ""))
        services.store.close()
    head = "| part | conversations | messages | " + " | ".join(MESSAGE_KINDS) + " | all kinds | final card right |"
    out = [head, "|" + "---|" * (len(MESSAGE_KINDS) + 5)]
    for part, n, messages, per_kind, overall, right in rows:
        kinds = " | ".join(_cell(per_kind[k]) for k in MESSAGE_KINDS)
        out.append(f"| {part} | {n} | {messages} | {kinds} | {_cell(overall)} | {_cell(right)} |")
    timings.sort()
    out += [
        "",
        "Time per message (conversation core, offline wording, SQLite in a temp dir): "
        f"p50 {h.ms(timings[len(timings) // 2])}, max {h.ms(timings[-1])}.",
    ]
    if misses:
        out += ["", "Misses (expected → heard):", ""]
        out += [
            f"- {part} `{cid}`: {e} → {g}" + (f" ({said[:70]!r})" if said else "") for part, cid, e, g, said in misses
        ]
    body = "\n".join(out) + "\n"
    print(body)
    if args.write:
        h.write_section(
            "bench_conversations.py",
            "Conversations: message kinds and final cards",
            h.header(started, time.perf_counter() - t0) + "\n" + body,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
