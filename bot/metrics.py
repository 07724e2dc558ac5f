"""Prometheus metrics, served at `GET /metrics` by `serve` and `serve-teams` (and on `--health-port`).

Counters and the ack histogram are updated where things happen; the queue gauges (replies to post, turns to
answer, and how long the oldest has waited) are read from the database when scraped, so every replica reports
what is really waiting. Metric values never carry user text, ids or secrets: labels are small fixed sets.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.storage.inbox import Inbox
    from bot.storage.outbox import Outbox

REGISTRY = CollectorRegistry()
CONTENT_TYPE = CONTENT_TYPE_LATEST

PLATFORMS = ("slack", "teams")  # whose replies the outbox holds

EVENTS_RECEIVED = Counter(
    "advisor_events_received", "Signed platform requests taken in (events, commands, actions).", ["platform"]
)
EVENTS_ACKED = Counter("advisor_events_acked", "Requests acknowledged to the platform, by HTTP status.", ["status"])
EVENTS_DEDUPED = Counter("advisor_events_deduped", "Redeliveries and replays recognised and ignored.", ["platform"])
ACK_SECONDS = Histogram(
    "advisor_ack_seconds",
    "Time from a request's arrival to its acknowledgement, by mode: http (Slack's HTTP mode, Teams) or socket "
    "(Slack's Socket Mode: the envelope's arrival to the acknowledgement sent on the WebSocket).",
    ["mode"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0),
)
TURNS = Counter("advisor_turns", "User turns answered, by platform and outcome.", ["platform", "outcome"])
DELIVERIES = Counter(
    "advisor_deliveries", "Outbox delivery attempts by outcome (sent, updated, found, retry, dead).", ["outcome"]
)
LLM_CALLS = Counter("advisor_llm_calls", "Model calls, by outcome (ok, error).", ["outcome"])
LLM_FALLBACKS = Counter(
    "advisor_llm_fallbacks",
    "Times the offline path was used instead of the model (unavailable, rejected output).",
    ["reason"],
)
LLM_TOKENS = Counter("advisor_llm_tokens", "Estimated model tokens, by direction (prompt, completion).", ["direction"])
CHARTS = Counter(
    "advisor_charts", "Cost charts rendered, by source (drawn, or cached: the same numbers drawn recently).", ["source"]
)

for _metric in (
    EVENTS_RECEIVED,
    EVENTS_ACKED,
    EVENTS_DEDUPED,
    ACK_SECONDS,
    TURNS,
    DELIVERIES,
    LLM_CALLS,
    LLM_FALLBACKS,
    LLM_TOKENS,
    CHARTS,
):
    REGISTRY.register(_metric)


class QueueCollector(Collector):
    """The outbox and inbox as gauges, read at scrape time."""

    def __init__(self, outbox: Outbox, inbox: Inbox) -> None:
        self.outbox = outbox
        self.inbox = inbox

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "advisor_outbox_messages", "Outbox messages by platform and state.", labels=["platform", "state"]
        )
        counts = self.outbox.counts_by_platform()
        for platform in PLATFORMS:  # every platform's pending series exists, so an alert on it never goes stale
            counts.setdefault((platform, "pending"), 0)
        for (platform, state), count in sorted(counts.items()):
            depth.add_metric([platform, state], count)
        yield depth
        age = GaugeMetricFamily(
            "advisor_outbox_oldest_age_seconds",
            "Age of the oldest message not posted yet, by platform (0 when none is waiting).",
            labels=["platform"],
        )
        now = time.time()
        for platform in PLATFORMS:
            oldest = self.outbox.oldest_unsent(platform)
            age.add_metric([platform], max(0.0, now - oldest) if oldest is not None else 0.0)
        yield age
        yield GaugeMetricFamily(
            "advisor_inbox_turns", "User turns received and not answered yet.", value=self.inbox.waiting()
        )


_queues: QueueCollector | None = None


def watch_queues(outbox: Outbox, inbox: Inbox) -> None:
    """Report these queues' depth and age at `/metrics` (once per process; a later call replaces the first)."""
    global _queues
    if _queues is not None:
        REGISTRY.unregister(_queues)
    _queues = QueueCollector(outbox, inbox)
    REGISTRY.register(_queues)


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    return generate_latest(REGISTRY)


def observe_ack(started: float, status: int, *, mode: str = "http") -> None:
    """Count one acknowledgement and its latency (`started` from time.monotonic()); `mode` is "http" or "socket"."""
    EVENTS_ACKED.labels(str(status)).inc()
    ACK_SECONDS.labels(mode).observe(time.monotonic() - started)


def count_tokens(prompt: int, completion: int) -> None:
    """Add estimated model tokens."""
    if prompt:
        LLM_TOKENS.labels("prompt").inc(prompt)
    if completion:
        LLM_TOKENS.labels("completion").inc(completion)
