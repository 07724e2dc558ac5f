"""The Slack app manifest (`slack/manifest.json`), with the request URL filled in or Socket Mode switched on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def manifest(
    url: str | None = None, *, socket_mode: bool = False, least_privilege: bool = False, oauth: bool = False
) -> dict[str, Any]:
    """The manifest for "Create app from manifest": request URLs set to `url` (its /slack/events is added
    when missing), or no URLs and Socket Mode on; `least_privilege`: mentions, DMs and the assistant panel only
    (no `*:history` scopes for channels, no channel message events); `oauth`: installable in many workspaces and
    org-wide in Enterprise Grid, with rotating tokens and `url`'s /slack/oauth_redirect as the redirect URL."""
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
