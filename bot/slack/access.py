"""Who may see and do what in Slack: the lead user group, channel membership, names and permalinks.

The core (`bot.workflows.leads`) asks two questions it can't answer itself: who is in the leads' user group,
and whether a viewer is a member of a channel. Both are Web API lookups, cached briefly so a digest over
hundreds of assessments costs one `conversations.members` walk per distinct channel, not per assessment.
A lookup that fails (an API error, a timeout or a dropped connection) is not cached and counts as "no" (fail
closed): a lead never sees a channel because Slack was unreachable. Where an action depends on the answer,
`SlackLeads.require_lead`/`require_member` tell "Slack didn't answer" apart from "no".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import AdvisorError, NotFoundError, PermissionDeniedError
from bot.services import Services
from bot.slack import messages as msg
from bot.slack.workspace import current, current_client
from bot.storage.store import Conversation
from bot.workflows.interaction import TtlCache
from bot.workflows.leads import Leads

log = logging.getLogger(__name__)

MEMBERS_TTL = 60.0  # seconds: joins and leaves show up within a minute
NAMES_TTL = 600.0
MEMBERS_PAGE = 200
# What a Web API call raises when Slack refuses it (SlackClientError), doesn't answer in time or drops the
# connection (OSError: URLError, TimeoutError, ConnectionResetError), or answers garbage (HTTPException, ValueError).
LOOKUP_ERRORS = (SlackClientError, OSError, HTTPException, ValueError)


class LookupFailedError(AdvisorError):
    """Slack couldn't be asked something an action depends on (so the action is refused for now)."""


class SlackAccess:
    """Cached Web API lookups behind the leads' access rules.

    Lookups ask Slack with the client of the request being handled (its workspace's bot token, in OAuth mode) and
    are cached per workspace; outside a request, with the client given here.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        group_id: str | None = None,
        ttl: float = MEMBERS_TTL,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._client = client
        self.group_id = group_id or None
        extra = {"clock": clock} if clock else {}
        self._members = TtlCache(ttl, **extra)
        self._names = TtlCache(NAMES_TTL, **extra)
        self._workspace = TtlCache(NAMES_TTL, **extra)

    @property
    def client(self) -> WebClient:
        """The Web API client for the current request's workspace (else the one given)."""
        return current_client() or self._client

    def group_members(self) -> frozenset[str]:
        """Members of the leads' user group (ADVISOR_LEADS_GROUP), via `usergroups.users.list`; empty if unknown."""
        return self._group() or frozenset()

    def in_group(self, user: str) -> bool | None:
        """Whether `user` is in the leads' user group (False without one); None when Slack couldn't say."""
        if not self.group_id:
            return False
        found = self._group()
        return None if found is None else user in found

    def _group(self) -> frozenset[str] | None:
        if not self.group_id:
            return frozenset()
        group = self.group_id
        found = self._lookup(
            self._members,
            ("group", group),
            lambda: frozenset(self.client.usergroups_users_list(usergroup=group)["users"]),
        )
        return found if isinstance(found, frozenset) else None

    def members(self, channel: str) -> frozenset[str] | None:
        """Members of a channel, private channel or DM (every page of `conversations.members`); None if unknown."""

        def walk() -> frozenset[str]:
            users: set[str] = set()
            for page in self.client.conversations_members(channel=channel, limit=MEMBERS_PAGE):
                users.update(page.get("members") or [])
            return frozenset(users)

        found = self._lookup(self._members, ("channel", channel), walk)
        return found if isinstance(found, frozenset) else None

    def is_private(self, channel: str) -> bool | None:
        """Whether a channel is private (a private channel, a group DM or a DM); None when Slack couldn't say.
        IDs starting with G or D are; a C… channel is asked of `conversations.info` (cached)."""
        if channel.startswith(("G", "D")):
            return True

        def info() -> bool:
            found = self.client.conversations_info(channel=channel)["channel"]
            return bool(found.get("is_private") or found.get("is_mpim") or found.get("is_im"))

        found = self._lookup(self._names, ("private", channel), info)
        return found if isinstance(found, bool) else None

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
        except LOOKUP_ERRORS as exc:
            log.info("chat.getPermalink failed (%s); building the link", _reason(exc))
            return self.permalink(channel, ts)

    def _lookup(self, cache: TtlCache, key: Any, compute: Callable[[], Any]) -> Any:
        where = current()
        scoped = (where.scope if where else "", key)  # one workspace's answers are never another's
        try:
            return cache.get(scoped, lambda: _raise_on_failure(compute))
        except _LookupFailed:
            return None


class _LookupFailed(Exception):
    """A Web API lookup failed; raised through TtlCache so the failure is not cached."""


def _raise_on_failure(compute: Callable[[], Any]) -> Any:
    try:
        return compute()
    except LOOKUP_ERRORS as exc:
        error = _reason(exc)
        log.warning("slack lookup failed: %s", error)
        raise _LookupFailed(error) from exc


def _reason(exc: Exception) -> str:
    """Slack's error code, or the kind of failure (e.g. URLError for a timeout)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "unknown")) if exc.response is not None else "unknown"
    return type(exc).__name__


def _is_ts(ts: str) -> bool:
    whole, _, frac = ts.partition(".")
    return whole.isdigit() and frac.isdigit()


@dataclass(frozen=True)
class SlackLeads:
    """The leads' workflow wired for Slack: the core rules plus the lookups they need."""

    core: Leads  # the platform-neutral rules
    access: SlackAccess

    def conversation(self, conversation_id: str, team: str) -> Conversation:
        """The stored conversation an interaction names, if it is this workspace's: NotFoundError or
        PermissionDeniedError otherwise, with the message the user sees."""
        try:
            if not conversation_id:
                raise NotFoundError("no assessment named")
            return self.core.conversation(conversation_id, platform="slack", team=team)
        except NotFoundError:
            raise NotFoundError(msg.UNKNOWN_ASSESSMENT) from None
        except PermissionDeniedError:
            raise PermissionDeniedError(msg.WRONG_WORKSPACE) from None

    def require_lead(self, user: str, refusal: str) -> None:
        """PermissionDeniedError(`refusal`) unless `user` is a lead (ADVISOR_LEADS or the leads' user group);
        LookupFailedError when the group couldn't be looked up."""
        if user in self.core.lead_ids:
            return
        # The same group (and cache) the core's `Leads.is_lead` asks, but "couldn't say" is kept apart from "no".
        member = self.access.in_group(user)
        if member is None:
            raise LookupFailedError(msg.LOOKUP_FAILED)
        if not member:
            raise PermissionDeniedError(refusal)

    def require_member(self, user: str, channel: str, refusal: str) -> None:
        """PermissionDeniedError(`refusal`) unless `user` is a member of `channel`; LookupFailedError when the
        channel's members couldn't be looked up."""
        members = self.access.members(channel)
        if members is None:
            raise LookupFailedError(msg.LOOKUP_FAILED)
        if user not in members:
            raise PermissionDeniedError(refusal)

    def require_can_act(self, user: str, conv: Conversation) -> None:
        """PermissionDeniedError unless `user` may act on the assessment `conv` (a vote, Adjust answers, a quick
        answer): anyone in a public channel; in a DM only its requester; in a private channel or group DM only its
        members. LookupFailedError when Slack couldn't say (fail closed)."""
        channel = conv.channel
        if channel.startswith("D"):
            if user != conv.user:
                raise PermissionDeniedError(msg.NOT_A_MEMBER)
            return
        private = self.access.is_private(channel)
        if private is None:
            raise LookupFailedError(msg.LOOKUP_FAILED)
        if private:
            self.require_member(user, channel, msg.NOT_A_MEMBER)


def slack_leads(services: Services, client: WebClient) -> SlackLeads:
    """Build the leads' workflow once per app: ADVISOR_LEADS plus ADVISOR_LEADS_GROUP's members."""
    access = SlackAccess(client, group_id=services.settings.advisor_leads_group)
    group = access.group_members if access.group_id else None
    return SlackLeads(core=services.leads(group_members=group), access=access)
