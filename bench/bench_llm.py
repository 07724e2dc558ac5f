"""LLM-mode benchmark: model calls, estimated tokens and added latency per assessment and per knowledge answer.

    .venv/bin/python bench/bench_llm.py [--file ../shared/eval/dev_scenarios.jsonl]
        [--questions ../shared/eval/dev_retrieval.jsonl] [--reps 5] [--write]

"With LLM" runs `Advisor.assess` and `ask` against the local fake OpenAI-compatible server from the tests
(real HTTP through the `openai` client; the server answers instantly with an empty extraction, echoes the template
verdict, and answers a knowledge question with the first sentences of passage [1]), so the added latency is the
client, prompt, redaction, HTTP, daily-budget bookkeeping (in a SQLite file, as deployed) and grounding overhead, not
a real model's generation time. Both modes cite knowledge passages (retrieval included, as in bench_core.py).
`--write` puts the results into the "LLM mode" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness as h  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.knowledge.ask import ask  # noqa: E402
from bot.knowledge.query import KnowledgeIndex  # noqa: E402
from bot.llm.client import LlmClient  # noqa: E402
from bot.resources import knowledge_dir  # noqa: E402
from bot.storage.store import Store  # noqa: E402
from bot.workflows.conversation import Advisor  # noqa: E402
from tests.llm.fake_openai import FakeOpenAI, Item, echo_offline_verdict  # noqa: E402

DEV_FILE = h.eval_file("dev_scenarios.jsonl")
QUESTIONS_FILE = h.eval_file("dev_retrieval.jsonl")
TODAY = dt.date(2026, 11, 27)
HEADING = "LLM mode"
# The section as written before BENCHMARKS.md had generated-section markers; replaced on the first --write.
LEGACY_SECTION = re.compile(r"^## LLM mode\n(?:(?!<!-- bench_llm\.py).)*?(?=^## |\Z)", re.S | re.M)


def responder(body: dict[str, Any]) -> Item:
    """The fake model: answers a knowledge question from passage [1]; otherwise as in the tests."""
    prompt = str(body["messages"][-1].get("content", ""))
    if "<question>" in prompt and not body.get("tools"):
        first = re.search(r"^\[1\] [^\n]*\n(.+?)(?:\n\n\[2\] |\n<question>)", prompt, re.S | re.M)
        sentences = re.split(r"(?<=[.!?])\s+", first.group(1).strip()) if first else ["Nothing relevant."]
        return {"content": " ".join(sentences[:2]) + " [1]"}
    return echo_offline_verdict(body)


def _time(advisor: Advisor, text: str, reps: int) -> tuple[list[float], Any]:
    times, rec = [], None
    for _ in range(reps):
        start = time.perf_counter()
        rec, _, _ = advisor.assess(text)
        times.append((time.perf_counter() - start) * 1000)
    return times, rec


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(path: Path, questions_path: Path, reps: int) -> dict[str, Any]:
    """Assess every scenario and answer every question offline and against the fake server; aggregate numbers."""
    scenarios = _lines(path)
    fake = FakeOpenAI(default=responder)
    with fake.running(), tempfile.TemporaryDirectory() as tmp:
        # Both modes cite knowledge passages, as deployed (and as the core benchmark's assess latency does).
        index = KnowledgeIndex(Path(tmp) / "knowledge.db", [knowledge_dir()], refresh_interval=None)
        index.ensure_fresh()
        offline = Advisor(Store(":memory:"), today=TODAY, enrich=index.enrich)
        settings = Settings(openai_base_url=fake.base_url, advisor_llm_timeout=5, advisor_llm_daily_calls=10**9)
        client = LlmClient.from_settings(settings, store=Store(Path(tmp) / "advisor.db"))
        assert client is not None
        online = Advisor(Store(":memory:"), today=TODAY, enrich=index.enrich, llm=client)
        for s in scenarios[:2]:  # warm up both paths (imports, HTTP connection pool)
            offline.assess(s["text"])
            online.assess(s["text"])
        off_ms: list[float] = []
        on_ms: list[float] = []
        calls: list[int] = []
        prompt: list[int] = []
        completion: list[int] = []
        same = 0
        for s in scenarios:
            t_off, rec_off = _time(offline, s["text"], reps)
            t_on, rec_on = _time(online, s["text"], reps)
            off_ms += t_off
            on_ms += t_on
            calls.append(rec_on.llm_usage["calls"])
            prompt.append(rec_on.llm_usage["prompt_tokens_est"])
            completion.append(rec_on.llm_usage["completion_tokens_est"])
            same += rec_on.approach == rec_off.approach
        answers = _answers(_lines(questions_path), client, index, reps)
        index.close()
    return {
        "scenarios": len(scenarios),
        "reps": reps,
        "same_approach": same,
        "calls_mean": statistics.mean(calls),
        "calls_max": max(calls),
        "prompt_tokens_mean": statistics.mean(prompt),
        "completion_tokens_mean": statistics.mean(completion),
        "offline_p50": statistics.median(off_ms),
        "offline_p95": _p95(off_ms),
        "llm_p50": statistics.median(on_ms),
        "llm_p95": _p95(on_ms),
        **answers,
    }


def _answers(questions: list[dict[str, Any]], client: LlmClient, index: KnowledgeIndex, reps: int) -> dict[str, Any]:
    """`ask` per question, offline and in LLM mode, over a warm index of the shipped knowledge base."""
    ask(questions[0]["q"], index, None)  # warm up both paths
    ask(questions[0]["q"], index, client)
    off_ms: list[float] = []
    on_ms: list[float] = []
    calls: list[int] = []
    prompt: list[int] = []
    prose = 0
    for q in questions:
        for _ in range(reps):
            start = time.perf_counter()
            ask(q["q"], index, None)
            off_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            found = ask(q["q"], index, client)
            on_ms.append((time.perf_counter() - start) * 1000)
        calls.append(found.llm_usage.get("calls", 0))
        prompt.append(found.llm_usage.get("prompt_tokens_est", 0))
        prose += found.wording == "llm"
    return {
        "questions": len(questions),
        "ask_calls_mean": statistics.mean(calls),
        "ask_prompt_tokens_mean": statistics.mean(prompt),
        "ask_prose": prose,
        "ask_offline_p50": statistics.median(off_ms),
        "ask_offline_p95": _p95(off_ms),
        "ask_llm_p50": statistics.median(on_ms),
        "ask_llm_p95": _p95(on_ms),
    }


def _p95(xs: list[float]) -> float:
    return h.pct(xs, 95)


def report(r: dict[str, Any]) -> str:
    """The tables and how they were measured (the section body after the common header)."""
    added50 = r["llm_p50"] - r["offline_p50"]
    added95 = r["llm_p95"] - r["offline_p95"]
    ask50 = r["ask_llm_p50"] - r["ask_offline_p50"]
    ask95 = r["ask_llm_p95"] - r["ask_offline_p95"]
    return f"""Dev scenarios ({r["scenarios"]}, {r["reps"]} runs each) through `Advisor.assess`, and dev retrieval
questions ({r["questions"]}, {r["reps"]} runs each) through `ask` (what `ai-advisor ask` runs), offline vs.
LLM mode against the local fake OpenAI-compatible server used by the tests (real HTTP via the `openai` client; the
server replies instantly, so this is the advisor's own overhead, including the daily-budget count in a SQLite file,
not a model's generation time). Both modes' assessment latency includes knowledge retrieval for citations, as the
core section's does; the two model calls per assessment (extraction, verdict) are the added part. Tokens are
estimated as characters / 4; no tokenizer is loaded.

| per assessment | value |
|---|---|
| model calls (mean / max) | {r["calls_mean"]:.1f} / {r["calls_max"]} |
| estimated prompt tokens (mean) | {r["prompt_tokens_mean"]:.0f} |
| estimated completion tokens (mean) | {r["completion_tokens_mean"]:.0f} |
| offline latency p50 / p95 | {r["offline_p50"]:.1f} ms / {r["offline_p95"]:.1f} ms |
| LLM-mode latency p50 / p95 | {r["llm_p50"]:.1f} ms / {r["llm_p95"]:.1f} ms |
| added latency p50 / p95 | {added50:.1f} ms / {added95:.1f} ms |
| same approach as offline | {r["same_approach"]}/{r["scenarios"]} |

| per knowledge answer (`ask`) | value |
|---|---|
| model calls (mean) | {r["ask_calls_mean"]:.1f} |
| estimated prompt tokens (mean) | {r["ask_prompt_tokens_mean"]:.0f} |
| prose answer passed the grounding check | {r["ask_prose"]}/{r["questions"]} |
| offline latency p50 / p95 | {r["ask_offline_p50"]:.1f} ms / {r["ask_offline_p95"]:.1f} ms |
| LLM-mode latency p50 / p95 | {r["ask_llm_p50"]:.1f} ms / {r["ask_llm_p95"]:.1f} ms |
| added latency p50 / p95 | {ask50:.1f} ms / {ask95:.1f} ms |
"""


def write(body: str, path: Path = h.BENCHMARKS) -> None:
    """Put `body` into this benchmark's section of BENCHMARKS.md (replacing a pre-marker "LLM mode" section)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if "<!-- bench_llm.py: begin" not in text and LEGACY_SECTION.search(text):
        path.write_text(LEGACY_SECTION.sub("", text, count=1).rstrip("\n") + "\n", encoding="utf-8")
    h.write_section("bench_llm.py", HEADING, body, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, default=DEV_FILE, help="Assessment scenarios (JSON lines with text).")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_FILE, help="Questions (JSON lines with q).")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    results = run(args.file, args.questions, args.reps)
    body = h.header(started, time.perf_counter() - t0) + "\n" + report(results)
    print(body)
    if args.write:
        write(body)


if __name__ == "__main__":
    main()
