"""The writes of one user turn, collected while the turn is worked out and applied in one transaction at its end.

A turn reads what it needs as it goes, and may ask a model to word things (seconds); its writes (the conversation
row, turns, an intake version, a recommendation) wait here and are applied together, so a turn is stored whole or
not at all, and no write transaction is held open while a model answers.

Because nothing is written before `apply`, what the turn reads of its conversation (the latest intake, the number
of turns) cannot change during the turn (it runs under the conversation's lock): those reads are made once here
(none for a conversation the turn creates), and the conversation row's changes are written as one UPDATE.
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
        self._ops: list[tuple[Callable[[], None], bool]] = []  # (write, whether it must see the row changes first)
        self._columns: dict[str, dict[str, Any]] = {}  # conversation id → columns to set (later values win)
        self._unstored: set[str] = set()  # conversations created by the turn and not inserted yet
        self._intakes: dict[str, Intake] = {}
        self._turns: dict[str, int] = {}  # conversation id → turns stored (read once, counted on while applying)
        self.recommendation_id: int | None = None  # set by `apply` when the turn stored a recommendation
        self._intake_version: int | None = None  # the version `apply` stored, when the turn stored one

    # --- reads of the conversation as it was before the turn ---

    def latest_intake(self, conversation_id: str) -> Intake:
        """The conversation's newest stored intake (empty for one this turn creates), read once per turn."""
        if conversation_id not in self._intakes:
            self._intakes[conversation_id] = self.store.latest_intake(conversation_id)
        return self._intakes[conversation_id]

    def turn_count(self, conversation_id: str) -> int:
        """How many turns the conversation's stored transcript has (0 for one this turn creates)."""
        if conversation_id not in self._turns:
            self._turns[conversation_id] = self.store.turn_count(conversation_id)
        return self._turns[conversation_id]

    # --- writes ---

    def create(self, conversation: Conversation) -> None:
        """Store a new conversation (built with `Conversation.new`)."""
        self._intakes[conversation.id], self._turns[conversation.id] = Intake(), 0  # nothing of it is stored yet
        self._unstored.add(conversation.id)

        def insert() -> None:
            self.store.insert_conversation(conversation)
            self._unstored.discard(conversation.id)

        self._ops.append((insert, False))

    def archive(self, conversation_id: str) -> None:
        """Move a conversation off its platform key (see `Store.archive_conversation`)."""
        self._ops.append((lambda: self.store.archive_conversation(conversation_id), False))

    def add_turn(self, conversation_id: str, role: str, text: str) -> None:
        """Append a turn (user or bot) to the transcript."""

        def add() -> None:
            n = self._turns.get(conversation_id)
            self._turns[conversation_id] = self.store.add_turn(
                conversation_id, role, text, n=None if n is None else n + 1
            )

        self._ops.append((add, False))

    def update(self, conversation: Conversation, **values: Any) -> Conversation:
        """Change conversation columns; returns the conversation as it will be."""
        self._columns.setdefault(conversation.id, {}).update(values)
        return dataclasses.replace(conversation, **values)

    def save_intake(self, conversation: Conversation, intake: Intake, reason: str) -> tuple[Conversation, int]:
        """Store a new intake version; returns the conversation as it will be and the version's number (the store
        numbers it when applied; a recommendation stored after it in the turn refers to that number)."""
        version = conversation.version + 1

        def save() -> None:
            self._intake_version = self.store.save_intake(conversation.id, intake, reason, touch=False)
            self._columns.setdefault(conversation.id, {})["version"] = self._intake_version

        self._ops.append((save, False))
        return dataclasses.replace(conversation, version=version), version

    def save_recommendation(self, conversation_id: str, intake_version: int, rec: Recommendation) -> None:
        """Store a recommendation (its id is `recommendation_id` once applied)."""

        def save() -> None:
            version = self._intake_version or intake_version
            self.recommendation_id = self.store.save_recommendation(conversation_id, version, rec, touch=False)
            self._columns.setdefault(conversation_id, {}).update(state="recommended", approach=rec.approach)

        self._ops.append((save, False))

    def then(self, op: Callable[[], None]) -> None:
        """Run `op` in the same transaction, after the writes queued so far (e.g. an adapter queuing the replies)."""
        self._ops.append((op, True))

    def apply(self) -> None:
        """Apply every pending write in one transaction (all or none), then forget them."""
        ops, self._ops = self._ops, []
        if not ops and not self._columns:
            return
        with self.store.transaction():
            for op, after_row_changes in ops:
                if after_row_changes:
                    self._write_columns()
                op()
            self._write_columns()

    def _write_columns(self) -> None:
        """The conversation rows' pending changes, one UPDATE each (a row not inserted yet keeps its changes)."""
        for conversation_id in [c for c in self._columns if c not in self._unstored]:
            self.store.update_conversation(conversation_id, **self._columns.pop(conversation_id))
