"""LLM-mode benchmark: model calls, estimated tokens and added latency per assessment over the dev scenarios.

    .venv/bin/python bench/bench_llm.py [--file ../shared/eval/dev_scenarios.jsonl] [--reps 5] [--write]

"With LLM" runs `Advisor.assess` against the local fake OpenAI-compatible server from the tests (real HTTP through
the `openai` client; the server answers instantly with an empty extraction and echoes the template verdict), so the
added latency is the client, prompt, redaction, HTTP and grounding overhead, not a real model's generation time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.advisor.conversation import Advisor  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.llm import LlmClient  # noqa: E402
from bot.store import Store  # noqa: E402
from tests.llm.fake_openai import FakeOpenAI  # noqa: E402

DEV_FILE = Path(__file__).resolve().parents[2] / "shared/eval/dev_scenarios.jsonl"
TODAY = dt.date(2026, 11, 27)


def _time(advisor: Advisor, text: str, reps: int) -> tuple[list[float], Any]:
    times, rec = [], None
    for _ in range(reps):
        start = time.perf_counter()
        rec, _, _ = advisor.assess(text)
        times.append((time.perf_counter() - start) * 1000)
    return times, rec


def run(path: Path, reps: int) -> dict[str, Any]:
    """Assess every scenario offline and against the fake server; return the aggregate numbers."""
    scenarios = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    offline = Advisor(Store(":memory:"), today=TODAY)
    fake = FakeOpenAI()
    with fake.running():
        client = LlmClient.from_settings(Settings(openai_base_url=fake.base_url, advisor_llm_timeout=5))
        assert client is not None
        online = Advisor(Store(":memory:"), today=TODAY, llm=client)
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
    return {
        "scenarios": len(scenarios), "reps": reps, "same_approach": same,
        "calls_mean": statistics.mean(calls), "calls_max": max(calls),
        "prompt_tokens_mean": statistics.mean(prompt), "completion_tokens_mean": statistics.mean(completion),
        "offline_p50": statistics.median(off_ms), "offline_p95": _p95(off_ms),
        "llm_p50": statistics.median(on_ms), "llm_p95": _p95(on_ms),
    }  # fmt: skip


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def report(r: dict[str, Any], command: str) -> str:
    """The BENCHMARKS.md section."""
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    added50 = r["llm_p50"] - r["offline_p50"]
    added95 = r["llm_p95"] - r["offline_p95"]
    return f"""
## LLM mode

{dt.date.today().isoformat()} · {machine} · `{command}`

Dev scenarios ({r["scenarios"]}, {r["reps"]} runs each) through `Advisor.assess`, offline vs. LLM mode against the
local fake OpenAI-compatible server used by the tests (real HTTP via the `openai` client; the server replies
instantly, so this is the advisor's own overhead, not a model's generation time). Tokens are estimated as
characters / 4; no tokenizer is loaded.

| per assessment | value |
|---|---|
| model calls (mean / max) | {r["calls_mean"]:.1f} / {r["calls_max"]} |
| estimated prompt tokens (mean) | {r["prompt_tokens_mean"]:.0f} |
| estimated completion tokens (mean) | {r["completion_tokens_mean"]:.0f} |
| offline latency p50 / p95 | {r["offline_p50"]:.1f} ms / {r["offline_p95"]:.1f} ms |
| LLM-mode latency p50 / p95 | {r["llm_p50"]:.1f} ms / {r["llm_p95"]:.1f} ms |
| added latency p50 / p95 | {added50:.1f} ms / {added95:.1f} ms |
| same approach as offline | {r["same_approach"]}/{r["scenarios"]} |
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--file", type=Path, default=DEV_FILE)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="Append the results to BENCHMARKS.md.")
    args = parser.parse_args()
    text = report(run(args.file, args.reps), ".venv/bin/python bench/bench_llm.py --reps " + str(args.reps))
    print(text)
    if args.write:
        with (ROOT / "BENCHMARKS.md").open("a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
