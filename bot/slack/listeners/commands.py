"""The `/ai-advisor` slash command: help, start, ask, tco, status, digest (leads)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.advisor import tco
from bot.advisor.engine import APPROACH_NAMES
from bot.advisor.extract import extract
from bot.errors import AdvisorError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import messages as msg
from bot.slack.access import SlackLeads
from bot.slack.listeners.leads import respond_digest
from bot.slack.markup import plain_text
from bot.slack.replies import SlackTurn, post_reply, run_turn, told_on_failure
from bot.slack.workspace import scope_of
from bot.workflows.conversation import ConversationKey

log = logging.getLogger(__name__)

SUBCOMMANDS = ("help", "start", "ask", "tco", "status", "digest")


def parse_command(text: str) -> tuple[str, str]:
    """Split the command text into (subcommand, rest); empty text is `help`; unknown words stay as given.

    Any whitespace separates them: "start" may be followed by a new line, as in a pasted description.
    """
    parts = (text or "").split(maxsplit=1)
    return (parts[0].lower() if parts else "help"), (parts[1].strip() if len(parts) > 1 else "")


def help_text(sub: str | None = None) -> str:
    """The help message, prefixed by a note when the subcommand was not understood."""
    prefix = msg.UNKNOWN_SUBCOMMAND.format(sub=bk.clip(bk.escape(sub), 100)) if sub else ""
    return prefix + msg.HELP


def register(app: App, services: Services, leads: SlackLeads) -> None:
    """Listen to `/ai-advisor`."""

    @app.command(msg.COMMAND)
    def on_command(
        ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        # The raw text first: a digest reads its `#channel` from Slack's markup; free text is read as plain text.
        sub, raw_rest = parse_command(str(command.get("text") or ""))
        rest = plain_text(raw_rest)
        if sub == "help":
            ack(text=help_text(), response_type="ephemeral")
        elif sub == "tco":
            ack()  # reading free text is work on the user's text: never before Slack is acknowledged
            respond(response_type="ephemeral", **safe_reply(lambda: tco_reply(services, rest), "cost estimate"))
        elif sub == "status":
            ack(response_type="ephemeral", **status_reply(services, context.user_id or ""))
        elif sub == "start":
            ack()
            start(services, client, respond, context, rest)
        elif sub == "ask":
            if not rest:
                ack(text=msg.ASK_USAGE, response_type="ephemeral")
                return
            ack()
            respond(**ask_reply(services, rest))
        elif sub == "digest":
            ack()  # membership lookups may take a moment: the digest follows through the response_url
            respond_digest(services, leads, context, raw_rest, respond)
        else:
            ack(text=help_text(plain_text(sub)), response_type="ephemeral")


def safe_reply(build: Callable[[], dict[str, Any]], what: str) -> dict[str, Any]:
    """`build()`, or the generic error message (logged) when it fails: a response_url answer is never silence."""
    try:
        return build()
    except Exception:
        log.exception("%s failed", what)
        return {"text": msg.ERROR}


def tco_reply(services: Services, text: str) -> dict[str, Any]:
    """An ephemeral cost estimate from free text ("2M requests a month, 20k examples")."""
    # A cost question is about volume first: a bare "2M requests" here means a month's requests.
    read = extract(text, expecting=["monthly_requests", "labeled_examples"]) if text else None
    facts = {f.field: f.value for f in read.facts} if read else {}
    try:
        assumptions = tco.load_assumptions(services.settings.advisor_tco_config)
        est = tco.estimate(
            facts.get("monthly_requests"),
            labeled_examples=facts.get("labeled_examples"),
            changes_often=facts.get("changes_often"),
            assumptions=assumptions,
        )
    except AdvisorError as exc:
        return {"text": msg.ERROR_INPUT.format(error=bk.escape(str(exc)))}
    blocks = bk.tco_blocks(est)
    if read is not None and read.notes:  # e.g. a number beyond any real volume, ignored: say so, never silently
        blocks.insert(
            1,
            bk.ContextBlock(elements=[bk.MarkdownTextObject(text=bk.clip(bk.escape(n), 300)) for n in read.notes[:5]]),
        )
    if "monthly_requests" not in facts:
        blocks.append(bk.ContextBlock(elements=[bk.MarkdownTextObject(text=msg.TCO_USAGE)]))
    x = tco.crossover_view(est).volume
    horizon = tco.horizon_label(est.horizon_months).capitalize()
    fallback = msg.TCO_FALLBACK_CROSSOVER.format(horizon=horizon, volume=tco.format_volume(x)) if x else None
    text = fallback or msg.TCO_FALLBACK.format(horizon=horizon)
    return {"text": text, "blocks": bk.to_dicts(blocks)}


def status_reply(services: Services, user: str) -> dict[str, Any]:
    """The user's recent assessments, ephemerally."""
    rows = [c for c in services.store.conversations_for_user(user) if c.platform == "slack"]
    if not rows:
        return {"text": msg.STATUS_NONE}
    lines = [msg.STATUS_HEADER]
    for conv in rows:
        state = msg.STATUS_STATE.get(conv.state, conv.state)
        rec = services.store.latest_recommendation(conv.id)
        outcome = f" · {APPROACH_NAMES[rec.approach]} ({rec.confidence:.0%})" if rec else ""
        where = f"<#{conv.channel}>" if conv.channel.startswith(("C", "G")) else msg.STATUS_DM
        lines.append(
            msg.STATUS_LINE.format(id=conv.id, where=where, state=state, outcome=outcome, date=conv.updated_at[:10])
        )
    return {"text": "\n".join(lines)}


def start(services: Services, client: WebClient, respond: Respond, context: BoltContext, description: str) -> None:
    """Open a new thread in the command's channel for an assessment, then answer the description (if any) in it."""
    channel, user, team = context.channel_id or "", context.user_id or "", scope_of(context)
    opening = (
        msg.START_THREAD_WITH.format(user=bk.user_id(user), description=bk.safe(description, 2500))
        if description
        else msg.START_THREAD.format(user=bk.user_id(user))
    )
    try:
        posted = client.chat_postMessage(channel=channel, text=opening)
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        respond(text=msg.START_FAILED.format(error=error), response_type="ephemeral")
        return
    ts = str(posted["ts"])
    key = ConversationKey("slack", team, channel, ts)
    if description:
        run_turn(services, client, SlackTurn(key, user, description, channel, ts, ts))
        return
    with told_on_failure(client, channel, ts):
        post_reply(services, client, channel, ts, services.advisor.handle(key, user, ""))


def ask_reply(services: Services, question: str) -> dict[str, Any]:
    """A knowledge-base answer with its sources (the retrieval layer is looked up lazily)."""
    try:
        from bot.knowledge.ask import ask

        found = ask(question, services.knowledge, services.llm)
        text, citations = found.text, found.citations
    except (ImportError, AttributeError):
        return {"text": msg.ASK_UNAVAILABLE, "response_type": "ephemeral"}
    except AdvisorError as exc:
        return {"text": msg.ERROR_INPUT.format(error=bk.escape(str(exc))), "response_type": "ephemeral"}
    except Exception:
        log.exception("knowledge answer failed")
        return {"text": msg.ERROR, "response_type": "ephemeral"}
    if not text:
        return {"text": msg.ASK_NOTHING, "response_type": "ephemeral"}
    numbered = found.wording == "llm"  # the model's prose cites passages as [1], [2]
    sources = "; ".join((f"[{n}] " if numbered else "") + _citation(c) for n, c in enumerate(citations or [], 1))
    blocks: list[Any] = [bk.section(bk.escape(str(text)))]
    notes = [msg.ASK_SOURCES.format(sources=sources)] if sources else []
    if found.wording == "llm":
        notes.append(msg.ASK_BY_MODEL)
    elif found.templates:  # a model is configured but its answer was not used
        notes.append(msg.ASK_OFFLINE)
    if notes:
        blocks.append(bk.ContextBlock(elements=[bk.MarkdownTextObject(text=bk.clip(n, bk.FIELD_MAX)) for n in notes]))
    return {"text": bk.clip(bk.escape(str(text)), 3000), "blocks": bk.to_dicts(blocks), "response_type": "ephemeral"}


def _citation(c: Any) -> str:
    if isinstance(c, dict):
        source, section = c.get("source", ""), c.get("section", "")
    else:
        source, section = getattr(c, "source", str(c)), getattr(c, "section", "")
    return bk.escape(f"{source} § {section}" if section else str(source))
