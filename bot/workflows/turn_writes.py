"""The writes of one user turn, collected while the turn is worked out and applied in one transaction at its end.

A turn reads what it needs as it goes, and may ask a model to word things (seconds); its writes (the conversation
row, turns, an intake version, a recommendation) wait here and are applied together, so a turn is stored whole or
not at all, and no write transaction is held open while a model answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from bot.advisor.engine import Recommendation
from bot.advisor.intake import Intake
from bot.storage.store import Conversation, Store


class TurnWrites:
    """Pending writes of one turn to `store`, applied in order by `apply` (in one transaction)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ops: list[Callable[[], None]] = []
        self.recommendation_id: int | None = None  # set by `apply` when the turn stored a recommendation
        self._intake_version: int | None = None  # the version `apply` stored, when the turn stored one

    def create(self, conversation: Conversation) -> None:
        """Store a new conversation (built with `Conversation.new`)."""
        self._ops.append(lambda: self.store.insert_conversation(conversation))

    def archive(self, conversation_id: str) -> None:
        """Move a conversation off its platform key (see `Store.archive_conversation`)."""
        self._ops.append(lambda: self.store.archive_conversation(conversation_id))

    def add_turn(self, conversation_id: str, role: str, text: str) -> None:
        """Append a turn (user or bot) to the transcript."""

        def add() -> None:
            self.store.add_turn(conversation_id, role, text)

        self._ops.append(add)

    def update(self, conversation: Conversation, **values: Any) -> Conversation:
        """Change conversation columns; returns the conversation as it will be."""
        self._ops.append(lambda: self.store.update_conversation(conversation.id, **values))
        return dataclasses.replace(conversation, **values)

    def save_intake(self, conversation: Conversation, intake: Intake, reason: str) -> tuple[Conversation, int]:
        """Store a new intake version; returns the conversation as it will be and the version's number (the store
        numbers it when applied; a recommendation stored after it in the turn refers to that number)."""
        version = conversation.version + 1

        def save() -> None:
            self._intake_version = self.store.save_intake(conversation.id, intake, reason)

        self._ops.append(save)
        return dataclasses.replace(conversation, version=version), version

    def save_recommendation(self, conversation_id: str, intake_version: int, rec: Recommendation) -> None:
        """Store a recommendation (its id is `recommendation_id` once applied)."""

        def save() -> None:
            version = self._intake_version or intake_version
            self.recommendation_id = self.store.save_recommendation(conversation_id, version, rec)

        self._ops.append(save)

    def then(self, op: Callable[[], None]) -> None:
        """Run `op` in the same transaction, after the writes queued so far (e.g. an adapter queuing the replies)."""
        self._ops.append(op)

    def apply(self) -> None:
        """Apply every pending write in one transaction (all or none), then forget them."""
        ops, self._ops = self._ops, []
        if not ops:
            return
        with self.store.transaction():
            for op in ops:
                op()
