"""Teams chart and record links: `serve-teams`' own aiohttp app answering GET /charts/<token>.png (the first fetch of
a card's chart draws the PNG, later fetches come from the cache), a guessed token (404), GET /records/<token>.md,
and the sizes Teams receives (the recommendation card with and without its Image, the record message); GET /healthz
on the same server is the anchor measured in the same run.

    .venv/bin/python bench/bench_teams_files.py [--fetches 50] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor import tco
from bot.config import Settings
from bot.services import Services
from bot.teams import cards
from bot.teams.files import chart_image, record_download
from bot.teams.records import record_activity
from bot.teams.serve import build
from bot.workflows.conversation import ConversationKey
from bot.workflows.record import decision_record
from tests.teams.harness import AgentServer

TITLE = "Teams: chart images and record downloads"
PUBLIC = "https://advisor.example.test"
VOLUMES = [5_000, 40_000, 300_000, 2_000_000, 20_000_000]
FULL = (
    "Routing inbound support emails to 14 queues; 60k labeled emails from the helpdesk, 1.5M emails a month, "
    "an ML team of 4, live in 5 months, budget $250k, not regulated, the queues rarely change"
)


def fetch(base: str, url: str) -> tuple[float, int, int]:
    """Seconds, status and body size of one GET of a public link's path on the local server."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(base + urlsplit(url).path, timeout=120) as response:
            status, size = response.status, len(response.read())
    except urllib.error.HTTPError as exc:
        status, size = exc.code, len(exc.read())
    return time.perf_counter() - start, status, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fetches", type=int, default=50, help="fetches per measured kind")
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(advisor_data_dir=Path(tmp), advisor_teams_anonymous=True, advisor_teams_public_url=PUBLIC)
        services = Services(settings)
        server = AgentServer(build(services)).start()
        try:
            body = measure(services, server.url, args.fetches)
        finally:
            server.stop()
            services.store.close()
    body = h.header(started, time.perf_counter() - t0) + body
    print(body)
    if args.write:
        h.write_section("bench_teams_files.py", TITLE, body)


def measure(services: Services, base: str, n: int) -> str:
    warm = chart_image(services, "warm-up", tco.estimate(1_000))
    assert warm is not None
    fetch(base, warm.url)  # Pillow imported, fonts loaded: the cold numbers below are per chart, not per process
    images = [chart_image(services, f"c{i}", tco.estimate(v)) for i, v in enumerate(VOLUMES)]
    cold, statuses = [], set()
    for image in images:
        assert image is not None
        seconds, status, _ = fetch(base, image.url)
        cold.append(seconds)
        statuses.add(status)
    cached, sizes = [], []
    for i in range(n):
        image = images[i % len(images)]
        assert image is not None
        seconds, status, size = fetch(base, image.url)
        cached.append(seconds)
        sizes.append(size)
        statuses.add(status)
    guessed = [fetch(base, f"{PUBLIC}/charts/{secrets.token_urlsafe(32)}.png") for _ in range(n)]
    anchor = [fetch(base, f"{PUBLIC}/healthz")[0] for _ in range(n)]

    key = ConversationKey("teams", "tenant-bench", "a:bench", "chat")
    reply = services.advisor.handle(key, "aad-bench", FULL)
    if reply.recommendation is None:  # a question round first: skip to the card
        reply = services.advisor.handle(key, "aad-bench", "recommend now")
    rec, cid = reply.recommendation, reply.conversation_id
    assert rec is not None
    markdown = decision_record(services.store, cid)
    download = record_download(services, cid, markdown)
    assert download is not None
    records = [fetch(base, download.url) for _ in range(n)]
    chart = chart_image(services, cid, rec.tco)
    with_image = len(json.dumps(cards.recommendation_card(rec, cid, reply.notes, chart)))
    without = len(json.dumps(cards.recommendation_card(rec, cid, reply.notes)))
    message = record_activity(cid, markdown, "Dana", download).model_dump_json(by_alias=True, exclude_none=True)
    assert statuses == {200} and {s for _, s, _ in guessed} == {404} and {s for _, s, _ in records} == {200}
    return (
        "\n```\n"
        + f"chart, first fetch of a card's link (PNG drawn): p50 {h.ms(h.pct(cold, 50))},"
        + f" max {h.ms(max(cold))}, {len(cold)} charts\n"
        + f"chart, later fetches (cached PNG, {min(sizes) / 1000:.1f} to {max(sizes) / 1000:.1f} KB):"
        + f" p50 {h.ms(h.pct(cached, 50))}, p95 {h.ms(h.pct(cached, 95))}, {n} fetches\n"
        + f"guessed token (404): p50 {h.ms(h.pct([s for s, _, _ in guessed], 50))},"
        + f" p95 {h.ms(h.pct([s for s, _, _ in guessed], 95))}\n"
        + f"record download ({len(markdown.encode()) / 1000:.1f} KB of Markdown):"
        + f" p50 {h.ms(h.pct([s for s, _, _ in records], 50))}, p95 {h.ms(h.pct([s for s, _, _ in records], 95))}\n"
        + f"anchor GET /healthz: p50 {h.ms(h.pct(anchor, 50))}, p95 {h.ms(h.pct(anchor, 95))}\n"
        + f"recommendation card JSON: {with_image / 1000:.1f} KB with the chart Image,"
        + f" {without / 1000:.1f} KB without (budget {cards.CARD_BUDGET / 1024:.0f} KiB, Teams' limit 28 KiB)\n"
        + f"record message as sent (HTML text + download card): {len(message) / 1000:.1f} KB\n"
        + "```\n"
    )


if __name__ == "__main__":
    main()
