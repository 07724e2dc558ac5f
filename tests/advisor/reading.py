"""What the reader takes from one message, for the reader's tests (relative dates read from one fixed day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.advisor.extract import extract

TODAY = dt.date(2026, 11, 29)


def facts(text: str) -> dict[str, Any]:
    """Every value the reader takes from one message."""
    return extract(text, today=TODAY).values()


def asked(text: str) -> list[float]:
    """The values of the numbers the reader asks about instead of stating."""
    return [u.value for u in extract(text, today=TODAY).unclear]
