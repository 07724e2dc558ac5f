"""Fixtures for LLM mode: a local OpenAI-compatible server and an advisor pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.storage.store import Store
from bot.workflows.conversation import Advisor
from tests.conftest import TODAY
from tests.llm.fake_openai import FakeOpenAI

if TYPE_CHECKING:
    from bot.llm.client import LlmClient


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server."""
    server = FakeOpenAI()
    with server.running():
        yield server


@pytest.fixture
def llm(fake: FakeOpenAI) -> LlmClient:
    """A client for the fake server with a short timeout and a secret-looking key."""
    from bot.llm.client import LlmClient  # LangChain loads only in the tests that use a model

    settings = Settings(
        openai_base_url=fake.base_url,
        openai_api_key=SecretStr("sk-test-SECRETSECRETSECRET1234"),
        advisor_llm_timeout=0.5,
    )
    client = LlmClient.from_settings(settings)
    assert client is not None
    return client


@pytest.fixture
def llm_advisor(llm: LlmClient) -> Iterator[Advisor]:
    """An advisor over an in-memory store using the fake server."""
    store = Store(":memory:")
    yield Advisor(store, today=TODAY, llm=llm)
    store.close()


@pytest.fixture
def offline_advisor() -> Iterator[Advisor]:
    """The same advisor without a model."""
    store = Store(":memory:")
    yield Advisor(store, today=TODAY)
    store.close()
