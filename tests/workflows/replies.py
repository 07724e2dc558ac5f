"""Replies built from parts, for the rendering tests of every adapter: `text` deliberately disagrees with the
parts, so a renderer that parsed the text back instead of using the parts would show the wrong thing."""

from __future__ import annotations

from bot.advisor.questions import question_bank
from bot.workflows.conversation import Reply

CID = "0123456789ab"
INTRO = "Two things would change my answer:"
NOTE = "Read 9,000 as labeled examples."
MISLEADING_TEXT = "Not the intro: a model's wording of the whole round\n1. Reworded question"


def question_round(intro: str = INTRO) -> Reply:
    """A round of two questions with quick answers and a note, whose `text` is not what the parts say."""
    bank = question_bank()
    return Reply(
        kind="questions",
        conversation_id=CID,
        text=MISLEADING_TEXT,
        intro=intro,
        questions=[bank["ml_expertise"], bank["changes_often"]],
        notes=[NOTE],
        worded=True,
    )
