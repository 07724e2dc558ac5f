"""Shared fixtures: every test runs with a clean environment and its own data directory."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.advisor.conversation import Advisor
from bot.store import Store

TODAY = dt.date(2026, 11, 27)  # a Friday; anchors "by Friday", "this quarter" in tests


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No real token is ever seen and nothing touches the user's data or .env file."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "OPENAI_", "ADVISOR_", "AZURE_OPENAI", "CONNECTIONS__")):
            monkeypatch.delenv(name, raising=False)
    data = tmp_path / "advisor-data"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    yield data


@pytest.fixture
def fresh_store() -> Iterator[Store]:
    """An in-memory store."""
    store = Store(":memory:")
    yield store
    store.close()


@pytest.fixture
def advisor(fresh_store: Store) -> Advisor:
    """An advisor over an in-memory store, with dates anchored to TODAY."""
    return Advisor(fresh_store, today=TODAY)
