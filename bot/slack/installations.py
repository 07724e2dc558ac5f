"""OAuth mode: slack_sdk's installation and state stores over the project's database, and bot tokens for sends.

slack_sdk ships `SQLite3InstallationStore` / `SQLite3OAuthStateStore`, but they open their own SQLite file and
create their own tables: they can't live in PostgreSQL beside the rest of the data (several replicas share one
database), nor go through the project's migrations. So the interfaces are implemented here over
`bot.storage.installations`, which works on both engines.

Messages are posted later, outside Bolt's request (the outbox worker, restarts): `WorkspaceClients` finds the
installation of an outbox row's workspace at send time and refreshes its bot token first when it is about to
expire (token rotation, `oauth.v2.access` with `grant_type=refresh_token`), saving the new one.

Slack's refresh tokens are used once: two replicas (or a request and the outbox worker) refreshing the same token
at once would get one new token and one `invalid_refresh_token`. Every refresh, Bolt's in requests and the outbox's,
goes through `SingleFlightRotator`, which refreshes under the installation's lock and re-reads it first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.slack.delivery import classify
from bot.storage.installations import Installations, OAuthStates
from bot.storage.outbox import DeliveryError

log = logging.getLogger(__name__)

STATE_EXPIRES = 600  # seconds an install link's state stays usable


def _stored(installation: Installation) -> dict[str, Any]:
    """An installation as JSON (times as epoch seconds; `Installation(**data)` reads it back)."""
    data = installation.to_dict_for_copying()
    times = {k: v.timestamp() for k, v in data.items() if isinstance(v, dt.datetime)}
    # slack_sdk reads expiry times back as whole seconds only, the install time as a float
    return {**data, **{k: v if k == "installed_at" else int(v) for k, v in times.items()}}


class DatabaseInstallationStore(InstallationStore):
    """slack_sdk's `InstallationStore` over the `app_installations` table (SQLite or PostgreSQL).

    A workspace of an Enterprise Grid org with an org-wide install has no installation of its own: it is found
    through its org's (the one Slack's `is_enterprise_install` payloads and outbox rows resolve to).
    """

    def __init__(self, rows: Installations, client_id: str) -> None:
        self.rows = rows
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        """The store's logger (slack_sdk's interface)."""
        return log

    def save(self, installation: Installation) -> None:
        """Record an installation (a new install, a reinstall or a refreshed token)."""
        self.rows.save(
            self.client_id,
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            user_id=installation.user_id,
            is_enterprise_install=bool(installation.is_enterprise_install),
            data=_stored(installation),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The newest installation of the workspace (or of its org, installed org-wide)."""
        ids = {"enterprise_id": enterprise_id, "user_id": user_id}
        data = None if is_enterprise_install else self.rows.latest(self.client_id, team_id=team_id, **ids)
        if data is None and enterprise_id:
            data = self.rows.latest(self.client_id, team_id=None, **ids)
        return Installation(**data) if data is not None else None

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The bot of the newest installation of the workspace (or its org), if it has a bot token."""
        found = self.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return found.to_bot() if found is not None and found.bot_token else None

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget a workspace's installations (one user's, if given)."""
        self.rows.delete(self.client_id, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot (its installations carry it)."""
        self.rows.delete_all(self.client_id, enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything installed in the workspace (the app was uninstalled)."""
        self.rows.delete_all(self.client_id, enterprise_id=enterprise_id, team_id=team_id)


class SignedStateStore(OAuthStateStore):
    """slack_sdk's `OAuthStateStore` over the `oauth_states` table: each state is a random nonce signed with
    SLACK_STATE_SECRET (a forged or altered state is refused before the database is asked), usable once, for
    STATE_EXPIRES seconds, by whichever replica the browser comes back to."""

    def __init__(self, states: OAuthStates, secret: str, expires: float = STATE_EXPIRES) -> None:
        self.states = states
        self.secret = secret.encode()
        self.expires = expires

    @property
    def logger(self) -> logging.Logger:
        """The store's logger (slack_sdk's interface)."""
        return log

    def _sign(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state for an install link."""
        nonce = secrets.token_urlsafe(24)
        self.states.issue(nonce, self.expires)
        return f"{nonce}.{self._sign(nonce)}"

    def consume(self, state: str) -> bool:
        """Whether the state came back as issued, unexpired and unused (it is used up either way)."""
        nonce, _, signature = state.partition(".")
        if not nonce or not hmac.compare_digest(signature.encode(), self._sign(nonce).encode()):
            return False
        return self.states.consume(nonce)


def _expiring(installation: Installation, minutes: int) -> bool:
    """Whether a rotating token of the installation expires within `minutes` (as slack_sdk's rotator decides)."""
    soon = time.time() + minutes * 60
    bot = installation.bot_refresh_token is not None and (installation.bot_token_expires_at or 0) <= soon
    user = installation.user_refresh_token is not None and (installation.user_token_expires_at or 0) <= soon
    return bot or user


class SingleFlightRotator(TokenRotator):
    """slack_sdk's `TokenRotator` that refreshes an installation once however many processes ask at the same time.

    A token that does not expire soon is returned as is (None: nothing to do) without any lock. Otherwise, under the
    installation's refresh lock (bot/storage/installations.py): the stored installation is read again; if it
    still expires soon it is refreshed and saved before the lock is let go (the next holder must see it), else
    another process refreshed it meanwhile and its installation is returned (saving it again adds nothing).
    """

    def __init__(self, store: DatabaseInstallationStore, *, client_id: str, client_secret: str, client: WebClient):
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.store = store

    def perform_token_rotation(
        self, *, installation: Installation, minutes_before_expiration: int = 120
    ) -> Installation | None:
        """The refreshed installation (already saved), the one another process refreshed meanwhile, or None when
        the tokens are good for longer than `minutes_before_expiration`."""
        if not _expiring(installation, minutes_before_expiration):
            return None
        org_wide = bool(installation.is_enterprise_install)
        team_id = None if org_wide else installation.team_id
        with self.store.rows.refreshing(
            self.store.client_id, enterprise_id=installation.enterprise_id, team_id=team_id
        ):
            current = self.store.find_installation(
                enterprise_id=installation.enterprise_id,
                team_id=team_id,
                user_id=installation.user_id,
                is_enterprise_install=org_wide,
            )
            if current is None:  # uninstalled meanwhile
                return None
            if not _expiring(current, minutes_before_expiration):
                return current if current.bot_token != installation.bot_token else None
            refreshed = super().perform_token_rotation(
                installation=current, minutes_before_expiration=minutes_before_expiration
            )
            if refreshed is not None:
                self.store.save(refreshed)
                log.info("bot token refreshed (team=%s enterprise=%s)", team_id, installation.enterprise_id)
            return refreshed


class WorkspaceClients:
    """Web API clients (without retry handlers: the outbox retries) for each installed workspace's bot token,
    refreshed (once across replicas, by `rotator`) before use when the token rotates and expires within
    `rotate_before_minutes`."""

    def __init__(
        self,
        store: DatabaseInstallationStore,
        rotator: SingleFlightRotator,
        *,
        base_url: str,
        timeout: int,
        rotate_before_minutes: int,
    ) -> None:
        self.store = store
        self.rotator = rotator
        self.base_url = base_url
        self.timeout = timeout
        self.rotate_before_minutes = rotate_before_minutes

    def client(self, team_id: str | None, enterprise_id: str | None) -> WebClient:
        """A client for the workspace's current bot token; DeliveryError when it isn't installed (for good) or
        the refresh failed (retried later)."""
        found = self.store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
        if found is None or not found.bot_token:
            raise DeliveryError("not_installed", retryable=False)
        if found.bot_refresh_token:
            try:
                refreshed = self.rotator.perform_token_rotation(
                    installation=found, minutes_before_expiration=self.rotate_before_minutes
                )
            except SlackTokenRotationError as exc:  # Slack refused the refresh token
                raise classify(exc.api_error) from exc
            except DeliveryError:
                raise
            except Exception as exc:  # not answered (or the database is away): retried later
                raise classify(exc) from exc
            if refreshed is not None:
                found = refreshed
        return WebClient(token=found.bot_token, base_url=self.base_url, timeout=self.timeout, retry_handlers=[])
