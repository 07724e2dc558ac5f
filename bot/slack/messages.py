"""Every user-facing string of the Slack app, in one place."""

from __future__ import annotations

COMMAND = "/ai-advisor"

HELP = (
    "*AI Advisor* helps you decide between fine-tuning, prompt engineering or a hybrid.\n"
    f"• `{COMMAND} start [description]` opens a thread in this channel for a new assessment\n"
    f"• `{COMMAND} ask QUESTION` answers from the knowledge base, with sources\n"
    f"• `{COMMAND} tco 2M requests a month, 20k examples` estimates 3-year costs (only you see it)\n"
    f"• `{COMMAND} status` lists your assessments\n"
    f"• `{COMMAND} help` shows this\n"
    "Or mention me with a description of the AI feature you want to build, or send me a direct message."
)
UNKNOWN_SUBCOMMAND = "I don't know `{sub}`. Here is what I can do:\n\n"

WORKING_REACTION = "hourglass_flowing_sand"
WORKING_STATUS = "is thinking…"

START_THREAD = "<@{user}> started an AI Advisor assessment. Reply in this thread."
START_THREAD_WITH = "<@{user}> started an AI Advisor assessment:\n>{description}"
STARTED = "Started an assessment in <#{channel}>: answer in the thread."
START_FAILED = "I couldn't start a thread in this channel ({error}). Invite me with `/invite @AI Advisor` first."

FREE_TEXT_HINT = "Click an answer or reply in your own words in this thread. Say *recommend now* to skip."
ANSWERED = "✓ {question} *{answer}* (<@{user}>)"

CARD_FALLBACK = "Recommendation: {approach} ({confidence:.0%} confidence)"
CARD_FOOTER = "Reply in this thread to correct an answer, or ask *why?*"

FEEDBACK_THANKS = {"up": "Thanks for the 👍, noted.", "down": "Thanks for the 👎. Tell me in the thread what was off."}
ADJUST_TITLE = "Adjust answers"
ADJUST_SUBMIT = "Recompute"
ADJUST_UPDATED = "<@{user}> adjusted the answers; the card above is updated."
NOT_A_NUMBER = "Enter a number, e.g. 20000 (or leave it empty)."

ASK_USAGE = f"Ask a question after the subcommand, e.g. `{COMMAND} ask when is fine-tuning worth it?`"
ASK_UNAVAILABLE = "Knowledge search isn't available in this installation yet."
ASK_NOTHING = "I found nothing in the knowledge base about that."
ASK_SOURCES = "Sources: {sources}"

TCO_USAGE = f"Give a volume and optionally labeled examples, e.g. `{COMMAND} tco 2M requests a month, 20k examples`."

STATUS_NONE = f"You have no assessments yet. Start one with `{COMMAND} start`."
STATUS_HEADER = "*Your assessments*"
STATUS_STATE = {"intake": "in progress", "recommended": "recommended"}

ERROR = "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a moment."
ERROR_SLACK = "Sorry, Slack refused my answer ({error}). Please try again in a moment."
ERROR_INPUT = "I couldn't use that: {error}"
