"""Teams turns end to end in `serve-teams`' own aiohttp app against the local Bot Connector emulator: a typed message
that gets a recommendation card, then a correction that replaces the card in place, each timed from the POST to its
answer (the turn written down, answered, its replies queued and sent in the turn). GET /healthz on the same server
is the anchor measured in the same run. Wall times swing with the machine's load; the CPU per conversation is the
steadier figure for comparing two checkouts.

`--repo` runs the same measurement on another checkout (e.g. the main branch), to compare side by side.

    .venv/bin/python bench/bench_teams_turns.py [--conversations 30] [--repo PATH] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TITLE = "Teams: turns and their replies"
FULL = (
    "We want a contract clause tagger; we have 50k clean labeled clauses, 2M documents a month, an ML team of 5, "
    "live in 6 months, budget $300k, not regulated, stable task"
)
CORRECTION = "actually we have 200k clean labeled clauses and an ML team of 6"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=int, default=30, help="conversations measured")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose code is measured")
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args()
    if args.write and args.repo.resolve() != ROOT:
        parser.error("--write records this checkout's figures only; compare another with --repo, without --write")
    sys.path.insert(0, str(args.repo.resolve()))
    from bench import harness as h

    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    body = measure(args.conversations)
    body = h.header(started, time.perf_counter() - t0) + body
    print(body)
    if args.write:
        h.write_section("bench_teams_turns.py", TITLE, body)


def measure(n: int) -> str:
    from bench import harness as h
    from bot.config import Settings
    from bot.services import Services
    from bot.teams.serve import build
    from tests.teams.harness import AgentServer, Chat, Connector, Teams, User

    user = User("aad-bench-0001", "Bench")
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(advisor_data_dir=Path(tmp), advisor_teams_anonymous=True))
        connector = Connector().start()
        server = AgentServer(build(services)).start()
        teams = Teams(server.url, connector)
        cards: list[float] = []
        updates: list[float] = []
        anchor: list[float] = []
        try:
            teams.say(Chat.personal(), user, FULL)  # warm-up
            cpu = time.process_time()
            for _ in range(n):
                chat = Chat.personal()
                cards.append(_timed(teams, chat, user, FULL, lambda sent: any(s.card for s in sent)))
                updates.append(_timed(teams, chat, user, CORRECTION, lambda sent: any(s.method == "PUT" for s in sent)))
                start = time.perf_counter()
                with urllib.request.urlopen(server.url + "/healthz", timeout=30) as response:
                    response.read()
                anchor.append(time.perf_counter() - start)
            cpu = time.process_time() - cpu
        finally:
            server.stop()
            connector.stop()
            services.store.close()
    lines = [
        f"message -> recommendation card, answered in the turn: {_summary(cards, h.pct)}, {n} conversations",
        f"correction -> card replaced in place + note: {_summary(updates, h.pct)}",
        f"anchor GET /healthz: {_summary(anchor, h.pct)}",
        f"CPU per conversation (both turns; server, client and connector share the process): {cpu / n * 1000:.1f} ms",
    ]
    return "\n```\n" + "\n".join(lines) + "\n```\n"


def _timed(teams: Any, chat: Any, user: Any, text: str, check: Any) -> float:
    start = time.perf_counter()
    status, sent = teams.post(teams.message(chat, user, text))
    took = time.perf_counter() - start
    assert status in (200, 202) and check(sent), [(s.method, s.type) for s in sent]
    return took


def _summary(seconds: list[float], pct: Any) -> str:
    ms = [s * 1000 for s in seconds]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {pct(ms, 95):.1f} ms"


if __name__ == "__main__":
    main()
