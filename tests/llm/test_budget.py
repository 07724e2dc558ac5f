"""The daily model-call budget, counted in the store so it holds across restarts and processes."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.advisor.report import text_card
from bot.cli import main
from bot.config import Settings
from bot.errors import InputError
from bot.llm.client import DailyBudget, LlmClient
from bot.services import Services
from bot.storage.store import Store
from bot.workflows.conversation import Advisor
from tests.conftest import TODAY
from tests.llm.fake_openai import FakeOpenAI
from tests.llm.test_llm_http import FINANCE

DAY = "2026-11-27"


def test_store_counts_calls_and_tokens_per_day(fresh_store: Store) -> None:
    assert fresh_store.llm_calls(DAY) == {"calls": 0, "tokens": 0}
    assert [fresh_store.take_llm_call(DAY, 2) for _ in range(3)] == [True, True, False]
    fresh_store.add_llm_tokens(DAY, 120)
    fresh_store.add_llm_tokens(DAY, 30)
    assert fresh_store.llm_calls(DAY) == {"calls": 2, "tokens": 150}
    assert fresh_store.take_llm_call("2026-11-28", 2)  # a new UTC day starts from zero
    assert fresh_store.llm_calls("2026-11-28") == {"calls": 1, "tokens": 0}
    assert not fresh_store.take_llm_call("2026-11-29", 0)  # a zero budget allows nothing
    assert fresh_store.llm_calls("2026-11-29") == {"calls": 0, "tokens": 0}


def test_taking_is_atomic_across_connections(tmp_path: Path) -> None:
    stores = [Store(tmp_path / "shared.db"), Store(tmp_path / "shared.db")]
    taken: list[bool] = []

    def worker(store: Store) -> None:
        for _ in range(15):
            taken.append(store.take_llm_call(DAY, 40))

    threads = [threading.Thread(target=worker, args=(stores[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert taken.count(True) == 40 and len(taken) == 60
    assert stores[0].llm_calls(DAY)["calls"] == 40
    for store in stores:
        store.close()


def test_budget_rolls_over_at_the_utc_day(fresh_store: Store) -> None:
    today = [dt.date(2026, 11, 27)]
    budget = DailyBudget(1, today=lambda: today[0], store=fresh_store)
    assert budget.take() and not budget.take()
    budget.add_tokens(10)
    assert budget.used() == {"calls": 1, "tokens": 10}
    today[0] = dt.date(2026, 11, 28)
    assert budget.used() == {"calls": 0, "tokens": 0}
    assert budget.take()
    assert fresh_store.llm_calls("2026-11-27") == {"calls": 1, "tokens": 10}


def test_in_memory_budget_without_a_store() -> None:
    budget = DailyBudget(2)
    assert [budget.take() for _ in range(3)] == [True, True, False]
    budget.add_tokens(7)
    assert budget.used() == {"calls": 2, "tokens": 7}


@pytest.mark.slow
def test_budget_survives_a_new_client_and_store(fake: FakeOpenAI, tmp_path: Path) -> None:
    settings = Settings(openai_base_url=fake.base_url, advisor_llm_daily_calls=3, advisor_data_dir=tmp_path)
    first = Services(settings)
    assert first.llm is not None and first.llm.budget.store is first.store
    first.llm.budget.today = lambda: TODAY
    with first.llm.turn():
        assert first.llm.word_knowledge_answer("q", ["p"], fallback="offline").wording == "llm"
    with first.llm.turn():
        assert first.llm.word_knowledge_answer("q", ["p"], fallback="offline").wording == "llm"
    first.store.close()

    second = Services(settings)  # a restart: new store connection, new client
    assert second.llm is not None
    second.llm.budget.today = lambda: TODAY
    today = TODAY.isoformat()
    assert second.store.llm_calls(today)["calls"] == 2
    advisor = Advisor(second.store, today=TODAY, llm=second.llm)
    rec, _, _ = advisor.assess(FINANCE)  # extraction takes the last call; the verdict finds the budget spent
    assert len(fake.requests) == 3
    assert rec.wording == "offline" and rec.llm_usage["calls"] == 1
    assert "(wording produced offline)" in text_card(rec)
    used = second.store.llm_calls(today)
    assert used["calls"] == 3 and used["tokens"] > 0
    second.store.close()


@pytest.mark.slow
def test_cli_budget_spent_across_runs_answers_offline(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("ADVISOR_LLM_DAILY_CALLS", "2")
    fake.script({"tool": {}}, {"content": "Prompt engineering fits: 40 reports a month."})
    first = CliRunner().invoke(main, ["assess", "--json", FINANCE])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["wording"] == "llm"
    second = CliRunner().invoke(main, ["assess", FINANCE])  # a new process's worth of services, same database
    assert second.exit_code == 0, second.output
    assert "(wording produced offline)" in second.output
    assert len(fake.requests) == 2


def test_bad_redaction_setting_is_a_clear_error(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("ADVISOR_LLM_REDACT", "email,shoe_size")
    result = CliRunner().invoke(main, ["assess", FINANCE])
    assert result.exit_code == 1
    assert "ADVISOR_LLM_REDACT" in result.output and "shoe_size" in result.output
    assert "Traceback" not in result.output and fake.requests == []
    with pytest.raises(InputError, match="ADVISOR_LLM_REDACT"):
        LlmClient.from_settings(Settings(openai_base_url=fake.base_url, advisor_llm_redact="bogus"))


@pytest.mark.slow
def test_doctor_shows_todays_model_calls_and_a_spent_budget(fake: FakeOpenAI, tmp_path: Path) -> None:
    from bot.doctor import check_llm

    settings = Settings(openai_base_url=fake.base_url, advisor_llm_daily_calls=3, advisor_data_dir=tmp_path)
    services = Services(settings)
    assert services.llm is not None
    services.llm.budget.today = lambda: TODAY
    with services.llm.turn():
        services.llm.word_knowledge_answer("q", ["p"], fallback="offline")
    tokens = services.store.llm_calls(TODAY.isoformat())["tokens"]
    check = check_llm(services)
    assert check.ok and not check.warn
    assert f"today (UTC): 1 of 3 model calls, ~{tokens:,} tokens" in check.detail
    for _ in range(2):
        with services.llm.turn():
            services.llm.word_knowledge_answer("q", ["p"], fallback="offline")
    spent = check_llm(services)
    assert spent.ok and spent.warn and "3 of 3 model calls" in spent.detail and "answers offline" in spent.detail
    services.store.close()
