"""OAuth mode's wiring: Bolt's install flow (`/slack/install`, `/slack/oauth_redirect`) over the project's database,
token rotation, and each outbox item's bot token.

On when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set (SLACK_STATE_SECRET is then required too). Each workspace
that installs the app, or an Enterprise Grid org installed org-wide, gets its own stored bot token; Bolt's
`InstallationStoreAuthorize` picks it for every request (refreshing a rotating token first), and the outbox worker
asks `WorkspaceClients` for the token of each message's workspace when it posts it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.errors import InputError
from bot.services import Services
from bot.slack.delivery import ClientFor
from bot.slack.installations import DatabaseInstallationStore, SignedStateStore, SingleFlightRotator, WorkspaceClients
from bot.slack.manifest import bot_scopes
from bot.storage.installations import Installations, OAuthStates
from bot.storage.outbox import OutboxItem

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


@dataclass(frozen=True)
class OAuthParts:
    """What the Bolt app needs in OAuth mode: its constructor arguments, and the outbox's clients."""

    bolt_arguments: dict[str, Any]
    clients: ClientFor


def scopes(services: Services) -> list[str]:
    """The bot scopes asked at install: SLACK_SCOPES, else the manifest's (of the least-privilege mode, if set)."""
    given = services.settings.slack_scopes
    if given:
        return [s.strip() for s in given.split(",") if s.strip()]
    return bot_scopes(least_privilege=services.settings.advisor_slack_least_privilege)


def oauth_parts(services: Services, client: WebClient, logger: logging.Logger) -> OAuthParts:
    """Bolt's OAuth settings and installation store over the database, and the outbox's per-workspace clients.
    `client` is the app's (tokenless) client: the code exchange and token refreshes go to its API URL."""
    s = services.settings
    if s.slack_client_id is None or s.slack_client_secret is None:
        raise InputError("OAuth mode needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
    if s.slack_state_secret is None:
        raise InputError("OAuth mode needs SLACK_STATE_SECRET (a long random string that signs install links).")
    secret = s.slack_client_secret.get_secret_value()
    store = DatabaseInstallationStore(Installations(services.store), s.slack_client_id)
    settings = OAuthSettings(
        client_id=s.slack_client_id,
        client_secret=secret,
        scopes=scopes(services),
        redirect_uri=s.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=SignedStateStore(OAuthStates(services.store), s.slack_state_secret.get_secret_value()),
        token_rotation_expiration_minutes=s.slack_token_rotation_minutes,
        logger=logger,
    )
    rotator = SingleFlightRotator(store, client_id=s.slack_client_id, client_secret=secret, client=client)
    clients = WorkspaceClients(
        store,
        rotator,
        base_url=s.slack_api_url,
        timeout=s.advisor_slack_timeout,
        rotate_before_minutes=s.slack_token_rotation_minutes,
    )

    def client_for(item: OutboxItem) -> WebClient:
        return clients.client(item.team_id, item.enterprise_id)

    authorize = bolt_authorize(store, rotator, logger, s.slack_token_rotation_minutes)
    return OAuthParts({"oauth_settings": settings, "installation_store": store, "authorize": authorize}, client_for)


def bolt_authorize(
    store: DatabaseInstallationStore, rotator: SingleFlightRotator, logger: logging.Logger, rotate_before_minutes: int
) -> InstallationStoreAuthorize:
    """Bolt's own authorize (each request's workspace token), with the single-flight rotator in place of the one it
    makes: a replica refreshing a token in a request must not race another's refresh. The rotator refreshes through
    the app's client, so its API URL (OAuthSettings' own authorize would call slack.com)."""
    authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=rotator.client_id,
        client_secret=rotator.client_secret,
        token_rotation_expiration_minutes=rotate_before_minutes,
    )
    authorize.token_rotator = rotator
    return authorize
