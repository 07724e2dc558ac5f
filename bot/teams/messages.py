"""Every user-facing string of the Teams agent, in one place."""

from __future__ import annotations

WELCOME = (
    "Hi, I'm AI Advisor. Describe the AI feature you want to build and I'll recommend fine-tuning, prompt "
    "engineering or a hybrid, with costs, risks and next steps. In a channel, @mention me; the conversation "
    'continues in that reply chain. Leads can also type "summary" in a thread or "digest [7d|30d|all]".'
)
NO_TEXT = "I can only read text. Describe the AI feature you want to build in a message."

CARD_FALLBACK = "Recommendation: {approach} ({confidence:.0%} confidence)"
CARD_TITLE = "{approach} · {confidence:.0%} confidence"
CARD_CONFIDENCE = "Confidence {confidence:.0%}: "
STEPS_HEADING = "The six steps (what you said → which way it leans)"
STEP_LEANS = "{step}. {name} → {leans}: "
GATE = "⛔ Step {step}: "
GATE_REASON = "{reason}. Would change: {would_change}"
COST_HEADING = "{horizon} cost"
RISKS_HEADING = "Risks"
NEXT_STEPS_HEADING = "Next steps"
CASE_STUDY_HEADING = "Customer story"
SOURCES = "Sources: {sources}"
SOURCE = "{source} § {section}"
SOURCE_SEPARATOR = "; "
FEEDBACK_BUTTONS = {"up": "👍", "down": "👎"}
QUESTION = "{number}. {question}"
BULLET = "• {item}"
LABEL = "{label}: "
LIST_SEPARATOR = "; "
CARD_FOOTER = 'Reply here to correct an answer, or ask "why?".'
CARD_ID = 'Assessment {id} (for "summary {id}" and the leads\' export)'
CARD_OFFLINE_WORDING = "Wording produced offline: the language model was unavailable."
REREVIEW = (
    "The answers changed after a lead marked this assessment {status}, so that decision was about the earlier "
    "answers: it needs re-review. A lead can type `summary` here to decide again."
)
RECORD_BUTTON = "Export decision record"
RECORD_EXPORTED = "Decision record exported by {user}:"
RECORD_SUMMARY = "Decision record {id}"
RECORD_TITLE = "Decision record {id} (Markdown)"
RECORD_LINK_UNTIL = "The download link works until {until}."
RECORD_DOWNLOAD = "Download {name}"
RECORD_UNTIL_FORMAT = "%Y-%m-%d %H:%M UTC"
RECORD_SHORTENED_LINK = "*The record is too long for one message: download it for the rest.*"
RECORD_SHORTENED_CLI = "*The record is too long for one message: `ai-advisor record {id}` prints all of it.*"
CARD_UPDATED = "I updated the recommendation card above."
FREE_TEXT_HINT = 'Click an answer or reply in your own words. Say "recommend now" to skip.'
QUESTIONS_FALLBACK = "A few questions before I recommend"

ADJUST_TITLE = "Adjust answers"
ADJUST_INTRO = "Change any answer and press Recompute; leave a field empty if you don't know."
ADJUST_SUBMIT = "Recompute"
ADJUST_UNKNOWN = "Unknown"
ADJUST_DONE = "{user} adjusted the answers; the recommendation card is updated."
ADJUST_INVALID = "I couldn't use those answers, nothing was changed:\n{problems}"
ADJUST_PROBLEM = "• {field}: {error}"
ADJUST_STEP = "Step {step}: {name}"
NUMBER_PLACEHOLDER = "e.g. 20k"
SOMEONE = "Someone"

FEEDBACK_THANKS = {"up": "Thanks for the 👍, noted.", "down": "Thanks for the 👎. Tell me here what was off."}
FEEDBACK_REASON_LABEL = "What was off? (optional)"
FEEDBACK_REASON_PLACEHOLDER = "What should the recommendation have considered?"
FEEDBACK_REASON_SUBMIT = "Send 👎"
FEEDBACK_REASON_THANKS = "Thanks, your reason is recorded with your 👎."
FEEDBACK_REASON_TOO_LONG = "Keep the reason under 500 characters, please. Nothing was changed."

FORGED = "That button doesn't belong to this conversation, so I ignored it."
STALE = "That button is no longer valid here. Start a new assessment by describing your feature."
UNKNOWN_ACTION = "I don't know that button. Nothing was changed."
ALREADY_ANSWERED = "That question was already answered."
OUTDATED_CARD = "That card is out of date: use the buttons on the latest recommendation card."

NO_ASSESSMENT_HERE = "There is no assessment in this conversation yet. Describe the AI feature you want to build."
NO_SUCH_ASSESSMENT = "There is no assessment {id} in this organization."
NOT_A_MEMBER = "You can only see assessments from chats and channels you are a member of."
DECIDED = "Decision recorded: {status} (assessment {id})."

SUMMARY_TITLE = "Assessment summary"
SUMMARY_NOTIFICATION = "Summary: {status}"
SUMMARY_FALLBACK = "Assessment {id}: {status}"
SUMMARY_BYLINE = "{id} · requested by {requester} · {date}"
SUMMARY_RECOMMENDATION = "Recommendation"
SUMMARY_APPROACH = "{approach} ({confidence:.0%} confidence)"
SUMMARY_STEPS_HEADING = "The six steps"
STEP_SAID = "{step}. {name}: "
NOTHING_SAID = "nothing yet"
STEP_UNKNOWN = " (unknown: {fields})"
OPEN_QUESTIONS_HEADING = "Open questions"
STATUS = "Status"
DECIDED_BY = "{status} by {user}"
DECIDED_STALE = "{status}: marked {decision} by {user} before the answers changed"
DECIDED_WITH_NOTE = "{decision}: {note}"
FEEDBACK_COUNTS = "Feedback: 👍 {up} · 👎 {down}"
FEEDBACK_REASONS_HEADING = "Why 👎 (most recent first)"
DIGEST_FEEDBACK_REASONS = "{feedback} · 👎 why: {reasons}"
QUOTED = "“{text}”"
NOTE_LABEL = "Decision note (optional)"
NOTE_PLACEHOLDER = "Why, or what is missing"

DIGEST_TITLE = "Digest · {period}"
DIGEST_IN_CHANNEL = "{title} · {channel}"
DIGEST_GROUP = "{group} ({count})"
DIGEST_LINE = "{id} · {status}{confidence} · {requester} · {date}"
DIGEST_CONFIDENCE = " · {confidence:.0%}"
IN_PROGRESS_GROUP = "Intake in progress"
MORE = "…and {count} more"
RECENT_DECISIONS_HEADING = "Recent decisions"
DIGEST_HINT = 'Type "summary ID" for one assessment\'s details and decision buttons.'

ERROR = "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a moment."
ERROR_INPUT = "I couldn't use that: {error}"
UNDELIVERED = "Sorry, one of my replies could not be delivered here ({error}). Please ask again."

LINK_NOT_FOUND = "Not found."
LINK_EXPIRED = "This link has expired: export the decision record again, or look at the latest card."
CHART_FAILED = "The chart could not be drawn just now; try again in a moment."
BAD_ACTIVITY = "The request body is not a valid activity."
UNAVAILABLE = "The advisor cannot take messages right now; send it again shortly."
BAD_TOKEN = "Invalid token or authentication failed."
AUTH_MISSING = (
    "Teams needs the bot's credentials: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, "
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET and CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID "
    "(or ADVISOR_TEAMS_ANONYMOUS=true for local testing only)."
)
AUTH_INCOMPLETE = (
    "Teams has a client id but not the rest of its credentials: set {missing} "
    "(from the bot's Entra ID app registration; `ai-advisor doctor` checks them)."
)
AUTH_INVALID = "The Teams connection settings (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__...) are not usable: {error}"
ANONYMOUS_WARNING = (
    "ADVISOR_TEAMS_ANONYMOUS is on: requests to /api/messages without a token are accepted. Use this only for "
    "local testing (Microsoft 365 Agents Playground), never on a reachable server."
)
