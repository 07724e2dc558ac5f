"""The leads' workflow, platform-neutral: who is a lead, summaries, digests and decisions with an audit trail.

Adapters supply what only the platform knows: the members of a lead group, and whether a viewer may see a
channel (membership, looked up through the platform's API).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from bot.errors import InputError, PermissionDeniedError
from bot.storage.store import Conversation, Store, ago
from bot.workflows.digest import Digest, Period, build_digest
from bot.workflows.summary import STATUS_LABELS, ThreadSummary, build_summary

if TYPE_CHECKING:
    from bot.llm.client import LlmClient

STATUSES = tuple(STATUS_LABELS)
MAX_NOTE = 500
NOT_A_LEAD = "Only leads can do that. Ask an admin to add you to the advisor's leads (ADVISOR_LEADS or a leads group)."


class Leads:
    """Access rules and actions for leads; one instance per platform adapter."""

    def __init__(
        self,
        store: Store,
        *,
        lead_ids: Iterable[str] = (),
        group_members: Callable[[], Iterable[str]] | None = None,
        llm: LlmClient | None = None,
    ) -> None:
        self.store = store
        self.lead_ids = frozenset(lead_ids)
        self.group_members = group_members
        self.llm = llm

    def is_lead(self, user: str) -> bool:
        """True for configured lead IDs and members of the configured lead group."""
        if user in self.lead_ids:
            return True
        return self.group_members is not None and user in set(self.group_members())

    def require_lead(self, user: str) -> None:
        """PermissionDeniedError unless `user` is a lead."""
        if not self.is_lead(user):
            raise PermissionDeniedError(NOT_A_LEAD)

    def conversation(self, conversation_id: str, *, platform: str, team: str) -> Conversation:
        """A stored conversation that belongs to this platform and team (forged ids are refused)."""
        conv = self.store.get_conversation(conversation_id)
        if conv.platform != platform or conv.team != team:
            raise PermissionDeniedError("That assessment belongs to another workspace or tenant.")
        return conv

    def summary(
        self, conversation_id: str, *, requester_name: str | None = None, viewer: str | None = None
    ) -> ThreadSummary:
        """The summary of one assessment (anyone in its thread may ask for it).

        Each summary is audited with who asked, how it was worded and the templates (name: sha256) it used.
        """
        summary = build_summary(self.store, conversation_id, llm=self.llm, requester_name=requester_name)
        self.store.add_audit(
            conversation_id,
            viewer or "",
            "summary",
            summary.wording,
            note=json.dumps(summary.templates, sort_keys=True),
        )
        return summary

    def decide(
        self, conversation_id: str, user: str, status: str, note: str = "", *, platform: str, team: str
    ) -> dict[str, Any]:
        """Record a lead's decision and its audit entry; refuses non-leads, unknown statuses and forged ids."""
        self.require_lead(user)
        if status not in STATUSES:
            raise InputError(f"{status!r} is not a decision: use one of {', '.join(STATUSES)}.")
        conv = self.conversation(conversation_id, platform=platform, team=team)
        if self.store.latest_recommendation(conv.id) is None:
            raise InputError("There is no recommendation to decide on yet.")
        note = " ".join((note or "").split())
        if len(note) > MAX_NOTE:
            raise InputError(f"A note can be at most {MAX_NOTE} characters.")
        return self.store.record_decision(conv.id, user, status, note)

    def digest(
        self,
        user: str,
        *,
        platform: str,
        team: str,
        period: Period,
        can_see: Callable[[str], bool],
        channel: str | None = None,
    ) -> Digest:
        """A lead's digest over the channels they can see; a named channel they can't see is refused."""
        self.require_lead(user)
        if channel is not None and not can_see(channel):
            raise PermissionDeniedError("You can only get a digest of channels you are a member of.")
        return build_digest(
            self.store, platform=platform, team=team, period=period, can_see=can_see, channel=channel, llm=self.llm
        )


def retention_cutoff(days: int, *, now: dt.datetime | None = None) -> str:
    """The ISO timestamp before which conversations are purged under a retention of `days`."""
    if days < 1:
        raise InputError("Retention must be at least 1 day.")
    return ago(days, at=now)
