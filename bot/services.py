"""Builds the advisor's parts from settings; the CLI and the adapters share this wiring."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.advisor.conversation import Advisor
from bot.advisor.engine import Recommendation
from bot.advisor.intake import Intake
from bot.config import Settings
from bot.resources import knowledge_dir
from bot.retrieval import KnowledgeIndex
from bot.store import Store

if TYPE_CHECKING:
    from bot.llm import LlmClient


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
        return Advisor(self.store, enrich=self._enrich, llm=self.llm)

    @cached_property
    def llm(self) -> LlmClient | None:
        """The optional model client (None, i.e. offline, unless a key, base URL or Azure settings are given)."""
        if not self.settings.llm_enabled:
            return None
        from bot.llm import LlmClient

        return LlmClient.from_settings(self.settings)

    @cached_property
    def knowledge(self) -> KnowledgeIndex:
        """The knowledge index (shipped knowledge/ plus ADVISOR_KNOWLEDGE_DIRS), refreshed on first use."""
        roots = [knowledge_dir(), *self.settings.extra_knowledge_dirs]
        index = KnowledgeIndex(self.settings.advisor_data_dir / "knowledge.db", roots)
        index.ensure_fresh()
        return index

    def _enrich(self, rec: Recommendation, intake: Intake) -> Recommendation:
        # Late-bound so building the advisor does not open the index until a recommendation needs it.
        return self.knowledge.enrich(rec, intake)
