"""Fixtures of the domain and conversation-core tests."""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from bot.workflows.conversation import Advisor
from tests.conftest import TODAY


@pytest.fixture
def topical(fresh_store: Store) -> Advisor:
    """An advisor whose topic answers are recognisable (the knowledge layer is tested on its own)."""
    return Advisor(fresh_store, today=TODAY, answer_topic=lambda q: f"[knowledge answer to: {q}]")
