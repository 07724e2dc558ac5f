"""Fixtures: the Teams agent in-process behind aiohttp, replying to a local Bot Connector emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services import Services
from bot.teams.serve import build
from tests.teams.harness import AgentServer, Connector, Teams, User

LEAD = User("aad-lead-0001", "Lee Lead")


def teams_services(data_dir: Path, **settings: object) -> Services:
    """Services with their own data directory (module-scoped servers outlive the per-test environment)."""
    return Services(Settings(advisor_data_dir=data_dir, **settings))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def connector() -> Iterator[Connector]:
    emu = Connector().start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    return teams_services(tmp_path_factory.mktemp("teams"), advisor_teams_anonymous=True, advisor_teams_leads=LEAD.aad)


@pytest.fixture(scope="module")
def agent(services: Services) -> Iterator[AgentServer]:
    server = AgentServer(build(services)).start()
    yield server
    server.stop()


@pytest.fixture
def teams(agent: AgentServer, connector: Connector) -> Teams:
    return Teams(agent.url, connector)
