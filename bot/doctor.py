"""`ai-advisor doctor`: check the configuration and say what to fix.

Checks the Slack tokens' shape, the token and its scopes against the manifest (`auth.test`), Teams' credentials,
the database (writable, migrated), the knowledge index, a half-set Azure OpenAI configuration, the model (one tiny
call, then a forced tool call, when configured), the log level, and the delivery queues. Secrets are never printed:
a token is shown by its prefix only.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict
from typing import Any

from bot import health
from bot.errors import AdvisorError
from bot.health import Check
from bot.services import Services

SIGNING_SECRET = re.compile(r"^[0-9a-f]{32}$")


def fail(name: str, detail: str, fix: str) -> Check:
    """A failed check with what to do about it."""
    return Check(name, False, detail, fix)


def shown(token: str) -> str:
    """A token as it may be printed: its prefix only."""
    return token[:5] + "…" if len(token) > 5 else "…"


def check_tokens(services: Services) -> list[Check]:
    """Slack settings present for a mode, and each token shaped like its kind."""
    s = services.settings
    bot = s.slack_bot_token.get_secret_value() if s.slack_bot_token else ""
    app = s.slack_app_token.get_secret_value() if s.slack_app_token else ""
    secret = s.slack_signing_secret.get_secret_value() if s.slack_signing_secret else ""
    if not (bot or app or secret):
        return [Check("slack", True, "not configured: `ai-advisor run` starts the terminal conversation")]
    out: list[Check] = []
    if s.slack_oauth:  # bot tokens come from the installations in the database
        out.extend(check_oauth(services))
    elif not bot:
        out.append(
            fail(
                "slack bot token",
                "SLACK_BOT_TOKEN is not set",
                "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions",
            )
        )
    elif not bot.startswith("xoxb-"):
        out.append(
            fail(
                "slack bot token",
                f"SLACK_BOT_TOKEN starts with {shown(bot)!r}, not 'xoxb-'",
                "use the Bot User OAuth Token (xoxb-…), not a user (xoxp-) or app-level (xapp-) token",
            )
        )
    else:
        out.append(Check("slack bot token", True, "xoxb-… set"))
    if app and not app.startswith("xapp-"):
        out.append(
            fail(
                "slack app token",
                f"SLACK_APP_TOKEN starts with {shown(app)!r}, not 'xapp-'",
                "create an App-Level Token with connections:write (Basic Information) for Socket Mode",
            )
        )
    elif app:
        out.append(Check("slack app token", True, "xapp-… set: Socket Mode"))
    if secret:
        if secret.startswith(("xox", "xapp-")):
            out.append(
                fail(
                    "slack signing secret",
                    "SLACK_SIGNING_SECRET holds a token",
                    "copy the Signing Secret from Basic Information → App Credentials",
                )
            )
        elif not SIGNING_SECRET.match(secret):
            out.append(
                Check(
                    "slack signing secret",
                    True,
                    "set, but not 32 hex characters like Slack's (check it was copied whole)",
                    warn=True,
                )
            )
        else:
            out.append(Check("slack signing secret", True, "set: HTTP mode"))
    elif not app:
        out.append(
            fail(
                "slack mode",
                "neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode)",
                "set SLACK_SIGNING_SECRET to serve POST /slack/events, or SLACK_APP_TOKEN for Socket Mode",
            )
        )
    return out


def check_oauth(services: Services) -> list[Check]:
    """OAuth mode: the state secret is set, and a redirect URL where Slack can reach /slack/oauth_redirect."""
    s = services.settings
    out = [Check("slack oauth", True, f"OAuth mode: client {s.slack_client_id}, tokens from the installations")]
    if s.slack_bot_token is not None:
        out.append(
            Check(
                "slack bot token",
                True,
                "SLACK_BOT_TOKEN is ignored in OAuth mode (each workspace's token is in the database); unset it",
                warn=True,
            )
        )
    if s.slack_state_secret is None:
        out.append(
            fail(
                "slack oauth state secret",
                "SLACK_STATE_SECRET is not set",
                "set it to a long random string (e.g. `openssl rand -hex 32`); it signs the install links",
            )
        )
    if s.slack_redirect_uri and not s.slack_redirect_uri.rstrip("/").endswith("/slack/oauth_redirect"):
        out.append(
            fail(
                "slack oauth redirect",
                f"SLACK_REDIRECT_URI is {s.slack_redirect_uri!r}",
                "end it with /slack/oauth_redirect (where `ai-advisor serve` takes Slack's redirect back)",
            )
        )
    return out


def required_scopes(least_privilege: bool = False) -> list[str]:
    """The bot scopes the app's manifest asks for (in least-privilege mode: that manifest's)."""
    from bot.slack.manifest import bot_scopes

    return bot_scopes(least_privilege=least_privilege)


def check_auth(services: Services) -> Check | None:
    """`auth.test` with the bot token: it works, and it has every scope the manifest asks for."""
    s = services.settings
    token = s.slack_bot_token.get_secret_value() if s.slack_bot_token else ""
    if s.slack_oauth or not token.startswith("xoxb-"):  # OAuth mode: each workspace's token is in the database
        return None
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=token, base_url=s.slack_api_url, timeout=min(10, s.advisor_slack_timeout))
    try:
        resp = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        return fail(
            "slack auth",
            f"auth.test refused the bot token: {error}",
            "reinstall the app and copy the new Bot User OAuth Token (it may be revoked or mistyped)",
        )
    except Exception as exc:  # network: name the URL, not the token
        return fail(
            "slack auth",
            f"cannot reach {s.slack_api_url}: {type(exc).__name__}",
            "check the network, a proxy, or SLACK_API_URL",
        )
    headers = {str(k).lower(): v for k, v in dict(resp.headers or {}).items()}
    raw = headers.get("x-oauth-scopes")
    granted = {x.strip() for x in str(raw[0] if isinstance(raw, list) else raw or "").split(",") if x.strip()}
    who = f"workspace {resp.get('team')!r}, bot <@{resp.get('user_id')}>"
    if raw is None:
        return Check("slack auth", True, f"{who}; Slack did not report scopes", warn=True)
    needed = required_scopes(s.advisor_slack_least_privilege)
    missing = [x for x in needed if x not in granted]
    if missing:
        return fail(
            "slack scopes",
            f"{who}; missing scopes: {', '.join(missing)}",
            "add them under OAuth & Permissions (or recreate from `ai-advisor manifest`) and reinstall",
        )
    return Check("slack auth", True, f"{who}; all {len(needed)} scopes granted")


def check_teams(services: Services) -> Check:
    """Teams' connection settings: complete for the auth type, or anonymous mode said out loud."""
    s = services.settings
    client = s.connections__service_connection__settings__clientid
    if s.teams_missing:
        return fail(
            "teams",
            f"client id set, but not {', '.join(s.teams_missing)}: `serve-teams` will not start",
            "copy them from the bot's Entra ID app registration (Certificates & secrets, Overview → Directory ID)",
        )
    if client:
        auth = s.connections__service_connection__settings__authtype or "ClientSecret"
        return Check("teams", True, f"client id {shown(client)} with {auth} auth")
    if s.advisor_teams_anonymous:
        return Check(
            "teams", True, "ADVISOR_TEAMS_ANONYMOUS: requests without a token are accepted (local testing)", warn=True
        )
    return Check("teams", True, "not configured (`serve-teams` needs the bot's Entra ID app registration)")


def check_azure(services: Services) -> Check | None:
    """A half-set Azure OpenAI configuration (it would be ignored silently)."""
    missing = services.settings.azure_missing
    if not missing:
        return None
    return fail(
        "azure openai",
        f"some Azure OpenAI settings are set, but not {', '.join(missing)}: the model is not used",
        "set AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT, or unset them all",
    )


def check_database(services: Services) -> Check:
    """The database opens, is migrated, and takes a write."""
    ready = health.database(services)
    if not ready.ok:
        return ready
    try:
        with services.store.transaction() as db:
            db.execute(
                "insert into processed_events (key, created_at) values ('doctor:write-check', '') "
                "on conflict (key) do nothing"
            )
            db.execute("delete from processed_events where key = 'doctor:write-check'")
    except Exception as exc:
        return fail(
            "database",
            f"{services.settings.database_label} is not writable: {exc}",
            "give the app write access to ADVISOR_DATA_DIR (or set ADVISOR_DB elsewhere)",
        )
    return Check("database", True, ready.detail + ", writable")


def check_llm(services: Services) -> Check:
    """When a model is configured: one tiny call answers."""
    s = services.settings
    if not s.llm_enabled:
        return Check("llm", True, "not configured: offline wording and extraction")
    where = s.azure_openai_endpoint if s.azure_enabled else (s.openai_base_url or "api.openai.com")
    try:
        llm = services.llm
        assert llm is not None
        llm.model.invoke("Reply with OK.", max_tokens=1)
    except AdvisorError as exc:
        return fail("llm", str(exc), "fix the setting named above")
    except Exception as exc:
        return fail(
            "llm",
            f"the model at {where} did not answer: {type(exc).__name__}",
            "check OPENAI_BASE_URL / AZURE_OPENAI_ENDPOINT, the key, and ADVISOR_LLM_MODEL "
            "(or unset them to run offline)",
        )
    detail = f"{s.advisor_llm_model} at {where} answered"
    try:
        used = llm.budget.used()
    except sqlite3.Error as exc:
        return Check("llm", True, f"{detail}; today's model calls could not be read: {exc}", warn=True)
    detail += f"; today (UTC): {used['calls']} of {llm.budget.limit} model calls, ~{used['tokens']:,} tokens"
    if used["calls"] >= llm.budget.limit:
        return Check(
            "llm",
            True,
            detail + " - the daily budget is spent, so the advisor answers offline until "
            "midnight UTC (ADVISOR_LLM_DAILY_CALLS raises it)",
            warn=True,
        )
    return Check("llm", True, detail)


def check_tool_calling(services: Services) -> Check:
    """The model answers a forced tool call with one: reading facts out of messages (extraction) needs it."""
    llm = services.llm
    assert llm is not None
    probe = {
        "type": "function",
        "function": {
            "name": "record_answer",
            "description": "Record the answer.",
            "parameters": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
        },
    }
    try:
        reply = llm.model.bind_tools([probe], tool_choice="record_answer").invoke("Record the answer: yes.")
    except Exception as exc:
        status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
        return fail(
            "llm tool calling",
            f"{services.settings.advisor_llm_model} refused a tool call: "
            + (f"HTTP {status}" if status else type(exc).__name__),
            "extraction uses tool calling: pick a model (or server option) that supports it, "
            "or unset the model settings to read messages offline",
        )
    calls = getattr(reply, "tool_calls", None) or []
    if not any(c.get("name") == "record_answer" for c in calls):
        return fail(
            "llm tool calling",
            f"{services.settings.advisor_llm_model} answered without calling the tool",
            "extraction uses tool calling: pick a model (or server option, e.g. vLLM's --enable-auto-tool-choice) "
            "that supports it, or unset the model settings to read messages offline",
        )
    return Check("llm tool calling", True, "supported (used to read facts out of messages)")


def check_secret_lengths(services: Services) -> Check | None:
    """A warning for configured secrets too short to be real credentials (nor to be scrubbed from the logs)."""
    from bot.logs import MIN_SCRUBBED, SECRET_SETTINGS

    short = []
    for name in SECRET_SETTINGS:
        value = getattr(services.settings, name, None)
        if value is not None and 0 < len(value.get_secret_value()) < MIN_SCRUBBED:
            short.append(name.upper())
    if not short:
        return None
    return Check(
        "secrets",
        True,
        f"{', '.join(short)} shorter than {MIN_SCRUBBED} characters: not a real credential, and not scrubbed from "
        "the logs by value (it would garble every line)",
        warn=True,
    )


def check_logging(services: Services) -> Check:
    """ADVISOR_LOG_LEVEL names a level."""
    from bot.logs import level_of

    try:
        level_of(services.settings.advisor_log_level)
    except AdvisorError as exc:
        return fail("logging", str(exc), "set ADVISOR_LOG_LEVEL to INFO (or DEBUG to log user text too)")
    level = services.settings.advisor_log_level.upper()
    note = "; user text is logged at DEBUG" if level == "DEBUG" else ""
    return Check("logging", True, f"JSON lines at {level}{note}", warn=level == "DEBUG")


def check_queues(services: Services) -> Check:
    """Replies waiting to be posted or given up, and turns waiting to be answered."""
    counts = services.outbox.counts()
    waiting = len(services.inbox.unfinished())
    pending, dead = counts.get("pending", 0) + counts.get("sending", 0), counts.get("dead", 0)
    detail = f"{pending} repl(ies) to post, {dead} given up, {waiting} turn(s) to answer"
    if dead:
        return Check("delivery", True, detail + " (see the log lines with outcome=dead)", warn=True)
    return Check(
        "delivery", True, detail + " (posted/answered by `ai-advisor serve`)" if pending or waiting else detail
    )


def run_checks(services: Services) -> list[Check]:
    """Every check, in the order they are printed."""
    checks = [*check_tokens(services)]
    short = check_secret_lengths(services)
    if short is not None:
        checks.append(short)
    auth = check_auth(services)
    if auth is not None:
        checks.append(auth)
    checks.append(check_teams(services))
    checks.append(check_database(services))
    database_ok = checks[-1].ok
    checks.append(health.knowledge(services))
    azure = check_azure(services)
    if azure is not None:
        checks.append(azure)
    checks.append(check_llm(services))
    if checks[-1].ok and services.settings.llm_enabled:
        checks.append(check_tool_calling(services))
    checks.append(check_logging(services))
    if database_ok:
        checks.append(check_queues(services))
    return checks


def report(checks: list[Check]) -> str:
    """The checks as text, one line each, with what to fix under each failure."""
    lines = []
    for c in checks:
        mark = "FAIL" if not c.ok else ("warn" if c.warn else " ok ")
        lines.append(f"[{mark}] {c.name}: {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"       fix: {c.fix}")
    failed = sum(not c.ok for c in checks)
    lines.append("All good." if not failed else f"{failed} problem{'s' if failed != 1 else ''} to fix.")
    return "\n".join(lines)


def as_json(checks: list[Check]) -> dict[str, Any]:
    """The checks as JSON."""
    return {"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}
