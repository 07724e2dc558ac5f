"""Which workspace a request (and the work it starts) belongs to, and the Web API client authorized for it.

In OAuth mode one process serves many workspaces and Enterprise Grid orgs, each with its own bot token. Bolt
authorizes each request and hands its listeners a client with that workspace's token; code further away (the
leads' lookups, queued replies) finds the same workspace and client here: a middleware binds them for the request
and the listener pool runs each listener in a copy of the request's context (`ContextExecutor`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

T = TypeVar("T")


@dataclass(frozen=True)
class Workspace:
    """A Slack workspace (`team_id`) and the Enterprise Grid org it belongs to, if any (`enterprise_id`)."""

    team_id: str | None
    enterprise_id: str | None = None

    @property
    def scope(self) -> str:
        """What stored data is scoped by (conversations, dedupe keys, digests): the workspace, or the org when an
        org-wide install's request names no workspace. Unchanged from single-workspace mode: the team id."""
        return self.team_id or self.enterprise_id or ""


_bound: contextvars.ContextVar[tuple[Workspace, WebClient] | None] = contextvars.ContextVar(
    "slack_workspace", default=None
)


def workspace_of(context: BoltContext) -> Workspace:
    """The workspace of a request (as `bind_workspace` found it; else as Bolt resolved it)."""
    found = context.get("workspace")
    return found if isinstance(found, Workspace) else Workspace(context.team_id or None, context.enterprise_id or None)


def _team_in(body: dict[str, Any]) -> str | None:
    """The workspace a payload comes from when Bolt names none: for an org-wide install, Bolt's `team_id` is None
    (the token is the org's), but the payload still says which of the org's workspaces it is from."""
    team = body.get("team")
    for found in (
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
    ):
        if isinstance(found, str) and found:
            return found
    return None


def scope_of(context: BoltContext) -> str:
    """The scope of a request's stored data (see `Workspace.scope`)."""
    return workspace_of(context).scope


def current() -> Workspace | None:
    """The workspace of the request being handled, if any."""
    bound = _bound.get()
    return bound[0] if bound else None


def current_client() -> WebClient | None:
    """The client authorized for the request being handled (its workspace's bot token), if any."""
    bound = _bound.get()
    return bound[1] if bound else None


def bind_workspace(
    body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """Middleware: bind the request's workspace and authorized client for everything the request runs.

    Not reset on the way out: Bolt runs the listeners after the middleware chain has returned (the HTTP server
    dispatches each request in a context of its own, and every request binds before any listener reads it)."""
    workspace = Workspace(context.team_id or _team_in(body), context.enterprise_id or None)
    context["workspace"] = workspace
    _bound.set((workspace, context.client))
    return next()


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitting thread's context (the bound workspace)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run `fn` in the pool, in a copy of the caller's context."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
