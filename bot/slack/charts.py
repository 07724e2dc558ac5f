"""The cost chart in Slack: one PNG per card version, uploaded into the card's thread with `files_upload_v2`.

The upload is an outbox item of its own (kind `chart`), queued after the card in the same transaction: it is
drawn and uploaded when sent, retried like any reply, and never uploaded twice: the file is named after the
item's outbox id, and a retry after a failure that may have gone through looks for that name in the thread first.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack import blocks as bk
from bot.storage.outbox import OutboxItem
from bot.workflows.chart import Draw, alt_text, stored_estimate
from bot.workflows.conversation import Reply

CHART = "chart"  # the outbox kind of a chart upload
ALT_MAX = 1000  # Slack's limit on a file's alt text
TITLE = "Cost over 3 years by approach"


def chart_outgoing(reply: Reply) -> dict[str, Any] | None:
    """The chart item's message for a card (None when the reply has no estimate): the estimate it is drawn from,
    and its alt text (which states the numbers)."""
    rec = reply.recommendation
    if reply.kind != "recommendation" or rec is None:
        return None
    return {"text": bk.clip(alt_text(rec.tco), ALT_MAX), "estimate": rec.tco.model_dump(mode="json")}


def chart_filename(uid: str) -> str:
    """The uploaded file's name: it carries the outbox id, so a retry can tell whether the upload got through."""
    return f"cost-chart-{uid}.png"


def upload_chart(client: WebClient, item: OutboxItem, draw: Draw) -> str:
    """Draw the item's chart with `draw` and upload it into its thread; returns the file's id."""
    png = draw(stored_estimate(item.message.get("estimate")))
    resp = client.files_upload_v2(
        channel=item.channel,
        thread_ts=item.thread_ts,
        content=png,
        filename=chart_filename(item.uid),
        title=TITLE,
        alt_txt=str(item.message.get("text") or "")[:ALT_MAX],
    )
    files = resp.get("files") or []
    return str(files[0]["id"]) if files else ""
