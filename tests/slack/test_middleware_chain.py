"""`in_order`: the global middleware steps run as one Bolt middleware, with Bolt's own semantics."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from bot.slack.middleware import Next, in_order


def dispatch(app: App, body: dict[str, Any]) -> BoltResponse:
    return app.dispatch(BoltRequest(body=body, mode="socket_mode"))


def app_with(*steps: Any) -> tuple[App, list[str]]:
    """An app with the steps chained and one `app_mention` listener that records it ran."""
    app = App(
        signing_secret="s",
        request_verification_enabled=False,
        authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-1", bot_user_id="UB"),
    )  # no Web API call: the authorization is given
    ran: list[str] = []
    app.use(in_order(*steps))
    app.event("app_mention")(lambda: ran.append("listener"))
    return app, ran


MENTION = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": {"type": "app_mention", "text": "x"}}


def test_steps_run_in_order_with_the_arguments_they_name_and_share_the_context() -> None:
    seen: list[str] = []

    def first(body: dict[str, Any], next: Next) -> BoltResponse | None:
        seen.append(f"first:{body['event_id']}")
        body["touched"] = True  # the same body goes on
        return next()

    def second(context: BoltContext, request: BoltRequest, body: dict[str, Any], next: Next) -> BoltResponse | None:
        seen.append(f"second:{body.get('touched')}:{type(request).__name__}")
        context["mark"] = "set by second"
        return next()

    def third(context: BoltContext, next: Next) -> BoltResponse | None:
        seen.append(f"third:{context.get('mark')}")
        return next()

    app, ran = app_with(first, second, third)
    assert dispatch(app, MENTION).status == 200
    assert seen == ["first:Ev1", "second:True:BoltRequest", "third:set by second"]
    app.listener_runner.listener_executor.shutdown(wait=True)  # the listener runs after the ack
    assert ran == ["listener"]


def test_a_step_that_answers_without_next_ends_the_chain() -> None:
    seen: list[str] = []

    def drop(next: Next) -> BoltResponse | None:
        seen.append("drop")
        return BoltResponse(status=200, body="dropped")

    def later(next: Next) -> BoltResponse | None:
        seen.append("later")
        return next()

    app, ran = app_with(drop, later)
    response = dispatch(app, MENTION)
    app.listener_runner.listener_executor.shutdown(wait=True)
    assert (response.status, response.body, seen, ran) == (200, "dropped", ["drop"], [])


def test_a_step_that_returns_nothing_without_next_gets_bolts_404() -> None:
    def forgetful(body: dict[str, Any]) -> BoltResponse | None:
        return None

    app, ran = app_with(forgetful)
    assert dispatch(app, MENTION).status == 404  # as Bolt answers for such a middleware on its own
    assert ran == []


def test_a_step_asking_for_an_argument_it_would_not_get_is_refused_at_start_up() -> None:
    def wants_client(client: Any, next: Next) -> BoltResponse | None:
        return next()

    with pytest.raises(ValueError, match="wants_client asks for \\['client'\\]"):
        in_order(wants_client)
