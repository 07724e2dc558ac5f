"""How a failed Bot Connector call is classified for the outbox: what is retried, after how long, and what is
final."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest


def refused(status: int, **headers: str) -> Exception:
    import aiohttp
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    info = aiohttp.RequestInfo(
        URL("http://connector.test/v3/conversations/a/activities"), "POST", CIMultiDictProxy(CIMultiDict())
    )
    return aiohttp.ClientResponseError(info, (), status=status, headers=CIMultiDictProxy(CIMultiDict(headers)))


def reset() -> Exception:
    import aiohttp

    return aiohttp.ClientConnectionError("reset")


# The errors are made in the test (aiohttp is imported by the worker that runs the Teams tests, not at collection).
@pytest.mark.parametrize(
    ("make_error", "retryable", "maybe_sent", "retry_after"),
    [
        (partial(refused, 429, **{"Retry-After": "7"}), True, False, 7.0),
        (partial(refused, 429), True, False, 1.0),  # no Retry-After: a second
        (partial(refused, 429, **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}), True, False, 1.0),  # a date
        (partial(refused, 503), True, True, None),  # Teams may have taken it
        (partial(refused, 500), True, True, None),
        (partial(refused, 408), True, True, None),
        (partial(refused, 403), False, False, None),  # the bot was removed: final
        (partial(refused, 404), False, False, None),
        (partial(refused, 400), False, False, None),
        (reset, True, True, None),
        (TimeoutError, True, True, None),
    ],
)
def test_connector_failures_are_classified(
    make_error: Callable[[], Exception], retryable: bool, maybe_sent: bool, retry_after: float | None
) -> None:
    import aiohttp

    from bot.teams.delivery import classify

    error = make_error()
    failure = classify(error)
    assert (failure.retryable, failure.maybe_sent, failure.retry_after) == (retryable, maybe_sent, retry_after)
    if isinstance(error, aiohttp.ClientResponseError):
        assert failure.error == f"http_{error.status}"
