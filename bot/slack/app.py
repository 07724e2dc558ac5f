"""Build the Bolt app: a Web API client with retries, global middleware, and the listeners."""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import metrics
from bot.errors import ConnectionLost, InputError
from bot.services import Services
from bot.slack import assistant, listeners
from bot.slack.access import slack_leads
from bot.slack.delivery import ClientFor, SlackSender
from bot.slack.middleware import dedupe, ignore_noise, in_order, log_requests, route_conversations, sanitize
from bot.slack.oauth import oauth_parts
from bot.slack.priority import AckGate
from bot.slack.replies import render, resume
from bot.slack.workspace import ContextExecutor, bind_workspace
from bot.storage.outbox import OutboxWorker
from bot.workflows.conversation import Reply
from bot.workflows.housekeeping import Housekeeper

log = logging.getLogger(__name__)

# Listener work is mostly CPU (the engine) under one GIL: more threads than cores only delays the acks.
LISTENER_THREADS = max(2, os.cpu_count() or 2)
# On a database shared by replicas: how often to look for turns a replica that stopped (or was killed) left
# unanswered, and how long a turn waits before another replica may take it (a live one answers its own sooner, and
# its acks keep priority over turn work: bot/slack/priority.py).
ADOPT_EVERY = 1.0
ADOPT_AFTER = 2.0


def web_client(services: Services, *, retries: bool = True) -> WebClient:
    """A Web API client for the bot token that retries rate limits (Retry-After), 5xx and dropped connections.

    `retries=False` is the outbox's client: it retries itself, without duplicates or sleeping in a listener.
    In OAuth mode the client has no token: Bolt passes each request's token, the outbox looks up each item's.
    """
    settings = services.settings
    if settings.slack_bot_token is None and not settings.slack_oauth:
        raise InputError("SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth mode).")
    handlers = [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]
    bot_token = settings.slack_bot_token if not settings.slack_oauth else None
    return WebClient(
        token=bot_token.get_secret_value() if bot_token else None,
        base_url=settings.slack_api_url,
        timeout=settings.advisor_slack_timeout,
        retry_handlers=handlers if retries else [],
    )


class AdvisorApp(App):
    """The Bolt app, plus what serving it needs: its listener pool, the outbox worker and housekeeping."""

    def __init__(
        self, services: Services, executor: ThreadPoolExecutor, clients: ClientFor | None = None, **kwargs: Any
    ) -> None:
        # Unnamed, Bolt names the app (and its loggers) after the caller's file, found with inspect.stack(), which
        # reads the source lines of every frame on the stack: the name it would find is given instead.
        super().__init__(listener_executor=executor, **{"name": "app.py", **kwargs})
        self.services = services
        self.executor = executor
        self.clients = clients  # OAuth mode: each outbox item's workspace client (else the bot token's)
        # Turns start once the requests in flight are acknowledged, one at a time unless they mostly wait for a model
        # (bot/slack/priority.py).
        self.ack_gate = AckGate(turns_at_once=None if services.settings.llm_enabled else 1)
        self.worker: OutboxWorker | None = None
        self.housekeeper: Housekeeper | None = None
        self._stopping = threading.Event()

    def warm_up(self) -> None:
        """Before taking traffic: the shared parts built, the engine and the knowledge index warm, a card and a
        question round rendered once (so the first events' acks don't wait behind that work)."""
        started = time.monotonic()
        rec, questions = self.services.warm_up()
        metrics.watch_queues(self.services.outbox, self.services.inbox)  # before any port (or /metrics) is open
        render(Reply(kind="recommendation", conversation_id="warm-up", text="", recommendation=rec))
        render(Reply(kind="questions", conversation_id="warm-up", text="warm-up", questions=questions))
        log.info("warmed up in %.0f ms", (time.monotonic() - started) * 1000)

    def start_delivery(self) -> None:
        """Start the outbox worker and housekeeping, and answer (in the background) turns a previous process left
        unanswered."""
        if self.worker is not None:
            return
        client: WebClient | ClientFor = self.clients or web_client(self.services, retries=False)
        outbox = self.services.outbox
        self.worker = OutboxWorker(outbox, SlackSender(client, outbox.record_stream)).start()
        self.housekeeper = Housekeeper(self.services).start()  # old dedupe keys, deliveries; retention if set
        self.executor.submit(self._resume, client)
        if self.services.store.shared:
            threading.Thread(target=self._adopt, args=(client,), name="adopt-turns", daemon=True).start()

    def _adopt(self, client: WebClient | ClientFor) -> None:
        """Now and then, answer turns nobody is answering: those of a replica that died mid-turn or before it began
        (its conversation locks went with its connections). Turns a live replica holds are left to it."""
        while not self._stopping.wait(ADOPT_EVERY):
            try:
                adopted = resume(self.services, client, older_than=ADOPT_AFTER)
                if adopted:
                    log.info("answered %d turn(s) no replica was answering", adopted)
            except ConnectionLost as exc:  # the database is away: the turns wait in the inbox until it is back
                log.warning("adopting unanswered turns: %s", exc)
            except Exception:
                log.exception("adopting unanswered turns failed (retried shortly)")

    def _resume(self, client: WebClient | ClientFor) -> None:
        try:
            resumed = resume(self.services, client)
            if resumed:
                log.info("answered %d turn(s) left unanswered by the previous run", resumed)
        except Exception:
            log.exception("resuming unanswered turns failed (they stay queued for the next start)")

    def shutdown(self, timeout: float) -> int:
        """Finish in-flight turns, then post the replies that are due; returns how many are left for next time."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        drained = threading.Event()

        def drain() -> None:
            self.executor.shutdown(wait=True)
            drained.set()

        threading.Thread(target=drain, name="listener-drain", daemon=True).start()
        if not drained.wait(timeout):
            log.warning("shutdown: turns still running after %.0f s; they resume at the next start", timeout)
        if self.housekeeper is not None:
            self.housekeeper.stop(0)
        left = self.worker.stop(max(0.0, deadline - time.monotonic())) if self.worker is not None else 0
        if left:
            log.warning("shutdown: %d repl(ies) not posted yet; they are posted at the next start", left)
        return left


class _SameToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and warns at every start that the client passed to it
    wins; it is the same token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def build_app(services: Services, *, socket_mode: bool = False) -> AdvisorApp:
    """The Slack app for HTTP mode (requests verified with the signing secret) or Socket Mode."""
    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if secret is None and not socket_mode:
        raise InputError("SLACK_SIGNING_SECRET is not set (needed for HTTP mode; use Socket Mode otherwise).")
    if socket_mode and settings.slack_oauth:
        raise InputError(
            "OAuth mode serves its install pages over HTTP: unset SLACK_APP_TOKEN (Socket Mode) to use it."
        )
    bolt_log = logging.getLogger(f"{__name__}.bolt")  # Bolt's own records, under this module
    if not any(isinstance(f, _SameToken) for f in bolt_log.filters):
        bolt_log.addFilter(_SameToken())
    client = web_client(services)
    oauth = oauth_parts(services, client, bolt_log) if settings.slack_oauth else None
    app = AdvisorApp(
        services,
        # Listeners run in a copy of the request's context: the workspace it is bound to (bot/slack/workspace.py).
        ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"),
        oauth.clients if oauth else None,
        client=client,
        signing_secret=secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        logger=bolt_log,
        **(oauth.bolt_arguments if oauth else {}),
    )
    if isinstance(app._authorize, InstallationStoreAuthorize):
        # OAuth mode: Bolt asks auth.test who each request's token is; the answer (bot ids) never changes for a
        # token, so it is cached: one Web API round trip fewer before each ack (a refreshed token is a new key).
        app._authorize.cache_enabled = True
    # Build the shared parts now: cached_property is not thread-safe, and requests arrive concurrently.
    _ = services.store, services.advisor, services.inbox, services.outbox
    app.use(
        in_order(bind_workspace, sanitize, log_requests, ignore_noise, route_conversations(services), dedupe(services))
    )
    # One leads' workflow per app: ADVISOR_LEADS plus the ADVISOR_LEADS_GROUP members (looked up, cached briefly).
    team = slack_leads(services, app.client)
    # The assistant panel: after routing and dedupe, so its turns are in the inbox like any other.
    app.assistant(assistant.build(services, team, app.ack_gate))
    if oauth is not None:  # app_uninstalled / tokens_revoked: the workspace's installations are deleted
        app.enable_token_revocation_listeners()
    listeners.register(app, services, team)
    return app
