"""Slack's message markup on the way in: what a person typed, as plain text, before the core reads it.

Slack sends message and command text with its own markup — user and channel references (`<@U1>`, `<#C1|general>`),
broadcasts and user groups (`<!here>`, `<!subteam^S1|@team>`), dates (`<!date^…|fallback>`) and links
(`<https://x|label>`) — and escapes the three characters that could form it (`&amp;`, `&lt;`, `&gt;`). Markup
comes out first, then the escaping is undone: a `<` the user typed arrives as `&lt;`, so only Slack's own markup
is ever taken for markup. Parsers that need the references themselves (a digest's `#channel`) read the raw text.
"""

from __future__ import annotations

import re

# Each pattern is anchored on "<" and its runs are bounded, so a scan over hostile text stays linear.
_REFERENCE = re.compile(r"<[@#][A-Z0-9]{1,40}(?:\|[^<>]{0,200})?>")  # a user or channel: dropped
_DATE = re.compile(r"<!date\^[^<>|]{0,300}\|([^<>]{0,200})>")  # a date shows its fallback text
_SPECIAL = re.compile(r"<![a-z]{1,20}(?:\^[^<>|]{0,100})?(?:\|[^<>]{0,200})?>")  # <!here>, <!subteam^S1|@t>
_SPACES = re.compile(r"  +")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^<>|]{0,2000})(?:\|([^<>]{0,500}))?>")  # its label, else address


def unescape(text: str) -> str:
    """Undo Slack's escaping (`&amp;`, `&lt;`, `&gt;`), once: what is stored is what the user typed, and
    `bot.slack.blocks.escape` on the way out escapes it exactly once."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(text: str) -> str:
    """A Slack message or command text as the person wrote it: user and channel references, broadcasts and user
    groups dropped, a date shown as its fallback text, a link as its label (or its address), then Slack's escaping
    undone."""
    text = _REFERENCE.sub(" ", text)
    text = _DATE.sub(r"\1", text)
    text = _SPECIAL.sub(" ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return _SPACES.sub(" ", unescape(text)).strip()  # no double space where a reference was
