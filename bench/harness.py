"""Shared pieces of the benchmarks: machine details, BENCHMARKS.md sections, servers under test and Slack load.

The servers run as separate processes (the real `ai-advisor serve`, or the bare Bolt baseline in
bench/bare_bolt.py) against the local Web API emulator from the tests; events are signed like Slack's
(tests/slack_requests.py). Cards are counted per conversation from the emulator's chat.postMessage record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import processes  # noqa: E402
from tests import slack_requests as sr  # noqa: E402
from tests.slack_emulator import SlackEmulator  # noqa: E402
from tests.slack_requests import SlackClient  # noqa: E402

BENCHMARKS = ROOT / "BENCHMARKS.md"


def eval_file(name: str) -> Path:
    """A development evaluation file: the shared copy beside the checkout when there is one, else the copy kept in
    bench/data/eval/ so `make bench` works on any clone."""
    shared = ROOT.parent / "shared" / "eval" / name
    return shared if shared.exists() else ROOT / "bench" / "data" / "eval" / name


SECRET = "0b5e7c1d9a3f4e2b8c6d0a1f3e5b7d9c"  # shaped like a Slack signing secret (32 hex digits)
BOT_TOKEN = "xoxb-1-BENCH-b3nchT0ken"
CARD_EVENT = "advisor_recommendation"
ADVISOR = "ai-advisor"
BARE = "bare Bolt"

# Complete descriptions: each gets a card on the first message (no questions).
FULL_TEXTS = (
    "We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
    "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task",
    "Draft replies to customer emails in our brand voice: 20k clean, reviewed example replies, 500k requests a "
    "month, two ML engineers, launch in 4 months, budget $150k, not regulated, the style rarely changes, "
    "replies need deep knowledge of our products",
    "An internal Q&A bot over our wiki: no labeled data, 30k requests a month, no ML staff, needed in 3 weeks, "
    "budget $5k, internal docs only, the content changes every sprint",
    "Extract fields from insurance claims: 100k high-quality labeled claims, 5M documents a month, ML team of 8, "
    "live in 9 months, budget $500k, regulated (HIPAA), the schema is stable",
)
# A short description: the advisor asks questions first.
PARTIAL_TEXT = "We want a chatbot that answers questions about our HR policies"
RECOMMEND_NOW = "recommend now"


# --- machine, command, BENCHMARKS.md -----------------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (or platform.processor())."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# Read when a benchmark starts (it imports this module first): a busy machine explains noisy numbers.
LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def machine() -> str:
    """One line: architecture, cores, CPU model, Python, OS, and the 1-minute load average when the run started."""
    load = LOAD_AT_START
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load:.2f} at start"
    )


def _shown(path: Path) -> str:
    try:
        return str(path.absolute().relative_to(ROOT))
    except ValueError:
        return str(path)


def command() -> str:
    """The command line that is running, as it can be retyped from the repository root."""
    return shlex.join([_shown(Path(sys.executable)), _shown(Path(sys.argv[0])), *sys.argv[1:]])


def header(started: dt.datetime, seconds: float) -> str:
    """The lines every section starts with: machine, date, command, run time."""
    return (
        f"- Machine: {machine()}\n- Date: {started.strftime('%Y-%m-%d %H:%M')} UTC "
        f"(run took {seconds:.0f} s)\n- Command: `{command()}`\n"
    )


def write_section(script: str, heading: str, body: str, path: Path = BENCHMARKS) -> None:
    """Put `body` into BENCHMARKS.md between this script's markers, keeping any prose around them.

    Without markers yet, a new `## heading` section with them is appended at the end.
    """
    begin, end = f"<!-- {script}: begin (generated) -->", f"<!-- {script}: end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile by the nearest-rank method (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * p / 100) - 1))]


@dataclass(frozen=True)
class Ratio:
    """ai-advisor's ack p99 over bare Bolt's for one kind of run: per repetition (the two ran side by side), their
    median (what the targets judge: it holds when the machine's speed drifts between repetitions), and pooled."""

    per_rep: list[float]
    advisor: float  # the pooled p99s, in seconds
    bare: float

    @property
    def median(self) -> float:
        return statistics.median(self.per_rep)

    @property
    def pooled(self) -> float:
        return self.advisor / self.bare

    def met(self, target: float) -> bool:
        """Whether the median is within `target`, at the two decimals shown."""
        return round(self.median, 2) <= target


def p99_ratio(per_rep: Iterable[float], advisor_acks: Sequence[float], bare_acks: Sequence[float]) -> Ratio:
    """The `Ratio` of one kind of run, from its per-repetition ratios and both apps' pooled acknowledgement times."""
    return Ratio(list(per_rep), pct(advisor_acks, 99), pct(bare_acks, 99))


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a table cell."""
    if math.isnan(seconds):
        return "–"
    if math.isinf(seconds):
        return "∞ (no answer)"
    value = seconds * 1000
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS (resident) and VmHWM (peak resident) of a process in KiB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


# --- the Web API emulator, recording posts per thread --------------------------------------------------------------

Thread = tuple[str, str]  # (channel, thread ts)


@dataclass(frozen=True)
class Post:
    """A chat.postMessage the emulator answered ok."""

    at: float
    card: bool


class RecordingEmulator(SlackEmulator):
    """The Web API emulator, also indexing successful chat.postMessage calls by thread as they arrive.

    The emulator has no public callback for recorded calls, and re-scanning `calls()` from waiting threads
    costs CPU that the server under test shares on a small machine, so this hooks the one place calls are recorded
    and wakes only the thread waiting for that conversation.
    """

    def __init__(self) -> None:
        super().__init__()
        self.posts: dict[Thread, list[Post]] = defaultdict(list)
        self._index_lock = threading.Lock()
        self._arrived: dict[tuple[Thread, bool], threading.Event] = {}

    def __enter__(self) -> Self:
        self.start()
        return self

    def _record(
        self, method: str, params: dict[str, Any], headers: dict[str, str], faulted: str | None, reply: Any
    ) -> Any:
        result = super()._record(method, params, headers, faulted, reply)
        call = self._calls[-1] if self._calls else None
        if method == "chat.postMessage" and call is not None and call.ok:
            meta = call.params.get("metadata")
            card = isinstance(meta, dict) and meta.get("event_type") == CARD_EVENT
            thread = (str(call.params.get("channel", "")), str(call.params.get("thread_ts") or ""))
            with self._index_lock:
                self.posts[thread].append(Post(call.at, card))
            self.arrival(thread).set()
            if card:
                self.arrival(thread, card=True).set()
        return result

    def arrival(self, thread: Thread, *, card: bool = False) -> threading.Event:
        """An event set once the thread has a post (or, with `card`, a card)."""
        with self._index_lock:
            return self._arrived.setdefault((thread, card), threading.Event())

    def thread_posts(self, thread: Thread) -> list[Post]:
        """Every post in a thread so far, oldest first."""
        with self._index_lock:
            return list(self.posts.get(thread, ()))

    def cards(self, thread: Thread) -> list[Post]:
        """The cards posted in a thread so far."""
        return [p for p in self.thread_posts(thread) if p.card]

    def wait_cards(self, threads: Iterable[Thread], timeout: float, settle: float = 1.0) -> None:
        """Wait until every thread has a card (or `timeout` passes), then `settle` more seconds for duplicates."""
        deadline = time.monotonic() + timeout
        for thread in threads:
            self.arrival(thread, card=True).wait(max(0.0, deadline - time.monotonic()))
        time.sleep(settle)


# --- the servers under test --------------------------------------------------------------------------------------


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server process under test and a signed client for it."""

    kind: str
    proc: subprocess.Popen[bytes]
    client: SlackClient
    log: Path

    @property
    def pid(self) -> int:
        """The process id (for /proc/<pid>/status)."""
        return self.proc.pid

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        processes.stop(self.proc)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's output, for error reports."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def server_env(emulator_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a server: no inherited Slack/advisor/OpenAI settings, the emulator as Slack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ADVISOR_", "OPENAI_", "AZURE_"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=emulator_url,
        ADVISOR_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def start_server(kind: str, emulator_url: str, data_dir: Path, *, timeout: float = 60, **env: str) -> Server:
    """Start `ai-advisor serve` (kind ADVISOR) or the bare Bolt baseline (kind BARE) and wait until it is ready."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    if kind == ADVISOR:
        cmd = [str(Path(sys.executable).parent / "ai-advisor"), "serve", "--port", str(port), "--host", "127.0.0.1"]
    else:
        cmd = [sys.executable, str(ROOT / "bench" / "bare_bolt.py"), str(port)]
    log = data_dir / f"{kind.replace(' ', '-')}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, env=server_env(emulator_url, data_dir, **env), stdout=out, stderr=subprocess.STDOUT, cwd=data_dir
        )
    server = Server(kind, proc, SlackClient(f"http://127.0.0.1:{port}", SECRET, timeout=60), log)
    try:
        wait_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def wait_ready(server: Server, timeout: float) -> None:
    """Poll GET /readyz (GET /healthz on servers without it) until it answers 200."""
    deadline = time.monotonic() + timeout
    path = "/readyz"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.kind} exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            status = server.client.get(path)[0]
            if status == 200:
                return
            if status == 404 and path == "/readyz":
                path = "/healthz"
                continue
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.kind} did not become ready in {timeout:.0f} s:\n{server.log_tail()}")


# --- Slack load --------------------------------------------------------------------------------------------------


@dataclass
class Sent:
    """One event delivered to the server: its conversation thread, when it was sent, the ack."""

    thread: Thread
    at: float  # wall clock (time.time), comparable with the emulator's record
    ack: float  # seconds until the HTTP response
    status: int  # HTTP status; 0 when the connection failed


def mention_body(channel: str, text: str) -> tuple[Thread, dict[str, Any]]:
    """An app_mention envelope (signed when sent) that starts a conversation in its own thread."""
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel)
    return (channel, str(event["ts"])), sr.event_body(event)


def reply_body(thread: Thread, text: str) -> dict[str, Any]:
    """A thread reply (a `message` event, no mention) continuing the conversation in `thread`."""
    event = sr.message(text, channel=thread[0], thread_ts=thread[1])
    return sr.event_body(event)


def send(client: SlackClient, thread: Thread, body: dict[str, Any], scheduled: float | None = None) -> Sent:
    """POST one signed event; the ack is timed from `scheduled` (perf_counter) when given, else from the send."""
    at = time.time()
    start = time.perf_counter()
    try:
        status = client.post_event(body)[0]
    except OSError:
        status = 0
    end = time.perf_counter()
    return Sent(thread, at, end - (scheduled if scheduled is not None else start), status)


def spread(total: int, workers: int, work: Callable[[int], Any], name: str = "bench-user") -> float:
    """Run `work(i)` for i in 0..total-1 on `workers` threads, each taking the next i when it is free; returns
    the seconds it took (an exception in any call is raised here)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(workers, thread_name_prefix=name) as pool:
        list(pool.map(work, range(total)))
    return time.perf_counter() - started


def burst(client: SlackClient, bodies: Sequence[tuple[Thread, dict[str, Any]]], concurrency: int) -> list[Sent]:
    """Send every event with `concurrency` requests in flight (each worker sends its next event on the ack)."""
    with ThreadPoolExecutor(concurrency, thread_name_prefix="bench-client") as pool:
        return list(pool.map(lambda tb: send(client, tb[0], tb[1]), bodies))


@dataclass
class Outcome:
    """What a run of conversations produced: acks, event→card times, and the card count per conversation."""

    sent: list[Sent]
    card_times: list[float] = field(default_factory=list)
    conversations: int = 0
    carded: int = 0
    lost: int = 0
    duplicated: int = 0
    rate: float = 0.0  # events or cards per second, as the benchmark defines it

    @property
    def acks(self) -> list[float]:
        """Ack latencies of the events answered 200."""
        return [s.ack for s in self.sent if s.status == 200]

    @property
    def non_200(self) -> int:
        """Events not answered 200 (0 = connection failed)."""
        return sum(1 for s in self.sent if s.status != 200)


def outcome(emulator: RecordingEmulator, sent: list[Sent], first_sent: dict[Thread, float]) -> Outcome:
    """Count the cards of each conversation in `first_sent` (exactly one expected) and time the first one."""
    out = Outcome(sent, conversations=len(first_sent))
    for thread, at in first_sent.items():
        cards = emulator.cards(thread)
        if not cards:
            out.lost += 1
            continue
        out.carded += 1
        out.duplicated += len(cards) - 1
        out.card_times.append(cards[0].at - at)
    return out


def serve_tree(
    name: str, tree: Path, stack: contextlib.ExitStack, *, charts: bool = False
) -> tuple[Server, RecordingEmulator]:
    """`serve` from another checkout `tree` (its `bot` package first on the path, before this checkout's editable
    install) beside its own Slack emulator and data directory, ready; stopped when `stack` closes."""
    emulator = stack.enter_context(RecordingEmulator())
    data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"compare-{name}-")))
    env = server_env(emulator.url, data, ADVISOR_SLACK_CHARTS=str(charts).lower())
    env["PYTHONPATH"] = str(tree)
    port = free_port()
    log = data / "serve.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=data,
        )
    server = Server(name, proc, SlackClient(f"http://127.0.0.1:{port}", SECRET, timeout=60), log)
    stack.callback(server.stop)
    wait_ready(server, 60)
    return server, emulator
