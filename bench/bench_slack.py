"""Slack serving benchmark: ack latency and event→card time of `ai-advisor serve` vs a bare Bolt app.

Both run as separate processes on waitress against the local Web API emulator; signed `app_mention` events are
sent at a fixed concurrency. Ack = HTTP response time of POST /slack/events; event→card = time until the
emulator records the chat.postMessage in that event's thread.

Usage: python bench/bench_slack.py [--events 200] [--concurrency 10] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import slack_requests as sr  # noqa: E402
from tests.e2e.conftest import free_port, wait_healthy  # noqa: E402
from tests.slack_emulator import SlackEmulator  # noqa: E402
from tests.slack_requests import SlackClient  # noqa: E402

SECRET = "secret"
TEXT = ("We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
        "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task")  # fmt: skip


def bare_app_main(port: int) -> None:
    """A bare Bolt app (one app_mention listener that posts in the thread), served like ours."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient
    from waitress import serve

    app = App(client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
              signing_secret=SECRET)  # fmt: skip

    @app.event("app_mention")
    def on_mention(event: dict[str, str], client: WebClient) -> None:
        client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="hello")

    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, object], start_response: object) -> object:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
            return [b"ok"]
        return handler(environ, start_response)  # type: ignore[arg-type]

    serve(wsgi, host="127.0.0.1", port=port, threads=16, _quiet=True)


def start(kind: str, emulator: SlackEmulator, data: Path) -> tuple[subprocess.Popen[bytes], SlackClient]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.url,
               ADVISOR_DATA_DIR=str(data), ADVISOR_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))  # fmt: skip
    if kind == "ai-advisor":
        cmd = [str(Path(sys.executable).parent / "ai-advisor"), "serve", "--port", str(port), "--host", "127.0.0.1"]
    else:
        cmd = [sys.executable, __file__, "--bare-server", str(port)]
    log = data / f"{kind}.log"
    data.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=data)
    client = SlackClient(f"http://127.0.0.1:{port}", SECRET, timeout=30)
    wait_healthy(client, proc, log)
    return proc, client


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run(kind: str, events: int, concurrency: int) -> dict[str, float]:
    with SlackEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        proc, client = start(kind, emulator, Path(tmp))
        try:
            # warm-up (first auth.test, knowledge index, imports), not measured
            warm = sr.app_mention(f"<@{sr.BOT_USER_ID}> {TEXT}", channel="CWARM")
            client.post_event(sr.event_body(warm))
            emulator.wait_for("chat.postMessage", timeout=60)
            sent: dict[str, float] = {}
            acks: list[float] = []
            failures = 0

            def one(i: int) -> None:
                nonlocal failures
                event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {TEXT} #{i}", channel=f"CB{i:05d}")
                body = sr.event_body(event)
                t0 = time.time()
                status, _, _ = client.post_event(body)
                acks.append(time.time() - t0)
                sent[str(event["ts"])] = t0
                if status != 200:
                    failures += 1

            started = time.time()
            with ThreadPoolExecutor(concurrency) as pool:
                list(pool.map(one, range(events)))
            posted = emulator.wait_for("chat.postMessage", events + 1, timeout=300, ok_only=True,
                                       predicate=lambda c: str(c.params.get("channel", "")).startswith(("CB", "CWARM")))  # fmt: skip  # noqa: E501
            elapsed = time.time() - started
            to_card = [c.at - sent[str(c.params["thread_ts"])] for c in posted if c.params.get("thread_ts") in sent]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return {
        "ack_p50_ms": statistics.median(acks) * 1000, "ack_p99_ms": pct(acks, 99) * 1000,
        "card_p50_ms": statistics.median(to_card) * 1000, "card_p99_ms": pct(to_card, 99) * 1000,
        "cards": len(to_card), "events": events, "non_200": failures, "seconds": elapsed,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="Append the results to BENCHMARKS.md.")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_app_main(args.bare_server)
        return
    results = {kind: run(kind, args.events, args.concurrency) for kind in ("ai-advisor", "bare Bolt")}
    header = "| app | ack p50 | ack p99 | event→card p50 | event→card p99 | cards posted | non-200 | wall |"
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for kind, r in results.items():
        lines.append(f"| {kind} | {r['ack_p50_ms']:.1f} ms | {r['ack_p99_ms']:.1f} ms | {r['card_p50_ms']:.0f} ms | "
                     f"{r['card_p99_ms']:.0f} ms | {r['cards']:.0f}/{r['events']:.0f} | {r['non_200']:.0f} | "
                     f"{r['seconds']:.1f} s |")  # fmt: skip
    table = "\n".join(lines)
    print(table)
    if args.write:
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        command = f"python bench/bench_slack.py --events {args.events} --concurrency {args.concurrency} --write"
        section = (f"\n## Slack serving\n\n{dt.date.today().isoformat()} · {machine}\n\n`{command}`\n\n"
                   "Signed `app_mention` events (a complete description, so each gets a card) sent over HTTP to "
                   "`ai-advisor serve` (waitress) and, for comparison, to a bare Bolt app with one listener served "
                   "by waitress the same way; both post to the local Web API emulator. Ack is the HTTP response "
                   "time; event→card is until the emulator records the chat.postMessage in the thread.\n\n"
                   f"{table}\n")  # fmt: skip
        path = ROOT / "BENCHMARKS.md"
        existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        path.write_text(existing.rstrip("\n") + "\n" + section, encoding="utf-8")


if __name__ == "__main__":
    main()
