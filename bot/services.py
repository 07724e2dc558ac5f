"""Builds the advisor's parts from settings; the CLI and the adapters share this wiring."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bot.advisor.conversation import Advisor
from bot.config import Settings
from bot.store import Store


@dataclass
class Services:
    """Lazily built, process-wide parts of the advisor."""

    settings: Settings

    @cached_property
    def store(self) -> Store:
        """The conversation database."""
        return Store(self.settings.db_path)

    @cached_property
    def advisor(self) -> Advisor:
        """The conversation core."""
        return Advisor(self.store)
