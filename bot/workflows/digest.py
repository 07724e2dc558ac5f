"""Channel digests and exports: the assessments of a period, grouped by approach, from one store query."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from bot.advisor.engine import APPROACH_NAMES
from bot.advisor.intake import APPROACHES
from bot.errors import InputError
from bot.storage.store import Store
from bot.text import printable
from bot.workflows.summary import needs_review, status_label

if TYPE_CHECKING:
    from bot.llm.client import LlmClient

_PERIOD = re.compile(r"^(\d{1,4})\s*([dw])$", re.I)
MAX_PERIOD_DAYS = 3650
DIGEST_ITEMS = 20  # newest assessments kept per approach in a digest (Slack lists 8, Teams up to 12); all counted
RECENT_DECISIONS = 5
EXPORT_COLUMNS = (
    "id",
    "platform",
    "team",
    "channel",
    "thread",
    "requester",
    "created_at",
    "state",
    "approach",
    "confidence",
    "crossover_monthly_requests",
    "decision",
    "decided_by",
    "decided_at",
    "needs_review",
    "feedback_up",
    "feedback_down",
    "feedback_reasons",
)


class Period(BaseModel):
    """A look-back window such as the last 7 days, or everything."""

    label: str
    since: dt.datetime | None = None

    @property
    def since_iso(self) -> str | None:
        """The window's start as stored timestamps are written."""
        return self.since.isoformat(timespec="milliseconds") if self.since else None


def parse_period(text: str | None, *, now: dt.datetime | None = None, default: str = "7d") -> Period:
    """`7d`, `30d`, `2w` or `all` (InputError otherwise)."""
    raw = (text or default).strip().lower()
    if raw == "all":
        return Period(label="all time")
    match = _PERIOD.match(raw)
    if not match:
        raise InputError(f"{text!r} is not a period: use 7d, 30d, 2w or all.")
    days = int(match.group(1)) * (7 if match.group(2).lower() == "w" else 1)
    if not 1 <= days <= MAX_PERIOD_DAYS:
        raise InputError(f"a period must be between 1 and {MAX_PERIOD_DAYS} days.")
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    return Period(label=f"last {days} day{'' if days == 1 else 's'}", since=start)


class DigestItem(BaseModel):
    """One assessment as a digest lists it."""

    conversation_id: str
    channel: str
    thread: str
    requester: str
    created_at: str
    approach: str | None
    confidence: float | None
    status: str
    crossover: int | None
    feedback_up: int = 0
    feedback_down: int = 0
    feedback_reasons: list[str] = Field(default_factory=list)


class Digest(BaseModel):
    """A period's assessments in the channels a lead may see, grouped by approach: `counts` and `total` cover them
    all, `groups` hold the newest DIGEST_ITEMS of each approach."""

    period: str
    channel: str | None = None
    total: int
    counts: dict[str, int]
    groups: dict[str, list[DigestItem]]
    recent_decisions: list[DigestItem] = Field(default_factory=list)
    headline: str
    wording: Literal["offline", "llm"] = "offline"
    templates: dict[str, str] = Field(default_factory=dict)


def _item(row: dict[str, Any]) -> DigestItem:
    return DigestItem(
        conversation_id=row["id"],
        channel=row["channel"],
        thread=row["thread"],
        requester=row["user"],
        created_at=row["created_at"],
        approach=row["approach"],
        confidence=row["confidence"],
        status=status_label(row["decision"], row["approach"] is not None, _stale(row)),
        crossover=row["crossover"],
        feedback_up=row["up"] or 0,
        feedback_down=row["down"] or 0,
        feedback_reasons=row["reasons"],
    )


def _stale(row: dict[str, Any]) -> bool:
    """Whether the row's decision was made on other answers than the assessment has now."""
    return bool(row["decision"]) and needs_review(row.get("decided_version"), row.get("version"))


def offline_headline(period: str, counts: dict[str, int], total: int) -> str:
    """The digest's one-line headline without a model."""
    if not total:
        return f"No assessments in the {period}."
    parts = [f"{counts[a]} {APPROACH_NAMES[a].split(' (')[0].lower()}" for a in APPROACHES if counts.get(a)]
    if counts.get("in_progress"):
        parts.append(f"{counts['in_progress']} still in intake")
    return f"{total} assessment{'s' if total != 1 else ''} in the {period}: {', '.join(parts)}."


def build_digest(
    store: Store,
    *,
    platform: str,
    team: str | None,
    period: Period,
    can_see: Callable[[str], bool],
    channel: str | None = None,
    llm: LlmClient | None = None,
) -> Digest:
    """The digest of assessments the viewer may see: `can_see(channel)` is asked once per distinct channel.

    Counted and paged in SQL: the counts cover every visible assessment, the groups list the newest
    DIGEST_ITEMS of each approach (more than any rendering shows), so the cost does not grow with the store.
    """
    channels = store.assessment_channels(platform=platform, team=team, since=period.since_iso, channel=channel)
    allowed = [ch for ch in channels if can_see(ch)]
    visible = None if len(allowed) == len(channels) else allowed  # None: no channel filter needed
    found, rows = store.newest_assessments(
        platform=platform,
        team=team,
        since=period.since_iso,
        channel=channel,
        channels=visible,
        per_approach=DIGEST_ITEMS,
    )
    groups: dict[str, list[DigestItem]] = {a: [] for a in (*APPROACHES, "in_progress")}
    for row in rows:
        groups[str(row["approach"] or "in_progress")].append(_item(row))
    counts = {name: found.get(name, 0) for name in groups}
    total = sum(counts.values())
    recent = [
        _item(r)
        for r in store.recent_decisions(
            platform=platform,
            team=team,
            since=period.since_iso,
            channel=channel,
            channels=visible,
            limit=RECENT_DECISIONS,
        )
    ]
    headline = offline_headline(period.label, counts, total)
    wording: Literal["offline", "llm"] = "offline"
    templates: dict[str, str] = {}
    if llm is not None and total:
        written = llm.headline(period.label, {"total": total, **counts}, headline)
        headline, templates = written.text, dict(written.templates)
        wording = "llm" if written.wording == "llm" else "offline"
    return Digest(
        period=period.label,
        channel=channel,
        total=total,
        counts=counts,
        groups={k: v for k, v in groups.items() if v},
        recent_decisions=recent,
        headline=headline,
        wording=wording,
        templates=templates,
    )


def export_rows(store: Store, *, platform: str | None = None, period: Period) -> list[dict[str, Any]]:
    """Every assessment of the period as flat rows (all platforms unless one is given), oldest first, for admins."""
    # A decision made on other answers than the assessment has now is never shown next to the new recommendation:
    # `decision` says "needs_re_review" and `needs_review` is true (`decided_by`/`decided_at` tell whose it was).
    rows = [
        {
            "id": row["id"],
            "platform": row["platform"],
            "team": row["team"],
            "channel": row["channel"],
            "thread": row["thread"],
            "requester": row["user"],
            "created_at": row["created_at"],
            "state": row["state"],
            "approach": row["approach"],
            "confidence": row["confidence"],
            "crossover_monthly_requests": row["crossover"],
            "decision": "needs_re_review" if stale else row["decision"],
            "decided_by": row["decided_by"],
            "decided_at": row["decided_at"],
            "needs_review": stale,
            "feedback_up": row["up"],
            "feedback_down": row["down"],
            "feedback_reasons": " | ".join(row["reasons"]),
        }
        for row in store.assessments(platform=platform, since=period.since_iso)
        for stale in [_stale(row)]
    ]
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    return rows


def export_text(rows: list[dict[str, Any]], fmt: Literal["csv", "json"]) -> str:
    """Rows as CSV (header first) or a JSON array."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    # No control characters reach the admin's terminal or spreadsheet (rows stored before they were stripped too).
    value = printable(value)
    # Spreadsheets run a cell starting with = + - @ as a formula; user text (feedback reasons) must stay text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
