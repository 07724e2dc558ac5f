"""The decision record in Teams: the Markdown ADR (bot/workflows/record.py) sent as a formatted message, with a
download link for the `.md` file when the server has a public URL.

Teams renders a message's HTML (headings, lists, tables), so the Markdown is rendered with markdown-it-py (raw HTML
off: the record's user text is already escaped, and anything else that looks like HTML stays text). A record too
long for one message keeps its first sections and says where the rest is.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act
from markdown_it import MarkdownIt
from microsoft_agents.activity import Activity, TextFormatTypes
from microsoft_agents.hosting.core import CardFactory, MessageFactory

from bot.teams import cards
from bot.teams import messages as msg
from bot.teams.files import Download
from bot.workflows.record import record_filename

TEXT_BUDGET = 20 * 1024  # the message's HTML as sent (JSON-escaped); with the link card well under Teams' 28 KB
_SECTION = "\n\n## "


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def record_html(markdown: str, shortened_note: str) -> str:
    """The record as HTML, cut after the last whole section that fits TEXT_BUDGET (`shortened_note` then ends it)."""
    head, *sections = markdown.split(_SECTION)
    # Sections start at a heading, so each renders alone exactly as it does within the whole record.
    rendered = [_markdown().render(part) for part in [head, *(_SECTION.lstrip("\n") + s for s in sections)]]
    whole = "".join(rendered)
    if _size(whole) <= TEXT_BUDGET:
        return whole
    note = _markdown().render(shortened_note)
    kept = ""
    for part in rendered:
        if _size(kept + part + note) > TEXT_BUDGET:
            break  # even the header alone may be too long (it quotes the use case): the link or the CLI has it all
        kept += part
    return kept + note


def record_activity(conversation_id: str, markdown: str, exporter: str, download: Download | None) -> Activity:
    """The reply to "Export decision record": the record as a formatted message, and a card with the download link
    (when there is one)."""
    shortened = msg.RECORD_SHORTENED_LINK if download else msg.RECORD_SHORTENED_CLI.format(id=conversation_id)
    intro = msg.RECORD_EXPORTED.format(user=html.escape(cards.clip(exporter, 80)))
    activity = MessageFactory.text(f"<p>{intro}</p>{record_html(markdown, shortened)}")
    activity.text_format = TextFormatTypes.xml  # Teams: the text is HTML
    activity.summary = msg.RECORD_SUMMARY.format(id=conversation_id)
    if download is not None:
        activity.attachments = [CardFactory.adaptive_card(download_card(conversation_id, download))]
    return activity


def download_card(conversation_id: str, download: Download) -> dict[str, Any]:
    """A small card with the record's download button and when the link stops working."""
    until = download.expires_at.strftime(msg.RECORD_UNTIL_FORMAT)
    card = ac.AdaptiveCard(
        version=cards.CARD_VERSION,
        body=[
            ac.TextBlock(text=msg.RECORD_TITLE.format(id=conversation_id), weight=act.FontWeight.BOLDER, wrap=True),
            ac.TextBlock(text=msg.RECORD_LINK_UNTIL.format(until=until), wrap=True, is_subtle=True),
        ],
        actions=[
            ac.ActionOpenUrl(url=download.url, title=msg.RECORD_DOWNLOAD.format(name=record_filename(conversation_id)))
        ],
        fallback_text=msg.RECORD_SUMMARY.format(id=conversation_id),
    )
    return cards.to_dict(card)


def _size(html: str) -> int:
    return len(json.dumps(html))
