"""Where a card's CPU goes: `serve` run in this process against the Web API emulator, one user at a time.

Not a benchmark with a BENCHMARKS.md section of its own: it explains the "server CPU per card" of bench_slack.py.
It prints, per card, the CPU time of each of the server's threads (from /proc, so everything a thread does counts)
and the thread time spent in the main steps of a turn (each step wrapped and timed with `time.thread_time`; the
steps nest: the advisor's turn includes the reader and the engine). `--cprofile N` prints cProfile's top N
functions of one step (`--profiled`: the turn, the ack, the advisor or the posting; thread time; the profiler
itself slows every call down several times; with `--burst`, profile the advisor or the ack: turns overlap while
they post; `outbox` profiles the outbox worker's deliveries: the chart drawn and uploaded).

With `--burst C`, the conversations arrive as `bench_ack.py` sends them instead (a new connection per event, C in
flight, from a driver process), so the per-card figures include what concurrency adds (waiting, switching).

    .venv/bin/python bench/profile_card.py [--cards 300] [--no-charts] [--cprofile 40] [--burst 10]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bench.bench_slack import run_users

Spent = dict[str, float]


def thread_cpu() -> Spent:
    """CPU seconds of each live thread of this process, by thread name (listener threads summed)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: Spent = {}
    for task in Path("/proc/self/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        name = names.get(int(task.name), "other")
        if name.startswith(("slack-listener", "waitress")):  # pools: slack-listener_0, waitress-3
            name = (
                name.split("_")[0].split("-")[0] + " threads"
                if name.startswith("waitress")
                else "slack-listener threads"
            )
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


class Steps:
    """Thread time spent inside wrapped functions, by step name (optionally profiling one of them)."""

    def __init__(self) -> None:
        self.spent: Spent = {}
        self.lock = threading.Lock()
        self.profile: cProfile.Profile | None = None
        self.order: list[str] = []

    def wrap(self, owner: Any, attr: str, name: str, *, profiled: bool = False) -> None:
        """Replace `owner.attr` by a timed (and, with `profiled`, profiled) wrapper."""
        inner: Callable[..., Any] = getattr(owner, attr)
        self.order.append(name)

        @functools.wraps(inner)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                if profiled and self.profile is not None:
                    return self.profile.runcall(inner, *args, **kwargs)
                return inner(*args, **kwargs)
            finally:
                with self.lock:
                    self.spent[name] = self.spent.get(name, 0.0) + time.thread_time() - started

        setattr(owner, attr, timed)


def instrument(steps: Steps, profiled: str = "turn") -> None:
    """Wrap the steps of a turn where they are looked up at run time (cProfile on the `profiled` one)."""
    import slack_sdk

    from bot.advisor import engine
    from bot.knowledge import query
    from bot.slack import delivery, replies, serve
    from bot.slack.listeners import events
    from bot.storage import inbox, outbox
    from bot.workflows import conversation, turn_writes

    steps.wrap(serve.SlackWsgiApp, "__call__", "ack (request thread)", profiled=profiled == "ack")
    steps.wrap(replies, "run_turn", "turn (listener thread)", profiled=profiled == "turn")
    events.run_turn = replies.run_turn  # the listener's own reference
    steps.wrap(inbox.Inbox, "drain", "  answering the inbox turn")
    steps.wrap(conversation.Advisor, "handle", "    advisor (reader, engine, store)", profiled=profiled == "advisor")
    steps.wrap(conversation, "extract", "      reader")
    steps.wrap(engine, "recommend", "      engine")
    steps.wrap(query.KnowledgeIndex, "enrich", "      citations")
    steps.wrap(turn_writes.TurnWrites, "apply", "      the turn's writes")
    steps.wrap(replies, "render", "    Block Kit")
    steps.wrap(outbox.Outbox, "enqueue", "    queueing replies")
    steps.wrap(outbox.Outbox, "flush", "  posting (outbox)", profiled=profiled == "posting")
    steps.wrap(delivery.SlackSender, "_post", "    chat.postMessage")
    steps.wrap(slack_sdk.WebClient, "reactions_add", "reactions.add")
    steps.wrap(slack_sdk.WebClient, "reactions_remove", "reactions.remove")
    instrument_outbox(steps, profiled == "outbox")


def instrument_outbox(steps: Steps, profiled: bool) -> None:
    """The outbox worker's steps for a chart item: claim, draw (parse, curves, drawing, encoding), the three upload
    calls, and marking it sent (cProfile on the whole delivery when `profiled`)."""
    import slack_sdk

    from bot.slack import charts, delivery
    from bot.storage import outbox
    from bot.workflows import chart

    steps.wrap(outbox.Outbox, "deliver", "  deliver (one item; listener or outbox worker)", profiled=profiled)
    steps.wrap(outbox.Outbox, "_claim", "    claim")
    steps.wrap(outbox.Outbox, "_sent", "    mark sent")
    steps.wrap(charts, "upload_chart", "    chart: draw + upload")
    steps.wrap(charts, "stored_estimate", "      the stored estimate parsed")
    steps.wrap(chart, "_keep_image_blocks", "      Pillow block setting (cached)")
    steps.wrap(chart, "curves", "        curves")
    steps.wrap(chart._Canvas, "chart", "        drawing (2x, halved)")
    steps.wrap(chart, "_encode", "        PNG encoding (palette)")
    steps.wrap(slack_sdk.WebClient, "files_upload_v2", "      files_upload_v2 (3 calls)")
    steps.wrap(slack_sdk.WebClient, "files_getUploadURLExternal", "        files.getUploadURLExternal")
    steps.wrap(slack_sdk.WebClient, "_upload_file", "        upload (POST of the bytes)")
    steps.wrap(slack_sdk.WebClient, "files_completeUploadExternal", "        files.completeUploadExternal")
    delivery.upload_chart = charts.upload_chart  # the sender's own reference


def ready(client: h.SlackClient) -> bool:
    """Whether the server answers /readyz with 200."""
    try:
        return client.get("/readyz")[0] == 200
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cards", type=int, default=300, help="conversations (one card each), one at a time")
    parser.add_argument("--no-charts", action="store_true", help="ADVISOR_SLACK_CHARTS=false (no chart uploads)")
    parser.add_argument("--cprofile", type=int, default=0, help="print cProfile's top N functions of the turns")
    parser.add_argument(
        "--profiled",
        choices=("turn", "ack", "advisor", "posting", "outbox"),
        default="turn",
        help="the step --cprofile profiles",
    )
    parser.add_argument("--burst", type=int, default=0, help="C events in flight (a connection each), not one user")
    args = parser.parse_args()
    emulator = h.RecordingEmulator().__enter__()
    data = Path(tempfile.mkdtemp(prefix="profile-card-"))
    os.environ.update({k: v for k, v in h.server_env(emulator.url, data).items() if k.startswith(("SLACK_", "ADV"))})
    os.environ["ADVISOR_SLACK_CHARTS"] = "false" if args.no_charts else "true"
    os.chdir(data)
    import logging

    from bot.config import Settings
    from bot.logs import configure
    from bot.services import Services
    from bot.slack import serve
    from bot.slack.app import build_app

    services = Services(Settings())
    with (data / "serve.log").open("w") as log_file:
        configure(services.settings, log_file)  # JSON lines, as `serve` writes them (to a file here)
        steps = Steps()
        instrument(steps, args.profiled)
        app = build_app(services)
        port = h.free_port()
        threading.Thread(
            target=serve.serve_http, args=(app, h.SECRET), kwargs={"host": "127.0.0.1", "port": port}, daemon=True
        ).start()
        client = h.SlackClient(f"http://127.0.0.1:{port}", h.SECRET, timeout=60)
        while not ready(client):
            time.sleep(0.05)
        server = cast(h.Server, SimpleNamespace(client=client))  # all the load functions use
        run_users(server, emulator, "WARM", 1, 30)
        steps.spent.clear()
        steps.profile = cProfile.Profile(time.thread_time) if args.cprofile else None
        before = thread_cpu()
        if args.burst:
            from bench.bench_ack import card_texts, run_load

            out = run_load(server, emulator, "P", card_texts(), args.cards, args.burst).outcome
        else:
            out = run_users(server, emulator, "P", 1, args.cards)
        after = thread_cpu()
        logging.shutdown()
    cards = max(1, out.carded)
    print(f"{out.carded} cards, event→card p50 {h.ms(h.pct(out.card_times, 50))}; per card:")
    print("CPU by thread (serve_forever is the emulator's):")
    for name in sorted(after, key=lambda n: before.get(n, 0.0) - after[n]):
        spent = after[name] - before.get(name, 0.0)
        if spent > 0:
            print(f"  {name}: {1000 * spent / cards:.2f} ms")
    print("thread time by step:")
    for name in steps.order:
        print(f"  {name}: {1000 * steps.spent.get(name, 0.0) / cards:.2f} ms")
    from bot.workflows import chart

    drawn = getattr(chart, "DRAWN", None)  # the PNG cache (absent from a checkout before it)
    if drawn is not None and not args.no_charts:
        print(f"chart cache since start (warm-up included): {drawn.hits} hits, {drawn.misses} misses")
    if steps.profile is not None:
        text = io.StringIO()
        pstats.Stats(steps.profile, stream=text).sort_stats("tottime").print_stats(args.cprofile)
        print(text.getvalue())
    os._exit(0)  # the server and the emulator are daemon threads of this process


if __name__ == "__main__":
    main()
