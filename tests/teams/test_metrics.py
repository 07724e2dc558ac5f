"""`serve-teams` serves Prometheus metrics at GET /metrics without a token, and counts what it receives,
deduplicates and answers."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import REGISTRY
from tests.teams.harness import AgentServer, Chat, Teams, User

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

ROBIN = User("aad-robin-0009", "Robin")
FULL = (
    "We want an invoice field extractor; we have 60k clean labeled invoices, 3M requests a month, "
    "an ML team of 4, live in 5 months, budget $350k, not regulated, stable task"
)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_teams_messages_redeliveries_and_turns(agent: AgentServer, teams: Teams) -> None:
    received = value("advisor_events_received_total", platform="teams")
    deduped = value("advisor_events_deduped_total", platform="teams")
    cards = value("advisor_turns_total", platform="teams", outcome="recommendation")
    activity = teams.message(Chat.personal(), ROBIN, FULL)
    assert teams.post(activity)[0] in (200, 202)
    assert teams.post(activity)[0] in (200, 202)  # Teams resends a slow reply's activity: handled once
    assert value("advisor_events_received_total", platform="teams") == received + 2
    assert value("advisor_events_deduped_total", platform="teams") == deduped + 1
    assert value("advisor_turns_total", platform="teams", outcome="recommendation") == cards + 1

    with urllib.request.urlopen(agent.url + "/metrics", timeout=30) as response:  # no token needed
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        names = {f.name for f in text_string_to_metric_families(response.read().decode())}
    assert {"advisor_events_received", "advisor_turns", "advisor_ack_seconds"} <= names
