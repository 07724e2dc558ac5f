"""Every user-facing string of the Teams agent, in one place."""

from __future__ import annotations

WELCOME = (
    "Hi, I'm AI Advisor. Describe the AI feature you want to build and I'll recommend fine-tuning, prompt "
    "engineering or a hybrid, with costs, risks and next steps. In a channel, @mention me; the conversation "
    "continues in that reply chain. Leads can also type \"summary\" in a thread or \"digest [7d|30d|all]\"."
)
NO_TEXT = "I can only read text. Describe the AI feature you want to build in a message."

CARD_FALLBACK = "Recommendation: {approach} ({confidence:.0%} confidence)"
CARD_FOOTER = "Reply here to correct an answer, or ask \"why?\"."
CARD_OFFLINE_WORDING = "Wording produced offline: the language model was unavailable."
CARD_UPDATED = "I updated the recommendation card above."
FREE_TEXT_HINT = "Click an answer or reply in your own words. Say \"recommend now\" to skip."
QUESTIONS_FALLBACK = "A few questions before I recommend"

ADJUST_TITLE = "Adjust answers"
ADJUST_INTRO = "Change any answer and press Recompute; leave a field empty if you don't know."
ADJUST_SUBMIT = "Recompute"
ADJUST_UNKNOWN = "Unknown"
ADJUST_DONE = "{user} adjusted the answers; the recommendation card is updated."
ADJUST_INVALID = "I couldn't use those answers, nothing was changed:\n{problems}"

FEEDBACK_THANKS = {"up": "Thanks for the 👍, noted.", "down": "Thanks for the 👎. Tell me here what was off."}

FORGED = "That button doesn't belong to this conversation, so I ignored it."
STALE = "That button is no longer valid here. Start a new assessment by describing your feature."
UNKNOWN_ACTION = "I don't know that button. Nothing was changed."
ALREADY_ANSWERED = "That question was already answered."
OUTDATED_CARD = "That card is out of date: use the buttons on the latest recommendation card."

NO_ASSESSMENT_HERE = "There is no assessment in this conversation yet. Describe the AI feature you want to build."
NO_SUCH_ASSESSMENT = "There is no assessment {id} in this organization."
NOT_A_MEMBER = "You can only see assessments from chats and channels you are a member of."
DECIDED = "Decision recorded: {status} (assessment {id})."

ERROR = "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a moment."
ERROR_INPUT = "I couldn't use that: {error}"

BAD_ACTIVITY = "The request body is not a valid activity."
BAD_TOKEN = "Invalid token or authentication failed."
AUTH_MISSING = (
    "Teams needs the bot's credentials: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, "
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET and CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID "
    "(or ADVISOR_TEAMS_ANONYMOUS=true for local testing only)."
)
ANONYMOUS_WARNING = (
    "ADVISOR_TEAMS_ANONYMOUS is on: requests to /api/messages without a token are accepted. Use this only for "
    "local testing (Microsoft 365 Agents Playground), never on a reachable server."
)
