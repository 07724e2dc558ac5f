"""Redaction of personal data and secrets from text before it leaves the process."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Order matters: keys and cards before phone numbers, which would otherwise eat their digits.
PATTERNS: dict[str, re.Pattern[str]] = {
    "api_key": re.compile(
        r"\b(?:sk-(?:proj-)?[A-Za-z0-9_\-]{16,}|xox[abposr]-[A-Za-z0-9\-]{10,}|xapp-[A-Za-z0-9\-]{10,}"
        r"|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{35}"
        r"|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"
        r"|(?i:\b(?:bearer|token|api[_-]?key|secret|password)\s*[:=]?\s*)[A-Za-z0-9_\-\.]{16,}"
    ),
    "email": re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b"),
    "card": re.compile(r"\b(?:\d[ \-]?){12,18}\d\b"),
    "national_id": re.compile(
        r"\b\d{3}-\d{2}-\d{4}\b"  # US SSN
        r"|\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"  # UK NINO
    ),
    "phone": re.compile(r"(?<![\w.])\+?\d{1,3}?[\s.\-]?\(?\d{2,4}\)?[\s.\-]\d{3,4}[\s.\-]\d{3,4}(?!\w|\.\d)"),
}
KINDS: tuple[str, ...] = tuple(PATTERNS)


def parse_kinds(setting: str) -> tuple[str, ...]:
    """Kinds named in a comma-separated setting ("all", "none", or a subset of `KINDS`)."""
    names = [s.strip().lower() for s in setting.split(",") if s.strip()]
    if not names or names == ["none"]:
        return ()
    if names == ["all"]:
        return KINDS
    unknown = sorted(set(names) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown redaction kinds {unknown}; choose from {list(KINDS)}")
    return tuple(k for k in KINDS if k in names)


def redact(text: str, kinds: Iterable[str] = KINDS) -> str:
    """`text` with each match of the selected kinds replaced by `[REDACTED_<KIND>]`."""
    for kind in kinds:
        text = PATTERNS[kind].sub(f"[REDACTED_{kind.upper()}]", text)
    return text
