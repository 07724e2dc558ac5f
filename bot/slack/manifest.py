"""The Slack app manifest (`slack/manifest.json`), with the request URL filled in or Socket Mode switched on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.errors import NotFoundError
from bot.slack.least_privilege import restrict

_HERE = Path(__file__).resolve().parent


def manifest_path() -> Path:
    """Where the manifest is: `slack/manifest.json` at the repository root (or shipped beside this module)."""
    for candidate in (_HERE / "manifest.json", _HERE.parent.parent / "slack" / "manifest.json"):
        if candidate.is_file():
            return candidate
    raise NotFoundError("cannot find slack/manifest.json")


def manifest(url: str | None = None, *, socket_mode: bool = False, least_privilege: bool = False) -> dict[str, Any]:
    """The manifest for "Create app from manifest": request URLs set to `url` (its /slack/events is added
    when missing), or no URLs and Socket Mode on; `least_privilege`: mentions, DMs and the assistant panel only
    (no `*:history` scopes for channels, no channel message events)."""
    data: dict[str, Any] = json.loads(manifest_path().read_text(encoding="utf-8"))
    if least_privilege:
        restrict(data)
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
