"""How a failed Bot Connector call is classified for the outbox: what is retried, after how long, and what is
final."""

from __future__ import annotations

import aiohttp
import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from bot.teams.delivery import classify


def refused(status: int, **headers: str) -> aiohttp.ClientResponseError:
    info = aiohttp.RequestInfo(
        URL("http://connector.test/v3/conversations/a/activities"), "POST", CIMultiDictProxy(CIMultiDict())
    )
    return aiohttp.ClientResponseError(info, (), status=status, headers=CIMultiDictProxy(CIMultiDict(headers)))


@pytest.mark.parametrize(
    ("error", "retryable", "maybe_sent", "retry_after"),
    [
        (refused(429, **{"Retry-After": "7"}), True, False, 7.0),
        (refused(429), True, False, 1.0),  # no Retry-After: a second
        (refused(429, **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}), True, False, 1.0),  # a date: a second
        (refused(503), True, True, None),  # Teams may have taken it
        (refused(500), True, True, None),
        (refused(408), True, True, None),
        (refused(403), False, False, None),  # the bot was removed: final
        (refused(404), False, False, None),
        (refused(400), False, False, None),
        (aiohttp.ClientConnectionError("reset"), True, True, None),
        (TimeoutError(), True, True, None),
    ],
)
def test_connector_failures_are_classified(
    error: Exception, retryable: bool, maybe_sent: bool, retry_after: float | None
) -> None:
    failure = classify(error)
    assert (failure.retryable, failure.maybe_sent, failure.retry_after) == (retryable, maybe_sent, retry_after)
    if isinstance(error, aiohttp.ClientResponseError):
        assert failure.error == f"http_{error.status}"
