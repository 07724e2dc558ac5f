"""Slack ack latency the way Slack loads an app: `ai-advisor serve` vs a bare Bolt app, side by side.

Slack delivers each event on its own HTTPS request and does not keep connections alive across deliveries, so the
driver opens a new TCP connection per event (`Connection: close`), sends one signed `app_mention` and times connect →
complete response. The events are complete project descriptions written by people who never saw the code
(`bench/data/own_chat_messages*.jsonl`, the ones whose first message gets a card: `CARD_IDS`), each starting its own
conversation, so every ack competes with real card work.

The driver runs in its own process (asyncio, one thread; requests signed and serialised before the clock starts), so
neither the Web API emulators (in this process) nor the client's own threads share an interpreter with the timing.
Each repetition starts both servers fresh and, for each app in turn, sends a burst the moment the server reports
ready (the first cards load whatever a warm-up missed while acks wait), then at every concurrency level both apps
in turn (which goes first alternates by repetition). A run waits for its cards before the next starts.

    .venv/bin/python bench/bench_ack.py [--events 200] [--levels 10,50] [--cold 10] [--reps 3] [--no-charts] [--write]
    .venv/bin/python bench/bench_ack.py --select   # re-derive CARD_IDS (slow: every description through the advisor)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from tests import slack_requests as sr

TITLE = "Slack ack latency under Slack-like load (a new connection per event), vs a bare Bolt app"
DATA = Path(__file__).with_name("data")
TARGET_RATIO = 1.5  # issue #17: ack p99 at most 1.5× bare Bolt's
CARD_TIMEOUT = 90.0
# The descriptions in bench/data/own_chat_messages*.jsonl whose first message gets a card (no questions), as
# `--select` found them; a run counts any that asks questions instead (`asked`), so a stale list shows.
CARD_IDS = (
    "oc001",
    "oc002",
    "oc003",
    "oc007",
    "oc008",
    "oc009",
    "oc011",
    "oc013",
    "oc015",
    "oc016",
    "oc017",
    "oc019",
    "oc025",
    "oc027",
    "oc032",
    "oc034",
    "oc035",
    "oc038",
    "oc039",
    "oc040",
    "oc041",
    "oc042",
    "oc046",
    "oc057",
    "oc061",
    "oc066",
    "oc071",
    "oc073",
    "oc077",
    "oc080",
    "oc087",
    "oc090",
    "oc096",
    "oc103",
    "oc107",
    "oc108",
    "oc116",
    "od001",
    "od002",
    "od004",
    "od005",
    "od010",
    "od011",
    "od015",
    "od016",
    "od018",
    "od020",
    "od021",
    "od023",
    "od024",
    "od026",
    "od027",
    "od036",
    "od037",
    "od039",
    "od040",
    "od041",
    "od042",
    "od043",
    "od049",
    "od052",
    "od058",
    "od059",
    "od061",
    "od063",
    "od064",
    "od067",
    "od070",
    "od071",
    "od072",
    "od073",
    "od077",
    "od080",
    "od082",
    "od083",
    "od086",
    "od088",
    "od091",
    "od103",
    "od109",
    "od119",
    "od120",
    "od125",
    "od127",
    "od136",
    "od137",
    "od138",
    "od146",
    "oe003",
    "oe004",
    "oe005",
    "oe006",
    "oe007",
    "oe008",
    "oe017",
    "oe024",
    "oe025",
    "oe029",
    "oe033",
    "oe037",
    "oe038",
    "oe039",
    "oe041",
    "oe044",
    "oe045",
    "oe056",
    "oe057",
    "oe059",
    "oe060",
    "oe062",
    "oe063",
    "oe065",
    "oe074",
    "oe079",
    "oe082",
    "oe084",
    "oe085",
    "oe089",
    "oe091",
    "oe098",
    "oe107",
    "oe111",
    "oe112",
    "oe122",
    "oe126",
    "oe129",
    "oe137",
    "oe139",
    "oe142",
    "oe143",
    "of008",
    "of010",
    "of015",
    "of018",
    "of022",
    "of034",
    "of036",
    "of037",
    "of040",
    "of043",
    "of050",
    "of056",
    "of061",
    "of065",
    "of069",
    "of071",
    "of072",
    "of080",
    "of5_001",
    "of5_002",
    "of5_005",
    "of5_006",
    "of5_007",
    "of5_010",
    "of5_014",
    "of5_015",
    "of5_017",
    "of5_018",
    "of5_022",
    "of5_023",
    "of5_025",
    "of5_026",
    "of5_028",
    "of5_030",
    "of5_035",
    "of5_036",
    "of5_039",
    "of5_040",
    "of5_041",
    "of5_045",
    "of5_049",
    "of5_054",
    "of5_056",
    "of5_061",
    "of5_065",
    "of5_066",
    "of5_071",
    "of5_074",
    "of5_075",
    "of5_076",
    "of5_079",
    "of6_001",
    "of6_002",
    "of6_005",
    "of6_009",
    "of6_011",
    "of6_015",
    "of6_019",
    "of6_023",
    "of6_024",
    "of6_025",
    "of6_026",
    "of6_029",
    "of6_030",
    "of6_034",
    "of6_035",
    "of6_039",
    "of6_041",
    "of6_044",
    "of6_045",
    "of6_055",
    "of6_061",
    "of6_066",
    "of6_069",
    "of6_071",
    "of6_073",
    "of6_080",
    "of7_001",
    "of7_002",
    "of7_003",
    "of7_005",
    "of7_011",
    "of7_014",
    "of7_015",
    "of7_020",
    "of7_023",
    "of7_025",
    "of7_026",
    "of7_028",
    "of7_032",
    "of7_034",
    "of7_036",
    "of7_038",
    "of7_039",
    "of7_042",
    "of7_044",
    "of7_047",
    "of7_054",
    "of7_060",
    "of7_067",
    "of7_072",
    "of7_075",
    "of7_076",
    "r3_001",
    "r3_002",
    "r3_003",
    "r3_007",
    "r3_011",
    "r3_017",
    "r3_018",
    "r3_020",
    "r3_022",
    "r3_024",
    "r3_026",
    "r3_027",
    "r3_029",
    "r3_033",
    "r3_035",
    "r3_036",
    "r3_039",
    "r3_040",
)


@dataclass
class Job:
    """What the driver process sends: signed events to one port with `concurrency` connections at a time."""

    port: int
    concurrency: int
    bodies: list[str]


def descriptions() -> list[tuple[str, str]]:
    """(id, text) of every description in the own chat corpora, in file order."""
    rows: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("own_chat_messages*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["id"]), str(row["text"])))
    return rows


def card_texts() -> list[str]:
    """The descriptions that get a card on the first message."""
    wanted = set(CARD_IDS)
    return [text for id_, text in descriptions() if id_ in wanted]


def select() -> list[str]:
    """Ids of the descriptions whose first message gets a card from the conversation core (`Advisor.handle`)."""
    from bot.config import Settings
    from bot.services import Services
    from bot.workflows.conversation import ConversationKey

    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(_env_file=None, advisor_data_dir=Path(tmp)))  # type: ignore[call-arg]
        return [
            id_
            for id_, text in descriptions()
            if services.advisor.handle(ConversationKey("bench", "T", "C", id_), "U", text).kind == "recommendation"
        ]


# --- the driver (its own process) ------------------------------------------------------------------------------


def _request(port: int, body: str) -> bytes:
    raw = body.encode()
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/json",
        "Content-Length": str(len(raw)),
        "Connection": "close",
        **sr.sign(h.SECRET, raw),
    }
    head = f"POST /slack/events HTTP/1.1\r\n{''.join(f'{k}: {v}{chr(13)}{chr(10)}' for k, v in headers.items())}\r\n"
    return head.encode() + raw


async def _deliver(port: int, request: bytes) -> tuple[float, float, int]:
    """One event on a new connection: (wall-clock send time, seconds to the complete response, HTTP status)."""
    at, start = time.time(), time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        ack = time.perf_counter() - start
        writer.close()
    except (OSError, asyncio.IncompleteReadError, ValueError):
        return at, time.perf_counter() - start, 0
    return at, ack, status


async def _drive(job: Job) -> list[tuple[float, float, int]]:
    requests = [_request(job.port, body) for body in job.bodies]
    results: list[tuple[float, float, int]] = [(0.0, 0.0, 0)] * len(requests)
    queue = iter(range(len(requests)))

    async def worker() -> None:
        for i in queue:  # each connection slot sends the next event as soon as its previous one is answered
            results[i] = await _deliver(job.port, requests[i])

    await asyncio.gather(*(worker() for _ in range(job.concurrency)))
    return results


def drive_main() -> None:
    """`--drive`: read a Job as JSON on stdin, deliver it, write [[at, ack, status], ...] on stdout."""
    job = Job(**json.loads(sys.stdin.read()))
    print(json.dumps(asyncio.run(_drive(job))))


# --- runs --------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    """One run: the events as sent and what came of them."""

    outcome: h.Outcome
    asked: int  # conversations that got questions instead of a card


@dataclass
class Pooled:
    """One app's runs of one kind, over the repetitions."""

    runs: list[Result] = field(default_factory=list)

    @property
    def acks(self) -> list[float]:
        return [a for r in self.runs for a in r.outcome.acks]

    def total(self, name: str) -> int:
        if name == "asked":
            return sum(r.asked for r in self.runs)
        return sum(int(getattr(r.outcome, name)) for r in self.runs)


def run_load(
    server: h.Server, emulator: h.RecordingEmulator, tag: str, texts: list[str], events: int, concurrency: int
) -> Result:
    """`events` new conversations delivered by the driver process with `concurrency` connections; waits until each
    conversation has a reply, then a moment for duplicates."""
    bodies = [h.mention_body(f"C{tag}{i:05d}", texts[i % len(texts)]) for i in range(events)]
    port = int(server.client.base_url.rsplit(":", 1)[1])
    job = Job(port, concurrency, [json.dumps(body) for _, body in bodies])
    done = subprocess.run(
        [sys.executable, __file__, "--drive"],
        input=json.dumps(job.__dict__),
        capture_output=True,
        text=True,
        check=True,
    )
    sent = [
        h.Sent(thread, at, ack, status)
        for (thread, _), (at, ack, status) in zip(bodies, json.loads(done.stdout), strict=True)
    ]
    deadline = time.monotonic() + CARD_TIMEOUT
    for s in sent:
        if s.status == 200:
            emulator.arrival(s.thread).wait(max(0.0, deadline - time.monotonic()))
    time.sleep(1.0)
    drained(server)
    out = h.outcome(emulator, sent, {s.thread: s.at for s in sent})
    asked = sum(1 for s in sent if not emulator.cards(s.thread) and emulator.thread_posts(s.thread))
    out.lost -= asked  # answered, with questions: not a lost card
    return Result(out, asked)


def drained(server: h.Server, timeout: float = 600.0) -> None:
    """Wait until the server has nothing left to do (no turn in its inbox, nothing in its outbox: the cost charts
    follow the cards), so a run's leftovers don't load the next one. From `/metrics`; bare Bolt has none to wait for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, body = server.client.get("/metrics")
        if status != 200:
            return
        busy = [
            line
            for line in body.decode().splitlines()
            if line.startswith(("advisor_outbox_oldest_age_seconds", "advisor_inbox_turns "))
            and float(line.split()[-1]) > 0
        ]
        if not busy:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{server.kind} still busy after {timeout:.0f} s")


Key = tuple[str, str]  # (app, "cold" or "c<level>")


def run_all(
    levels: list[int], cold: int, events: int, reps: int, charts: bool = True
) -> tuple[dict[Key, Pooled], list[dict[str, float]]]:
    """Every repetition: fresh servers, a burst right after each is ready, then every level for both apps in turn.
    Returns the pooled runs and, per repetition, the ack p99 ratio (ai-advisor / bare Bolt) of each kind of run."""
    texts = card_texts()
    pooled: dict[Key, Pooled] = defaultdict(Pooled)
    ratios: list[dict[str, float]] = []
    for rep in range(reps):
        order = [h.ADVISOR, h.BARE] if rep % 2 == 0 else [h.BARE, h.ADVISOR]
        p99: dict[Key, float] = {}
        with ExitStack() as stack:
            servers: dict[str, tuple[h.Server, h.RecordingEmulator]] = {}
            for kind in order:
                emulator = stack.enter_context(h.RecordingEmulator())
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                server = h.start_server(kind, emulator.url, tmp, ADVISOR_SLACK_CHARTS=str(charts).lower())
                stack.callback(server.stop)
                servers[kind] = (server, emulator)
                print(f"  rep {rep + 1}/{reps}: {kind}: burst right after start-up, concurrency {cold}", flush=True)
                result = run_load(server, emulator, f"K{rep}", texts, events, cold)
                pooled[(kind, "cold")].runs.append(result)
                p99[(kind, "cold")] = h.pct(result.outcome.acks, 99)
            for c in levels:
                for kind in order:
                    server, emulator = servers[kind]
                    print(f"  rep {rep + 1}/{reps}: {kind}: concurrency {c}", flush=True)
                    result = run_load(server, emulator, f"W{rep}x{c}x", texts, events, c)
                    pooled[(kind, f"c{c}")].runs.append(result)
                    p99[(kind, f"c{c}")] = h.pct(result.outcome.acks, 99)
        ratios.append({run: p99[(h.ADVISOR, run)] / p99[(h.BARE, run)] for run in ["cold", *(f"c{c}" for c in levels)]})
    return pooled, ratios


def _run_name(run: str, cold: int) -> str:
    return f"{cold}, right after start-up" if run == "cold" else run[1:]


def report(pooled: dict[Key, Pooled], ratios: list[dict[str, float]], levels: list[int], cold: int) -> str:
    """The table and the verdicts against issue #17's target."""
    runs = [*(f"c{c}" for c in levels), "cold"]
    rows = [
        "| concurrency | app | ack p50 | ack p90 | ack p99 | ack max | p99 ratio per repetition | cards | lost "
        "| duplicated | asked instead | non-200 |",
        "|---" * 12 + "|",
    ]
    for run in runs:
        for kind in (h.ADVISOR, h.BARE):
            p = pooled[(kind, run)]
            acks = p.acks
            per_rep = ", ".join(f"{r[run]:.2f}×" for r in ratios) if kind == h.ADVISOR else ""
            rows.append(
                f"| {_run_name(run, cold)} | {kind} | {h.ms(h.pct(acks, 50))} | {h.ms(h.pct(acks, 90))} | "
                f"{h.ms(h.pct(acks, 99))} | {h.ms(max(acks, default=float('nan')))} | {per_rep} | "
                f"{p.total('carded')}/{p.total('conversations')} | {p.total('lost')} | {p.total('duplicated')} | "
                f"{p.total('asked')} | {p.total('non_200')} |"
            )
    lines = []
    for run in runs:
        ratio = h.p99_ratio((r[run] for r in ratios), pooled[(h.ADVISOR, run)].acks, pooled[(h.BARE, run)].acks)
        verdict = "met" if ratio.met(TARGET_RATIO) else "**not met**"
        target = f"target ≤ {TARGET_RATIO}×" if run != "cold" else "no target; shown for the start-up cost"
        lines.append(
            f"- concurrency {_run_name(run, cold)}: ack p99 {h.ms(ratio.advisor)} vs bare Bolt {h.ms(ratio.bare)}; "
            f"ratio median {ratio.median:.2f}× over {len(ratio.per_rep)} repetition(s), pooled {ratio.pooled:.2f}× "
            f"({target})" + (f": {verdict}" if run != "cold" else "")
        )
    advisor_runs = [p for (kind, _), p in pooled.items() if kind == h.ADVISOR]
    lost, dup, non_200, asked = (
        sum(p.total(n) for p in advisor_runs) for n in ("lost", "duplicated", "non_200", "asked")
    )
    total = sum(p.total("conversations") for p in advisor_runs)
    lines.append(
        f"- ai-advisor over all runs ({total} conversations): {lost} lost, {dup} duplicated, {non_200} not acked 200, "
        f"{asked} answered with questions instead of a card"
    )
    return "\n".join(rows) + "\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200, help="events (new conversations) per run")
    parser.add_argument("--levels", default="10,50", help="concurrency levels once warm, comma-separated")
    parser.add_argument("--cold", type=int, default=10, help="concurrency of the burst right after start-up")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (fresh servers each)")
    parser.add_argument(
        "--no-charts", action="store_true", help="serve without cost charts (ADVISOR_SLACK_CHARTS=false; default: on)"
    )
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    parser.add_argument("--select", action="store_true", help="print the ids for CARD_IDS and exit")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive_main()
        return
    if args.select:
        print(select())
        return
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    pooled, ratios = run_all(levels, args.cold, args.events, args.reps, charts=not args.no_charts)
    body = (
        h.header(started, time.perf_counter() - t0)
        + f"\n{args.events} events per run, {len(card_texts())} distinct descriptions, {args.reps} repetitions, "
        + ("cost charts off" if args.no_charts else "cost charts on (the default)")
        + " "
        "(fresh servers each, both apps in turn at every level); latencies pooled over the repetitions.\n\n"
        + report(pooled, ratios, levels, args.cold)
        + "\n"
    )
    print(body)
    if args.write:
        h.write_section("bench_ack.py", TITLE, body)


if __name__ == "__main__":
    main()
