"""Redaction of personal data and secrets from text before it leaves the process."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Order matters: keys and cards before phone numbers, which would otherwise eat their digits.
# Linear in the text's length: a pattern whose start could repeat inside a run of the characters it scans (a key's
# body, an email's local part) only starts where such a run starts (a look-behind for the same class), runs are
# bounded, and there are no two adjacent unbounded quantifiers.
_KEY_CHARS = r"A-Za-z0-9_\-"
PATTERNS: dict[str, re.Pattern[str]] = {
    "api_key": re.compile(
        rf"(?<![{_KEY_CHARS}])(?:sk-(?:proj-)?[{_KEY_CHARS}]{{16,}}|xox[abposr]-[A-Za-z0-9\-]{{10,}}"
        r"|xapp-[A-Za-z0-9\-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{35}"
        rf"|eyJ[{_KEY_CHARS}]{{8,2000}}+\.[{_KEY_CHARS}]{{8,4000}}+\.[{_KEY_CHARS}]{{8,}})"
        r"|(?i:\b(?:bearer|token|api[_-]?key|secret|password)[ \t]{0,4}[:=]?[ \t]{0,4})[A-Za-z0-9_\-\.]{16,}"
    ),
    "email": re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}+@[A-Za-z0-9.\-]{1,255}\.[A-Za-z]{2,24}\b"),
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


# A `NAME=value` line (a .env file, a shell export): the value is taken for a secret.
_ASSIGNMENT = re.compile(
    r"(?m)^([ \t]{0,20}(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.\-]{0,100}[ \t]{0,4}=[ \t]{0,4})\S[^\n]*"
)


def scrub_secrets(text: str) -> str:
    """`text` without anything shaped like a secret: token and key shapes, and the values of `NAME=value` lines.
    For text the bot shows that it didn't write (knowledge passages): a secret there must never be posted."""
    return _ASSIGNMENT.sub(r"\1[REDACTED_SECRET]", PATTERNS["api_key"].sub("[REDACTED_API_KEY]", text))
