"""Builds the advisor's parts from settings; the CLI and the adapters share this wiring.

Each part imports its modules when it is first built, so a command pays only for the parts it uses.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.config import Settings

# A description that reaches a card (and every step of the engine) without questions.
WARM_UP_TEXT = (
    "A support ticket classifier: 50k clean labeled tickets, 2M requests a month, an ML team of 5, "
    "live in 6 months, budget $300k, not regulated, the task is stable."
)

if TYPE_CHECKING:
    from bot.advisor.engine import Recommendation
    from bot.advisor.intake import Intake
    from bot.advisor.questions import Question
    from bot.advisor.tco import TcoAssumptions
    from bot.knowledge.evidence_cache import CachedEvidence
    from bot.knowledge.query import KnowledgeIndex
    from bot.llm.client import LlmClient
    from bot.storage.inbox import Inbox
    from bot.storage.outbox import Outbox
    from bot.storage.store import Store
    from bot.workflows.conversation import Advisor
    from bot.workflows.leads import Leads
    from bot.workflows.one_shot import Assessor


@dataclass
class Services:
    """Lazily built, process-wide parts of the advisor."""

    settings: Settings

    @cached_property
    def store(self) -> Store:
        """The conversation database."""
        from bot.storage.store import Store

        return Store(self.settings.database_target, synchronous=self.settings.advisor_db_synchronous)

    @cached_property
    def advisor(self) -> Advisor:
        """The conversation core."""
        from bot.workflows.conversation import Advisor

        return Advisor(
            self.store,
            enrich=self._enrich,
            llm=self.llm,
            answer_topic=self._answer_topic,
            assumptions=self.cost_assumptions,
        )

    @cached_property
    def cost_assumptions(self) -> TcoAssumptions | None:
        """The operator's cost assumptions (ADVISOR_TCO_CONFIG) for every card; None: the shipped defaults."""
        from bot.advisor import tco

        path = self.settings.advisor_tco_config
        return None if path is None else tco.load_assumptions(path)

    @cached_property
    def assessor(self) -> Assessor:
        """One-shot assessments (`ai-advisor assess`): the conversation core's card without its dialogue modules or
        the store (opened only for a model's daily budget)."""
        from bot.workflows.one_shot import Assessor

        return Assessor(enrich=self.cached_evidence.enrich, llm=self.llm, assumptions=self.cost_assumptions)

    @cached_property
    def outbox(self) -> Outbox:
        """Messages waiting to be posted (crash-safe delivery, bot/storage/outbox.py)."""
        from bot.storage.outbox import Outbox

        s = self.settings
        return Outbox(
            self.store,
            retry_base=s.advisor_outbox_retry_base,
            retry_max=s.advisor_outbox_retry_max,
            max_attempts=s.advisor_outbox_max_attempts,
        )

    @cached_property
    def inbox(self) -> Inbox:
        """User turns received but not answered yet (crash-safe intake, bot/storage/inbox.py)."""
        from bot.storage.inbox import Inbox

        return Inbox(self.store)

    @cached_property
    def llm(self) -> LlmClient | None:
        """The optional model client (None, i.e. offline, unless a key, base URL or Azure settings are given)."""
        if not self.settings.llm_enabled:
            return None
        from bot.llm.client import LlmClient

        return LlmClient.from_settings(self.settings, store=self.store)  # the daily budget is counted in the store

    @cached_property
    def knowledge(self) -> KnowledgeIndex:
        """The knowledge index (shipped knowledge/ plus ADVISOR_KNOWLEDGE_DIRS), refreshed on first use."""
        from bot.knowledge.query import KnowledgeIndex
        from bot.resources import knowledge_dir

        roots = [knowledge_dir(), *self.settings.extra_knowledge_dirs]
        index = KnowledgeIndex(self.settings.advisor_data_dir / "knowledge.db", roots)
        index.ensure_fresh()
        return index

    @cached_property
    def cached_evidence(self) -> CachedEvidence:
        """Citations and case studies kept in the index's database across processes, for one-shot commands: the
        knowledge index (and its search machinery) is opened only when a card's are not there yet."""
        from bot.knowledge.evidence_cache import CachedEvidence
        from bot.resources import knowledge_dir

        roots = [knowledge_dir(), *self.settings.extra_knowledge_dirs]
        return CachedEvidence(self.settings.advisor_data_dir / "knowledge.db", roots, lambda: self.knowledge)

    def leads(
        self, group_members: Callable[[], Iterable[str]] | None = None, lead_ids: Iterable[str] | None = None
    ) -> Leads:
        """The leads' workflow for one adapter (leads: ADVISOR_LEADS unless given, plus a platform group)."""
        from bot.workflows.leads import Leads

        ids = self.settings.lead_ids if lead_ids is None else lead_ids
        return Leads(self.store, lead_ids=ids, group_members=group_members, llm=self.llm)

    def warm_up(self) -> tuple[Recommendation, list[Question]]:
        """Before taking traffic, do what the first turns would otherwise do while acks wait: build the store and
        open (and refresh) the knowledge index, and run the reader, the engine, the cost model, citations and the
        question bank once on a sample. Offline (no model call) and nothing is stored. Returns the sample's card and
        question round, for an adapter to render once too."""
        from bot.advisor.extract import extract
        from bot.advisor.intake import Intake
        from bot.advisor.questions import next_questions
        from bot.workflows.one_shot import recommend

        _ = self.store, self.advisor, self.inbox, self.outbox
        found = extract(WARM_UP_TEXT, turn=1)
        intake = Intake().merged(found.facts)
        return recommend(intake, self.knowledge.enrich, None, self.cost_assumptions), next_questions(Intake())

    def _answer_topic(self, question: str) -> str:
        # A question about the topic in a conversation: the same knowledge answer as `ai-advisor ask`, with sources.
        from bot.knowledge.ask import ask

        found = ask(question, self.knowledge, self.llm)
        sources = [f"[{n}] {c.source} § {c.section}" for n, c in enumerate(found.citations, 1)]
        tail = "\n\nSources:\n" + "\n".join(sources) if sources and found.wording == "llm" else ""
        return found.text + tail

    def _enrich(self, rec: Recommendation, intake: Intake) -> Recommendation:
        # Late-bound so building the advisor does not open the index until a recommendation needs it.
        return self.knowledge.enrich(rec, intake)


def freeze_start_up_objects() -> None:
    """For a serving process, after its warm-up and before traffic: collect, then move every object alive now
    (modules, models, caches) out of the cyclic GC's reach (`gc.freeze`). Each later full collection then walks only
    what serving allocates: a few ms instead of ~150 ms (the 2-core machine, under load), a pause every thread
    (acks too) waits out. Frozen objects are never collected: not for a process that builds services repeatedly."""
    gc.collect()
    gc.freeze()
