"""The model's Prometheus counters over real HTTP to the fake OpenAI server: calls by outcome, estimated tokens,
and the offline fallbacks (the model unavailable, or its text rejected by the grounding checks)."""

from __future__ import annotations

import pytest

from bot.llm.client import LlmClient
from bot.metrics import REGISTRY
from tests.llm.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

PASSAGES = ["Fine-tuned models are usually re-tuned every quarter when the task drifts."]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def snapshot() -> dict[str, float]:
    return {
        "ok": value("advisor_llm_calls_total", outcome="ok"),
        "error": value("advisor_llm_calls_total", outcome="error"),
        "prompt": value("advisor_llm_tokens_total", direction="prompt"),
        "completion": value("advisor_llm_tokens_total", direction="completion"),
        "unavailable": value("advisor_llm_fallbacks_total", reason="unavailable"),
        "rejected": value("advisor_llm_fallbacks_total", reason="rejected"),
    }


def delta(before: dict[str, float]) -> dict[str, float]:
    return {k: v - before[k] for k, v in snapshot().items()}


def test_a_grounded_answer_counts_one_call_and_its_tokens(fake: FakeOpenAI, llm: LlmClient) -> None:
    fake.script({"content": "Usually every quarter, when the task drifts [1]."})
    before = snapshot()
    assert (
        llm.word_knowledge_answer("how often do tuned models get retrained?", PASSAGES, "offline answer").wording
        == "llm"
    )
    changed = delta(before)
    assert changed["ok"] == 1 and changed["error"] == 0
    assert changed["prompt"] > 0 and changed["completion"] > 0
    assert changed["unavailable"] == 0 and changed["rejected"] == 0


def test_a_failed_call_and_an_ungrounded_answer_fall_back_and_are_counted(fake: FakeOpenAI, llm: LlmClient) -> None:
    fake.script({"status": 500}, {"content": "Retrain every 7 weeks for $4,200 [1]."})
    before = snapshot()
    assert llm.word_knowledge_answer("how often?", PASSAGES, "offline answer").text == "offline answer"  # the 500
    assert (
        llm.word_knowledge_answer("how often?", PASSAGES, "offline answer").text == "offline answer"
    )  # numbers not in passages
    changed = delta(before)
    assert changed["error"] == 1 and changed["unavailable"] == 1
    assert changed["ok"] == 1 and changed["rejected"] == 1
