"""Files the Teams server serves itself: the card's cost chart (PNG) and exported decision records (Markdown).

Teams has no file upload for bots in channels, and a card's Image is fetched by the Teams client from a URL. So
each card version gets a link `<ADVISOR_TEAMS_PUBLIC_URL>/charts/<token>.png`, and each exported record
`…/records/<token>.md`: the token is unguessable and stored (hashed) in the shared database with an expiry
(ADVISOR_TEAMS_LINK_DAYS), so any replica serves it until then, and none after (410 while the expired row is
kept, 404 once housekeeping deleted it; 404 for anything that isn't a link). Without a public URL there are no
links: the card has no image and the record is sent as a message only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache

from aiohttp import hdrs, web
from aiohttp.helpers import content_disposition_header

from bot.advisor.tco import TcoEstimate
from bot.services import Services
from bot.storage.links import Shared, SharedLinks
from bot.teams import messages as msg
from bot.teams.cards import ChartImage
from bot.workflows.chart import ChartError, alt_text, render_png, stored_estimate
from bot.workflows.record import record_filename

log = logging.getLogger(__name__)

CHART, RECORD = "teams_chart", "teams_record"  # link kinds
CHARTS_PATH, RECORDS_PATH = "/charts/", "/records/"
PUBLIC_PREFIXES = (CHARTS_PATH, RECORDS_PATH)  # served without a Bot Framework token: the token in the URL is the key
ALT_MAX = 1000
MAX_AGE = 3600  # seconds a client may cache a file (never past the link's expiry)


def chart_image(services: Services, conversation_id: str, estimate: TcoEstimate) -> ChartImage | None:
    """A new chart link for a card (None without ADVISOR_TEAMS_PUBLIC_URL); the PNG is drawn when first fetched."""
    base = services.settings.advisor_teams_public_url
    if not base:
        return None
    link = SharedLinks(services.store).create(
        CHART, conversation_id, estimate.model_dump_json(), days=services.settings.advisor_teams_link_days
    )
    return ChartImage(f"{base}{CHARTS_PATH}{link.token}.png", alt_text(estimate)[:ALT_MAX])


@dataclass(frozen=True)
class Download:
    """A download link for an exported record."""

    url: str
    expires_at: dt.datetime


def record_download(services: Services, conversation_id: str, markdown: str) -> Download | None:
    """A new download link for the record as exported now (None without ADVISOR_TEAMS_PUBLIC_URL)."""
    base = services.settings.advisor_teams_public_url
    if not base:
        return None
    link = SharedLinks(services.store).create(
        RECORD, conversation_id, markdown, days=services.settings.advisor_teams_link_days
    )
    return Download(f"{base}{RECORDS_PATH}{link.token}.md", link.expires_at)


def routes(services: Services) -> list[web.RouteDef]:
    """GET /charts/<token>.png and GET /records/<token>.md."""
    links = SharedLinks(services.store)

    @lru_cache(maxsize=16)
    def png_of(estimate_json: str) -> bytes:
        # Cached: Teams clients fetch a card's image again each time it is shown. A failure is not cached.
        return render_png(stored_estimate(estimate_json))

    async def lookup(request: web.Request, kind: str) -> Shared | web.Response:
        shared = await asyncio.to_thread(links.find, request.match_info["token"], kind)
        if shared is None:
            return web.Response(status=404, text=msg.LINK_NOT_FOUND)
        if shared.expired():
            return web.Response(status=410, text=msg.LINK_EXPIRED)
        return shared

    async def chart(request: web.Request) -> web.StreamResponse:
        found = await lookup(request, CHART)
        if isinstance(found, web.Response):
            return found
        try:
            png = await asyncio.to_thread(png_of, found.payload)
        except ChartError as exc:
            log.warning("chart not drawn: %s", exc)
            return web.Response(status=503, text=msg.CHART_FAILED, headers={hdrs.RETRY_AFTER: "5"})
        return web.Response(body=png, content_type="image/png", headers=_headers(found))

    async def record(request: web.Request) -> web.StreamResponse:
        found = await lookup(request, RECORD)
        if isinstance(found, web.Response):
            return found
        disposition = content_disposition_header("attachment", filename=record_filename(found.conversation_id))
        headers = _headers(found) | {hdrs.CONTENT_DISPOSITION: disposition}
        return web.Response(text=found.payload, content_type="text/markdown", charset="utf-8", headers=headers)

    return [
        web.get(CHARTS_PATH + "{token}.png", chart),
        web.get(RECORDS_PATH + "{token}.md", record),
    ]


def _headers(shared: Shared) -> dict[str, str]:
    left = int((shared.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
    return {
        hdrs.CACHE_CONTROL: f"private,max-age={max(0, min(MAX_AGE, left))}",
        hdrs.X_CONTENT_TYPE_OPTIONS: "nosniff",
        hdrs.REFERRER_POLICY: "no-referrer",
        hdrs.CONTENT_SECURITY_POLICY: "sandbox",  # nothing in a served file may run
    }
