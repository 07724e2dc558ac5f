"""Every user-facing string of the Slack app, in one place."""

from __future__ import annotations

COMMAND = "/ai-advisor"

HELP = (
    "*AI Advisor* helps you decide between fine-tuning, prompt engineering or a hybrid.\n"
    f"• `{COMMAND} start [description]` opens a thread in this channel for a new assessment\n"
    f"• `{COMMAND} ask QUESTION` answers from the knowledge base, with sources\n"
    f"• `{COMMAND} tco 2M requests a month, 20k examples` estimates 3-year costs (only you see it)\n"
    f"• `{COMMAND} status` lists your assessments\n"
    f"• `{COMMAND} digest [7d|30d|all] [#channel]` (leads) lists the assessments in your channels\n"
    f"• `{COMMAND} help` shows this\n"
    "Or mention me with a description of the AI feature you want to build, or send me a direct message "
    "(each project gets its own thread). "
    "Say *summary* in an assessment's thread (or use the *Summarize for leads* shortcut) for a summary for leads."
)
UNKNOWN_SUBCOMMAND = "I don't know `{sub}`. Here is what I can do:\n\n"

WORKING_REACTION = "hourglass_flowing_sand"

START_THREAD = "<@{user}> started an AI Advisor assessment. Reply in this thread."
START_THREAD_WITH = "<@{user}> started an AI Advisor assessment:\n>{description}"
START_FAILED = "I couldn't start a thread in this channel ({error}). Invite me with `/invite @AI Advisor` first."

FREE_TEXT_HINT = "Click an answer or reply in your own words in this thread. Say *recommend now* to skip."
ANSWERED = "✓ {question} *{answer}* (<@{user}>)"

CARD_FALLBACK = "Recommendation: {approach} ({confidence:.0%} confidence)"
CARD_HEADER = "{approach} · {confidence:.0%} confidence"
CARD_CONFIDENCE = "*Confidence {confidence:.0%}:* {reason}"
CARD_STEPS = "*The six steps* (what you said → which way it leans)"
CARD_GATE = "⛔ *Step {step}:* {reason}. _Would change: {would_change}_"
CARD_TCO = "*{horizon} cost*\n{headline}\n{comparison}"
CARD_RISKS = "*Risks*"
CARD_NEXT_STEPS = "*Next steps*"
CARD_STORY = "*Customer story: {name}*\n{takeaway}"
CARD_SOURCES = "*Sources:* {sources}"
CARD_ADJUST = "Adjust answers"
CARD_RECORD = "Export decision record"
CARD_FOOTER = "Reply in this thread to correct an answer, or ask *why?*"
CARD_ID = "Assessment `{id}` (for `summary {id}` and the leads' export)"
CARD_OFFLINE_WORDING = "_Wording produced offline: the language model was unavailable._"

FEEDBACK_THANKS = {"up": "Thanks for the 👍, noted.", "down": "Thanks for the 👎. Tell me in the thread what was off."}
ADJUST_TITLE = "Adjust answers"
ADJUST_SUBMIT = "Recompute"
ADJUST_UPDATED = "<@{user}> adjusted the answers; the card above is updated."
ADJUST_STEP = "*Step {step}: {name}*"
ADJUST_UNKNOWN = "Unknown"
MODAL_CANCEL = "Cancel"
MODAL_SKIP = "Skip"

# Quick-answer clicks that can't be used (shown after ERROR_INPUT's "I couldn't use that: ").
ANSWER_MALFORMED = "malformed answer button"
ANSWER_NOT_OFFERED = "that is not one of the question's answers"
ANSWER_OTHER_CHANNEL = "this answer belongs to a conversation in another channel"
ANSWER_OTHER_MESSAGE = "this answer button doesn't belong to that assessment's questions"
NOT_A_MEMBER = "Sorry, only members of the channel where this assessment lives can act on it."
NEW_NOT_MEMBER = "You can only start an assessment in a channel you are a member of."

ASK_USAGE = f"Ask a question after the subcommand, e.g. `{COMMAND} ask when is fine-tuning worth it?`"
ASK_UNAVAILABLE = "Knowledge search isn't available in this installation yet."
ASK_NOTHING = "I found nothing in the knowledge base about that."
ASK_SOURCES = "Sources: {sources}"
ASK_BY_MODEL = "_Written by the AI model from these sources only._"
ASK_OFFLINE = "_Quoted from the knowledge base (the AI model's wording was not used)._"

TCO_HEADER = "*{horizon} cost at {volume} requests/month*"
TCO_ASSUMED = " (assumed)"
TCO_APPROACH = "*{approach}*\none-time {one_time} · monthly {monthly}\n*{months} months: {total}*"
TCO_FALLBACK = "{horizon} cost estimate"
TCO_FALLBACK_CROSSOVER = "{horizon} cost estimate; crossover ~{volume} requests/month"
TCO_USAGE = f"Give a volume and optionally labeled examples, e.g. `{COMMAND} tco 2M requests a month, 20k examples`."

STATUS_NONE = f"You have no assessments yet. Start one with `{COMMAND} start`."
STATUS_HEADER = "*Your assessments*"
STATUS_STATE = {"intake": "in progress", "recommended": "recommended"}
STATUS_LINE = "• `{id}` in {where} · {state}{outcome} · updated {date}"
STATUS_DM = "direct message"

ERROR = "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a moment."
ERROR_SLACK = "Sorry, Slack refused my answer ({error}). Please try again in a moment."
ERROR_INPUT = "I couldn't use that: {error}"

# --- leads: summaries, decisions, digests, App Home, feedback reasons ---

SUMMARY_HEADER = "Summary for leads"
SUMMARY_FALLBACK = "Summary for leads: {outcome} · {status}"
SUMMARY_NO_RECOMMENDATION = "No recommendation yet: the intake is still in progress."
SUMMARY_REQUESTED = "Requested by <@{user}> · {date} · assessment `{id}`"
SUMMARY_LINK = "<{url}|Open the assessment>"
SUMMARY_NONE = (
    "There is no assessment in this thread. Use *Summarize for leads* (or mention me with *summary*) "
    "inside the thread of an assessment."
)
SUMMARY_BY_MODEL = "_Prose written by the AI model from the stored facts only._"
SUMMARY_USE_CASE = "*Use case:* {use_case}"
NO_DESCRIPTION = "(no description yet)"
NO_OUTCOME = "no recommendation yet"
SUMMARY_RECOMMENDATION = "*Recommendation:* {approach} · {confidence:.0%} confidence"
SUMMARY_TCO = "*Cost:* {headline}"
SUMMARY_RISKS = "*Risks*"
SUMMARY_OPEN_QUESTIONS = "*Open questions*"
SUMMARY_UNKNOWN = "_Unknown: {fields}_"
SUMMARY_STEPS = "*The six steps* (what was said; _unknown_ in italics)"
SUMMARY_STATUS = "*Status:* {status}"
SUMMARY_DECIDED = "*Status:* {status} by <@{user}> on {date}"
SUMMARY_REREVIEW = (
    "*Status:* Needs re-review :warning: the answers changed after <@{user}> marked it {status} on "
    "{date}; that decision was about the earlier answers."
)
REREVIEW_NOTICE = (
    "<@{lead}>, the answers of this assessment changed after you marked it *{status}*, so the "
    "recommendation may differ: it needs re-review. Ask for the summary (`@AI Advisor summary`) to "
    "decide again."
)
SUMMARY_FEEDBACK = "Feedback: 👍 {up} · 👎 {down}"
SUMMARY_FEEDBACK_REASONS = "*Why 👎* (most recent first)"
SUMMARY_DECIDE_HINT = "Leads: record a decision (only leads can)."

DECISION_LABELS = {"approved": "Approve", "needs_info": "Needs info", "rejected": "Reject"}
DECISION_TITLES = {"approved": "Approve assessment", "needs_info": "Ask for more info", "rejected": "Reject assessment"}
DECISION_SUBMIT = "Record decision"
DECISION_PROMPT = "Mark assessment `{id}` as *{status}*. Add a note for the requester if you like."
DECISION_NOTE_LABEL = "Note (optional)"
DECISION_NOTE_HINT = "The requester sees this in the thread. At most 500 characters."
DECISION_NOT_LEAD = (
    "Sorry, only leads can record decisions on assessments. If you should be one, ask an admin to "
    "add you to ADVISOR_LEADS or the leads user group."
)
DECISION_NOT_MEMBER = (
    "Sorry, you can only record decisions on assessments in channels you are a member of. Nothing was recorded."
)
DECISION_UNKNOWN_STATUS = "`{status}` is not a decision."
DECISION_NOTICE = "<@{requester}>, your assessment was marked *{status}* by <@{lead}>."
DECISION_NOTICE_NOTE = "<@{requester}>, your assessment was marked *{status}* by <@{lead}>:\n>{note}"

STALE_SUMMARY = (
    "This summary is out of date: the assessment changed since it was posted. I've refreshed it; "
    "check it and decide again."
)
STALE_SUMMARY_MODAL = (
    "The assessment changed while this was open. Close this, check the refreshed summary and decide again."
)
ADJUST_STALE = "The answers changed while this form was open. Close it and open Adjust answers again."
UNKNOWN_BUTTON = (
    "That button is from an older version of this message and no longer does anything. Use the latest card, or "
    "mention me to carry on."
)
STALE_CARD = "This card is out of date: a newer recommendation was posted in this thread. Use the latest card."
UNKNOWN_ASSESSMENT = "I can't find that assessment. It may have been deleted under the retention policy."
WRONG_WORKSPACE = "That assessment belongs to another workspace, so I can't act on it here."
OTHER_CHANNEL = "That assessment is in another channel, so I can't act on it from here. Use the buttons in its thread."
LOOKUP_FAILED = (
    "I couldn't check with Slack whether you may do that (it refused or didn't answer in time), so "
    "nothing was changed. Please try again in a moment."
)

DIGEST_USAGE = (
    f"Usage: `{COMMAND} digest [7d|30d|all] [#channel]` (default: the last 7 days in every channel you are in)."
)
DIGEST_NOT_LEAD = (
    "Sorry, digests are for leads. If you should be one, ask an admin to add you to ADVISOR_LEADS or "
    f"the leads user group. Your own assessments are in `{COMMAND} status` and my App Home."
)
DIGEST_HIDDEN_CHANNEL = "You can only get a digest of channels you are a member of, and you're not in <#{channel}>."
DIGEST_CHANNEL_NAME = (
    "I can't tell which channel `{name}` is. Pick it from Slack's suggestions as you type `#` so "
    "it's linked, e.g. `/ai-advisor digest 7d #general`."
)
DIGEST_HEADER = "Digest · {period}"
DIGEST_HEADER_CHANNEL = "Digest · {period} · #{channel}"
DIGEST_COUNTS = "{counts} · {total} in all"
DIGEST_GROUP_NAMES = {
    "fine_tuning": "Fine-tuning",
    "prompt_engineering": "Prompt engineering",
    "hybrid": "Hybrid",
    "in_progress": "Intake in progress",
}
DIGEST_MORE = "…and {more} more — `ai-advisor export --since {since}` lists every one."
DIGEST_RECENT_DECISIONS = "*Recent decisions*"
DIGEST_ONLY_VISIBLE = "Only channels and DMs you are a member of are included."
DIGEST_DM = "a DM"
DIGEST_GROUP = "*{name}* ({count})"
DIGEST_NONE = "none"
DIGEST_CROSSOVER = "crossover ~{volume} req/mo"
DIGEST_FEEDBACK = "👍 {up} 👎 {down}"
DIGEST_REASONS = "👎 why: {reasons}"

HOME_TITLE = "AI Advisor"
HOME_INTRO = (
    "Describe an AI feature and I'll recommend fine-tuning, prompt engineering or a hybrid, with 3-year "
    "costs. Start here, mention me in a channel, or send me a direct message."
)
HOME_NEW = "New assessment"
HOME_MINE = "*Your recent assessments*"
HOME_MINE_NONE = "You have no assessments yet."
HOME_LEADS = "*For leads: the last {period} in your channels*"
HOME_LEADS_MORE = f"`{COMMAND} digest 7d #channel` lists more, per channel."
HOME_IN_PROGRESS = "intake in progress"
HOME_ITEM = "*{title}*\n{where} · {outcome} · *{status}* · updated {date}"

NEW_TITLE = "New assessment"
NEW_SUBMIT = "Start"
NEW_DESCRIPTION = "What AI feature do you want to build?"
NEW_DESCRIPTION_HINT = "Volume, labeled data, deadline, team and regulation help me skip questions."
NEW_CHANNEL = "Channel"
NEW_CHANNEL_HINT = "I'll open a thread there (invite me first). Leave it empty to continue in a direct message."
NEW_EMPTY = "Describe the feature in a sentence or two."
NEW_CANT_POST = "I can't post in that channel ({error}). Invite me with `/invite @AI Advisor`, or pick another one."

FEEDBACK_REASON_TITLE = "What was off?"
FEEDBACK_REASON_SUBMIT = "Send"
FEEDBACK_REASON_LABEL = "Reason (optional)"
FEEDBACK_REASON_PROMPT = "Thanks for the 👎, it's recorded. What should the recommendation have considered?"
FEEDBACK_REASON_THANKS = "Thanks, your reason is recorded with your 👎."
FEEDBACK_REASON_TOO_LONG = "Keep the reason under 500 characters, please."
