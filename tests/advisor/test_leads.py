"""The leads' core: summaries, digests, decisions with audit, access rules, export and purge."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest

from bot.errors import InputError, NotFoundError, PermissionDeniedError
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from bot.workflows.digest import build_digest, export_rows, export_text, parse_period
from bot.workflows.interaction import TtlCache
from bot.workflows.leads import Leads, retention_cutoff
from bot.workflows.summary import build_summary, summary_text

FINE_TUNE = (
    "Payments: we classify 10M merchant descriptors a month, 300k clean labeled examples, an ML team of 7, "
    "the code list is stable, budget $2M, no hard deadline, not regulated."
)
PROMPT = "A support assistant drafting replies; no labeled data, no ML engineers, ship in 3 weeks."


def key(channel: str, thread: str, team: str = "T1") -> ConversationKey:
    return ConversationKey("slack", team, channel, thread)


@pytest.fixture
def fresh_store(migrated_database: str) -> Iterator[Store]:
    """The leads' data on each engine (overrides the in-memory store of tests/conftest.py)."""
    store = Store(migrated_database)
    yield store
    store.close()


@pytest.fixture
def leads(fresh_store: Store) -> Leads:
    return Leads(fresh_store, lead_ids={"ULEAD"}, group_members=lambda: {"UGROUP"})


def everyone(channel: str) -> bool:
    return True


def test_summary_groups_stored_facts_by_step_and_names_what_is_unknown(advisor: Advisor) -> None:
    reply = advisor.handle(key("C1", "1.1"), "UREQ", FINE_TUNE)
    summary = build_summary(advisor.store, reply.conversation_id)
    assert summary.approach == "fine_tuning" and summary.requester == "UREQ"
    data = {s.step: s for s in summary.steps}
    assert "Labeled examples: 300,000" in data[2].said
    assert "Requests per month: 10,000,000" in data[3].said
    assert "Sensitive data" in data[6].unknown
    assert summary.tco_headline and "3-year cost" in summary.tco_headline
    assert summary.crossover is not None and summary.status == "Awaiting decision"
    assert summary.wording == "offline" and summary.templates == {}
    text = summary_text(summary)
    assert "Fine-tuning" in text and "2. Data availability and quality" in text and "Status: Awaiting decision" in text


@pytest.mark.slow
def test_summary_of_an_intake_in_progress_lists_the_open_questions(advisor: Advisor) -> None:
    reply = advisor.handle(key("C1", "1.2"), "UREQ", "We want an assistant for our support team")
    summary = build_summary(advisor.store, reply.conversation_id)
    assert summary.approach is None and summary.status == "Intake in progress"
    assert summary.open_questions and all(q.endswith("?") for q in summary.open_questions)
    assert "No recommendation yet" in summary.prose


def test_summary_of_an_unknown_id_is_not_found(fresh_store: Store) -> None:
    with pytest.raises(NotFoundError):
        build_summary(fresh_store, "nope")


def test_leads_are_configured_ids_or_group_members(leads: Leads) -> None:
    assert leads.is_lead("ULEAD") and leads.is_lead("UGROUP")
    assert not leads.is_lead("UREQ")


def test_a_decision_is_audited_with_its_previous_value(advisor: Advisor, leads: Leads) -> None:
    cid = advisor.handle(key("C1", "2.1"), "UREQ", FINE_TUNE).conversation_id
    leads.decide(cid, "ULEAD", "needs_info", "  which   labels? ", platform="slack", team="T1")
    leads.decide(cid, "UGROUP", "approved", platform="slack", team="T1")
    audit = advisor.store.audit(cid)
    assert [(a["user"], a["previous"], a["value"]) for a in audit] == [
        ("ULEAD", None, "needs_info"),
        ("UGROUP", "needs_info", "approved"),
    ]
    assert audit[0]["note"] == "which labels?"
    summary = build_summary(advisor.store, cid)
    assert summary.decision and summary.decision.label == "Approved" and summary.status == "Approved"


@pytest.mark.parametrize(
    ("user", "status", "team", "error"),
    [
        ("UREQ", "approved", "T1", PermissionDeniedError),  # not a lead
        ("ULEAD", "shipped", "T1", InputError),  # not a status
        ("ULEAD", "approved", "T2", PermissionDeniedError),  # another workspace's conversation
    ],
)
def test_refused_decisions_change_nothing(
    advisor: Advisor, leads: Leads, user: str, status: str, team: str, error: type[Exception]
) -> None:
    cid = advisor.handle(key("C1", "2.2"), "UREQ", FINE_TUNE).conversation_id
    with pytest.raises(error):
        leads.decide(cid, user, status, platform="slack", team=team)
    assert advisor.store.decision(cid) is None and advisor.store.audit(cid) == []


@pytest.mark.slow
def test_decisions_need_a_recommendation_a_known_id_and_a_short_note(advisor: Advisor, leads: Leads) -> None:
    thin = advisor.handle(key("C1", "2.3"), "UREQ", "We want an assistant").conversation_id
    with pytest.raises(InputError, match="no recommendation"):
        leads.decide(thin, "ULEAD", "approved", platform="slack", team="T1")
    with pytest.raises(NotFoundError):
        leads.decide("forged", "ULEAD", "approved", platform="slack", team="T1")
    cid = advisor.handle(key("C1", "2.4"), "UREQ", FINE_TUNE).conversation_id
    with pytest.raises(InputError, match="at most"):
        leads.decide(cid, "ULEAD", "approved", "x" * 501, platform="slack", team="T1")
    assert advisor.store.audit(cid) == [] and advisor.store.audit(thin) == []


@pytest.mark.slow
def test_digest_groups_visible_assessments_by_approach(advisor: Advisor, leads: Leads) -> None:
    ft = advisor.handle(key("CPUB", "3.1"), "U1", FINE_TUNE).conversation_id
    advisor.handle(key("CPUB", "3.2"), "U2", PROMPT)
    advisor.handle(key("CPUB", "3.3"), "U3", "We want an assistant")  # still in intake
    advisor.handle(key("GPRIV", "3.4"), "U4", FINE_TUNE)  # a private channel the lead is not in
    advisor.store.set_feedback(ft, "U1", "up")
    advisor.store.set_feedback(ft, "U2", "down", "the volume is seasonal")
    leads.decide(ft, "ULEAD", "approved", platform="slack", team="T1")
    asked: list[str] = []

    def member_of(channel: str) -> bool:
        asked.append(channel)
        return channel == "CPUB"

    digest = leads.digest("ULEAD", platform="slack", team="T1", period=parse_period("7d"), can_see=member_of)
    assert sorted(asked) == ["CPUB", "GPRIV"]  # once per distinct channel
    assert digest.total == 3 and digest.counts["fine_tuning"] == 1 and digest.counts["in_progress"] == 1
    assert digest.counts["prompt_engineering"] == 1
    item = digest.groups["fine_tuning"][0]
    assert (item.requester, item.status, item.feedback_up, item.channel) == ("U1", "Approved", 1, "CPUB")
    assert (item.feedback_down, item.feedback_reasons) == (1, ["the volume is seasonal"])
    assert item.crossover is not None
    assert [d.conversation_id for d in digest.recent_decisions] == [ft]
    assert digest.headline.startswith("3 assessments in the last 7 days")


def test_digest_is_for_leads_and_only_for_channels_they_can_see(advisor: Advisor, leads: Leads) -> None:
    advisor.handle(key("CPUB", "4.1"), "U1", FINE_TUNE)
    with pytest.raises(PermissionDeniedError, match="Only leads"):
        leads.digest("UREQ", platform="slack", team="T1", period=parse_period("all"), can_see=everyone)
    with pytest.raises(PermissionDeniedError, match="member"):
        leads.digest(
            "ULEAD",
            platform="slack",
            team="T1",
            period=parse_period("all"),
            can_see=lambda ch: ch != "GPRIV",
            channel="GPRIV",
        )
    other_team = leads.digest("ULEAD", platform="slack", team="T2", period=parse_period("all"), can_see=everyone)
    assert other_team.total == 0 and other_team.headline == "No assessments in the all time."


def test_digest_period_excludes_older_assessments(advisor: Advisor) -> None:
    cid = advisor.handle(key("C1", "5.1"), "U1", FINE_TUNE).conversation_id
    advisor.store.db.execute(
        "update conversations set created_at = '2020-01-01T00:00:00.000+00:00' where id = ?", [cid]
    )
    advisor.handle(key("C1", "5.2"), "U1", PROMPT)
    recent = build_digest(advisor.store, platform="slack", team="T1", period=parse_period("30d"), can_see=everyone)
    every = build_digest(advisor.store, platform="slack", team="T1", period=parse_period("all"), can_see=everyone)
    assert (recent.total, every.total) == (1, 2)


@pytest.mark.parametrize(("text", "days"), [("7d", 7), ("30d", 30), ("2w", 14), (" 1D ", 1), (None, 7)])
def test_periods(text: str | None, days: int) -> None:
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    period = parse_period(text, now=now)
    assert period.since == now - dt.timedelta(days=days)


@pytest.mark.parametrize("text", ["yesterday", "0d", "-3d", "99999d", "7", "7d; drop table"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_period(text)


def test_export_as_csv_and_json(advisor: Advisor, leads: Leads) -> None:
    cid = advisor.handle(key("C1", "6.1"), "U1", FINE_TUNE).conversation_id
    advisor.handle(ConversationKey("teams", "tenant", "conv", "r1"), "aad-1", PROMPT)
    leads.decide(cid, "ULEAD", "rejected", platform="slack", team="T1")
    rows = export_rows(advisor.store, period=parse_period("all"))
    assert {r["platform"] for r in rows} == {"slack", "teams"}
    parsed = list(csv.DictReader(io.StringIO(export_text(rows, "csv"))))
    slack_row = next(r for r in parsed if r["platform"] == "slack")
    assert (slack_row["approach"], slack_row["decision"], slack_row["decided_by"]) == (
        "fine_tuning",
        "rejected",
        "ULEAD",
    )
    assert json.loads(export_text(rows, "json")) == rows
    only_teams = export_rows(advisor.store, platform="teams", period=parse_period("all"))
    assert [r["approach"] for r in only_teams] == ["prompt_engineering"]


def test_purge_deletes_everything_about_old_conversations_and_keeps_counts(advisor: Advisor, leads: Leads) -> None:
    store = advisor.store
    old = advisor.handle(key("C1", "7.1"), "U1", FINE_TUNE).conversation_id
    store.set_feedback(old, "U1", "down", "too optimistic")
    leads.decide(old, "ULEAD", "approved", platform="slack", team="T1")
    store.save_card(old, "C1", "7.2")
    fresh = advisor.handle(key("C1", "7.3"), "U2", PROMPT).conversation_id
    store.db.execute(
        "update conversations set updated_at = '2020-03-01T00:00:00.000+00:00', "
        "created_at = '2020-03-01T00:00:00.000+00:00' where id = ?",
        [old],
    )
    assert store.purge(retention_cutoff(180), keep_counts=True) == 1
    for table in ("turns", "intake_versions", "recommendations", "feedback", "cards", "decisions", "audit"):
        assert store.db.execute(f"select count(*) from {table} where conversation_id = ?", [old]).fetchone()[0] == 0
    with pytest.raises(NotFoundError):
        store.get_conversation(old)
    assert store.get_conversation(fresh).id == fresh
    assert store.purged_counts() == [{"month": "2020-03", "approach": "fine_tuning", "count": 1}]
    assert store.purge(retention_cutoff(180), keep_counts=True) == 0


def test_purge_without_counts_keeps_nothing(advisor: Advisor) -> None:
    cid = advisor.handle(key("C1", "8.1"), "U1", FINE_TUNE).conversation_id
    advisor.store.db.execute("update conversations set updated_at = '2020-01-01' where id = ?", [cid])
    assert advisor.store.purge(retention_cutoff(1), keep_counts=False) == 1
    assert advisor.store.purged_counts() == []


def test_retention_must_be_positive() -> None:
    with pytest.raises(InputError):
        retention_cutoff(0)


def test_ttl_cache_expires() -> None:
    clock = [0.0]
    cache = TtlCache(10, clock=lambda: clock[0])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute) == 1 and cache.get("k", compute) == 1
    clock[0] = 11
    assert cache.get("k", compute) == 2


def test_summary_shows_feedback_reasons_and_each_summary_is_audited(advisor: Advisor, leads: Leads) -> None:
    cid = advisor.handle(key("C1", "9.1"), "UREQ", FINE_TUNE).conversation_id
    for user, reason in [
        ("U1", "ignores the labeling cost"),
        ("U2", ""),
        ("U3", "volume is seasonal"),
        ("U4", "third"),
        ("U5", "fourth"),
    ]:
        advisor.store.set_feedback(cid, user, "down", reason)
    summary = leads.summary(cid, viewer="ULEAD")
    assert summary.feedback == {"up": 0, "down": 5}
    assert summary.feedback_reasons == ["fourth", "third", "volume is seasonal"]  # newest first, at most 3
    assert '"fourth"' in summary_text(summary)
    audit = [a for a in advisor.store.audit(cid) if a["action"] == "summary"]
    assert [(a["user"], a["value"], json.loads(a["note"])) for a in audit] == [("ULEAD", "offline", {})]


def test_export_keeps_feedback_reasons_as_text_in_csv(advisor: Advisor) -> None:
    cid = advisor.handle(key("C1", "9.2"), "UREQ", FINE_TUNE).conversation_id
    advisor.store.set_feedback(cid, "U1", "down", '=HYPERLINK("http://evil")')
    rows = export_rows(advisor.store, period=parse_period("all"))
    assert rows[0]["feedback_reasons"] == '=HYPERLINK("http://evil")'
    cell = next(csv.DictReader(io.StringIO(export_text(rows, "csv"))))["feedback_reasons"]
    assert cell == '\'=HYPERLINK("http://evil")'
