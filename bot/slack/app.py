"""Build the Bolt app: a Web API client with retries, global middleware, and the listeners."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.errors import InputError
from bot.services import Services
from bot.slack import listeners
from bot.slack.middleware import dedupe, ignore_noise, log_requests, route_conversations

# Listener work is mostly CPU (the engine) under one GIL: more threads than cores only delays the acks.
LISTENER_THREADS = max(2, os.cpu_count() or 2)
WEB_API_TIMEOUT = 15


def web_client(services: Services) -> WebClient:
    """A Web API client for the bot token that retries rate limits (Retry-After), 5xx and dropped connections."""
    settings = services.settings
    if settings.slack_bot_token is None:
        raise InputError("SLACK_BOT_TOKEN is not set.")
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(services: Services, *, socket_mode: bool = False) -> App:
    """The Slack app for HTTP mode (requests verified with the signing secret) or Socket Mode."""
    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if secret is None and not socket_mode:
        raise InputError("SLACK_SIGNING_SECRET is not set (needed for HTTP mode; use Socket Mode otherwise).")
    app = App(
        client=web_client(services),
        signing_secret=secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"),
        logger=logging.getLogger("bot.slack.bolt"),
    )
    # Build the shared parts now: cached_property is not thread-safe, and requests arrive concurrently.
    _ = services.store, services.advisor
    app.use(log_requests)
    app.use(ignore_noise)
    app.use(route_conversations(services))
    app.use(dedupe(services))
    listeners.register(app, services)
    return app
