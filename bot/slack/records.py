"""The decision record in Slack: the Markdown ADR uploaded as a file into the assessment's thread.

Like the cost chart, the upload is an outbox item (kind `record`) whose file name carries its outbox id, so a
retry after a failure that may have gone through finds the file instead of uploading it again.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.storage.outbox import OutboxItem
from bot.workflows.record import record_filename

RECORD = "record"  # the outbox kind of a decision record upload
TITLE = "Decision record"


def record_message(conversation_id: str, markdown: str, user: str) -> dict[str, Any]:
    """The outbox message of a record upload."""
    return {"text": f"Decision record exported by <@{user}>.", "markdown": markdown, "c": conversation_id}


def upload_record(client: WebClient, item: OutboxItem) -> str:
    """Upload the item's record into its thread; returns the file's id."""
    conversation_id = str(item.message.get("c") or "")
    name = record_filename(conversation_id).removesuffix(".md") + f"-{item.uid}.md"
    resp = client.files_upload_v2(
        channel=item.channel,
        thread_ts=item.thread_ts,
        content=str(item.message.get("markdown") or "").encode("utf-8"),
        filename=name,
        title=f"{TITLE} {conversation_id}",
        initial_comment=str(item.message.get("text") or ""),
    )
    files = resp.get("files") or []
    return str(files[0]["id"]) if files else ""
