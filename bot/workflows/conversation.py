"""The platform-neutral dialogue: handle a turn, persist it, return a reply."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from bot.advisor import confirm, dialogue, engine, message_form, message_kind, message_refs, tco
from bot.advisor.extract import MAX_TEXT, NUMBER_FIELDS, Extraction, Unclear, clean_text, extract
from bot.advisor.intake import FIELD_LABELS, Approach, Fact, Intake, Provenance, validate_values
from bot.advisor.questions import Question, next_questions, question_bank
from bot.advisor.reader.numbers import find_quantities
from bot.advisor.reader.tokens import tokenize
from bot.errors import InputError, NotFoundError, OutdatedError
from bot.storage.store import Conversation, Store
from bot.workflows.card_changes import changes_note
from bot.workflows.interaction import QuickAnswer
from bot.workflows.one_shot import Assessor, Enricher, llm_turn, recommend
from bot.workflows.summary import display
from bot.workflows.turn_writes import TurnWrites

if TYPE_CHECKING:
    from bot.llm.client import LlmClient

MAX_ROUNDS = 4

# Hooks: the knowledge layer adds citations and case studies to a recommendation before it is stored, and answers
# questions about the topic from the knowledge base (text with its sources).
Answerer = Callable[[str], str]


@dataclass(frozen=True)
class ConversationKey:
    """Where a conversation lives on its platform: e.g. a Slack team, channel and thread."""

    platform: str
    team: str
    channel: str
    thread: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.team}:{self.channel}:{self.thread}"


class Reply(BaseModel):
    """What the advisor says back: questions, a recommendation, or a plain message.

    The parts are what adapters render (none parses `text` back): a question round is its `intro` line, the
    `questions` (each with its quick answers) and `notes`; a recommendation is the `recommendation` card and
    `notes`. `text` is the whole reply as plain text (the transcript's copy, and what a plain message shows);
    `worded` says a model reworded a question round's `text` (the parts keep the deterministic questions).
    """

    kind: Literal["questions", "recommendation", "message"]
    conversation_id: str
    text: str
    intro: str = ""
    questions: list[Question] = Field(default_factory=list)
    recommendation: engine.Recommendation | None = None
    notes: list[str] = Field(default_factory=list)
    worded: bool = False
    intake: dict[str, Any] = Field(default_factory=dict)
    recommendation_id: int | None = None
    heard: message_kind.MessageKind | None = None  # what the message was taken for (None: a button or a form)


# Whole-message commands. Possessive quantifiers (`*+`) never give back what they matched, so a long run of spaces
# or newlines after a command word is scanned once, not once per split between two adjacent `\s*` (quadratic).
# Words that open a change of mind before a command: "ugh actually start over", "actually scrap that, new project".
_RETHINK = (
    r"(?:(?:ugh|argh|hmm|oh|no|wait|sorry|actually|ok|okay|so|right|alright|scrap\s++that|scratch\s++that|"
    r"forget\s++that|never\s++mind|nvm)\W++)*+"
)
_RESTART_LEAD = (
    r"^\W*+" + _RETHINK + r"(?:(?:ok|okay|so|please|pls|can\s++we|could\s++we|let's|lets|i\s++want\s++to|"
    r"i'd\s++like\s++to)\s++)*+"
)
# Words that restart whatever follows them; "new" and "reset" only on their own ("reset: password resets are …").
_RESTART_ACT = (
    r"(?:restart|start\s++(?:over|again|afresh|anew|fresh|from\s++scratch)|begin\s++again|new\s++assessment|"
    r"from\s++the\s++top|forget\s++(?:everything|all\s++(?:of\s++)?(?:that|this))|clear\s++(?:everything|it\s++all))"
    r"(?:\s++(?:please|pls|then))?"
)
_RESTART_WORDS = _RESTART_LEAD + r"(?:" + _RESTART_ACT + r"|(?:new|reset)(?:\s++(?:please|pls|then))?)"
_RESTART = re.compile(
    _RESTART_WORDS + r"\s*+(?:[.!?]\s*+)?"
    r"(?:[,;:.!-]\s*+(?:let\s++me|i'll|i\s++will|i'm\s++going\s++to|i\s++want\s++to)\b[^\n?]*+)?$",  # "…, let me …"
    re.I,
)
# A restart and more in one message ("start over - we need a tool that …", "scrap that, start over: different
# project, …"): what follows the separator is the new project when it describes one.
_RESTART_THEN = re.compile(_RESTART_LEAD + _RESTART_ACT + r"(?:\s*+[,;:.!?]++|\s++[-\u2013\u2014]\s)\s*+", re.I)
# A message that starts another project in the same thread: "different project: …", "new idea - …".
_NEW_PROJECT = re.compile(
    r"^\W*+(?:(?:thanks|thank\s++you|cheers|ok|okay|cool|great|nice|right|alright|so|now|next|also|and|oh)\W++)*+"
    + _RETHINK
    + r"(?:(?:a\s++|one\s++more\s++|the\s++next\s++|a\s++completely\s++|a\s++totally\s++|totally\s++|"
    r"completely\s++)?(?:new|different|another|separate|second|other|next|diff|unrelated)\s++"
    r"(?:project|idea|use[- ]case|feature|assessment|one|thing|topic)|"
    r"(?:on\s++)?a\s++different\s++note|switching\s++gears|change\s++of\s++topic|unrelated|"
    r"(?:now\s++)?(?:for\s++)?something\s++(?:completely\s++|totally\s++|quite\s++)?different)\b"
    r"(?:\s++(?:now|then|pls|please|plz))*+[\s:;,.!-]*+",
    re.I,
)
_WHY = re.compile(r"^\s*+(?:why\??|why not\b[^\n]*+|explain(?: (?:it|that|why))?\??|how did you decide\??)\s*+$", re.I)
_KEEP = re.compile(
    r"^\W*+(?:yes|yep|yeah|keep(?:\s++it|\s++that|\s++those)?|use\s++(?:it|that|those)|apply(?:\s++it)?|"
    r"do\s++it|go\s++with\s++(?:it|that))\b",
    re.I,
)
# After a what-if: declining to keep its facts ("no", "nah, leave it").
_DECLINE = re.compile(r"^\W*+(?:no|nope|nah|don't|do\s++not|leave\s++it|keep\s++(?:mine|the\s++old))\b", re.I)
_UNCHANGED = "OK, your answers stay as they were."
_WHICH_FACT = (
    'Which fact did I get wrong? Tell me its right value ("we have 5k labeled examples, not 50k", "the rules '
    "change monthly\") and I'll re-make the card; the card stands until then."
)
_NOTHING_YET = "I haven't recommended anything yet. Tell me about the feature first."
_NEW = "A new project: a new assessment."
_DIFFERENT = "This describes a different project from the one so far, so it gets a new assessment."
_NOTHING_TO_EXPORT = (
    "There is no recommendation to export yet. Tell me about the feature first, or say *recommend now*."
)
_EXPORT_TEXT = (
    "I can't attach files here. The card's *Export decision record* button (an action on the card in Teams) posts "
    "the decision record as Markdown, ready to paste or print to PDF; `ai-advisor record {id}` writes the same "
    "record from the terminal, and `ai-advisor summary {id}` the leads' summary. To share the card, forward or "
    "link this message."
)
_WHAT_IF_PREFIX = dialogue.WHAT_IF_PREFIX  # an expected-field entry holding a what-if's facts until kept
_HELP = re.compile(
    r"^\s*+[/!]?(?:help(?:\s++(?:me|please|pls))?|\?|commands|usage|what\s++can\s++(?:you\s++do|i\s++(?:say|ask))|"
    r"what\s++do\s++you\s++do|how\s++do\s++i\s++use\s++(?:you|this(?:\s++bot)?)|"
    # "show me the help menu", "pull up your commands", "list the commands pls": a request for the help itself
    r"(?:(?:can|could)\s++(?:you|u)\s++|(?:please|pls)\s++)?(?:show|give|open|pull\s++up|bring\s++up|list|display|"
    r"see|get|send)(?:\s++(?:me|us))?(?:\s++(?:the|your|ur|a))?\s++(?:help(?:\s++(?:menu|text|page|screen))?|"
    r"menu|commands|command\s++list|list\s++of\s++commands)(?:\s++(?:please|pls|plz))?)\s*+[?!.]?\s*+$",
    re.I,
)

# "help pls, what do i even tell it": a call for help with a question about the bot after it (`_asks_for_help`).
_HELP_OPENER = re.compile(r"^\W*+help(?:\s++(?:me|us|please|pls|plz))*+\s*+[,.!:;-]+\s*+", re.I)
# "she wants me to assess a different thing instead: drafting …": the project under way is replaced by the one after.
# So does "my manager wants to prioritise something else: summarising …" (another thing, then a colon).
_REPLACED_BY = re.compile(
    r"(?:\b(?:a|an|another|the)?\s*+(?:different|new|other|separate)\s++(?:project|thing|one|use[- ]case|idea|"
    r"feature|assessment)|\bsomething\s++(?:else|different))(?:\s++instead\b[\s:;,.!-]*+|\s*+:\s*+)",
    re.I,
)

_STANDS = (
    "Nothing has changed since the card above, so it stands: *{approach}* ({confidence:.0%}). Correct an answer, "
    "or ask *what if …?* to try other facts."
)
HELP_TEXT = (
    "Describe the AI feature you want to build: what it does, how much labeled data you have, the volume, "
    "the deadline, who would build it, and any regulation. I'll ask what's missing and recommend fine-tuning, "
    "prompt engineering or a hybrid. Say *recommend now* to skip questions, *why?* (or *why not hybrid?*) for the "
    "reasoning, *what if …?* to try other facts, *new project: …* or *restart* to start another assessment (the "
    "last one is kept), or correct any "
    'answer ("actually we have 20k examples"). Questions about the topic are answered from the knowledge base.'
)


def question_text(questions: list[Question], notes: list[str], intro: str | None = None) -> str:
    """Plain-text rendering of a question round."""
    lines = [intro] if intro else []
    lines += [f"{i}. {q.text}" for i, q in enumerate(questions, 1)]
    lines += [f"_{n}_" for n in notes]
    return "\n".join(lines)


class Advisor:
    """The conversation core shared by Slack, Teams and the terminal."""

    def __init__(
        self,
        store: Store,
        *,
        enrich: Enricher | None = None,
        today: dt.date | None = None,
        llm: LlmClient | None = None,
        answer_topic: Answerer | None = None,
        assumptions: tco.TcoAssumptions | None = None,
    ) -> None:
        self.store = store
        self.enrich = enrich
        self.answer_topic = answer_topic
        self.today = today
        self.assumptions = assumptions  # the operator's costs (ADVISOR_TCO_CONFIG); None: the shipped defaults
        self.llm = llm  # optional: better extraction and wording; the engine still decides

    def _lock(self, key: str) -> AbstractContextManager[bool]:
        # Re-entrant: an adapter holds a conversation's lock around a whole turn (bot/storage/inbox.py) while it
        # runs. The store keeps it, so every replica on a shared database sees it.
        return self.store.conversation_lock(key)

    def conversation_lock(self, key: str) -> AbstractContextManager[bool]:
        """The lock that serialises turns of the conversation at `key` (str of its ConversationKey)."""
        return self._lock(key)

    def _llm_turn(self) -> AbstractContextManager[None]:
        """One user message's scope for the LLM's per-message call cap and usage counts."""
        return llm_turn(self.llm)

    # --- one-shot ---

    def assess(self, text: str) -> tuple[engine.Recommendation, Intake, list[str]]:
        """Assess one description without follow-up questions or persistence."""
        return Assessor(self.enrich, self.llm, self.today, self.assumptions).assess(text)

    def _recommend(self, intake: Intake) -> engine.Recommendation:
        return recommend(intake, self.enrich, self.llm, self.assumptions)

    # --- dialogue ---

    def handle(self, key: ConversationKey, user: str, text: str) -> Reply:
        """Handle one user message in the conversation at `key` (created on first contact); the turn's writes are
        stored in one transaction at its end."""
        if len(text) > 4 * MAX_TEXT:
            text = text[: 4 * MAX_TEXT]
        with self._lock(str(key)), self._llm_turn():
            w = TurnWrites(self.store)
            reply = self._handle_message(w, key, user, text)
            w.apply()
            return _with_recommendation_id(reply, w)

    def _handle_message(self, w: TurnWrites, key: ConversationKey, user: str, text: str) -> Reply:
        conv = self.store.find_conversation(str(key)) or self._new_conversation(w, key, user)
        restart, new_project = _RESTART.match(text), _NEW_PROJECT.match(text)
        told = _restart_and_description(text) if not (restart or new_project) else None
        if told is not None:  # "start over - we need a tool that …": reset, then assess the new description
            if not (conv.turns or conv.version):
                return self._handle(w, conv, told)
            return self._start_another(w, key, user, conv, text, told, "Starting over.")
        if not new_project:  # "scrap that, start over - different project my boss cares about": a restart
            restart = restart or _RESTART_THEN.match(text)
        if new_project and message_form.is_question(text[new_project.end() :]):
            new_project = None  # "unrelated, but what's LoRA?": a question set aside, not another project
        said = bool(conv.turns or conv.version)
        replacing = _replacement(text) if said and not (restart or new_project) else None
        if replacing is not None:  # "this one is on hold, assess a different thing instead: …"
            return self._start_another(w, key, user, conv, text, replacing, _NEW)
        if not (restart or new_project):
            supposes = message_form.supposition(text, states_facts=True) is not None
            if said and not supposes and self._another_project(conv, text):
                return self._start_another(w, key, user, conv, text, message_form.without_preamble(text), _DIFFERENT)
            return self._handle(w, conv, text)
        if not said:
            return self._handle(w, conv, text[new_project.end() :] if new_project else text)
        rest = text[new_project.end() :].strip() if new_project else ""
        if not message_kind.introduces_new(rest):  # "new project pls, diff team": the description comes next
            rest = ""
        return self._start_another(w, key, user, conv, text, rest, "Starting over." if restart else _NEW)

    def route_top_level(self, where: ConversationKey, user: str, text: str) -> ConversationKey | None:
        """Which assessment a top-level message belongs to, in a chat where each project gets its own thread (a
        Slack DM); `where` is the key a new assessment would get (the message's own thread).

        A description (or "new project: …") starts a new one at `where`; help, a bare "new project", a question
        about the topic and thanks belong to none (None: `answer_outside` answers them); anything else (an answer,
        a correction, "why?", "what if …?") continues the user's latest assessment in this chat, or starts one when
        there is none. A new assessment is created at once, so a message that follows before this one is answered
        finds it. Deterministic and quick: adapters call it before acknowledging the platform.
        """
        text = text[: 4 * MAX_TEXT]
        cleaned = clean_text(text)
        if _outside(text, cleaned) is not None:
            return None
        if _NEW_PROJECT.match(text) or _restart_and_description(text) is not None:
            return self._opened(where, user)
        found = extract(text, turn=1, today=self.today)
        stated = [f for f in found.facts if f.field != "use_case"]
        latest = self.store.latest_conversation(where.platform, where.team, where.channel, user)
        if latest is not None and message_refs.questions(cleaned):
            # "why fine-tuning? and what's LoRA?": answered each in the latest assessment, which the first may be about
            return ConversationKey(latest.platform, latest.team, latest.channel, latest.thread)
        if not any(f.field in NUMBER_FIELDS for f in stated) and not found.unclear:
            kind = message_kind.classify(cleaned, has_facts=False)
            if kind == "topic_question" and latest is not None and latest.state == "recommended":
                kind = "about_advice" if message_form.about_the_case(cleaned) else kind  # "so no fine-tuning then?"
            if (kind == "topic_question" and self.answer_topic is not None) or (kind == "thanks" and not stated):
                return None
        if latest is None or message_kind.describes_project(cleaned, len(stated)):
            return self._opened(where, user)
        return ConversationKey(latest.platform, latest.team, latest.channel, latest.thread)

    def _opened(self, key: ConversationKey, user: str) -> ConversationKey:
        # Created at once, outside any turn (returns the existing one for a redelivered message).
        self.store.create_conversation(
            str(key), platform=key.platform, team=key.team, channel=key.channel, thread=key.thread, user=user
        )
        return key

    def answer_outside(self, text: str) -> Reply:
        """The reply to a top-level message that belongs to no assessment (see `route_top_level`); stores nothing."""
        cleaned = clean_text(text)
        with self._llm_turn():
            command = _outside(text, cleaned)
            if command is not None:
                return Reply(kind="message", conversation_id="", text=command, heard="command")
            if message_kind.classify(cleaned, has_facts=False) == "thanks":
                return Reply(kind="message", conversation_id="", text=_small_talk_text(cleaned), heard="small_talk")
            if self.answer_topic is None:
                return Reply(kind="message", conversation_id="", text=HELP_TEXT, heard="command")
            return Reply(kind="message", conversation_id="", text=self.answer_topic(cleaned), heard="topic_question")

    def _another_project(self, conv: Conversation, text: str) -> bool:
        """Whether a message describes another project than the stored facts (most facts it shares disagree)."""
        known = self.store.latest_intake(conv.id).known()
        if conv.version and message_kind.opens_another(clean_text(text), known.get("use_case")):
            return True  # "a classifier that sorts invoices …" while drafting support replies was under way
        if not conv.version or len(known) < 2:
            return False
        if conv.state == "recommended" and message_kind.introduces_project(clean_text(text), known.get("use_case")):
            return True
        found = extract(text, turn=conv.turns + 1, today=self.today)
        stated = {f.field: f.value for f in found.facts if f.field != "use_case"}
        return message_kind.contradicts(clean_text(text), known, stated)

    def _start_another(
        self, w: TurnWrites, key: ConversationKey, user: str, conv: Conversation, text: str, rest: str, intro: str
    ) -> Reply:
        """Archive the conversation at `key` and start a new one there, with `rest` (of the message `text`) as its
        first message. One assessment per project: the previous one is kept as it is (summaries, digests, export)."""
        w.archive(conv.id)
        note = f"{intro} The previous assessment is kept (ID {conv.id})."
        fresh = self._new_conversation(w, key, user)
        if not rest:
            w.add_turn(fresh.id, "user", text[:MAX_TEXT])
            return Reply(kind="message", conversation_id=fresh.id, text=f"{note} {HELP_TEXT}", heard="command")
        reply = self._handle(w, fresh, rest)
        return reply.model_copy(update={"notes": [note, *reply.notes], "heard": "description"})

    def _new_conversation(self, w: TurnWrites, key: ConversationKey, user: str) -> Conversation:
        conv = Conversation.new(
            str(key), platform=key.platform, team=key.team, channel=key.channel, thread=key.thread, user=user
        )
        w.create(conv)
        return conv

    def take_quick_answer(self, conversation_id: str, user: str, answer: QuickAnswer) -> Reply:
        """Apply a quick answer (a button, checked by `interaction.quick_answer`), then continue the conversation."""
        conv = self.store.get_conversation(conversation_id)
        field, value = answer.field, answer.value
        with self._lock(conv.key), self._llm_turn():
            conv = self.store.get_conversation(conversation_id)
            w = TurnWrites(self.store)
            w.add_turn(conversation_id, "user", f"[{FIELD_LABELS[field]}: {value}]")
            fact = Fact(field, value, Provenance(source="message", turn=conv.turns + 1, quote="quick answer"))
            reply = self._continue(w, conv, [fact], [], reason=f"quick answer: {field}")
            w.apply()
            return _with_recommendation_id(reply, w)

    def adjust(
        self,
        conversation_id: str,
        user: str,
        values: dict[str, Any],
        *,
        expected_version: int | None = None,
        then: Callable[[Reply], None] | None = None,
    ) -> Reply:
        """Replace intake values from an edit form; recompute and store a new recommendation.

        `expected_version`: the answers' version the form was filled from; OutdatedError (nothing stored) when they
        changed since, as the form would silently undo the newer ones. `then` runs with the reply in the same
        transaction as the turn's writes, under the conversation's lock (an adapter queuing the card update there
        can't be overtaken by another turn's card).
        """
        conv = self.store.get_conversation(conversation_id)
        with self._lock(conv.key), self._llm_turn():
            conv = self.store.get_conversation(conversation_id)
            if expected_version is not None and conv.version != expected_version:
                raise OutdatedError("The answers changed since this form was opened.")
            intake = self.store.latest_intake(conversation_id)
            merged = {**intake.values.model_dump(), **values}
            validate_values(merged)  # raises InputError naming the bad field; nothing is stored
            prov = Provenance(source="edit", quote=f"edited by {user}")
            facts = [Fact(k, v, prov) for k, v in values.items() if intake.values.model_dump().get(k) != v]
            new = intake.merged(facts)
            w = TurnWrites(self.store)
            conv, version = w.save_intake(conv, new, reason=f"adjusted by {user}")
            w.add_turn(conversation_id, "user", f"[adjusted: {', '.join(sorted(values))}]")
            reply = self._deliver(w, conv, new, version, [])
            if then is not None:
                w.then(lambda: then(_with_recommendation_id(reply, w)))
            w.apply()
            return _with_recommendation_id(reply, w)

    def explain(self, conversation_id: str) -> str:
        """Why the latest recommendation came out as it did."""
        rec = self.store.latest_recommendation(conversation_id)
        if rec is None:
            raise NotFoundError("There is no recommendation yet in this conversation.")
        return explanation_text(rec)

    def _handle(self, w: TurnWrites, conv: Conversation, text: str) -> Reply:
        reply = self._handle_one(w, conv, text)
        several = message_refs.questions(clean_text(text))
        if not several or f"*{several[0].strip()}*" in reply.text:
            return reply
        # Several questions read as one message (one of them states a fact): say which were not answered apart (a
        # question about the topic beside a fact is answered with it: `_side_question`).
        side = _side_question(clean_text(text)) if self.answer_topic is not None else None
        left = [q for q in several[1:] if side is None or (side not in q and q not in side)]
        if not left:
            return reply
        rest = "; ".join(f"“{q}”" for q in left)
        note = f"Your message asked {len(several)} questions and I read it as one; ask {rest} on its own if needed."
        update: dict[str, Any] = {"notes": [*reply.notes, note]}
        if reply.kind == "message":
            update["text"] = f"{reply.text}\n\n{note}"
        return reply.model_copy(update=update)

    def _handle_one(self, w: TurnWrites, conv: Conversation, text: str) -> Reply:
        cid = conv.id
        typed = bool(clean_text(text))
        if not typed or _asks_for_help(text):
            reask = self._reask(conv)  # an open question stays open: nothing typed asks it again, help adds it
            if not typed and reask:
                return Reply(kind="message", conversation_id=cid, text=reask, heard="small_talk")
            helped = f"{HELP_TEXT}\n\n{reask}" if reask else HELP_TEXT
            return Reply(kind="message", conversation_id=cid, text=helped, heard="command")
        turn = w.turn_count(cid) + 1  # its place in the transcript (bot turns count too)
        w.add_turn(cid, "user", text[:MAX_TEXT])
        conv = w.update(conv, turns=turn)
        if _RESTART.match(text) or _RESTART_THEN.match(text):  # nothing said yet: nothing to keep
            return Reply(kind="message", conversation_id=cid, text="Starting over. " + HELP_TEXT, heard="command")
        if self.answer_topic is not None and message_form.asks_aside(clean_text(text)):
            return self._topic_answer(w, conv, clean_text(text))  # "side q - does fine-tuning …?": never a what-if
        several = message_refs.questions(clean_text(text))
        if several:  # "why fine-tuning? and what would it cost?": each question answered in turn
            answered_all = self._several_questions(w, conv, several, turn)
            if answered_all is not None:
                return answered_all
        if message_kind.why_not_target(text):
            return self._why_not(w, cid, text).model_copy(update={"heard": "follow_up"})
        if _WHY.match(text):
            return self._follow_up(w, conv, clean_text(text))
        if message_form.asks_export(clean_text(text)):
            return self._export(w, conv)
        before = message_form.recommend_now(clean_text(text))
        if before and not conv.version and message_form.is_question(clean_text(text)[len(before) :]):
            before = None  # "we need a bot that …, what should we do?": a description asking for the advice
        if before is not None:  # "skip the rest, just tell me"; what comes before the request is read first
            return self._recommend_now(w, conv, before, turn).model_copy(update={"heard": "command"})
        first = not conv.version  # nothing stored yet: a greeting, a question or "restart" may have come first
        supposed = _pending_what_if(conv.expecting, turn)
        if supposed is not None:
            conv = w.update(conv, expecting=[e for e in conv.expecting if not e.startswith(_WHAT_IF_PREFIX)])
            if _KEEP.match(text):  # "yes, keep it": the what-if's facts become the answers
                kept = self._continue(w, conv, supposed, [], reason=f"turn {turn}: kept a what-if")
                return kept.model_copy(update={"heard": "follow_up"})
            if message_form.is_refusal(text) or _DECLINE.match(text):  # "no, leave it": nothing changes
                w.add_turn(cid, "bot", _UNCHANGED)
                return Reply(kind="message", conversation_id=cid, text=_UNCHANGED, heard="small_talk")
        what_if = message_form.supposition(text, states_facts=False)
        if what_if is not None and self._so_far(cid)[0] is not None:
            return self._what_if(w, conv, what_if, turn).model_copy(update={"heard": "follow_up"})
        state = _stage(conv)
        pending = confirm.pending(conv.expecting)
        expecting = [e for e in conv.expecting if not confirm.is_entry(e)] or None
        if pending is not None:
            resolved = confirm.resolve(pending, text, turn=turn)
            if resolved is not None:  # "labeled examples", "per month", "neither": the number's owner, or none
                confirmed = self._continue(w, conv, resolved, [], reason=f"turn {turn}: confirmed")
                declined = message_form.is_refusal(text)  # "no, leave it": the number is dropped, as for "neither"
                return confirmed.model_copy(update={"heard": "small_talk" if declined else "answer"})
        # "hi! we want a bot that …": the greeting is not the use case
        read = message_form.without_preamble(text) if first else text
        known = w.latest_intake(cid).known()
        # "the fraud team next door has 2M labeled examples": another project's numbers are not read
        foreign = [] if first else message_refs.foreign_clauses(read, known.get("use_case"))
        read = message_refs.without(read, foreign) if foreign else read
        if dialogue.disputes_in_words(state):  # "wait, that's wrong - …": only what follows is read
            read = message_refs.after_dispute(read)
        if foreign and not clean_text(read):
            return self._set_aside(w, conv, state, foreign)
        found = extract(read, turn=turn, expecting=expecting, today=self.today, opening=first)
        if self.llm:
            found = self.llm.extract(read, found, turn=turn, expecting=expecting)
        cleaned = clean_text(text)
        if message_kind.is_correction(cleaned):
            # "sorry, 300k not 3M" while "is the 3M your labeled examples?" waits: the pending number is the old one
            asked = {pending.candidates[0]: pending.value} if pending and len(pending.candidates) == 1 else {}
            _owned_by_old_value(found, message_kind.replaced(cleaned, {**asked, **known}), turn)
        if foreign:  # "the 3k is for another product line, for ours about 800": 800 takes the 3k's place
            _owned_by_old_value(found, _disowned(foreign, found, known), turn)
        # "does the 300k matter that much or would 50k do?": after the card, another number set beside a stored one
        # is tried in its place
        instead = _alternative(cleaned, found, known, turn) if conv.state == "recommended" else None
        if instead is not None:
            tried = self._what_if(w, conv, text, turn, supposed_facts=[instead])
            return tried.model_copy(update={"heard": "follow_up"})
        # "the 3k - is that enough?": a number equal to a stored one points at it; whose it is is not asked
        found.unclear = [u for u in found.unclear if not _stored_number(known, u.value)]
        if not first and message_refs.refers_back(cleaned) and not message_kind.is_correction(cleaned):
            # "like I said, 20k", "same as above": what is restated is not new; nothing said before is re-asked
            _drop_restated(found, known)
            if not [f for f in found.facts if f.field != "use_case"] and not found.unclear and not found.addressed:
                return self._restated(w, conv, state, known, cleaned)
        facts = found.facts
        stated = [f for f in facts if f.field != "use_case"]
        # "that's not right, …", "are you sure? …", "I don't agree with this card. …" disputes what was assumed:
        # its facts assert, also while a question is open.
        disputed = dialogue.disputes_in_words(state) and message_refs.disputes(cleaned)
        if disputed and _argues(cleaned, stated, known) and self._so_far(cid)[0] is not None:
            # "disagree tbh. this law is super niche, isn't that what fine-tuning is for?": an argument asking for
            # the reasoning (no number, no stored value changed), answered as a follow-up; nothing is stored
            return self._follow_up(w, conv, cleaned)
        carded_question = conv.state == "recommended" and stated and not disputed and message_form.is_question(cleaned)
        if carded_question and not _states_then_asks(cleaned):
            # After the card a question doesn't assert: "and with only 2k labels?" is tried, not stored.
            weak = message_form.supposition(cleaned, states_facts=True)
            if weak is not None or message_kind.differing(known, {f.field: f.value for f in stated})[1]:
                tried = self._what_if(w, conv, weak if weak is not None else text, turn)
                return tried.model_copy(update={"heard": "follow_up"})
            new = [f for f in stated if f.field not in known]
            asks = not new or (message_form.asks_first(cleaned) and not any(f.field in NUMBER_FIELDS for f in new))
            if asks and not found.unclear and message_form.about_the_case(cleaned):
                # "ok and the fine tuned model would really be cheaper?": its words are what it asks about
                return self._follow_up(w, conv, cleaned)
        # A question that states no number of its own is about the topic even when it names things ("RAG",
        # "regulated industries"): those words describe the question, not the asker's project.
        numbers = [f for f in stated if f.field in NUMBER_FIELDS]
        if not numbers and not found.unclear and not (disputed and stated):  # a dispute's facts correct
            kind = message_kind.classify(cleaned, has_facts=False)
            if kind == "other" and conv.state != "recommended" and _asks_topic(cleaned) and not stated:
                kind = "topic_question"  # no card to ask about yet: "can we use our FAQ for that?" asks the topic
            if kind == "topic_question" and conv.state == "recommended" and message_form.about_the_case(cleaned):
                kind = "about_advice"  # after the card, "so no fine-tuning then?" asks about the advice
            elif kind == "topic_question" and not first and _weighs_approach(cleaned):
                kind = "about_advice"  # before it, "what would push it toward hybrid?" asks about the advice so far
            if kind == "topic_question" and self.answer_topic is not None and not _states_then_asks(cleaned):
                return self._topic_answer(w, conv, cleaned)  # answered; an intake under way stays put
            # "great" can answer "how clean are the labels?"; "no, leave it" never answers anything
            if kind == "thanks" and (not stated or message_form.is_refusal(cleaned)):
                return self._small_talk(w, conv, cleaned)
            if not stated and not found.addressed and _asks_about_advice(kind, cleaned, first):
                return self._follow_up(w, conv, cleaned)
        if not first and not expecting:
            facts = stated
        # A dispute that changes a stored fact corrects it; a fact not stored before ("no ML people") adds to the card.
        if disputed and not stated and not found.unclear:  # "that's not right": which fact, then?
            w.add_turn(cid, "bot", _WHICH_FACT)
            return Reply(kind="message", conversation_id=cid, text=_WHICH_FACT, heard="correction")
        # A dispute with a fact says it corrects what was assumed, whether or not the fact was stored before.
        # So does taking back a number said before ("the 50k I mentioned is for the permits thing, not this one").
        takes_back = bool(foreign) and message_refs.disowns_said(foreign)
        heard = "correction" if (disputed and stated) or takes_back else _heard(first, text)
        # a question closing a dispute asks about the card ("so where's the changing content?"): the card answers it
        side = _side_question(cleaned) if stated and not disputed and self.answer_topic is not None else None
        answered = self._side_answer(side)
        if answered is not None:  # "about 3k labeled emails. what's LoRA btw?": the answer is kept, then the question
            w.add_turn(cid, "bot", answered)
        if found.addressed:  # "no hard deadline": answered without a number, so not asked again
            conv = w.update(conv, asked=sorted(set(conv.asked) | found.addressed))
        reply = self._continue(w, conv, facts, found.notes, reason=f"turn {turn}", unclear=found.unclear)
        if answered is not None:
            update = {"notes": [answered, *reply.notes], "text": f"{answered}\n\n{reply.text}"}
            reply = reply.model_copy(update=update)
        if foreign:
            reply = reply.model_copy(update={"notes": [_left_out(foreign), *reply.notes]})
        return reply.model_copy(update={"heard": heard})

    def _side_answer(self, side: str | None) -> str | None:
        """The knowledge base's answer to a question asked beside facts; None when there is none, or when the
        question has no words to search for: the facts are stored whatever becomes of the aside."""
        if side is None or self.answer_topic is None:
            return None
        try:
            return self.answer_topic(side)
        except InputError:
            return None

    def _question_plan(self, conv: Conversation, part: str, turn: int) -> str | None:
        """How one of several questions in a message is answered: "why_not", "what_if", "follow_up" or "topic";
        None when it states a fact or is nothing the dialogue can answer on its own (then the whole message is
        read as one)."""
        cleaned = clean_text(part)
        has_advice = self._so_far(conv.id)[0] is not None
        if message_kind.why_not_target(cleaned):
            return "why_not"
        if _WHY.match(cleaned):
            return "follow_up"
        if message_form.supposition(cleaned, states_facts=False) is not None:
            return "what_if" if has_advice else None
        found = extract(cleaned, turn=turn, today=self.today)
        stated = {f.field: f.value for f in found.facts if f.field != "use_case"}
        if stated or found.unclear:
            # as on its own: a supposition, or after the card a question whose facts differ from the stored ones,
            # is tried; a question that adds a fact is read with the whole message (the fact is stored)
            weak = message_form.supposition(cleaned, states_facts=True) is not None
            known = self.store.latest_intake(conv.id).known()
            differs = conv.state == "recommended" and bool(message_kind.differing(known, stated)[1])
            if has_advice and (weak or differs):
                return "what_if"
            # as on its own: after the card, a question that opens by asking and states no number is about the
            # case ("and how often would we have to retrain the fine-tuned part?"), whatever the reader drew from it
            numbers = any(f in NUMBER_FIELDS for f in stated) or found.unclear
            carded = conv.state == "recommended" and not numbers and message_form.asks_first(cleaned)
            return "follow_up" if carded and message_form.about_the_case(cleaned) else None
        kind = message_kind.classify(cleaned, has_facts=False)
        if kind == "topic_question" and conv.state == "recommended" and message_form.about_the_case(cleaned):
            kind = "about_advice"
        if kind == "other" and conv.state != "recommended" and _asks_topic(cleaned):
            kind = "topic_question"
        if kind == "topic_question":
            return "topic" if self.answer_topic is not None else None
        if kind in ("about_advice", "why_not") or (kind == "other" and message_form.is_question(cleaned)):
            return "follow_up"
        return None

    def _several_questions(self, w: TurnWrites, conv: Conversation, parts: list[str], turn: int) -> Reply | None:
        """A message asking two or more questions ("why fine-tuning? and what would it cost?"): each answered
        under its own words, the open intake questions asked once at the end; None when one of them can't be
        answered as a question (it states a fact), so the message is read as a whole."""
        plans = [self._question_plan(conv, part, turn) for part in parts]
        if any(plan is None for plan in plans):
            return None
        answers: list[tuple[str, Reply]] = []
        for part, plan in zip(parts, plans, strict=True):
            cleaned = clean_text(part)
            if plan == "why_not":
                reply = self._why_not(w, conv.id, cleaned)
            elif plan == "what_if":
                supposed = message_form.supposition(cleaned, states_facts=True)
                reply = self._what_if(w, conv, supposed if supposed is not None else cleaned, turn)
            elif plan == "topic":
                reply = self._topic_answer(w, conv, cleaned, reask_open=False)
            else:
                reply = self._follow_up(w, conv, cleaned, reask_open=False)
            answers.append((part, reply))
        asked_for: dict[str, list[str]] = {}  # one answer, under every question it answers
        for part, reply in answers:
            asked_for.setdefault(reply.text, []).append(f"*{part.strip()}*")
        blocks = [f"{' · '.join(heads)}\n{answer}" for answer, heads in asked_for.items()]
        reask = self._reask(conv)
        text = "\n\n".join(blocks + ([reask] if reask else []))
        rec = next((r.recommendation for _, r in reversed(answers) if r.recommendation is not None), None)
        heard: message_kind.MessageKind = "topic_question" if set(plans) == {"topic"} else "follow_up"
        return Reply(kind="message", conversation_id=conv.id, text=text, recommendation=rec, heard=heard)

    def _set_aside(self, w: TurnWrites, conv: Conversation, state: dialogue.Dialogue, foreign: list[str]) -> Reply:
        """A message only about another team's or project's numbers: nothing is stored, and the reply says so."""
        text = f"{_left_out(foreign)} {dialogue.unchanged_tail(state, _open_questions(conv))}"
        w.add_turn(conv.id, "bot", text)
        return Reply(kind="message", conversation_id=conv.id, text=text, heard="answer")

    def _restated(
        self, w: TurnWrites, conv: Conversation, state: dialogue.Dialogue, known: dict[str, Any], said: str
    ) -> Reply:
        """A reply that points back ("same as above", "like I said, 20k") and says nothing new: nothing changes,
        what it restates is named when a stored number matches it, and the open questions stay open."""
        numbers = [q.value for q in find_quantities(tokenize(said))]
        matched = [
            f"{FIELD_LABELS[f].lower()} {display(v)}"
            for f, v in known.items()
            if f in NUMBER_FIELDS and any(message_kind.same_number(v, n) for n in numbers)
        ]
        if matched:
            text = f"I have that already ({'; '.join(matched)}), so nothing changed."
        else:
            text = "I can't tell which earlier answer that points to, so nothing changed."
        text += " " + dialogue.unchanged_tail(state, _open_questions(conv))
        w.add_turn(conv.id, "bot", text)
        return Reply(kind="message", conversation_id=conv.id, text=text, heard="answer")

    def _export(self, w: TurnWrites, conv: Conversation) -> Reply:
        """ "Export this as a pdf": the core sends no files, so the reply says where the card's exports are."""
        rec = self.store.latest_recommendation(conv.id)
        text = (
            _NOTHING_TO_EXPORT
            if rec is None
            else _EXPORT_TEXT.format(id=conv.id) + (f"\n\n{self._reask(conv)}" if self._reask(conv) else "")
        )
        w.add_turn(conv.id, "bot", text)
        return Reply(kind="message", conversation_id=conv.id, text=text, heard="command")

    def _recommend_now(self, w: TurnWrites, conv: Conversation, before: str, turn: int) -> Reply:
        """ "Recommend now" (in any wording): the card from what is known, with the facts of whatever the message
        said before the request ("we have about 5k labels, just tell me")."""
        cid = conv.id
        facts: list[Fact] = []
        if before:
            expecting = [e for e in conv.expecting if not confirm.is_entry(e) and not e.startswith(_WHAT_IF_PREFIX)]
            found = extract(before, turn=turn, expecting=expecting or None, today=self.today, opening=not conv.version)
            if self.llm:
                found = self.llm.extract(before, found, turn=turn, expecting=expecting or None)
            facts = found.facts if not conv.version else [f for f in found.facts if f.field != "use_case"]
        intake = w.latest_intake(cid)
        merged = intake.merged(facts) if facts else intake
        if not merged.known():
            text = "I need at least a short description of the feature first. " + HELP_TEXT
            return Reply(kind="message", conversation_id=cid, text=text)
        version = conv.version
        if not facts and conv.state == "recommended":  # nothing new since the card: it stands, not a second copy
            shown = self.store.latest_recommendation(cid)
            if shown is not None:
                text = _STANDS.format(approach=engine.APPROACH_NAMES[shown.approach], confidence=shown.confidence)
                w.add_turn(cid, "bot", text)
                return Reply(kind="message", conversation_id=cid, text=text)
        if facts or not version:
            conv, version = w.save_intake(conv, merged, "recommend now")
        return self._deliver(w, conv, merged, version, [])

    def _follow_up(self, w: TurnWrites, conv: Conversation, said: str, *, reask_open: bool = True) -> Reply:
        """A question about the advice ("why?", "how come?", "should we go with it then?"): the reasoning, or the
        comparison with the approach it names; before the card, from what is known so far."""
        rec, so_far = self._so_far(conv.id)
        if rec is None:
            text = _NOTHING_YET
        else:
            other = message_kind.approach_named(said)  # "why fine-tuning?" about the card's own: the reasoning
            text = so_far + (why_not_text(rec, other) if other and other != rec.approach else explanation_text(rec))
        reask = self._reask(conv) if reask_open else ""
        text = f"{text}\n\n{reask}" if reask else text
        w.add_turn(conv.id, "bot", text)
        return Reply(kind="message", conversation_id=conv.id, text=text, recommendation=rec, heard="follow_up")

    def _reask(self, conv: Conversation) -> str:
        """The open intake questions, asked again after a message that answered none of them ("" when none)."""
        if conv.state == "recommended":
            return ""
        open_questions = _open_questions(conv)
        if not open_questions:
            return ""
        if len(open_questions) == 1:
            return f"Back to my question, when you're ready: {open_questions[0]} (Or say *recommend now*.)"
        listed = "\n".join(f"{i}. {q}" for i, q in enumerate(open_questions, 1))
        return f"Back to my questions, when you're ready (or say *recommend now*):\n{listed}"

    def _what_if(
        self, w: TurnWrites, conv: Conversation, rest: str, turn: int, supposed_facts: list[Fact] | None = None
    ) -> Reply:
        """ "What if we had 50k examples?": the recommendation with those facts (or `supposed_facts` when given),
        without changing the stored ones until the user says to keep them."""
        cid = conv.id
        found = extract(rest, turn=turn, today=self.today)
        facts = supposed_facts or [f for f in found.facts if f.field != "use_case"]
        current, _ = self._so_far(cid)
        if current is not None:  # "and if volume triples?": a factor on a stored number, beside any fact stated
            given = {f.field for f in facts}
            changes = message_kind.scaled_words(clean_text(rest), w.latest_intake(cid).known())
            facts += [
                Fact(
                    f,
                    v if f in ("budget_usd", "deadline_weeks") else round(v),
                    Provenance(source="message", turn=turn, quote=f"{words} ({v:,.0f})"),
                )
                for f, (v, words) in changes.items()
                if f not in given
            ]
        if not facts and current is not None:  # "and with a bigger team?": nothing to compute, so the reasoning
            return self._follow_up(w, conv, clean_text(rest))
        if not facts or current is None:
            text = 'Tell me what would change, e.g. "what if we had 50k labeled examples?"'
            return Reply(kind="message", conversation_id=cid, text=text)
        supposed = w.latest_intake(cid).merged(facts)
        rec = engine.recommend(supposed, self.assumptions)
        said = "; ".join(f"{FIELD_LABELS[f.field].lower()}: {f.provenance.quote}" for f in facts)
        name, before = engine.APPROACH_NAMES[rec.approach], engine.APPROACH_NAMES[current.approach]
        outcome = (
            f"it would still be *{name}* ({rec.confidence:.0%})."
            if rec.approach == current.approach
            else f"it would be *{name}* ({rec.confidence:.0%}) instead of {before}."
        )
        text = (
            f"If {said}, {outcome} {rec.verdict}\nYour answers are unchanged: say *keep it* to use these "
            "facts, or carry on."
        )
        entry = _WHAT_IF_PREFIX + json.dumps([[f.field, f.value, f.provenance.quote] for f in facts])
        w.update(conv, expecting=[*conv.expecting, entry])
        w.add_turn(cid, "bot", text)
        return Reply(kind="message", conversation_id=cid, text=text, recommendation=rec)

    def _topic_answer(self, w: TurnWrites, conv: Conversation, question: str, *, reask_open: bool = True) -> Reply:
        assert self.answer_topic is not None
        text = self.answer_topic(question)
        reask = self._reask(conv) if reask_open else ""
        text = f"{text}\n\n{reask}" if reask else text
        w.add_turn(conv.id, "bot", text)
        return Reply(kind="message", conversation_id=conv.id, text=text, heard="topic_question")

    def _small_talk(self, w: TurnWrites, conv: Conversation, said: str) -> Reply:
        reask = self._reask(conv)
        if conv.state == "recommended":
            text = (
                'Glad it helps. Ask "why?" or "why not hybrid?" for the reasoning, correct any answer '
                '("actually we have 20k examples"), or describe another project.'
            )
        elif reask:
            text = ("OK. " if message_form.is_refusal(said) else "Thanks. ") + reask
        elif conv.version:
            text = "Thanks. Answer the questions above when you can, or say *recommend now*."
        else:
            text = _small_talk_text(said)
        w.add_turn(conv.id, "bot", text)
        return Reply(kind="message", conversation_id=conv.id, text=text, heard="small_talk")

    def _so_far(self, cid: str) -> tuple[engine.Recommendation | None, str]:
        """The latest recommendation; before the card, the one the facts known so far give (not stored), with a
        line saying it isn't final; None when nothing is known yet."""
        rec = self.store.latest_recommendation(cid)
        if rec is not None:
            return rec, ""
        intake = self.store.latest_intake(cid)
        if not [f for f in intake.known() if f != "use_case"]:
            return None, ""
        so_far = "Not final yet (I still have questions), but from what you've said so far:\n"
        return engine.recommend(intake, self.assumptions), so_far

    def _why_not(self, w: TurnWrites, cid: str, text: str) -> Reply:
        rec, so_far = self._so_far(cid)
        target = message_kind.why_not_target(text)
        if rec is None or target is None:
            return Reply(kind="message", conversation_id=cid, text=_NOTHING_YET)
        reply = so_far + why_not_text(rec, target)
        w.add_turn(cid, "bot", reply)
        return Reply(kind="message", conversation_id=cid, text=reply, recommendation=rec)

    def _continue(
        self,
        w: TurnWrites,
        conv: Conversation,
        facts: list[Fact],
        notes: list[str],
        *,
        reason: str,
        unclear: list[Unclear] | None = None,
    ) -> Reply:
        cid = conv.id
        intake = w.latest_intake(cid)
        merged = intake.merged(facts) if facts else intake
        version = conv.version
        if facts or not version:
            conv, version = w.save_intake(conv, merged, reason=reason)
        asked = list(conv.asked) + [e for e in conv.expecting if not confirm.is_entry(e)]
        steps = list(conv.asked_steps)
        doubt = next((u for u in unclear or [] if any(getattr(merged.values, f) is None for f in u.candidates)), None)
        if doubt is not None and conv.rounds < MAX_ROUNDS + 2:
            # A number with no clear owner: ask which field it is rather than guess (one question on its own).
            question = confirm.question(doubt)
            w.update(conv, asked=asked, expecting=[confirm.entry(doubt)])
            text = question_text([question], notes, None)
            w.add_turn(cid, "bot", text)
            return Reply(
                kind="questions",
                conversation_id=cid,
                text=text,
                questions=[question],
                notes=notes,
                intake=merged.known(),
            )
        if conv.state == "recommended":
            # After the card, any new fact recomputes it (e.g. "actually we have 20k examples").
            if facts:
                conv = w.update(conv, asked=asked, expecting=[])
                was = self.store.latest_recommendation(cid)
                remade = self._deliver(w, conv, merged, version, notes)
                assert remade.recommendation is not None
                change = changes_note(intake, merged, was, remade.recommendation)
                return remade.model_copy(update={"notes": [change, *notes]}) if change else remade
            carded = dialogue.Dialogue("carded")
            text = "I didn't catch a new fact there. " + dialogue.unchanged_tail(carded, [])
            return Reply(kind="message", conversation_id=cid, notes=notes, text=text)
        questions = [] if conv.rounds >= MAX_ROUNDS else next_questions(merged, asked, steps)
        if not questions:
            conv = w.update(conv, asked=asked, expecting=[])
            return self._deliver(w, conv, merged, version, notes)
        w.update(
            conv,
            asked=asked,
            asked_steps=steps + [q.step for q in questions],
            expecting=[q.field for q in questions],
            rounds=conv.rounds + 1,
        )
        intro = _question_intro(merged, conv.rounds, len(questions))
        plain = question_text(questions, notes, intro)
        text = self.llm.word_questions(plain, merged).text if self.llm else plain
        w.add_turn(cid, "bot", text)
        return Reply(
            kind="questions",
            conversation_id=cid,
            text=text,
            intro=intro if text == plain else worded_intro(text),
            questions=questions,
            notes=notes,
            intake=merged.known(),
            worded=text != plain,
        )

    def _deliver(self, w: TurnWrites, conv: Conversation, intake: Intake, version: int, notes: list[str]) -> Reply:
        rec = self._recommend(intake)
        w.save_recommendation(conv.id, version, rec)
        w.update(conv, expecting=[])
        w.add_turn(conv.id, "bot", f"[recommendation: {rec.approach} {rec.confidence:.0%}]")
        return Reply(
            kind="recommendation",
            conversation_id=conv.id,
            text=rec.verdict,
            recommendation=rec,
            notes=notes,
            intake=intake.known(),
        )


def _alternative(cleaned: str, found: Extraction, known: dict[str, Any], turn: int) -> Fact | None:
    """The fact a question tries in place of a stored number it names ("does the 300k matter that much or would
    50k do?" with 300,000 labeled examples stored → 50,000 labeled examples): a number equal to a stored one, then
    one other number with "or" between them, and no fact stated; None otherwise."""
    if not message_form.is_question(cleaned) or [f for f in found.facts if f.field != "use_case"]:
        return None
    tokens = tokenize(cleaned)
    said = find_quantities(tokens)
    if len(said) != 2:
        return None
    first, second = said
    owner = next((f for f in NUMBER_FIELDS if message_kind.same_number(known.get(f), first.value)), None)
    between = {t.text.lower() for t in tokens[first.end : second.start]}
    if owner is None or _stored_number(known, second.value) or "or" not in between:
        return None
    value: float | int = second.value if owner == "budget_usd" else round(second.value)
    quote = cleaned[tokens[second.start].start : tokens[second.end - 1].end]
    return Fact(owner, value, Provenance(source="message", turn=turn, quote=quote[:200]))


def _weighs_approach(cleaned: str) -> bool:
    """Whether a question weighs an approach for the case in hand ("what would push it toward hybrid?", "would
    fine-tuning make more sense for us?"): it names one approach and is about the case; "what's hybrid?" and "does
    fine-tuning help with hallucinations?" ask about the topic."""
    return message_kind.approach_named(cleaned) is not None and message_form.about_the_case(cleaned)


def _argues(cleaned: str, stated: list[Fact], known: dict[str, Any]) -> bool:
    """Whether a dispute argues for an approach rather than correcting a fact: it closes with a question that
    names an approach without asking why ("isn't that exactly what fine-tuning is for?", "would prompting really
    cope?"), says no number, and changes no stored value. What the reader drew from "X is super niche" is then a
    judgement offered for debate; "we have 7 analysts, two ML engineers. so where's the changing content?" and
    "we have no ML engineers, so why fine-tuning?" correct."""
    asked = [s for s in _SENTENCES.split(cleaned) if s.strip() and message_form.is_question(s)]
    if not asked or message_form.asks_why(asked[-1]) or message_kind.approach_named(asked[-1]) is None:
        return False
    if any(ch.isdigit() for ch in cleaned):
        return False
    return not message_kind.differing(known, {f.field: f.value for f in stated})[1]


def _heard(first: bool, text: str) -> message_kind.MessageKind:
    """What a message read for facts was: the first words of a project, a fix of something said before, or an
    answer (to the pending question, to one asked earlier, or a fact added after the card). A message corrects only
    when it says so ("sorry, 2k not 20k", "actually …"): a new value said plainly ("but the rules change daily")
    adds to what was said, as people answer a question asked a while ago."""
    if first:
        return "description"
    cleaned = clean_text(text)
    if message_form.is_question(cleaned):  # a question never corrects: "about 5k?" is a hesitant answer
        return "answer"
    return "correction" if message_kind.is_correction(cleaned) else "answer"


_CLAUSES = re.compile(
    r"(?<=[.!?;])\s++|\n|\s++[-\u2013\u2014]\s++|"
    r",\s*+(?=(?:btw|by\s++the\s++way|also|and|but|oh|side\s++q\w*|quick\s++q\w*)\b)"
)


_SENTENCES = re.compile(r"(?<=[.!?])\s++|\n|\s++[-\u2013\u2014]\s++")  # "there's PII - would masking do?"


def _states_then_asks(cleaned: str) -> bool:
    """Whether the message states its facts in sentences of their own and only then asks ("we have no ML engineers
    left. doesn't that change things?"): the statement asserts, unlike a fact inside the question ("and with only
    2k labels?")."""
    sentences = [p.strip() for p in _SENTENCES.split(cleaned[:2000]) if p and p.strip()]
    if len(sentences) < 2 or len(sentences) > 12:
        return False
    asked = [p for p in sentences if message_form.is_question(p)]
    told = [p for p in sentences if p not in asked]
    return bool(asked) and any(map(_states_a_fact, told)) and not any(map(_states_a_fact, asked))


def _states_a_fact(part: str) -> bool:
    return any(f.field != "use_case" for f in extract(part).facts)


def _owned_by_old_value(found: Extraction, replaced: list[tuple[float, float, str]], turn: int) -> None:
    """A correction's numbers owned by the stored value they replace: after 20k labeled examples, "sorry, it's 2k
    not 20k" sets 2,000 labeled examples, whether the reader left 2k without an owner or gave it to a pending
    question, and the negated 20k asks nothing and fills nothing (changes `found` in place)."""
    for new, old, owner in replaced:
        quote = next((u.quote for u in found.unclear if abs(u.value - new) < 1e-9), None)
        moved = [f for f in found.facts if _number_fact(f, new) or _number_fact(f, old)]
        if quote is None and not moved:
            continue
        quote = quote or str(moved[0].provenance.quote or "")
        value: float | int = new if owner == "budget_usd" else round(new)
        prov = Provenance(source="message", turn=turn, quote=quote[:200])
        found.facts = [f for f in found.facts if f.field != owner and f not in moved] + [Fact(owner, value, prov)]
        found.unclear = [u for u in found.unclear if all(abs(u.value - v) >= 1e-9 for v in (new, old))]


def _stage(conv: Conversation) -> dialogue.Dialogue:
    """Where the conversation stands before the message is read."""
    return dialogue.where(stored=bool(conv.version), carded=conv.state == "recommended", expecting=conv.expecting)


def _open_questions(conv: Conversation) -> list[str]:
    """The intake questions asked and not answered yet, as asked."""
    bank = question_bank()
    return [bank[e].text for e in conv.expecting if e in bank]


def _drop_restated(found: Extraction, known: dict[str, Any]) -> None:
    """Facts a reply pointing back restates ("like I said, 20k" with 20,000 labeled examples stored) are not new:
    a fact equal to its stored value, or a number equal to any stored number, is dropped (changes `found` in
    place); the use case is never re-read from it."""

    def restated(fact: Fact) -> bool:
        if fact.field == "use_case" or known.get(fact.field) == fact.value:
            return True
        return fact.field in NUMBER_FIELDS and isinstance(fact.value, int | float) and _stored_number(known, fact.value)

    found.facts = [f for f in found.facts if not restated(f)]
    found.unclear = [u for u in found.unclear if not _stored_number(known, u.value)]


def _stored_number(known: dict[str, Any], value: float) -> bool:
    return any(f in NUMBER_FIELDS and message_kind.same_number(v, value) for f, v in known.items())


def _disowned(foreign: list[str], found: Extraction, known: dict[str, Any]) -> list[tuple[float, float, str]]:
    """A stored number the message says belongs to another team or project, and the one number it gives in its
    place (as `message_kind.replaced` gives them: (new, old, field)); [] unless there is exactly one of each."""
    said = [q.value for part in foreign for q in find_quantities(tokenize(part))]
    owners = [
        (f, v) for f, v in known.items() if f in NUMBER_FIELDS and any(message_kind.same_number(v, n) for n in said)
    ]
    if len(owners) != 1:
        return []
    field, old = owners[0]
    if len(found.unclear) == 1:
        return [(found.unclear[0].value, float(old), field)]
    # "the 30k I gave you is the refunds project, not this. for disputes it's ~900" while the volume is asked: the
    # one number given beside the disowned one takes its place, whichever open question the reader gave it to
    given = [f.value for f in found.facts if f.field in NUMBER_FIELDS and isinstance(f.value, int | float)]
    if found.unclear or len(given) != 1:
        return []
    return [(float(given[0]), float(old), field)]


def _left_out(foreign: list[str]) -> str:
    """The note for numbers said about another team or project."""
    quoted = "; ".join(f"“{clean_text(p)[:80]}”" for p in foreign if clean_text(p))
    return f"Left out, as it is about another team or project: {quoted}."


def _number_fact(fact: Fact, value: float) -> bool:
    return fact.field in NUMBER_FIELDS and isinstance(fact.value, int | float) and abs(fact.value - value) < 1e-9


def _side_question(cleaned: str) -> str | None:
    """The question about the topic asked beside an answer ("about 3k labeled emails. what's LoRA btw?" → "what's
    LoRA btw?"): a sentence or clause after the first that asks about the topic and states no fact of its own;
    None when there is none ("we have 3k, is that enough?" asks about the advice, which the reply gives)."""
    parts = [p.strip() for p in _CLAUSES.split(cleaned[:2000]) if p and p.strip()]
    for part in parts[1:12]:  # an aside sits in a short message; a long one is read for its facts only
        if not message_form.is_question(part) or any(f.field in NUMBER_FIELDS for f in extract(part).facts):
            continue
        if message_kind.classify(part, has_facts=False) == "topic_question":
            return part
    return None


def _asks_topic(cleaned: str) -> bool:
    """Whether a question that isn't about the topic by its words still asks about it (no card to ask about yet):
    "can we use our FAQ for that?" does, "should we fine-tune a ticket router?" describes a project."""
    return message_form.is_question(cleaned) and not message_kind.names_a_task(cleaned)


def _asks_about_advice(kind: message_kind.Kind, cleaned: str, first: bool) -> bool:
    """Whether a message that gave no fact is a question about the advice: one that can only be ("how come?"),
    or, once something is known, any question that isn't about the topic ("should we go with it then?")."""
    return kind == "about_advice" or (kind == "other" and not first and message_form.is_question(cleaned))


_LABELLED = re.compile(
    r"^\W*+(?:the\s++)?(?:real|actual|proper|right|correct|true|main)\s++(?:project|one|thing|use[- ]case|idea)"
    r"\s*+(?:is\s*+)?[:\-\u2013\u2014]\s*+",
    re.I,
)


def _restart_and_description(text: str) -> str | None:
    """The new project's description in a restart that gives one ("actually scrap that, start over - we need a
    tool that …" → "we need a tool that …"), without a "different project" opener before it; None when the message
    isn't a restart or the words after it only comment on it ("start over - different project my boss cares
    about")."""
    head = _RESTART_THEN.match(text)
    if head is None:
        return None
    rest = text[head.end() :].strip()
    # "start over pls, that's not the real one. real project: auto-classify …": sentences before the one naming a
    # task only comment on the restart, and "real project:" labels what follows
    sentences = [p for p in _SENTENCES.split(rest) if p and p.strip()]
    while len(sentences) > 1 and not message_kind.names_a_task(sentences[0]):
        sentences.pop(0)
    rest = " ".join(sentences) if message_kind.names_a_task(rest) else rest
    rest = _LABELLED.sub("", rest, count=1).strip()
    opener = _NEW_PROJECT.match(rest)
    rest = rest[opener.end() :].strip() if opener else rest
    if len(rest.split()) < 4:
        return None
    if message_kind.names_a_task(rest):
        return rest
    # "start over - new one: agent-assist for our contact centre, 1M transcripts, a 10-person ML team": after an
    # opener that says a new project follows, facts about it make it the description even in words no task list has
    states = opener is not None and any(f.field != "use_case" for f in extract(rest, turn=None).facts)
    return rest if states else None


def _asks_for_help(text: str) -> bool:
    """Help asked for: "help", "what can you do?", or a call for help followed by a question that states nothing
    and names no task ("help pls, what do i even tell it"); "help: we need a bot that …" describes a project."""
    if _HELP.match(text):
        return True
    opener = _HELP_OPENER.match(text)
    rest = text[opener.end() :] if opener else ""
    return (
        bool(rest)
        and message_form.is_question(rest)
        and not message_kind.names_a_task(rest)
        and not any(ch.isdigit() for ch in rest)
    )


def _replacement(text: str) -> str | None:
    """The description of the project that replaces the one under way ("… assess a different thing instead:
    drafting outage notices …" → "drafting outage notices …"); None when the words after "instead" name no task or
    the message asks."""
    m = _REPLACED_BY.search(text)
    if m is None:
        return None
    sentences = [p for p in _SENTENCES.split(text[m.end() :].strip()) if p and p.strip()]
    while sentences and message_form.is_question(sentences[-1]) and not message_kind.names_a_task(sentences[-1]):
        sentences.pop()  # "… can we assess that one instead?": asks for the assessment, describes nothing
    rest = " ".join(sentences).strip()
    if not rest or message_form.is_question(rest):
        return None
    return rest if message_kind.names_a_task(rest) and len(rest.split()) >= 4 else None


def _outside(text: str, cleaned: str) -> str | None:
    """The answer to a top-level command that needs no assessment: help, or a bare "new project"."""
    new_project = _NEW_PROJECT.match(text)
    restart = _RESTART.match(text) or (_RESTART_THEN.match(text) and _restart_and_description(text) is None)
    if restart or (new_project is not None and not text[new_project.end() :].strip()):
        return "Send me the new project's description: each project gets its own thread. " + HELP_TEXT
    if not cleaned or _asks_for_help(text):
        return HELP_TEXT
    return None


def _small_talk_text(said: str) -> str:
    """The answer to thanks or a greeting before any project was described."""
    if message_kind.is_greeting(said):
        return "Hello! Describe the AI feature you want to build, and I'll recommend how to build it."
    return "You're welcome. Describe the AI feature you want to build whenever you're ready."


def _with_recommendation_id(reply: Reply, w: TurnWrites) -> Reply:
    """The reply with the id of the recommendation its turn stored (known once the writes are applied)."""
    if reply.kind != "recommendation" or w.recommendation_id is None:
        return reply
    return reply.model_copy(update={"recommendation_id": w.recommendation_id})


def _pending_what_if(expecting: list[str], turn: int) -> list[Fact] | None:
    """The facts of a what-if the user was offered to keep, if any."""
    for entry in expecting:
        if entry.startswith(_WHAT_IF_PREFIX):
            rows = json.loads(entry[len(_WHAT_IF_PREFIX) :])
            prov = [Provenance(source="message", turn=turn, quote=str(quote)[:200]) for _, _, quote in rows]
            return [Fact(field, value, p) for (field, value, _), p in zip(rows, prov, strict=True)]
    return None


def worded_intro(text: str) -> str:
    """The intro line of a model-worded question round: its first line, unless that is already question 1."""
    first = text.partition("\n")[0]
    return "" if first.startswith("1. ") else first


def _question_intro(intake: Intake, rounds: int, count: int) -> str:
    if rounds == 0 and intake.known():
        return f"Thanks, {'a few things' if count > 1 else 'one thing'} would change my answer:"
    if rounds == 0:
        return "Happy to help. A few questions first:" if count > 1 else "Happy to help. One question first:"
    return "Got it. One more round:" if count > 1 else "Got it. One more question:"


def why_not_text(rec: engine.Recommendation, other: Approach) -> str:
    """ "Why not X?": the comparison with X: what rules it out, which steps lean away from it, and what would have to
    change for X to win."""
    name = engine.APPROACH_NAMES[other]
    if other == rec.approach:
        return f'{name} is what I recommend here ({rec.confidence:.0%}). Say "why?" for the step-by-step reasoning.'
    lines = [f"Why not {name.split(' (')[0].lower()}: I recommend *{engine.APPROACH_NAMES[rec.approach]}* instead."]
    if other != "prompt_engineering":
        lines += [f"• Rules it out for now (step {g.step}): {g.reason}." for g in rec.gates]
    leaning = {
        "fine_tuning": {"prompt_engineering"},
        "hybrid": {"prompt_engineering"},
        "prompt_engineering": {"fine_tuning"},
    }[other]
    gated = {g.step for g in rec.gates} if other != "prompt_engineering" else set()
    against = sorted((f for f in rec.factors if f.leans in leaning and f.step not in gated), key=lambda f: -f.weight)
    lines += [f"• Step {f.step}, {f.name}: {f.why}." for f in against[:4]]
    if other == "hybrid" and not any(f.leans == "hybrid" for f in rec.factors):
        lines.append(
            "• A hybrid pays off when fine-tuning is justified for a stable core and prompts or retrieval "
            "must handle content that changes often; nothing you said points to both."
        )
    if rec.would_change:
        lines.append("What would have to change: " + "; ".join(rec.would_change[:3]) + ".")
    return "\n".join(lines)


def explanation_text(rec: engine.Recommendation) -> str:
    """The reasoning behind a recommendation, step by step."""
    lines = [f"*{engine.APPROACH_NAMES[rec.approach]}* ({rec.confidence:.0%} confidence: {rec.confidence_reason})."]
    for g in rec.gates:
        lines.append(f"• Hard constraint (step {g.step}): {g.reason}. Would change: {g.would_change}.")
    for f in rec.factors:
        arrow = {
            "fine_tuning": "→ fine-tuning",
            "prompt_engineering": "→ prompting",
            "hybrid": "→ hybrid",
            "neutral": "→ neutral",
        }[f.leans]
        lines.append(f"• Step {f.step}, {f.name} {arrow} ({f.weight:.1f}): {f.why}.")
    return "\n".join(lines)
