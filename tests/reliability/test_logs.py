"""Structured logs: one JSON object per line, secrets scrubbed, user text only at DEBUG; and the leak scan
that checks the whole test session can actually see a leak."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.errors import InputError
from bot.logs import QUIET, configure, level_of, parse_lines, write_in_background
from tests.leaks import Leaks, LogScan, check_call
from tests.tokens import APP_TOKEN, BOT_TOKEN, OPENAI_KEY, SECRETS, SIGNING_SECRET


def settings(level: str = "INFO") -> Settings:
    return Settings(
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_app_token=SecretStr(APP_TOKEN),
        openai_api_key=SecretStr(OPENAI_KEY),
        advisor_log_level=level,
    )


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, list[logging.Handler]]]:
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    added: list[logging.Handler] = []
    quiet = {name: logging.getLogger(name).level for name in QUIET}
    yield stream, added
    for handler in added:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def isolated(name: str, handler: logging.Handler) -> logging.Logger:
    """A logger whose records reach only `handler`: not the session-wide leak scan (they leak on purpose)."""
    log = logging.getLogger(name)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    return log


def log_turn(log: logging.Logger) -> None:
    log.info(
        "turn answered",
        extra={
            "event": "turn",
            "conversation_id": "c1",
            "latency_ms": 12.5,
            "outcome": "questions",
            "text": "our secret project Falcon",
        },
    )


def test_one_json_line_per_event_with_the_event_fields(captured: tuple[io.StringIO, list[logging.Handler]]) -> None:
    stream, added = captured
    added.append(configure(settings(), stream))
    log_turn(logging.getLogger("bot.slack.replies"))
    logging.getLogger("bot.storage.outbox").warning(
        "message not delivered: %s", "ratelimited", extra={"event": "delivery", "outcome": "retry", "attempts": 2}
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = parse_lines(lines)
    assert first["event"] == "turn" and first["conversation_id"] == "c1" and first["latency_ms"] == 12.5
    assert first["outcome"] == "questions" and first["level"] == "INFO" and first["logger"] == "bot.slack.replies"
    assert "text" not in first and "Falcon" not in stream.getvalue()  # user text only at DEBUG
    assert second["message"] == "message not delivered: ratelimited" and second["attempts"] == 2


def test_the_background_writer_batches_records_and_writes_them_all_in_order_when_stopped(
    captured: tuple[io.StringIO, list[logging.Handler]],
) -> None:
    stream, added = captured
    added.append(configure(settings(), stream))
    stop = write_in_background(linger=600)  # a linger longer than the test: only stopping writes them
    log = logging.getLogger("bot.slack.replies")
    for n in range(5):
        log.info("turn answered", extra={"event": "turn", "attempts": n})
    assert stream.getvalue() == ""  # gathered, not written one by one
    stop()
    assert [line["attempts"] for line in parse_lines(stream.getvalue().splitlines())] == [0, 1, 2, 3, 4]
    log.info("after", extra={"event": "turn", "attempts": 5})  # the handler is back: written at once
    assert parse_lines(stream.getvalue().splitlines())[-1]["attempts"] == 5


def test_debug_adds_user_text(captured: tuple[io.StringIO, list[logging.Handler]]) -> None:
    stream, added = captured
    added.append(configure(settings("debug"), stream))
    log_turn(logging.getLogger("bot.slack.replies"))
    assert parse_lines(stream.getvalue().splitlines())[0]["text"] == "our secret project Falcon"


def test_secrets_are_scrubbed_from_messages_fields_and_tracebacks(
    captured: tuple[io.StringIO, list[logging.Handler]],
) -> None:
    stream, added = captured
    handler = configure(settings("debug"), stream)
    added.append(handler)
    log = isolated("bot.test.scrub", handler)  # these records hold real test secrets on purpose
    log.info(
        "token %s secret %s", BOT_TOKEN, SIGNING_SECRET, extra={"error": f"Bearer {OPENAI_KEY}", "text": APP_TOKEN}
    )
    try:
        raise RuntimeError(f"auth failed for {BOT_TOKEN}")
    except RuntimeError:
        log.exception("call failed")
    log.info("someone pasted xoxb-1234567890-abcdefghijkl and xapp-1-A1-123-abcdefabcdef in a message")
    out = stream.getvalue()
    assert not any(secret in out for secret in SECRETS)
    assert "[SLACK_BOT_TOKEN]" in out and "[SLACK_SIGNING_SECRET]" in out and "[OPENAI_API_KEY]" in out
    assert "xoxb-1234567890" not in out and "xapp-1-A1" not in out
    assert all(line.startswith("{") for line in out.splitlines())  # tracebacks stay inside their JSON line


def test_an_invalid_level_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="ADVISOR_LOG_LEVEL"):
        level_of("LOUD")
    assert level_of(" warning ") == logging.WARNING


def test_the_leak_scan_sees_a_leak_wherever_it_is() -> None:
    leaks = Leaks()
    handler = LogScan(leaks)
    log = isolated("bot.test.leaky", handler)
    try:
        log.warning("nothing to see")
        log.warning("config: %s", {"token": BOT_TOKEN})
        log.warning("ok", extra={"detail": f"secret={SIGNING_SECRET}"})
        try:
            raise ValueError(OPENAI_KEY)
        except ValueError:
            log.exception("boom")
    finally:
        log.removeHandler(handler)
    check_call(leaks, "chat.postMessage", {"text": f"your key is {APP_TOKEN}"}, {"ok": True})
    assert len(leaks.found) == 4 and leaks.scanned == 5
    assert not any(secret in "\n".join(leaks.found) for secret in SECRETS)  # the report masks them
