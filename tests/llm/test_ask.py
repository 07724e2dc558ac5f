"""Knowledge answers in prose (`ai-advisor ask`, `/ai-advisor ask`) against the local OpenAI-compatible server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.knowledge import query
from bot.knowledge.ask import ask
from bot.knowledge.query import KnowledgeIndex
from bot.llm.templates import load_all
from bot.services import Services
from bot.slack import messages as msg
from bot.slack.listeners.commands import ask_reply
from tests.llm.fake_openai import FakeOpenAI

QUESTION = "How much data does fine-tuning need?"
GROUNDED = "Fine-tuning usually needs 10,000 or more clean, labeled examples [1]."


@pytest.fixture(scope="module")
def index(shipped_index: KnowledgeIndex) -> KnowledgeIndex:
    return shipped_index


def _services(index: KnowledgeIndex, base_url: str | None) -> Services:
    svc = Services(Settings(openai_base_url=base_url))
    svc.knowledge = index  # the module's index instead of re-indexing per test
    return svc


def _cli(svc: Services, *args: str) -> Any:
    result = CliRunner().invoke(main, ["ask", *args], obj=svc)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_grounded_answer_is_used_with_numbered_sources(fake: FakeOpenAI, index: KnowledgeIndex) -> None:
    svc = _services(index, fake.base_url)
    top = index.search(QUESTION, 1)[0].source
    fake.script({"content": GROUNDED}, {"content": GROUNDED})
    out = json.loads(_cli(svc, "--json", QUESTION).output)
    assert out["wording"] == "llm" and out["answer"] == GROUNDED
    assert out["templates"] == {"knowledge_answer": load_all()["knowledge_answer"].sha256}
    assert out["llm_usage"]["calls"] == 1 and out["llm_usage"]["prompt_tokens_est"] > 50
    assert out["citations"][0]["source"] == top and out["citations"][0]["quote"]
    sent = fake.bodies()[0]["messages"][1]["content"]
    assert f"<question>\n{QUESTION}\n</question>" in sent
    assert f"[1] {top} § " in sent and "10,000" in sent  # the passages the answer must rest on
    text = _cli(svc, QUESTION).output
    assert text.startswith(GROUNDED) and f"  [1] {top} § " in text
    assert "written by the model from these sources only" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "reply",
    [
        {"content": "Fine-tuning needs exactly 25,000 labeled examples [1]."},  # a number not in the passages
        {"content": "Fine-tuning needs lots of labeled examples [9]."},  # cites a passage it was not given
        {"status": 500},
    ],
)
def test_unusable_answers_fall_back_to_quoted_passages(
    fake: FakeOpenAI, index: KnowledgeIndex, reply: dict[str, Any]
) -> None:
    svc = _services(index, fake.base_url)
    offline, citations = query.answer(QUESTION, index)
    fake.script(reply, reply)
    out = json.loads(_cli(svc, "--json", QUESTION).output)
    assert out["wording"] == "offline" and out["answer"] == offline
    assert [c["source"] for c in out["citations"]] == [c.source for c in citations]
    assert set(out["templates"]) == {"knowledge_answer"}  # the attempt stays on the audit trail
    text = _cli(svc, QUESTION).output
    assert text.startswith(offline) and f"  - {citations[0].source} § " in text
    assert "wording produced offline" in text
    assert len(fake.requests) == 2  # one call per question, no retries by default


def test_without_a_model_nothing_is_sent(fake: FakeOpenAI, index: KnowledgeIndex) -> None:
    found = ask(QUESTION, index, None)
    assert found.wording == "offline" and found.templates == {} and found.citations
    out = json.loads(_cli(_services(index, None), "--json", QUESTION).output)
    assert out["wording"] == "offline" and out["templates"] == {} and out["llm_usage"] == {}
    assert fake.requests == []


@pytest.mark.slow
def test_nothing_found_makes_no_model_call(fake: FakeOpenAI, index: KnowledgeIndex) -> None:
    svc = _services(index, fake.base_url)
    assert svc.llm is not None
    found = ask("zzqxv blorptastic", index, svc.llm)
    assert found.citations == [] and "nothing" in found.text and found.wording == "offline"
    assert fake.requests == []


def _context(reply: dict[str, Any]) -> str:
    return json.dumps([b for b in reply["blocks"] if b["type"] == "context"])


@pytest.mark.slow
def test_slack_ask_reply_in_prose_and_offline(fake: FakeOpenAI, index: KnowledgeIndex) -> None:
    svc = _services(index, fake.base_url)
    offline, citations = query.answer(QUESTION, index)
    fake.script({"content": GROUNDED}, {"status": 500})
    prose = ask_reply(svc, QUESTION)
    assert prose["text"] == GROUNDED and prose["response_type"] == "ephemeral"
    assert f"[1] {citations[0].source}" in _context(prose) and msg.ASK_BY_MODEL in _context(prose)
    fallback = ask_reply(svc, QUESTION)
    assert fallback["text"] == offline
    assert msg.ASK_OFFLINE in _context(fallback) and "[1]" not in _context(fallback)
    plain = ask_reply(_services(index, None), QUESTION)
    assert "Sources:" in _context(plain) and msg.ASK_OFFLINE not in _context(plain)
    assert len(fake.requests) == 2
