"""Scaling benchmark: assessment, retrieval, digest (and Slack ack/card) latency at 100, 1,000 and 10,000
stored conversations.

The store is seeded directly through `bot.storage.store.Store` (fast, no Slack): each conversation has a user turn, an
intake version, a recommendation computed by the real engine (`Advisor.assess` on one of a few descriptions), a
posted card and two processed-event keys, like a Slack conversation leaves behind; every 10th has feedback and
every 20th a lead's decision. Conversations are spread over 50 channels and, by creation time, over the last year.
At each size the operations below are timed in this process on the same database file:

- assess: `Advisor.assess` (no store access; a control that should not grow);
- new conversation: `Advisor.handle` with a complete description on a new thread (store + engine + citations → card);
- follow-up: `Advisor.handle` with a new fact in a stored conversation (recomputes its card);
- retrieval: `KnowledgeIndex.search(q, 3)` (its own index of knowledge/, not of conversations);
- digest: `build_digest` over all time and over the last 7 days, with a `can_see` that allows every channel;
- dedupe check: `Store.mark_seen` (runs on every Slack event);
- and, unless --no-serve, `ai-advisor serve` started on that database: ack p99 and event→card of 100 signed
  mentions at concurrency 10.

    .venv/bin/python bench/bench_scaling.py [--sizes 100,1000,10000] [--reps 30] [--no-serve] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bot.advisor.engine import Recommendation
from bot.advisor.intake import Intake
from bot.config import Settings
from bot.services import Services
from bot.storage.store import Store
from bot.workflows.conversation import ConversationKey
from bot.workflows.digest import build_digest, parse_period

TITLE = "Scaling: latency at 100, 1,000 and 10,000 stored conversations"
TEAM = "T0001"
CHANNELS = 50
QUESTIONS = (
    "When is fine-tuning the better fit?",
    "How many labeled examples do we need?",
    "What does prompt caching change for cost?",
    "Regulated data and fine-tuning risks",
    "Should we ship prompts first and tune later?",
)
FOLLOW_UP = "actually we have 20k labeled examples"
OPERATIONS = (
    "assess",
    "new conversation",
    "follow-up",
    "retrieval",
    "digest (all time)",
    "digest (7 days)",
    "dedupe check",
)


@dataclass(frozen=True)
class Template:
    """A real assessment reused to seed conversations quickly."""

    text: str
    intake: Intake
    rec: Recommendation


def seed(store: Store, templates: list[Template], start: int, stop: int) -> None:
    """Store conversations start..stop-1 as a Slack conversation with a card would leave them."""
    now = dt.datetime.now(dt.UTC)
    for batch in range(start, stop, 1000):
        with store.transaction() as db:
            for i in range(batch, min(stop, batch + 1000)):
                t = templates[i % len(templates)]
                channel, thread = f"C{i % CHANNELS:04d}", f"{1_700_000_000 + i}.000100"
                key = ConversationKey("slack", TEAM, channel, thread)
                conv = store.create_conversation(
                    str(key), platform="slack", team=TEAM, channel=channel, thread=thread, user=f"U{i % 200:04d}"
                )
                cid = conv.id
                store.add_turn(cid, "user", t.text)
                version = store.save_intake(cid, t.intake, reason="turn 1")
                rec_id = store.save_recommendation(cid, version, t.rec)
                store.add_turn(cid, "bot", f"[recommendation: {t.rec.approach}]")
                store.save_card(cid, channel, thread)
                store.mark_seen(f"event:EvSEED{i:08d}")
                store.mark_seen(f"message:{TEAM}:{channel}:{thread}")
                if i % 10 == 0:
                    store.set_feedback(cid, f"U{i % 200:04d}", "up" if i % 20 else "down", recommendation_id=rec_id)
                if i % 20 == 0:
                    store.record_decision(cid, "ULEAD", "approved", "seeded")
                # The store stamps creation with the current time; spread conversations over a year so a 7-day
                # digest sees a realistic slice (a bench-only shortcut, straight to the column).
                created = now - dt.timedelta(days=i % 365, seconds=i)
                db.execute(
                    "update conversations set created_at = ? where id = ?",
                    [created.isoformat(timespec="milliseconds"), cid],
                )


def timed(fn: Callable[[int], object], reps: int) -> list[float]:
    """Seconds per call of fn(rep) over `reps` calls, after one untimed call."""
    fn(-1)
    out = []
    for rep in range(reps):
        start = time.perf_counter()
        fn(rep)
        out.append(time.perf_counter() - start)
    return out


def measure_size(services: Services, size: int, seeded: int, reps: int) -> dict[str, list[float]]:
    """Time every in-process operation on the store as it is now (`seeded`: conversations seeded so far)."""
    advisor, store, knowledge = services.advisor, services.store, services.knowledge
    everything, week = parse_period("all"), parse_period("7d")

    def new_conversation(rep: int) -> None:
        key = ConversationKey("slack", TEAM, "CNEW", f"{size}.{rep + 1:06d}")
        reply = advisor.handle(key, "UNEW", h.FULL_TEXTS[rep % len(h.FULL_TEXTS)])
        assert reply.kind == "recommendation", reply.kind

    def follow_up(rep: int) -> None:
        i = (rep * 7919 + seeded // 2) % seeded  # spread over the seeded conversations
        key = ConversationKey("slack", TEAM, f"C{i % CHANNELS:04d}", f"{1_700_000_000 + i}.000100")
        reply = advisor.handle(key, f"U{i % 200:04d}", FOLLOW_UP)
        assert reply.kind == "recommendation", reply.kind

    def digest(period_all: bool) -> Callable[[int], object]:
        return lambda _: build_digest(
            store, platform="slack", team=TEAM, period=everything if period_all else week, can_see=lambda _channel: True
        )

    # Read-only and cheap operations first, so the digests see exactly `size` conversations.
    return {
        "dedupe check": timed(lambda rep: store.mark_seen(f"event:EvBENCH{size}x{rep}"), reps * 5),
        "retrieval": timed(lambda rep: knowledge.search(QUESTIONS[rep % len(QUESTIONS)], 3), reps * 5),
        "digest (all time)": timed(digest(True), max(5, reps // 3)),
        "digest (7 days)": timed(digest(False), reps),
        "assess": timed(lambda rep: advisor.assess(h.FULL_TEXTS[rep % len(h.FULL_TEXTS)]), reps),
        "new conversation": timed(new_conversation, reps),
        "follow-up": timed(follow_up, reps),
    }


def measure_serve(data_dir: Path, events: int = 100, concurrency: int = 10) -> h.Outcome:
    """Start `ai-advisor serve` on the seeded data directory and send signed mentions at `concurrency`."""
    with h.RecordingEmulator() as emulator:
        server = h.start_server(h.ADVISOR, emulator.url, data_dir)
        try:
            thread, body = h.mention_body("CWARM", h.FULL_TEXTS[0])  # warm-up, not measured
            h.send(server.client, thread, body)
            emulator.wait_cards([thread], 60, settle=0)
            tag = f"S{int(time.time() * 1000) % 10**8}x"
            bodies = [h.mention_body(f"C{tag}{i:04d}", h.FULL_TEXTS[i % len(h.FULL_TEXTS)]) for i in range(events)]
            sent = h.burst(server.client, bodies, concurrency)
            emulator.wait_cards([s.thread for s in sent], 120)
            return h.outcome(emulator, sent, {s.thread: s.at for s in sent})
        finally:
            server.stop()


def cell(values: list[float]) -> str:
    """p50 (p95) in milliseconds."""
    return f"{h.ms(statistics.median(values))} ({h.ms(h.pct(values, 95))})"


def report(
    sizes: list[int],
    results: dict[int, dict[str, list[float]]],
    serve: dict[int, h.Outcome],
    digest_items: dict[int, tuple[int, int]],
    seed_seconds: dict[int, float],
) -> str:
    """The markdown table (p50 and p95 per size) and growth from the smallest to the largest size."""
    first, last = sizes[0], sizes[-1]
    head = "| operation | " + " | ".join(f"{s:,} stored" for s in sizes) + f" | p50 ×, {first:,} → {last:,} |"
    lines = [head, "|---|" + "---|" * (len(sizes) + 1)]
    for op in OPERATIONS:
        growth = statistics.median(results[last][op]) / statistics.median(results[first][op])
        lines.append(f"| {op} | " + " | ".join(cell(results[s][op]) for s in sizes) + f" | {growth:.1f} |")
    if serve:
        for label, metric in (
            ("Slack ack p99 (serve, c=10)", lambda o: h.pct(o.acks, 99)),
            ("Slack event→card p50 (serve, c=10)", lambda o: h.pct(o.card_times, 50)),
        ):
            values = [metric(serve[s]) for s in sizes]
            lines.append(f"| {label} | " + " | ".join(h.ms(v) for v in values) + f" | {values[-1] / values[0]:.1f} |")
        lost = sum(o.lost for o in serve.values())
        dup = sum(o.duplicated for o in serve.values())
        cards = f"; serve runs: {sum(o.carded for o in serve.values())} cards, {lost} lost, {dup} duplicated"
    else:
        cards = ""
    items = ", ".join(f"{s:,}: {a:,} all time / {w:,} in 7 days" for s, (a, w) in digest_items.items())
    seeding = ", ".join(f"{s:,} in {t:.1f} s" for s, t in seed_seconds.items())
    return (
        "Cells: p50 (p95). The last column is how many times slower the p50 is at the largest size.\n\n"
        + "\n".join(lines)
        + f"\n\n- Digest items at each size: {items}{cards}.\n"
        f"- Seeding (conversations added per step): {seeding}.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000", help="stored conversations, increasing, comma-separated")
    parser.add_argument("--reps", type=int, default=30, help="timed calls per operation (retrieval and dedupe: ×5)")
    parser.add_argument("--no-serve", action="store_true", help="skip the `ai-advisor serve` measurement")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = parser.parse_args()
    sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    results: dict[int, dict[str, list[float]]] = {}
    serve: dict[int, h.Outcome] = {}
    digest_items: dict[int, tuple[int, int]] = {}
    seed_seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(advisor_data_dir=Path(tmp)))
        advisor = services.advisor
        templates = []
        for text in h.FULL_TEXTS:
            rec, intake, _ = advisor.assess(text)
            templates.append(Template(text, intake, rec))
        seeded = 0
        for size in sizes:
            # Conversations made at the previous size (timed calls, serve runs) count towards this one.
            count = services.store.db.execute("select count(*) from conversations").fetchone()[0]
            start = time.perf_counter()
            seed(services.store, templates, seeded, seeded + max(0, size - count))
            seed_seconds[size] = time.perf_counter() - start
            seeded += max(0, size - count)
            print(f"{size:,} stored conversations (seeded in {seed_seconds[size]:.1f} s)", flush=True)
            totals = [
                build_digest(
                    services.store, platform="slack", team=TEAM, period=parse_period(p), can_see=lambda _c: True
                ).total
                for p in ("all", "7d")
            ]
            digest_items[size] = (totals[0], totals[1])
            results[size] = measure_size(services, size, seeded, args.reps)
            if not args.no_serve:
                serve[size] = measure_serve(Path(tmp))
    body = (
        h.header(started, time.perf_counter() - t0) + "\n" + report(sizes, results, serve, digest_items, seed_seconds)
    )
    print(body)
    if args.write:
        h.write_section("bench_scaling.py", TITLE, body)


if __name__ == "__main__":
    main()
