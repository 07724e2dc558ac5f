"""The App Home: every user's recent assessments and a "New assessment" button; for leads, the digest view."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.errors import AdvisorError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import leads_blocks as lb
from bot.slack import messages as msg
from bot.slack.access import SlackLeads
from bot.slack.listeners.leads import digest_links, told_privately
from bot.slack.replies import SlackTurn, run_turn
from bot.slack.workspace import scope_of
from bot.workflows.conversation import ConversationKey
from bot.workflows.digest import parse_period
from bot.workflows.summary import needs_review, status_label

log = logging.getLogger(__name__)

HOME_PERIOD = "30d"
MY_LIMIT = 10


def my_assessments(services: Services, user: str, team: str) -> list[lb.MyAssessment]:
    """The user's most recent Slack assessments in this workspace, with outcome and decision status."""
    store = services.store
    out = []
    for conv in store.conversations_for_user(user, limit=MY_LIMIT * 2):
        if conv.platform != "slack" or conv.team != team:
            continue
        cid = conv.id
        rec = store.latest_recommendation(cid)
        decided = store.decision(cid)
        stale = bool(decided) and needs_review((decided or {}).get("intake_version"), conv.version)
        status = status_label(decided["status"] if decided else None, rec is not None, stale)
        out.append(
            lb.MyAssessment(
                conversation_id=cid,
                channel=conv.channel,
                thread=conv.thread,
                use_case=store.latest_intake(cid).values.use_case,
                approach=rec.approach if rec else None,
                confidence=rec.confidence if rec else None,
                status=status,
                updated_at=conv.updated_at,
            )
        )
        if len(out) == MY_LIMIT:
            break
    return out


def home_for(services: Services, leads: SlackLeads, user: str, team_id: str) -> View:
    """The App Home view for one user (leads also get the digest of the channels they are in)."""
    links = digest_links(leads.access)
    digest = None
    if leads.core.is_lead(user):
        digest = leads.core.digest(
            user, platform="slack", team=team_id, period=parse_period(HOME_PERIOD), can_see=leads.access.viewer(user)
        )
    return lb.home_view(my_assessments(services, user, team_id), links, digest, digest_since=HOME_PERIOD)


def publish_home(services: Services, leads: SlackLeads, client: WebClient, user: str, team_id: str) -> None:
    """Publish (or refresh) a user's App Home. There is no thread to tell about a failure, so the home itself says
    so (when Slack takes even that), and the log has the details."""
    try:
        client.views_publish(user_id=user, view=home_for(services, leads, user, team_id))
        return
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        log.warning("app home for %s not published: %s", user, error)
        text = msg.ERROR_SLACK.format(error=bk.safe(str(error), 100))
    except Exception:
        log.exception("app home for %s not built", user)
        text = msg.ERROR
    try:
        client.views_publish(user_id=user, view=lb.home_error_view(text))
    except Exception as exc:  # Slack is unreachable or refuses: the log above is all there is
        log.warning("app home error view for %s not published: %s", user, type(exc).__name__)


def register(app: App, services: Services, leads: SlackLeads) -> None:
    """Listen to `app_home_opened`, the home's "New assessment" button and its modal."""

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not context.user_id:
            return
        publish_home(services, leads, client, context.user_id, scope_of(context))

    @app.action(lb.NEW_ACTION)
    def on_new(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        with told_privately(client, body):  # from the App Home: a failure is told in the app's DM
            client.views_open(trigger_id=body["trigger_id"], view=lb.new_assessment_modal())

    @app.view(lb.NEW_CALLBACK)
    def on_new_submit(
        ack: Ack, body: dict[str, Any], context: BoltContext, view: dict[str, Any], client: WebClient
    ) -> None:
        values = (view.get("state") or {}).get("values") or {}
        description = str(((values.get(lb.DESCRIPTION_BLOCK) or {}).get("value") or {}).get("value") or "").strip()
        channel = ((values.get(lb.CHANNEL_BLOCK) or {}).get("value") or {}).get("selected_conversation")
        user, team_id = context.user_id or "", scope_of(context)
        if not description:
            ack(response_action="errors", errors={lb.DESCRIPTION_BLOCK: msg.NEW_EMPTY})
            return
        opening = msg.START_THREAD_WITH.format(user=bk.user_id(user), description=bk.safe(description, 2500))
        block = lb.CHANNEL_BLOCK if channel else lb.DESCRIPTION_BLOCK
        try:
            if channel:  # a channel picked in the form: only one the user is a member of (public or private)
                leads.require_member(user, str(channel), msg.NEW_NOT_MEMBER)
        except AdvisorError as exc:
            ack(response_action="errors", errors={block: bk.clip(str(exc), 150)})
            return
        try:
            # No channel: the app's DM with the user (posting to a user ID opens it).
            posted = client.chat_postMessage(channel=str(channel or user), text=opening)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
            ack(response_action="errors", errors={block: bk.clip(msg.NEW_CANT_POST.format(error=error), 150)})
            return
        except Exception:
            log.exception("new assessment not started")
            ack(response_action="errors", errors={block: bk.clip(msg.ERROR, 150)})
            return
        ack()
        where, ts = str(posted["channel"]), str(posted["ts"])
        turn = SlackTurn(ConversationKey("slack", team_id, where, ts), user, description, where, ts, ts)
        run_turn(services, client, turn, getattr(app, "ack_gate", None))
        publish_home(services, leads, client, user, team_id)
