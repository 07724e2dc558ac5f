"""Who may see and do what in Slack: the lead user group, channel membership, names and permalinks.

The core (`bot.advisor.leads`) asks two questions it can't answer itself: who is in the leads' user group,
and whether a viewer is a member of a channel. Both are Web API lookups, cached briefly so a digest over
hundreds of assessments costs one `conversations.members` walk per distinct channel, not per assessment.
A lookup that fails is not cached and counts as "no" (fail closed): a lead never sees a channel because
Slack was unreachable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.advisor.leads import Leads, TtlCache
from bot.errors import NotFoundError, PermissionDeniedError
from bot.services import Services
from bot.slack import messages as msg

log = logging.getLogger("bot.slack")

MEMBERS_TTL = 60.0  # seconds: joins and leaves show up within a minute
NAMES_TTL = 600.0
MEMBERS_PAGE = 200


class SlackAccess:
    """Cached Web API lookups behind the leads' access rules (one workspace per bot token)."""

    def __init__(self, client: WebClient, *, group_id: str | None = None, ttl: float = MEMBERS_TTL,
                 clock: Callable[[], float] | None = None) -> None:  # fmt: skip
        self.client = client
        self.group_id = group_id or None
        extra = {"clock": clock} if clock else {}
        self._members = TtlCache(ttl, **extra)
        self._names = TtlCache(NAMES_TTL, **extra)
        self._workspace = TtlCache(NAMES_TTL, **extra)

    def group_members(self) -> frozenset[str]:
        """Members of the leads' user group (ADVISOR_LEADS_GROUP), via `usergroups.users.list`."""
        if not self.group_id:
            return frozenset()
        group = self.group_id
        found = self._lookup(self._members, ("group", group),
                             lambda: frozenset(self.client.usergroups_users_list(usergroup=group)["users"]))
        return found if isinstance(found, frozenset) else frozenset()

    def members(self, channel: str) -> frozenset[str] | None:
        """Members of a channel, private channel or DM (every page of `conversations.members`); None if unknown."""

        def walk() -> frozenset[str]:
            users: set[str] = set()
            for page in self.client.conversations_members(channel=channel, limit=MEMBERS_PAGE):
                users.update(page.get("members") or [])
            return frozenset(users)

        found = self._lookup(self._members, ("channel", channel), walk)
        return found if isinstance(found, frozenset) else None

    def can_see(self, user: str, channel: str) -> bool:
        """Whether `user` is a member of `channel`: the only way to see a private channel's or a DM's assessments."""
        members = self.members(channel)
        return members is not None and user in members

    def viewer(self, user: str) -> Callable[[str], bool]:
        """`can_see` for one viewer, as the core's digest asks it."""
        return lambda channel: self.can_see(user, channel)

    def display_name(self, user: str) -> str:
        """A user's display name (real name as fallback), or the ID if Slack doesn't say."""

        def fetch() -> str:
            info = self.client.users_info(user=user)["user"]
            profile = info.get("profile") or {}
            return str(profile.get("display_name") or profile.get("real_name") or info.get("name") or user)

        found = self._lookup(self._names, user, fetch)
        return found if isinstance(found, str) else user

    def workspace_url(self) -> str | None:
        """The workspace's URL from `auth.test` (e.g. https://acme.slack.com/), cached."""
        found = self._lookup(self._workspace, "url", lambda: str(self.client.auth_test().get("url") or ""))
        return found if isinstance(found, str) and found else None

    def permalink(self, channel: str, ts: str | None = None) -> str | None:
        """A link to a message (or a channel) built from the workspace URL: no Web API call per item."""
        base = self.workspace_url()
        if not base:
            return None
        link = f"{base.rstrip('/')}/archives/{channel}"
        return f"{link}/p{ts.replace('.', '')}" if ts and _is_ts(ts) else link

    def message_permalink(self, channel: str, ts: str) -> str | None:
        """`chat.getPermalink` for one message (used for a single summary), else the built link."""
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as exc:
            log.info("chat.getPermalink failed (%s); building the link", exc.response.get("error", "?"))
            return self.permalink(channel, ts)

    def _lookup(self, cache: TtlCache, key: Any, compute: Callable[[], Any]) -> Any:
        try:
            return cache.get(key, lambda: _raise_on_failure(compute))
        except _LookupFailed:
            return None


class _LookupFailed(Exception):
    """A Web API lookup failed; raised through TtlCache so the failure is not cached."""


def _raise_on_failure(compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        log.warning("slack lookup failed: %s", error)
        raise _LookupFailed(error) from exc


def _is_ts(ts: str) -> bool:
    whole, _, frac = ts.partition(".")
    return whole.isdigit() and frac.isdigit()


@dataclass(frozen=True)
class SlackLeads:
    """The leads' workflow wired for Slack: the core rules plus the lookups they need."""

    leads: Leads
    access: SlackAccess

    def conversation(self, conversation_id: str, team: str) -> dict[str, Any]:
        """The stored conversation an interaction names, if it is this workspace's: NotFoundError or
        PermissionDeniedError otherwise, with the message the user sees."""
        try:
            if not conversation_id:
                raise NotFoundError("no assessment named")
            return self.leads.conversation(conversation_id, platform="slack", team=team)
        except NotFoundError:
            raise NotFoundError(msg.UNKNOWN_ASSESSMENT) from None
        except PermissionDeniedError:
            raise PermissionDeniedError(msg.WRONG_WORKSPACE) from None


def slack_leads(services: Services, client: WebClient) -> SlackLeads:
    """Build the leads' workflow once per app: ADVISOR_LEADS plus ADVISOR_LEADS_GROUP's members."""
    access = SlackAccess(client, group_id=services.settings.advisor_leads_group)
    group = access.group_members if access.group_id else None
    return SlackLeads(leads=services.leads(group_members=group), access=access)


def team_of(body: dict[str, Any]) -> str:
    """The workspace an interaction or command came from."""
    team = body.get("team")
    if isinstance(team, dict):
        return str(team.get("id") or "")
    return str(body.get("team_id") or team or (body.get("user") or {}).get("team_id") or "")
