"""The Slack app manifest (`slack/manifest.json`), with the request URL filled in or Socket Mode switched on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import InputError, NotFoundError
from bot.slack.least_privilege import restrict

_HERE = Path(__file__).resolve().parent
REVOCATION_EVENTS = ("app_uninstalled", "tokens_revoked")  # OAuth mode forgets the workspace's installation


def manifest_path() -> Path:
    """Where the manifest is: `slack/manifest.json` at the repository root (or shipped beside this module)."""
    for candidate in (_HERE / "manifest.json", _HERE.parent.parent / "slack" / "manifest.json"):
        if candidate.is_file():
            return candidate
    raise NotFoundError("cannot find slack/manifest.json")


def bot_scopes(*, least_privilege: bool = False) -> list[str]:
    """The bot scopes the manifest asks for (of the least-privilege mode, if set)."""
    return list(manifest(least_privilege=least_privilege)["oauth_config"]["scopes"]["bot"])


def check_request_url(url: str) -> None:
    """Slack accepts only an https address of a host for request URLs: anything else is refused when the app is
    created from the manifest, so it is refused here, where the mistake is made."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or " " in url.strip() or parts.query or parts.fragment:
        raise InputError(
            f"--url must be the app's public https address, e.g. https://advisor.example.com (got {url[:100]!r})"
        )


def manifest(
    url: str | None = None, *, socket_mode: bool = False, least_privilege: bool = False, oauth: bool = False
) -> dict[str, Any]:
    """The manifest for "Create app from manifest": request URLs set to `url` (its /slack/events is added
    when missing), or no URLs and Socket Mode on; `least_privilege`: mentions, DMs and the assistant panel only
    (no `*:history` scopes for channels, no channel message events); `oauth`: installable in many workspaces and
    org-wide in Enterprise Grid, with rotating tokens and `url`'s /slack/oauth_redirect as the redirect URL."""
    if url is not None:
        if socket_mode:
            raise InputError("--socket needs no --url: Socket Mode takes no requests over HTTP (give one of them)")
        check_request_url(url)
    data: dict[str, Any] = json.loads(manifest_path().read_text(encoding="utf-8"))
    if least_privilege:
        restrict(data)
    if oauth:
        if socket_mode or not url:
            raise InputError("an OAuth-mode manifest needs --url (the install flow is served over HTTP)")
        data["settings"]["org_deploy_enabled"] = True
        data["settings"]["token_rotation_enabled"] = True
        base = url.rstrip("/").removesuffix("/slack/events")
        data["oauth_config"]["redirect_urls"] = [base + "/slack/oauth_redirect"]
        # Slack sends these only to apps subscribed to them: without them an uninstalled workspace's installation
        # (and its tokens) would stay in the database, refreshed for ever.
        events = data["settings"]["event_subscriptions"]["bot_events"]
        events += [e for e in REVOCATION_EVENTS if e not in events]
    settings, commands = data["settings"], data["features"]["slash_commands"]
    if socket_mode:
        settings["socket_mode_enabled"] = True
        settings["event_subscriptions"].pop("request_url", None)
        settings["interactivity"].pop("request_url", None)
        for command in commands:
            command.pop("url", None)
        return data
    if url:
        request_url = url.rstrip("/")
        if not request_url.endswith("/slack/events"):
            request_url += "/slack/events"
        settings["event_subscriptions"]["request_url"] = request_url
        settings["interactivity"]["request_url"] = request_url
        for command in commands:
            command["url"] = request_url
    return data
