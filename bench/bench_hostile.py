"""Hostile input benchmark (issue 18): how long a 20,000-character hostile message takes to read, and the ack
latency of other users while such messages arrive, against normal traffic alone, in the same run.

1. Reading: `bot.advisor.extract.extract` on 20,000-character messages made of long runs of digits and separators,
   each in its own process with a time budget (start-up included; a run over it is stopped and reported so);
   anchor: a normal 20,000-character description, read the same way. The other text paths that see the same message
   (grounding, redaction, command parsing) are timed in-process beside it.
2. Acks: `ai-advisor serve` against the local Web API emulator. Normal users (each mentioning the bot with a full
   description every `--gap` seconds) for `--seconds`; then the same traffic again while an attacker mentions the
   bot with one 20,000-character hostile message every `--hostile-every` seconds. Ack = HTTP response time of
   POST /slack/events for the normal users' events; the client gives up after 10 s (Slack gives up after 3 s).

    .venv/bin/python bench/bench_hostile.py [--budget 60] [--seconds 30] [--users 4] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from tests.slack_requests import SlackClient

TITLE = "Hostile input: reading a 20,000-character hostile message, and other users' acks meanwhile"
LENGTH = 20_000
CLIENT_TIMEOUT = 10.0
SLACK_ACK_LIMIT = 3.0

SHAPES = {
    "20,000 digits": "9" * LENGTH,
    "digits and commas (1,1,1,…)": ("1," * LENGTH)[:LENGTH],
    "digits and dots (1.1.1.…)": ("1." * LENGTH)[:LENGTH],
    "numbers with units (1k 1k …)": ("1k " * LENGTH)[:LENGTH],
    "anchor: a normal description, repeated": (" ".join(h.FULL_TEXTS) + " ") * (LENGTH // 300),
}
ATTACK = ("9" * LENGTH, ("1," * LENGTH)[:LENGTH])  # what the attacker sends, in turn

_READ = """
import json, sys, time
from bot.advisor.extract import extract
text = sys.stdin.read()
start = time.perf_counter()
extract(text)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

_OTHERS = """
import json, sys, time
from bot import redact
from bot.llm import grounding
from bot.slack import blocks as bk
from bot.slack.listeners.commands import parse_command
from bot.slack.markup import plain_text, unescape
from bot.slack.listeners.leads import is_summary_request
text = sys.stdin.read()
start = time.perf_counter()
grounding.UserText.of(text); grounding.numbers_in(text); redact.redact(text)
parse_command(text); is_summary_request(plain_text(text)); bk.safe(unescape(text), 3000)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def timed(code: str, text: str, budget: float) -> float | None:
    """Seconds `code` took on `text` in a fresh process; None when it ran over `budget` (then it is stopped)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=text,
            capture_output=True,
            text=True,
            timeout=budget,
            cwd=h.ROOT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def shown(seconds: float | None, budget: float) -> str:
    return f"over {budget:.0f} s (stopped)" if seconds is None else h.ms(seconds)


def reading(budget: float) -> str:
    rows = [
        "| message (20,000 characters) | `extract` (the reader) | grounding, redaction, command parsing |",
        "|---|---|---|",
    ]
    for name, text in SHAPES.items():
        print(f"  reading: {name}", flush=True)
        rows.append(
            f"| {name} | {shown(timed(_READ, text, budget), budget)} | {shown(timed(_OTHERS, text, budget), budget)} |"
        )
    return "\n".join(rows)


def traffic(url: str, users: int, seconds: float, gap: float, tag: str, attack_every: float | None) -> list[h.Sent]:
    """Normal users' events for `seconds` (and, with `attack_every`, hostile mentions meanwhile); the normal acks."""
    stop = threading.Event()
    lock = threading.Lock()
    sent: list[h.Sent] = []

    def user(n: int) -> None:
        client = SlackClient(url, h.SECRET, timeout=CLIENT_TIMEOUT)
        i = 0
        while not stop.is_set():
            thread, body = h.mention_body(f"C{tag}{n:02d}{i:04d}", h.FULL_TEXTS[(n + i) % len(h.FULL_TEXTS)])
            s = h.send(client, thread, body)
            with lock:
                sent.append(s)
            i += 1
            stop.wait(gap)

    def attacker() -> None:
        client = SlackClient(url, h.SECRET, timeout=CLIENT_TIMEOUT)
        i = 0
        while not stop.is_set():
            thread, body = h.mention_body(f"CX{tag}{i:04d}", ATTACK[i % len(ATTACK)])
            h.send(client, thread, body)
            i += 1
            stop.wait(attack_every or 0)

    workers = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    if attack_every:
        workers.append(threading.Thread(target=attacker, daemon=True))
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join(CLIENT_TIMEOUT + 5)
    return sent


def ack_row(label: str, sent: list[h.Sent], emulator: h.RecordingEmulator) -> str:
    acks = [s.ack for s in sent if s.status == 200]
    late = sum(1 for s in sent if s.status != 200 or s.ack > SLACK_ACK_LIMIT)
    carded = sum(1 for s in sent if emulator.cards(s.thread))
    return (
        f"| {label} | {len(sent)} | {h.ms(h.pct(acks, 50))} | {h.ms(h.pct(acks, 99))} | "
        f"{h.ms(max(acks)) if acks else '–'} | {late} | {sum(1 for s in sent if s.status != 200)} | "
        f"{carded}/{len(sent)} |"
    )


def acks(users: int, seconds: float, gap: float, every: float) -> str:
    rows = [
        "| traffic | normal events | ack p50 | ack p99 | ack max | over Slack's 3 s | not acked in 10 s "
        "| their cards posted by the phase's end |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with h.RecordingEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        server = h.start_server(h.ADVISOR, emulator.url, Path(tmp))
        url = server.client.base_url
        try:
            thread, body = h.mention_body("CWARM", h.FULL_TEXTS[0])  # warm-up, not measured
            h.send(server.client, thread, body)
            emulator.wait_cards([thread], 60, settle=0)
            print("  acks: normal traffic alone", flush=True)
            rows.append(
                ack_row(f"normal alone ({users} users)", traffic(url, users, seconds, gap, "N", None), emulator)
            )
            print("  acks: normal traffic while hostile messages arrive", flush=True)
            rows.append(
                ack_row(
                    f"the same, plus one hostile 20,000-character mention every {every:.0f} s",
                    traffic(url, users, seconds, gap, "H", every),
                    emulator,
                )
            )
        finally:
            server.stop()
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds one message may take to read")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each traffic phase")
    parser.add_argument("--users", type=int, default=4, help="normal users sending at once")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between a normal user's mentions")
    parser.add_argument("--hostile-every", type=float, default=5.0, help="seconds between hostile mentions")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    print("reading:", flush=True)
    read = reading(args.budget)
    print("acks:", flush=True)
    ack = acks(args.users, args.seconds, args.gap, args.hostile_every)
    body = (
        h.header(started, time.perf_counter() - t0) + "\n**Reading one message** (each in a fresh process, "
        f"stopped after {args.budget:.0f} s):\n\n" + read + "\n\n**Acks of other users** (same server, one phase "
        f"after the other, {args.seconds:.0f} s each):\n\n" + ack + "\n"
    )
    print(body)
    if args.write:
        h.write_section("bench_hostile.py", TITLE, body)


if __name__ == "__main__":
    main()
