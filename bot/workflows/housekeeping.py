"""Housekeeping while serving: delete what only had to be kept for a while, so no table grows forever.

`ai-advisor serve` and `ai-advisor serve-teams` sweep at start-up and then every hour, whatever the settings:
- dedupe keys (`processed_events`) older than DEDUPE_DAYS;
- outbox messages sent or given up more than FINISHED_DAYS ago (messages still to be delivered are never deleted);
- with ADVISOR_RETENTION_DAYS set, conversations not updated for that long (`apply_retention`);
- expired shared links (`shared_links`: Teams' chart images and record downloads).
The inbox needs nothing: a turn leaves it in the transaction that queues its replies.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.storage.links import SharedLinks
from bot.storage.store import ago
from bot.workflows.leads import retention_cutoff

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.outbox import Outbox
    from bot.storage.store import Store

log = logging.getLogger(__name__)

DEDUPE_DAYS = 7.0
"""How long a dedupe key is kept. A key only has to outlive redeliveries of what it marks: Slack retries an event
three times over about six minutes, a Slack request signed more than five minutes ago is refused (so a replayed
trigger_id or event is too old to pass anyway), and Teams redelivers an activity within minutes. A week is far
beyond both. The once-per-question-message answer keys last as long: a week-old question's buttons (in Slack they
are replaced by the answer once clicked) count as a new answer after that."""
FINISHED_DAYS = 7.0
"""How long sent and given-up outbox messages are kept (their payload is dropped once sent): `ai-advisor doctor`
and whoever looks into a delivery problem see the last week."""
INTERVAL = 3600.0  # seconds between sweeps


class Parts(Protocol):
    """What a sweep works on (`bot.services.Services` has these; housekeeping does not import the composition)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def outbox(self) -> Outbox: ...


@dataclass(frozen=True)
class Swept:
    """How many rows one sweep deleted."""

    dedupe_keys: int = 0
    deliveries: int = 0
    conversations: int = 0
    links: int = 0


def apply_retention(store: Store, settings: Settings) -> int:
    """Purge conversations older than ADVISOR_RETENTION_DAYS (if set); returns how many were deleted."""
    days = settings.advisor_retention_days
    if days is None:
        return 0
    return store.purge(retention_cutoff(days), keep_counts=settings.advisor_purge_keep_counts)


def sweep(services: Parts) -> Swept:
    """Delete old dedupe keys and finished deliveries, and apply the retention (if set). A part that fails is
    logged and skipped; the others still run (the next sweep retries it)."""
    counts: dict[str, int] = {}
    parts = {
        "dedupe_keys": lambda: services.store.forget_processed(ago(DEDUPE_DAYS)),
        "deliveries": lambda: services.outbox.prune(FINISHED_DAYS),
        "conversations": lambda: apply_retention(services.store, services.settings),
        "links": lambda: SharedLinks(services.store).prune(),
    }
    for name, part in parts.items():
        try:
            counts[name] = part()
        except Exception:  # keep the schedule alive
            log.exception("housekeeping: deleting old %s failed", name.replace("_", " "))
    swept = Swept(**counts)
    if any(counts.values()):
        log.info(
            "housekeeping: deleted %d dedupe keys, %d finished deliveries, %d conversations (retention), "
            "%d expired links",
            swept.dedupe_keys,
            swept.deliveries,
            swept.conversations,
            swept.links,
            extra={"event": "housekeeping"},
        )
    return swept


class Housekeeper:
    """A daemon thread that sweeps at once and then every `every` seconds until stopped."""

    def __init__(self, services: Parts, every: float = INTERVAL) -> None:
        self.services = services
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Housekeeper:
        """Start sweeping in the background (the first sweep runs now)."""
        self._thread = threading.Thread(target=self._run, name="advisor-housekeeping", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            sweep(self.services)
            self._stop.wait(self.every)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the sweep in progress, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
