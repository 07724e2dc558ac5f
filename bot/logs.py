"""Structured logs: one JSON object per line, secrets scrubbed, user text only when ADVISOR_LOG_LEVEL=DEBUG.

Code logs events with `extra={"event": ..., "conversation_id": ..., "latency_ms": ..., "outcome": ...}`; any
other `extra` key listed in EVENT_FIELDS becomes a JSON field too. A `text` field (what the user said) is written
only at DEBUG. Every message, field and traceback passes through the secret filter: the configured tokens, signing
secret and API keys are replaced by name, and anything shaped like a token is redacted as well.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import sys
from collections.abc import Callable, Iterable
from logging.handlers import QueueHandler, QueueListener
from typing import Any, TextIO
from urllib.parse import urlsplit

from bot.config import Settings
from bot.errors import InputError
from bot.redact import redact

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
EVENT_FIELDS = (
    "event",
    "conversation_id",
    "platform",
    "kind",
    "outcome",
    "latency_ms",
    "queued_ms",
    "attempts",
    "outbox_id",
    "inbox_id",
    "retry_in_s",
    "status",
    "error",
)
USER_TEXT_FIELDS = ("text",)
# Libraries that are chatty below WARNING, and whose debug lines carry request bodies.
QUIET = ("urllib3", "httpx", "httpcore", "openai", "waitress.queue", "markdown_it")


def level_of(name: str) -> int:
    """The logging level for an ADVISOR_LOG_LEVEL value; InputError when it isn't one."""
    upper = name.strip().upper()
    if upper not in LEVELS:
        raise InputError(f"invalid setting: ADVISOR_LOG_LEVEL={name!r}; choose one of {', '.join(LEVELS)}")
    return int(logging.getLevelName(upper))


# A secret shorter than this is not replaced by value: it would garble every log line its characters occur in
# (a one-character secret replaces that character everywhere). `ai-advisor doctor` warns about such secrets.
MIN_SCRUBBED = 8


SECRET_SETTINGS = (
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "slack_client_secret",
    "slack_state_secret",
    "openai_api_key",
    "azure_openai_api_key",
    "connections__service_connection__settings__clientsecret",
)


def secrets_of(settings: Settings) -> dict[str, str]:
    """The configured secret values by setting name (empty and too short ones left out)."""
    out: dict[str, str] = {}
    for name in SECRET_SETTINGS:
        value = getattr(settings, name, None)
        if value is not None and len(value.get_secret_value()) >= MIN_SCRUBBED:
            out[name.upper()] = value.get_secret_value()
    if settings.database_url is not None:  # the URL, and its password wherever it shows up alone
        url = settings.database_url.get_secret_value()
        out["DATABASE_URL"] = url
        password = urlsplit(url).password
        if password and len(password) >= 4:  # a shorter one would garble every log line it occurs in
            out["DATABASE_URL_PASSWORD"] = password
    return out


class Scrubber:
    """Replaces known secret values (by their setting name) and token-shaped strings."""

    def __init__(self, secrets: dict[str, str] | None = None) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted((secrets or {}).items(), key=lambda kv: -len(kv[1]))

    def __call__(self, text: str) -> str:
        for name, value in self.secrets:
            if value in text:
                text = text.replace(value, f"[{name}]")
        return redact(text, ("api_key",))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the event fields, and a traceback if any."""

    def __init__(self, scrub: Scrubber | None = None, *, user_text: bool = False) -> None:
        super().__init__()
        self.scrub = scrub or Scrubber()
        self.user_text = user_text

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.scrub(record.getMessage()),
        }
        fields = EVENT_FIELDS + (USER_TEXT_FIELDS if self.user_text else ())
        for name in fields:
            value = record.__dict__.get(name)
            if value is not None:
                out[name] = self.scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            out["exception"] = self.scrub(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


_HANDLER_NAME = "ai-advisor-json"


def configure(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON lines at ADVISOR_LOG_LEVEL; returns the handler."""
    level = level_of(settings.advisor_log_level)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter(Scrubber(secrets_of(settings)), user_text=level <= logging.DEBUG))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler


class _Handoff(QueueHandler):
    """Hands records over as they are: the writing thread formats (and scrubs) them."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


# How long the writing thread lets records gather after the first one before writing them all: every wake-up of a
# thread costs the serving process CPU (a card logs three records some ms apart), and a log line is not urgent.
LINGER = 0.05  # seconds
_END = getattr(QueueListener, "_sentinel", None)  # what QueueListener.stop() queues for its thread to end on


class _BatchListener(QueueListener):
    """The thread that writes handed-over records: it wakes for the first record, waits `linger` for more, then
    writes everything queued (in order), so a burst of records costs one wake-up instead of one each."""

    def __init__(self, records: queue.SimpleQueue[Any], handler: logging.Handler, linger: float) -> None:
        super().__init__(records, handler)
        self.linger = linger
        self._stopping: queue.SimpleQueue[bool] = queue.SimpleQueue()  # a stop cuts a linger short

    def _monitor(self) -> None:
        while True:
            batch = [self.dequeue(True)]
            if batch[0] is not _END:
                try:
                    self._stopping.get(timeout=self.linger)
                    self._stopping.put(True)  # stopping: no later batch lingers either
                except queue.Empty:
                    pass
            while True:
                try:
                    batch.append(self.dequeue(False))
                except queue.Empty:
                    break
            for record in batch:
                if record is _END:
                    return
                self.handle(record)

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        self._stopping.put(True)
        super().stop()


def write_in_background(linger: float = LINGER) -> Callable[[], None]:
    """While serving: records go to a thread that formats, scrubs and writes them, so a request being acknowledged
    never waits for the log stream or for the handler's lock (held by whichever thread writes); returns the function
    that writes what is left and puts the handler back. The thread writes what gathered within `linger` seconds
    of a first record at once; a SIGKILL loses the lines not written yet (up to `linger`'s worth)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        return lambda: None
    records: queue.SimpleQueue[Any] = queue.SimpleQueue()
    front = _Handoff(records)
    writer = _BatchListener(records, handler, linger)
    writer.start()
    root.addHandler(front)
    root.removeHandler(handler)

    def stop() -> None:
        root.addHandler(handler)
        root.removeHandler(front)
        writer.stop()

    return stop


def parse_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    """JSON log lines back into dicts (other lines are skipped); for tests and tooling."""
    out = []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out
