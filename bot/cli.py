"""The `ai-advisor` command: thin commands over the library.

Each command imports what it uses when it runs: `--help`, `tco` or `assess` must not pay for Bolt, LangChain,
the Agents SDK or the store (tests/test_imports.py checks what a plain `import bot.cli` loads).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bot.errors import AdvisorError
from bot.text import one_line, strip_controls

if TYPE_CHECKING:
    from bot.advisor.questions import Question
    from bot.advisor.tco import TcoAssumptions
    from bot.services import Services
    from bot.workflows.conversation import Reply

F = TypeVar("F", bound=Callable[..., Any])

# pydantic looks for plugins when it builds its first model: an entry-point scan of every installed distribution
# (~5% of a one-shot `assess`). The advisor uses none. To use one, set PYDANTIC_DISABLE_PLUGINS in the environment
# (to "" for all plugins): this only fills in an unset variable.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def friendly_errors(fn: F) -> F:
    """Show advisor errors, and files that can't be read or written, as one clean line (never a traceback)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AdvisorError as exc:
            raise click.ClickException(one_line(str(exc))) from exc
        except OSError as exc:  # e.g. `export -o` into a directory that doesn't exist or isn't writable
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(one_line(f"{where}{exc.strerror or exc}")) from exc

    return wrapper  # type: ignore[return-value]


def services() -> Services:
    """The process's services, built from the environment."""
    from pydantic import ValidationError

    from bot.config import Settings
    from bot.services import Services

    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    if not isinstance(obj, Services):
        try:
            obj = Services(Settings())
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            raise click.ClickException(f"invalid setting: {problems}") from None
        except AdvisorError as exc:  # e.g. a <NAME>_FILE secret that cannot be read
            raise click.ClickException(one_line(str(exc))) from None
        ctx.find_root().obj = obj
    return obj


@click.group()
@click.version_option(package_name="ai-advisor")
def main() -> None:
    """AI Advisor: fine-tune, prompt-engineer, or both? Runs offline; Slack when tokens are set."""


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """The main job: the Slack app when Slack tokens are set, otherwise a terminal conversation."""
    settings = services().settings
    if settings.slack_enabled:
        ctx.invoke(serve)
    else:
        click.echo(
            "No Slack tokens set (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET or SLACK_APP_TOKEN): "
            "starting the terminal conversation.\n"
        )
        ctx.invoke(chat, today=None)


def _today(value: dt.date | dt.datetime | None) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


TODAY_OPTION = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help='Date that relative deadlines count from ("by March", "next quarter"), YYYY-MM-DD; default: today.',
)


@main.command()
@TODAY_OPTION
@friendly_errors
def chat(today: dt.datetime | None) -> None:
    """Talk to the advisor in the terminal (the same conversation as in Slack)."""
    from bot.advisor.report import text_card
    from bot.workflows.conversation import ConversationKey

    svc = services()
    svc.advisor.today = _today(today)
    key = ConversationKey("cli", "local", os.environ.get("USER", "user"), f"chat-{os.getpid()}-{id(svc)}")
    click.echo(
        "Describe the AI feature you want to build. "
        "Commands: recommend now, why?, new project: …, new (or restart), quit."
    )
    while True:
        try:
            text = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        if text.strip().lower() in {"quit", "exit", ":q"}:
            return
        try:
            reply = svc.advisor.handle(key, "cli-user", text)
        except AdvisorError as exc:
            click.echo(f"advisor> {exc}")
            continue
        if reply.kind == "recommendation" and reply.recommendation:
            for note in reply.notes:
                click.echo(f"advisor> {terminal_text(note)}")
            click.echo(text_card(reply.recommendation))
            click.echo(f"  Assessment {reply.conversation_id} (for `ai-advisor summary {reply.conversation_id}`)")
            chart = svc.settings.advisor_data_dir / "charts" / f"{reply.conversation_id}-{reply.recommendation_id}.png"
            try:
                chart.parent.mkdir(parents=True, exist_ok=True)
                _write_chart(reply.recommendation.tco, chart)
                click.echo(f"  Cost chart: {chart}")
            except (OSError, click.ClickException) as exc:
                click.echo(f"  (no cost chart: {getattr(exc, 'message', None) or exc})")
            click.echo('advisor> Ask "why?", correct an answer, or type quit.')
        else:
            shows_notes = reply.kind == "questions" and not reply.worded  # a round from its parts ends with them
            for note in [] if shows_notes else reply.notes:
                if note not in reply.text:  # e.g. "A new project: a new assessment …" (Slack and Teams show notes too)
                    click.echo(f"advisor> {terminal_text(note)}")
            _echo_reply(reply)


def _echo_reply(reply: Reply) -> None:
    """A message, or a question round from its parts: the intro, each question with its example answers right
    under it, then the notes (a round a model reworded is shown in its wording, the examples after it)."""
    if reply.kind != "questions" or reply.worded:
        click.echo(f"advisor> {terminal_text(reply.text)}")
        for hint in filter(None, map(_hint, reply.questions)):
            click.echo(f"          ({hint})")
        return
    rows = [terminal_text(reply.intro)] if reply.intro else []
    for n, question in enumerate(reply.questions, 1):
        rows.append(terminal_text(f"{n}. {question.text}"))
        if hint := _hint(question):  # a confirming question has none: answered in words
            rows.append(f"          ({hint})")
    rows += [terminal_text(f"_{note}_") for note in reply.notes]
    for n, row in enumerate(rows):
        click.echo(f"{'advisor> ' if n == 0 else ''}{row}")


def _hint(question: Question) -> str:
    return question.hint or " / ".join(a.label for a in question.quick_answers)


# Compiled on first use (`re` caches it): most commands never print chat markup.
_EMPHASIS = r"(?<![\w*])\*([^*\n]{1,200})\*(?![\w*])|(?<![\w_])_([^_\n]{1,200})_(?![\w_])"


def terminal_text(text: str) -> str:
    """Chat markup (*bold*, _italic_) as terminal text: bold when the terminal shows it, the words either way."""
    return re.sub(_EMPHASIS, lambda m: click.style(m.group(1), bold=True) if m.group(1) else m.group(2), text)


def _jsonl(key: str, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Read JSON lines with a string `key` on stdin; write one result (or an error naming the line) per line."""
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        item: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get(key), str):
                raise ValueError(f'each line needs a "{key}" string')
            out = handle(item)
        except (ValueError, AdvisorError) as exc:
            out = {"id": item.get("id") if isinstance(item, dict) else None, "line": n, "error": str(exc)}
        click.echo(json.dumps(out, ensure_ascii=False))


def _assessment_id(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """An assessment id as printed ("3f9a0c1b2d4e"), also when pasted with spaces around it or in capitals."""
    return value.strip().lower()


def _read_text(text: str) -> str:
    if text != "-":
        return text
    try:
        return sys.stdin.buffer.read().decode("utf-8")  # strictly: bytes that are not text are refused, not guessed
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"stdin is not UTF-8 text (byte {exc.start}); give the description as text") from exc


@main.command()
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.option("--jsonl", is_flag=True, help='Read {"id","text"} lines on stdin; write one JSON assessment per line.')
@TODAY_OPTION
@friendly_errors
def assess(text: str | None, as_json: bool, jsonl: bool, today: dt.datetime | None) -> None:
    """One-shot assessment of TEXT (or - for stdin), without follow-up questions."""
    from bot.advisor.report import assessment_json, text_card

    advisor = services().assessor
    advisor.today = _today(today)
    if jsonl:

        def one(item: dict[str, Any]) -> dict[str, Any]:
            rec, intake, notes = advisor.assess(item["text"])
            return assessment_json(rec, intake, id=item.get("id"), notes=notes)

        _jsonl("text", one)
        return
    if text is None:
        raise click.UsageError("give TEXT, - to read stdin, or --jsonl")
    rec, intake, notes = advisor.assess(_read_text(text))
    if as_json:
        click.echo(json.dumps(assessment_json(rec, intake, notes=notes), indent=2, ensure_ascii=False))
    else:
        for note in notes:
            click.echo(f"note: {note}")
        click.echo(text_card(rec))


@main.command("tco")
@click.option("--requests", "monthly_requests", type=click.IntRange(min=0), help="Requests per month.")
@click.option("--examples", "labeled_examples", type=click.IntRange(min=0), help="Labeled examples you have.")
@click.option("--changes-often/--stable", default=None, help="Whether the task changes often (re-tuning cadence).")
@click.option("--config", "config", type=click.Path(path_type=Path, dir_okay=False), help="YAML/JSON assumptions.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override one assumption.")
@click.option("--use-case", "use_case", help="What it does, e.g. 'contract review' (sets tokens per request).")
@click.option("--latency-ms", "latency_ms", type=click.IntRange(min=1), help="p95 latency target in milliseconds.")
@click.option("--prompt-model", "prompt_model", metavar="NAME", help="Price preset of the prompted model.")
@click.option("--tune-model", "tune_model", metavar="NAME", help="Price preset of the fine-tuned model.")
@click.option("--self-host-model", "self_host_model", metavar="NAME", help="Open-weight preset for self-hosting.")
@click.option("--list-models", is_flag=True, help="Print the price presets with their dates and sources.")
@click.option("--explain", is_flag=True, help="Print every assumption with its value, source and date.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.option(
    "--chart",
    "chart_file",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Also draw the cost chart (PNG): cost per approach against monthly volume, crossover marked.",
)
@friendly_errors
def tco_cmd(
    monthly_requests: int | None,
    labeled_examples: int | None,
    changes_often: bool | None,
    config: Path | None,
    overrides: tuple[str, ...],
    use_case: str | None,
    latency_ms: int | None,
    prompt_model: str | None,
    tune_model: str | None,
    self_host_model: str | None,
    list_models: bool,
    explain: bool,
    as_json: bool,
    chart_file: Path | None,
) -> None:
    """3-year cost of prompting, fine-tuning and hybrid (and self-hosted and distillation shapes), and the crossover.

    Presets (--prompt-model, --tune-model, --self-host-model) set a model's dated prices; --config and --set
    override single assumptions after them.
    """
    from bot.advisor import prices, tco
    from bot.advisor.engine import profile_for
    from bot.advisor.intake import MAX_EXAMPLES, MAX_REQUESTS, IntakeValues

    # The intake's bounds, checked here rather than in tco.estimate, which crossover searches call with more.
    for flag, count, most in (
        ("--requests", monthly_requests, MAX_REQUESTS),
        ("--examples", labeled_examples, MAX_EXAMPLES),
    ):
        if count is not None and count > most:
            raise click.ClickException(f"{flag} {count:,} is beyond any real workload (at most {most:,}).")
    pairs: dict[str, Any] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: use NAME=VALUE", param_hint="--set")
        try:
            pairs[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"{item!r}: {value!r} is not a number", param_hint="--set") from None
    if list_models:
        _print_models(as_json)
        return
    presets = prices.preset_values(prompt_model, tune_model, self_host_model)
    assumptions = tco.load_assumptions(config or services().settings.advisor_tco_config, {**presets, **pairs})
    if explain:
        _print_assumptions(assumptions, as_json)
        return
    described = use_case or latency_ms
    profile = profile_for(IntakeValues(use_case=use_case, latency_p95_ms=latency_ms)) if described else None
    est = tco.estimate(
        monthly_requests,
        labeled_examples=labeled_examples,
        changes_often=changes_often,
        assumptions=assumptions,
        profile=profile,
    )
    if chart_file is not None:
        _write_chart(est, chart_file)
    if as_json:
        click.echo(est.model_dump_json(indent=2))
        return
    vol = tco.format_volume(est.monthly_requests) + (" (assumed)" if est.volume_assumed else "")
    months = f"{est.horizon_months:g} months"
    click.echo(f"{tco.horizon_label(est.horizon_months)} cost at {vol} requests/month")
    for name, cost in est.approaches.items():
        click.echo(
            f"  {name:<20} one-time {tco.format_usd(cost.one_time_usd):>8}   monthly "
            f"{tco.format_usd(cost.monthly_usd):>8}   "
            f"{months} {tco.format_usd(cost.total_usd):>8}"
        )
    for shape, cost in est.shapes.items():
        click.echo(
            f"  {shape:<20} one-time {tco.format_usd(cost.one_time_usd):>8}   monthly "
            f"{tco.format_usd(cost.monthly_usd):>8}   "
            f"{months} {tco.format_usd(cost.total_usd):>8}   ({tco.shape_label(est, shape)})"
        )
    statement = tco.crossover_statement(est)
    click.echo(statement)
    click.echo(tco.models_line(est))
    click.echo(tco.shapes_line(est))
    click.echo(tco.sources_summary(assumptions))
    for note in est.notes:
        if note != statement:  # the estimate's notes end with the same statement
            click.echo(f"note: {note}")
    if chart_file is not None:
        click.echo(f"Chart: {chart_file}", err=as_json)


def _print_models(as_json: bool) -> None:
    """The price presets: name, kind, prices, hosted fine-tuning and whether it is still offered, date, source."""
    from bot.advisor import prices

    rows = prices.model_rows()
    if as_json:
        click.echo(json.dumps([row.model_dump() for row in rows], indent=2, ensure_ascii=False))
        return
    click.echo(f"{'model':<14} {'kind':<12} {'as of':<8} prices")
    for row in rows:
        click.echo(f"{row.name:<14} {row.kind:<12} {row.as_of:<8} {row.prices}")
        click.echo(f"{'':<36}fine-tuning: {row.fine_tuning}")
        click.echo(f"{'':<36}source: {row.source}" + (f" {row.url}" if row.url else ""))


def _write_chart(est: Any, path: Path) -> None:
    """Draw the estimate's cost chart to `path` (a clean error when it can't be written)."""
    from bot.workflows.chart import ChartError, render_png

    try:
        path.write_bytes(render_png(est))
    except ChartError as exc:
        raise click.ClickException(f"Cannot draw the chart: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"Cannot write the chart to {path}: {exc.strerror or exc}") from None


def _print_assumptions(assumptions: TcoAssumptions, as_json: bool) -> None:
    """Every TCO assumption: value in use (and the default when overridden), source, date, URL and note."""
    from bot.advisor import tco

    rows = tco.explain(assumptions)
    if as_json:
        click.echo(json.dumps([row.model_dump() for row in rows], indent=2, ensure_ascii=False))
        return
    for row in rows:
        changed = "" if row.value == row.default else f"  (default {row.default:g})"
        click.echo(f"{row.name} = {row.value:g}{changed}")
        click.echo(f"    {row.description}")
        click.echo(f"    source: {row.source} ({row.date})" + (f" {row.url}" if row.url else ""))
        if row.note:
            click.echo(textwrap.fill(row.note, width=100, initial_indent="    ", subsequent_indent="    "))


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Re-index every file, changed or not.")
@friendly_errors
def index_cmd(rebuild: bool) -> None:
    """Build or refresh the knowledge index (only new, changed and deleted files are re-indexed)."""
    knowledge = services().knowledge
    report = knowledge.ensure_fresh(force=True) if rebuild else knowledge.last_report
    report = report or knowledge.ensure_fresh()
    click.echo(f"Knowledge index {knowledge.path}: {report.summary()}")
    for source in report.indexed:
        click.echo(f"  indexed {source}")
    for source in report.removed:
        click.echo(f"  removed {source}")
    for source, error in report.errors.items():
        click.echo(f"warning: {source}: {error} (not searchable)", err=True)


@main.command()
@click.argument("query", nargs=-1)
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
@click.option("--jsonl", is_flag=True, help='Read {"id","q"} lines on stdin; write {"id","results"} per line.')
@friendly_errors
def search(query: tuple[str, ...], k: int, as_json: bool, jsonl: bool) -> None:
    """Search the knowledge base for QUERY and show the best passages with their sources."""
    from bot.knowledge import query as knowledge_query

    knowledge = services().knowledge
    if jsonl:
        _jsonl(
            "q", lambda item: {"id": item.get("id"), "results": [p.to_dict() for p in knowledge.search(item["q"], k)]}
        )
        return
    text = " ".join(query).strip()
    if not knowledge_query.query_terms(text):
        raise click.UsageError("give a QUERY with a few words in it (or --jsonl to read queries on stdin)")
    passages = knowledge.search(text, k)
    if as_json:
        click.echo(
            json.dumps({"query": text, "results": [p.to_dict() for p in passages]}, indent=2, ensure_ascii=False)
        )
        return
    if not passages:
        click.echo(f"No passages match {text!r}.")
    for i, p in enumerate(passages, 1):
        click.echo(f"{i}. {p.source} § {p.section}  (score {p.score:.2f})")
        click.echo(f"   {knowledge_query.best_quote(p.text, text, 300)}\n")


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the answer and its citations as JSON.")
@friendly_errors
def ask(question: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION from the knowledge base, citing its sources (quoted offline; prose with a model)."""
    from bot.knowledge.ask import ask as answer_question

    text = " ".join(question)
    svc = services()
    found = answer_question(text, svc.knowledge, svc.llm)
    if as_json:
        click.echo(json.dumps(found.as_dict(text), indent=2, ensure_ascii=False))
        return
    click.echo(found.text)
    if found.citations:
        click.echo("\nSources:")
        for n, c in enumerate(found.citations, 1):
            mark = f"[{n}]" if found.wording == "llm" else "-"  # the model's text cites passages by number
            click.echo(f"  {mark} {c.source} § {c.section}")
    if found.wording == "llm":
        click.echo("\n(written by the model from these sources only)")
    elif found.templates:
        click.echo("\n(wording produced offline: the model's answer was not used)")


WAIT_FOR_LOCK_OPTION = click.option(
    "--wait-for-lock",
    is_flag=True,
    help="If another process serves this SQLite database, wait for it to exit instead of refusing to start.",
)


def single_node(command: str, wait: bool) -> AbstractContextManager[object]:
    """Hold the SQLite database for this serving process (DatabaseInUseError if another one serves it)."""
    import logging

    from bot.storage.single_node import SingleNodeLock

    settings = services().settings
    if getattr(settings, "database_url", None) or str(settings.db_path) == ":memory:":
        return nullcontext()  # PostgreSQL: replicas share the database and claim work with row locks
    log = logging.getLogger(__name__)
    return SingleNodeLock(settings.db_path, command).acquire(
        wait=wait, on_wait=lambda holder: log.info("waiting for %s to exit", holder.describe())
    )


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True, help="HTTP port.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on (HTTP mode).")
@click.option("--socket", "socket_mode", is_flag=True, help="Use Socket Mode (default when SLACK_APP_TOKEN is set).")
@click.option(
    "--health-port",
    type=click.IntRange(1, 65535),
    help="Socket Mode: serve GET /healthz, /readyz and /metrics on this port (HTTP mode serves them on --port, "
    "so there it may only repeat --port: one command line for both modes, as in the container image).",
)
@WAIT_FOR_LOCK_OPTION
@friendly_errors
def serve(port: int, host: str, socket_mode: bool, health_port: int | None, wait_for_lock: bool) -> None:
    """Run the Slack app: HTTP mode at POST /slack/events (+ GET /healthz, /readyz), or Socket Mode."""
    from bot.allocator import limit_arenas
    from bot.logs import configure as configure_logging

    limit_arenas()  # before any thread starts allocating
    svc = services()
    settings = svc.settings
    configure_logging(settings)  # JSON lines on stderr, secrets scrubbed
    socket_mode = socket_mode or settings.slack_app_token is not None
    if socket_mode and settings.slack_app_token is None:
        raise click.ClickException("Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write).")
    if health_port is not None and not socket_mode and health_port != port:
        raise click.UsageError("--health-port is for Socket Mode; HTTP mode serves /healthz on --port")
    with single_node("serve", wait_for_lock), slack_start_errors(settings.slack_api_url):
        _serve_slack(svc, socket_mode, host, port, health_port)


@contextmanager
def slack_start_errors(api_url: str) -> Iterator[None]:
    """Slack refusing the tokens, or not answering, at start-up: one line saying what to check (no traceback)."""
    import socket
    from urllib.error import URLError

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        yield
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        raise click.ClickException(
            f"Slack refused to start the app ({error}): check SLACK_BOT_TOKEN and SLACK_APP_TOKEN "
            "(reinstall the app and copy them again), then run `ai-advisor doctor`"
        ) from None
    except (BoltError, SlackClientError) as exc:
        raise click.ClickException(f"the Slack app could not start: {one_line(str(exc))}") from None
    except (URLError, ConnectionError, TimeoutError, socket.gaierror) as exc:  # Slack's Web API not reachable
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise click.ClickException(
            f"cannot reach Slack at {api_url} ({reason}): check the network, a proxy, or SLACK_API_URL"
        ) from None


def _serve_slack(svc: Services, socket_mode: bool, host: str, port: int, health_port: int | None) -> None:
    from bot.slack.app import build_app
    from bot.slack.serve import serve_http, serve_socket_mode

    settings = svc.settings
    app = build_app(svc, socket_mode=socket_mode)
    if socket_mode:
        assert settings.slack_app_token is not None
        health = (host, health_port) if health_port is not None else None
        serve_socket_mode(app, settings.slack_app_token.get_secret_value(), health=health)
    else:
        assert settings.slack_signing_secret is not None  # build_app checked
        serve_http(app, settings.slack_signing_secret.get_secret_value(), host=host, port=port)


@main.command()
@click.option("--url", help="Your public base URL or request URL, e.g. https://advisor.example.com")
@click.option("--socket", "socket_mode", is_flag=True, help="Socket Mode: no request URLs needed.")
@click.option(
    "--least-privilege",
    is_flag=True,
    help="Mentions, DMs and the assistant panel only: no *:history scopes for channels, no channel message events "
    "(set ADVISOR_SLACK_LEAST_PRIVILEGE=true too).",
)
@click.option(
    "--oauth",
    is_flag=True,
    help="OAuth mode: installable in many workspaces and org-wide in Enterprise Grid, rotating tokens "
    "(needs --url; set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET).",
)
@friendly_errors
def manifest(url: str | None, socket_mode: bool, least_privilege: bool, oauth: bool) -> None:
    """Print the Slack app manifest for "Create app from manifest"."""
    from bot.slack.manifest import manifest as build_manifest

    data = build_manifest(url, socket_mode=socket_mode, least_privilege=least_privilege, oauth=oauth)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@friendly_errors
def doctor(as_json: bool) -> None:
    """Check the configuration (tokens, Slack scopes, database, knowledge, model) and say what to fix."""
    from bot.doctor import as_json as checks_json
    from bot.doctor import report, run_checks

    checks = run_checks(services())
    click.echo(json.dumps(checks_json(checks), indent=2) if as_json else report(checks))
    if not all(c.ok for c in checks):
        sys.exit(1)


@main.command("serve-teams")
@click.option("--port", type=click.IntRange(1, 65535), default=3978, show_default=True, help="HTTP port.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@WAIT_FOR_LOCK_OPTION
@friendly_errors
def serve_teams(port: int, host: str, wait_for_lock: bool) -> None:
    """Run the Microsoft Teams agent at POST /api/messages (+ GET /healthz, /readyz)."""
    from bot.logs import configure as configure_logging
    from bot.teams.serve import serve as serve_teams_http

    svc = services()
    configure_logging(svc.settings)  # JSON lines on stderr, secrets scrubbed (as `serve`)
    with single_node("serve-teams", wait_for_lock):
        serve_teams_http(svc, host=host, port=port)


@main.command()
@click.argument("conversation_id", callback=_assessment_id)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@friendly_errors
def summary(conversation_id: str, as_json: bool) -> None:
    """The leads' summary of one stored assessment (by the id shown on its card or in `status`)."""
    from bot.workflows.summary import build_summary, summary_text

    svc = services()
    result = build_summary(svc.store, conversation_id, llm=svc.llm)
    click.echo(result.model_dump_json(indent=2) if as_json else strip_controls(summary_text(result)))


@main.command()
@click.argument("conversation_id", callback=_assessment_id)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@friendly_errors
def record(conversation_id: str, output: Path | None) -> None:
    """A decision record (Markdown ADR) of one assessment: context, options with 3-year cost, decision, sources."""
    from bot.workflows.record import decision_record

    text = decision_record(services().store, conversation_id)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"Wrote the decision record of {conversation_id} to {output}", err=True)


@main.command()
@click.option("--since", default="30d", show_default=True, help="Look-back window: 7d, 30d, 2w or all.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--platform", type=click.Choice(["slack", "teams", "cli"]), help="Only this platform.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@friendly_errors
def export(since: str, fmt: str, platform: str | None, output: Path | None) -> None:
    """Export assessments for admins: approach, confidence, decision, feedback, crossover (no transcripts)."""
    from bot.workflows.digest import export_rows, export_text, parse_period

    rows = export_rows(services().store, platform=platform, period=parse_period(since))
    text = export_text(rows, "json" if fmt == "json" else "csv")
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(rows)} assessments to {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


@main.command("backup")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@friendly_errors
def backup_cmd(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE while the app runs (PostgreSQL: use pg_dump, see the README)."""
    from bot.storage.backup import backup

    settings = services().settings
    if getattr(settings, "database_url", None):
        raise click.ClickException("the database is PostgreSQL (DATABASE_URL): back it up with pg_dump (README)")
    result = backup(settings.db_path, file, overwrite=force)
    click.echo(f"Backed up {settings.db_path} to {result.path} ({result.size:,} bytes, {result.tables} tables).")


@main.command()
@click.option("--older-than", "older_than", required=True, help="Age of the conversations to delete, e.g. 180d.")
@click.option(
    "--keep-counts/--no-keep-counts",
    default=None,
    help="Keep anonymised counts per month and approach (default: ADVISOR_PURGE_KEEP_COUNTS, on).",
)
@friendly_errors
def purge(older_than: str, keep_counts: bool | None) -> None:
    """Delete transcripts, intakes, recommendations, feedback and decisions older than a period."""
    from bot.workflows.digest import parse_period

    period = parse_period(older_than)
    if period.since is None:
        raise click.BadParameter("give an age such as 180d ('all' is not an age)", param_hint="--older-than")
    svc = services()
    keep = svc.settings.advisor_purge_keep_counts if keep_counts is None else keep_counts
    deleted = svc.store.purge(period.since_iso or "", keep_counts=keep)
    _forget_charts(svc)
    click.echo(
        f"Deleted {deleted} conversation{'s' if deleted != 1 else ''} not updated in the {period.label}"
        + (" (anonymised counts kept)." if keep and deleted else ".")
    )


def _forget_charts(svc: Services) -> None:
    """Delete the cost charts `chat` wrote for conversations the store no longer has (they show the user's volume)."""
    from bot.errors import NotFoundError

    for chart in (svc.settings.advisor_data_dir / "charts").glob("*.png"):
        try:
            svc.store.get_conversation(chart.stem.rsplit("-", 1)[0])
        except NotFoundError:
            chart.unlink(missing_ok=True)
