"""A scan for the test secrets (tests/tokens.py) in everything the app says: log records for the whole run,
the `ai-advisor serve` logs of end-to-end tests, and every request the Slack emulator receives (cards, messages,
errors told to users). Findings are kept here and checked when the test session ends (tests/conftest.py)."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from typing import Any

from tests.tokens import SECRETS

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class Leaks:
    """Where a secret was seen (at most a few hundred characters of context, the secret itself masked)."""

    def __init__(self, secrets: tuple[str, ...] = SECRETS) -> None:
        self.secrets = secrets
        self.found: list[str] = []
        self.scanned = 0
        self._lock = threading.Lock()

    def check(self, text: str, where: str) -> bool:
        """Record `where` if `text` contains a secret; True when it did."""
        with self._lock:
            self.scanned += 1
            hits = [s for s in self.secrets if s in text]
            for secret in hits:
                at = text.index(secret)
                context = text[max(0, at - 120) : at + len(secret) + 80]
                for other in self.secrets:
                    context = context.replace(other, f"<{other[:6]}…>")
                self.found.append(f"{where}: …{context}…")
            return bool(hits)


class LogScan(logging.Handler):
    """A handler that scans each record: message, extra fields and traceback."""

    def __init__(self, leaks: Leaks) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks = leaks

    def emit(self, record: logging.LogRecord) -> None:
        try:
            parts = [record.getMessage()]
        except Exception:
            parts = [str(record.msg), repr(record.args)]
        parts += [repr(v) for k, v in record.__dict__.items() if k not in _STANDARD]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(record.exc_info[1])))
        self.leaks.check("\n".join(parts), f"log record {record.name} ({record.levelname})")


def check_call(leaks: Leaks, method: str, params: dict[str, Any], response: dict[str, Any]) -> None:
    """Scan one Web API call's parameters and answer (not its headers, which carry the bot token by design)."""
    leaks.check(json.dumps([params, response], default=str, ensure_ascii=False), f"Slack call {method}")


LEAKS = Leaks()
