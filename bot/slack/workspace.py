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
    """The workspace of a request as Bolt resolved it (Enterprise Grid and Slack Connect aware)."""
    return Workspace(context.team_id or None, context.enterprise_id or None)


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


def bind_workspace(context: BoltContext, next: Callable[[], BoltResponse | None]) -> BoltResponse | None:
    """Middleware: bind the request's workspace and authorized client for everything the request runs."""
    token = _bound.set((workspace_of(context), context.client))
    try:
        return next()
    finally:
        _bound.reset(token)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitting thread's context (the bound workspace)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run `fn` in the pool, in a copy of the caller's context."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
