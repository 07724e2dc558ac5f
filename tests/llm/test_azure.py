"""Azure OpenAI (`AzureChatOpenAI`) over real HTTP against the fake server's Azure URL shape."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from langchain_openai import AzureChatOpenAI
from pydantic import SecretStr

from bot.config import Settings
from bot.llm.client import LlmClient
from bot.storage.store import Store
from bot.workflows.conversation import Advisor
from tests.conftest import TODAY
from tests.llm.drafts import draft
from tests.llm.fake_openai import FakeOpenAI
from tests.llm.test_llm_http import FINANCE

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

KEY = "azure0123456789abcdef0123456789ab"


def test_azure_extraction_and_verdict_over_http(fake: FakeOpenAI) -> None:
    settings = Settings(
        azure_openai_endpoint=fake.azure_endpoint,
        azure_openai_api_key=SecretStr(KEY),
        azure_openai_deployment="advisor-4o",
        openai_api_version="2024-10-21",
        advisor_llm_timeout=2,
    )
    client = LlmClient.from_settings(settings)
    assert client is not None and isinstance(client.model, AzureChatOpenAI)
    narrative = "Prompt engineering fits: no ML staff, about 40 reports a month and 4 weeks to go."
    fake.script(
        {"tool": draft(needs=("deep_domain", "budget-versus-actual gaps in our monthly reports"))},
        {"content": narrative},
    )
    store = Store(":memory:")
    rec, intake, _ = Advisor(store, today=TODAY, llm=client).assess(FINANCE)
    store.close()
    assert rec.approach == "prompt_engineering" and rec.wording == "llm" and rec.verdict == narrative
    assert intake.provenance["needs"].source == "llm" and set(rec.templates) == {"extraction", "verdict"}
    assert len(fake.paths) == 2
    for path, headers in zip(fake.paths, fake.headers, strict=True):
        url = urlsplit(path)
        assert url.path == "/openai/deployments/advisor-4o/chat/completions"
        assert parse_qs(url.query)["api-version"] == ["2024-10-21"]
        assert headers.get("api-key") == KEY
    assert fake.bodies()[0]["tools"][0]["function"]["name"] == "IntakeDraft"


def test_azure_rejection_falls_back_offline(fake: FakeOpenAI) -> None:
    # A key the resource refuses (401) on every call: the advisor answers offline.
    fake.default = lambda body: {"status": 401}
    settings = Settings(
        azure_openai_endpoint=fake.azure_endpoint,
        azure_openai_api_key=SecretStr(KEY),
        azure_openai_deployment="advisor-4o",
    )
    client = LlmClient.from_settings(settings)
    assert client is not None
    store = Store(":memory:")
    rec, _, _ = Advisor(store, today=TODAY, llm=client).assess(FINANCE)
    offline, _, _ = Advisor(store, today=TODAY).assess(FINANCE)
    store.close()
    assert rec.wording == "offline" and rec.verdict == offline.verdict and rec.llm_usage["failures"] == 2
