"""What a message after the card changed: the line a re-made card carries ("Changed: labeled examples 60,000 →
3,000. Now Prompt engineering (was Fine-tuning).")."""

from __future__ import annotations

from bot.advisor import engine
from bot.advisor.intake import FIELD_LABELS, Intake
from bot.workflows.summary import display


def changed_fields(before: Intake, after: Intake) -> list[str]:
    """The fields whose stored value a message changed or added (the use case is never compared)."""
    old, new = before.known(), after.known()
    return [f for f in FIELD_LABELS if f != "use_case" and f in new and old.get(f) != new[f]]


def changes_note(before: Intake, after: Intake, was: engine.Recommendation | None, now: engine.Recommendation) -> str:
    """One line saying which facts changed and whether the approach did; "" when no fact changed."""
    fields = changed_fields(before, after)
    if not fields:
        return ""
    old = before.known()
    parts = [
        f"{FIELD_LABELS[f].lower()} {display(old[f])} → {display(after.known()[f])}"
        if f in old
        else f"{FIELD_LABELS[f].lower()}: {display(after.known()[f])} (new)"
        for f in fields
    ]
    name = engine.APPROACH_NAMES[now.approach]
    if was is None or was.approach == now.approach:
        verdict = f"Still {name} ({now.confidence:.0%})."
    else:
        verdict = f"Now {name} (was {engine.APPROACH_NAMES[was.approach]})."
    return f"Changed: {'; '.join(parts)}. {verdict}"
