"""The Teams adapter's entry points, imported when first called.

A test module of the fast set names these instead of importing `bot.teams.serve` / `bot.teams.auth` at its top:
both xdist workers collect every module, and only the worker that runs the `teams` group (tests/teams/conftest.py)
should pay for importing the Agents SDK and aiohttp (about a second).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from bot.config import Settings
    from bot.services import Services
    from bot.teams.auth import TeamsAuth


def build(services: Services) -> web.Application:
    """`bot.teams.serve.build`: the agent's aiohttp application over `services`."""
    from bot.teams.serve import build as build_app

    return build_app(services)


def teams_auth(settings: Settings) -> TeamsAuth:
    """`bot.teams.auth.teams_auth`: the SDK's authentication configuration from the settings."""
    from bot.teams.auth import teams_auth as auth_of

    return auth_of(settings)
