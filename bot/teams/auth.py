"""Authentication for the Teams endpoint: the SDK's connection manager and JWT settings, built from Settings.

With credentials, incoming requests must carry a token signed by the Bot Framework / Entra ID for this bot
(checked by the SDK's `jwt_authorization_middleware`: signature, audience and, unless turned off, issuer) and
replies are sent with a token from MSAL. Every `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*` setting is passed
to the SDK as it is (certificate or managed-identity auth, ISSUERS, ...). Anonymous mode (no token needed either
way) exists for local testing and is only on when explicitly enabled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ConnectionManager,
    Connections,
    OutboundHostValidator,
)

from bot.config import Settings
from bot.errors import InputError
from bot.teams import messages as msg

log = logging.getLogger(__name__)

SETTINGS_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


@dataclass(frozen=True)
class TeamsAuth:
    """The connection manager (outgoing tokens), the configuration the JWT middleware checks against, and
    which service URLs replies may go to."""

    connections: Connections
    configuration: AgentAuthConfiguration
    anonymous: bool
    hosts: OutboundHostValidator


def teams_auth(settings: Settings) -> TeamsAuth:
    """Authentication from the settings; InputError when there are no credentials and anonymous mode is off."""
    env = settings.teams_connection
    anonymous = settings.advisor_teams_anonymous
    if settings.teams_missing:
        raise InputError(msg.AUTH_INCOMPLETE.format(missing=", ".join(settings.teams_missing)))
    if env:
        # The SDK accepts any issuer unless told to check; the advisor checks unless told not to.
        env = {SETTINGS_PREFIX + "VALIDATE_ISSUER": "true", **env}
        if anonymous:
            env[SETTINGS_PREFIX + "ANONYMOUS_ALLOWED"] = "true"
        try:
            connections: Connections = MsalConnectionManager(**load_configuration_from_env(env))
        except ValueError as exc:  # e.g. certificate auth without CERTPFXFILE: the SDK's message names the setting
            raise InputError(msg.AUTH_INVALID.format(error=exc)) from None
    elif anonymous:
        # No app registration at all: nothing to sign replies with, so outgoing calls carry no token either.
        connections = ConnectionManager(
            provider_factory=lambda _: AnonymousTokenProvider(),
            connections_configurations={"SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)},
        )
    else:
        raise InputError(msg.AUTH_MISSING)
    configuration = connections.get_default_connection_configuration()
    if configuration.ANONYMOUS_ALLOWED:
        log.warning(msg.ANONYMOUS_WARNING)
    anonymous = bool(configuration.ANONYMOUS_ALLOWED)
    # With real tokens, replies (which carry the bot's token) only go to Microsoft's https service hosts; the
    # Playground's http://localhost service URL needs anonymous mode.
    return TeamsAuth(connections, configuration, anonymous, OutboundHostValidator(enabled=not anonymous))
