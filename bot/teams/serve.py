"""Serving the Teams agent over HTTP with aiohttp: POST /api/messages (JWT-checked), GET /healthz (liveness),
GET /readyz (readiness: the same checks as Slack's, bot/health.py), the chart images and record downloads behind
unguessable links (bot/teams/files.py), plus housekeeping while it runs."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from microsoft_agents.hosting.aiohttp import jwt_authorization_middleware, start_agent_process
from pydantic import ValidationError

from bot import metrics
from bot.health import may_see_detail, readiness, ready_report
from bot.services import Services, freeze_start_up_objects
from bot.storage.outbox import OutboxWorker
from bot.teams import files
from bot.teams import messages as msg
from bot.teams.app import TeamsAgent
from bot.teams.auth import teams_auth
from bot.teams.delivery import TeamsSender, proactive
from bot.teams.turns import NotTaken, adopt_forever
from bot.workflows.housekeeping import Housekeeper

MESSAGES_PATH = "/api/messages"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
PROBES = frozenset({HEALTH_PATH, READY_PATH, METRICS_PATH})  # answered without a token
ADOPTER = web.AppKey("adopter", asyncio.Task[None])
WORKER = web.AppKey("worker", OutboxWorker)
MAX_BODY = 1_000_000  # an activity is a few KB; Teams' own message limit is 28 KB

log = logging.getLogger(__name__)
# The SDK's JWT middleware stores the caller's claims under a plain string key; aiohttp would warn per process.
warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="microsoft_agents")


@web.middleware
async def _authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The SDK's JWT check on everything but the probes, failing closed if the check itself breaks."""
    if request.path in PROBES or request.path.startswith(files.PUBLIC_PREFIXES):
        return await handler(request)
    authorized = False

    async def inner(req: web.Request) -> web.StreamResponse:
        nonlocal authorized
        authorized = True
        return await handler(req)

    try:
        return await jwt_authorization_middleware(request, inner)
    except Exception as exc:
        if authorized:
            raise
        # e.g. a token without a key id makes the SDK's validator raise KeyError instead of refusing it
        log.warning("token validation failed: %s", type(exc).__name__)
        return web.json_response({"error": msg.BAD_TOKEN}, status=401)


def web_app(agent: TeamsAgent) -> web.Application:
    """The aiohttp application: the SDK's JWT check in front of the agent's message endpoint."""

    async def messages(request: web.Request) -> web.StreamResponse:
        metrics.EVENTS_RECEIVED.labels("teams").inc()  # past the token check
        started = time.monotonic()
        try:
            response = await start_agent_process(request, agent.app, agent.adapter)
        except ValidationError:  # valid JSON that is not an activity
            response = web.json_response({"error": msg.BAD_ACTIVITY}, status=400)
        except NotTaken as exc:  # not written down: a 503, so Teams sends it again (never a 2xx with it lost)
            log.warning("Teams message refused: %s", exc)
            response = web.json_response({"error": msg.UNAVAILABLE}, status=503)
        response = response or web.Response(status=202)
        metrics.observe_ack(started, response.status)
        return response

    async def health(_: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True})

    async def metrics_page(_: web.Request) -> web.StreamResponse:
        body = await asyncio.to_thread(metrics.exposition)  # the queue gauges read the database
        return web.Response(body=body, headers={hdrs.CONTENT_TYPE: metrics.CONTENT_TYPE})

    draining = asyncio.Event()  # set on shutdown: not ready for new traffic

    token = agent.services.settings.advisor_readyz_token

    async def ready(request: web.Request) -> web.StreamResponse:
        checks = await asyncio.to_thread(readiness, agent.services)  # the checks touch the disk
        status, body = ready_report(checks, draining=draining.is_set())
        caller = {"REMOTE_ADDR": request.remote or ""} | {
            "HTTP_" + h.upper().replace("-", "_"): v for h, v in request.headers.items()
        }
        if not may_see_detail(caller, token.get_secret_value() if token else None):
            body = {"ok": body["ok"]}
        return web.json_response(body, status=status)

    async def drain(_: web.Application) -> None:
        draining.set()

    async def start_delivering(app: web.Application) -> None:
        # Replies a request could not send (Teams busy, the process gone) are sent proactively by the outbox worker,
        # with retries; turns a previous run (or, on PostgreSQL, a replica that died) left unanswered are answered
        # in the background and their replies queued for it (bot/teams/turns.py, bot/teams/delivery.py).
        services = agent.services
        within = proactive(agent.adapter, agent.auth.configuration.CLIENT_ID or "")
        sender = TeamsSender(services, asyncio.get_running_loop(), within)
        worker = OutboxWorker(services.outbox, sender)
        app[WORKER] = await asyncio.to_thread(worker.start)
        task = asyncio.create_task(adopt_forever(agent.turns, worker.kick, draining, shared=services.store.shared))
        app[ADOPTER] = task

    async def stop_delivering(app: web.Application) -> None:
        draining.set()
        task = app.get(ADOPTER)
        if task is not None:
            await task
        worker = app.get(WORKER)
        if worker is not None:  # what is due is still sent, within the shutdown timeout (the loop runs meanwhile)
            timeout = float(agent.services.settings.advisor_shutdown_timeout)
            left = await asyncio.to_thread(worker.stop, timeout)
            if left:
                log.warning("%d Teams reply(s) left queued at shutdown: sent after the next start", left)

    app = web.Application(middlewares=[_authenticate], client_max_size=MAX_BODY)
    app.router.add_post(MESSAGES_PATH, messages)
    app.router.add_get(HEALTH_PATH, health)
    app.router.add_get(READY_PATH, ready)
    app.router.add_get(METRICS_PATH, metrics_page)
    app.router.add_routes(files.routes(agent.services))
    app.on_shutdown.append(drain)
    app.on_startup.append(start_delivering)
    app.on_cleanup.append(stop_delivering)
    with warnings.catch_warnings():  # the SDK's middleware looks the configuration up by this plain string key
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app["agent_configuration"] = agent.auth.configuration
    return app


def build(services: Services) -> web.Application:
    """The Teams web application from the process's services (InputError without credentials)."""
    return web_app(TeamsAgent(services, teams_auth(services.settings)))


def serve(services: Services, *, host: str = "0.0.0.0", port: int = 3978) -> None:
    """Serve Teams until interrupted (blocks), sweeping old dedupe keys (and applying the retention) meanwhile."""
    app = build(services)
    services.warm_up()  # before the port is open: the first turns don't pay for the index and the engine
    freeze_start_up_objects()
    housekeeper = Housekeeper(services).start()
    metrics.watch_queues(services.outbox, services.inbox)

    async def stop_housekeeping(_: web.Application) -> None:
        housekeeper.stop(0)

    app.on_cleanup.append(stop_housekeeping)
    log.info(
        "serving Teams at http://%s:%s%s (health: %s, readiness: %s)",
        host,
        port,
        MESSAGES_PATH,
        HEALTH_PATH,
        READY_PATH,
    )
    web.run_app(app, host=host, port=port, print=None, access_log=None)
