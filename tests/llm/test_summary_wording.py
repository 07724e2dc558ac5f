"""Thread summaries and digest headlines (`LlmClient.summarize`, `LlmClient.headline`) over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.llm.client import LlmClient
from bot.llm.templates import load_all
from bot.workflows.conversation import Advisor
from tests.llm.fake_openai import FakeOpenAI
from tests.llm.test_llm_http import FINANCE

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

PERIOD = "2026-11-23 to 2026-11-29"
STATS: dict[str, Any] = {
    "recommendations": 12,
    "approaches": {"prompt_engineering": 7, "fine_tuning": 3, "hybrid": 2},
    "since": dt.date(2026, 11, 23),
}


def test_grounded_summary_is_used(fake: FakeOpenAI, llm: LlmClient, offline_advisor: Advisor) -> None:
    rec, intake, _ = offline_advisor.assess(FINANCE)
    prose = (
        "Finance wants draft variance commentary for about 40 reports a month, live in 4 weeks, with no ML "
        "staff. The advisor recommended prompt engineering."
    )
    fake.script({"content": prose})
    written = llm.summarize(intake, rec, fallback="offline summary")  # works outside a turn too
    assert written.wording == "llm" and written.text == prose
    assert written.templates == {"summary": load_all()["summary"].sha256}
    sent = fake.bodies()[0]["messages"][1]["content"]
    facts = sent[sent.index("<facts>") : sent.index("</facts>")]
    assert "Requests per month: 40" in facts and "Use case: The controllers in our finance group" in facts
    assert "Approach: Prompt engineering" in sent


@pytest.mark.parametrize(
    "reply",
    [
        {"content": "Finance wants commentary for 400 reports a month; the advisor recommended prompt engineering."},
        {"content": "Finance has 40 reports a month, so the advisor recommended fine-tuning."},  # not the decided one
        {"content": "The advisor recommended prompt engineering. " + "Details follow. " * 80},  # too long
        {"status": 500},
    ],
)
def test_unusable_summary_falls_back(
    fake: FakeOpenAI, llm: LlmClient, offline_advisor: Advisor, reply: dict[str, Any]
) -> None:
    rec, intake, _ = offline_advisor.assess(FINANCE)
    fake.script(reply)
    with llm.turn():
        written = llm.summarize(intake, rec, fallback="offline summary")
    assert written.wording == "offline" and written.text == "offline summary"
    assert set(written.templates) == {"summary"}


def test_summary_before_any_recommendation(fake: FakeOpenAI, llm: LlmClient, offline_advisor: Advisor) -> None:
    _, intake, _ = offline_advisor.assess(FINANCE)
    fake.script({"content": "Finance wants commentary for 40 reports a month; no recommendation yet."})
    written = llm.summarize(intake, None, fallback="offline summary")
    assert written.wording == "llm"
    assert "Recommendation:\nnone yet" in fake.bodies()[0]["messages"][1]["content"]


def test_grounded_headline_is_used(fake: FakeOpenAI, llm: LlmClient) -> None:
    fake.script({"content": '"12 recommendations this week, 7 for prompt engineering"\n'})
    written = llm.headline(PERIOD, STATS, fallback="Digest: 12 recommendations")
    assert written.wording == "llm" and written.text == "12 recommendations this week, 7 for prompt engineering"
    assert written.templates == {"digest_headline": load_all()["digest_headline"].sha256}
    sent = fake.bodies()[0]["messages"][1]["content"]
    assert PERIOD in sent and '"recommendations": 12' in sent and '"since": "2026-11-23"' in sent


@pytest.mark.parametrize(
    "reply",
    [
        {"content": "15 recommendations this week, most for prompt engineering"},  # not in the statistics
        {"content": "Busy week\nMostly prompt engineering"},  # not one line
        {"content": "x" * 201},
        {"status": 429},
        {"garbage": True},
    ],
)
def test_unusable_headline_falls_back(fake: FakeOpenAI, llm: LlmClient, reply: dict[str, Any]) -> None:
    fake.script(reply)
    with llm.turn():
        written = llm.headline(PERIOD, STATS, fallback="Digest: 12 recommendations")
    assert written.wording == "offline" and written.text == "Digest: 12 recommendations"
    assert set(written.templates) == {"digest_headline"}
