"""Named, ordered schema migrations, recorded in the `_migrations` table (applied once each).

SQLite's are sqlite-utils calls; PostgreSQL's (`PG_MIGRATIONS`) are the same schema in DDL, under the same names and
in the same order, so `_migrations` reads alike on both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.storage.sqlite import Database, is_postgres, sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; its function name is its permanent name."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_conversations(db: sqlite_utils.Database) -> None:
    db.table("conversations").create(
        {
            "id": str,
            "key": str,
            "platform": str,
            "team": str,
            "channel": str,
            "thread": str,
            "user": str,
            "state": str,
            "asked": str,
            "asked_steps": str,
            "expecting": str,
            "rounds": int,
            "turns": int,
            "version": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"key", "state"},
        defaults={
            "state": "intake",
            "asked": "[]",
            "asked_steps": "[]",
            "expecting": "[]",
            "rounds": 0,
            "turns": 0,
            "version": 0,
        },
    )
    db.table("conversations").create_index(["key"], unique=True)
    db.table("conversations").create_index(["user", "updated_at"])
    db.table("turns").create(
        {"id": int, "conversation_id": str, "n": int, "role": str, "text": str, "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("turns").create_index(["conversation_id", "n"])
    db.table("intake_versions").create(
        {
            "id": int,
            "conversation_id": str,
            "version": int,
            "values": str,
            "provenance": str,
            "reason": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("intake_versions").create_index(["conversation_id", "version"], unique=True)
    db.table("recommendations").create(
        {
            "id": int,
            "conversation_id": str,
            "intake_version": int,
            "approach": str,
            "confidence": float,
            "payload": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("recommendations").create_index(["conversation_id", "id"])


@migration
def m002_processed_events(db: sqlite_utils.Database) -> None:
    db.table("processed_events").create({"key": str, "created_at": str}, pk="key")


@migration
def m003_feedback(db: sqlite_utils.Database) -> None:
    db.table("feedback").create(
        {"id": int, "conversation_id": str, "recommendation_id": int, "user": str, "value": str, "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("feedback").create_index(["conversation_id", "user"])


@migration
def m004_cards(db: sqlite_utils.Database) -> None:
    # Where a conversation's latest recommendation card was posted, so it can be updated in place.
    db.table("cards").create(
        {"conversation_id": str, "channel": str, "ts": str, "updated_at": str}, pk="conversation_id"
    )


@migration
def m005_decisions_and_audit(db: sqlite_utils.Database) -> None:
    # A lead's current decision per conversation, and every change to it (who, when, what, previous value).
    db.table("decisions").create(
        {"conversation_id": str, "status": str, "note": str, "user": str, "updated_at": str},
        pk="conversation_id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("audit").create(
        {
            "id": int,
            "conversation_id": str,
            "user": str,
            "action": str,
            "previous": str,
            "value": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
    )
    db.table("audit").create_index(["conversation_id", "id"])
    db.table("conversations").create_index(["platform", "team", "created_at"])
    # Anonymised counts kept by `purge` (approach by month) when transcripts are deleted.
    db.table("purged_counts").create({"month": str, "approach": str, "count": int}, pk=("month", "approach"))


@migration
def m006_llm_calls(db: sqlite_utils.Database) -> None:
    # Model calls and estimated tokens per UTC day, so the daily budget holds across restarts.
    db.table("llm_calls").create(
        {"day": str, "calls": int, "tokens": int}, pk="day", defaults={"calls": 0, "tokens": 0}
    )


@migration
def m007_outbox(db: sqlite_utils.Database) -> None:
    # Messages waiting to be posted (or updated) on a platform, queued in the same transaction as the turn that
    # produced them. `uid` tags the posted message so a retry can see whether an earlier attempt got through;
    # `unsure` says an earlier attempt may have been accepted (timeout, 5xx, process killed while sending).
    db.table("outbox").create(
        {
            "id": int,
            "uid": str,
            "conversation_id": str,
            "channel": str,
            "thread_ts": str,
            "op": str,
            "kind": str,
            "target_ts": str,
            "message": str,
            "state": str,
            "attempts": int,
            "unsure": int,
            "next_attempt_at": float,
            "ts": str,
            "error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"uid", "channel", "op", "kind", "message", "state"},
        defaults={"state": "pending", "attempts": 0, "unsure": 0, "next_attempt_at": 0.0},
    )
    db.table("outbox").create_index(["uid"], unique=True)
    db.table("outbox").create_index(["state", "next_attempt_at"])
    db.table("outbox").create_index(["channel", "thread_ts", "id"])


@migration
def m008_inbox(db: sqlite_utils.Database) -> None:
    # User turns received but not yet answered, written before the platform is acknowledged. `snapshot` holds the
    # conversation as it was when answering started, so a turn interrupted part-way is undone and answered again.
    db.table("inbox").create(
        {
            "id": int,
            "conversation_key": str,
            "kind": str,
            "payload": str,
            "state": str,
            "snapshot": str,
            "attempts": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"conversation_key", "kind", "payload", "state"},
        defaults={"state": "pending", "attempts": 0},
    )
    db.table("inbox").create_index(["conversation_key", "id"])


@migration
def m009_feedback_reason(db: sqlite_utils.Database) -> None:
    # The optional reason a user gives with a 👎 (or 👍), kept on their one vote.
    db.table("feedback").add_column("reason", str, not_null_default="")


@migration
def sec_outbox_posted_index(db: sqlite_utils.Database) -> None:
    # A click names the message it was on: find that message (and its latest update) by where it was posted.
    db.table("outbox").create_index(["channel", "ts"], if_not_exists=True)
    db.table("outbox").create_index(["channel", "target_ts"], if_not_exists=True)


@migration
def sec_decision_version(db: sqlite_utils.Database) -> None:
    # The intake version a lead's decision was made on: once the facts change, the decision needs re-review.
    db.table("decisions").add_column("intake_version", int)


@migration
def perf_conversation_approach(db: sqlite_utils.Database) -> None:
    # The approach of the conversation's latest recommendation (NULL while in intake), kept with the conversation
    # so a digest counts and pages through one covering index instead of looking up each conversation's latest
    # recommendation (Store.save_recommendation sets it in the same transaction).
    db.table("conversations").add_column("approach", str)
    db.execute(
        "update conversations set approach = (select r.approach from recommendations r where r.id = "
        "(select max(id) from recommendations where conversation_id = conversations.id))"
    )
    # Covering for the digest's counts and pages, all time or from a date (`created_at` ranges).
    db.table("conversations").create_index(["platform", "team", "created_at", "approach", "channel"])


@migration
def rep_outbox_claimed_by(db: sqlite_utils.Database) -> None:
    # Which process is sending a message (PostgreSQL: a replica's id; its liveness is an advisory lock it holds), so
    # another replica can take over the sends of one that died without touching those of one still sending.
    db.table("outbox").add_column("claimed_by", int)


@migration
def slack_assistant_threads(db: sqlite_utils.Database) -> None:
    # Slack assistant-panel threads: which DM threads are assistant threads, the channel the user was looking at
    # (assistant_thread_context_changed) and whether the thread was named after its use case yet.
    db.table("assistant_threads").create(
        {
            "channel": str,
            "thread_ts": str,
            "team": str,
            "user": str,
            "context": str,
            "title": str,
            "created_at": str,
            "updated_at": str,
        },
        pk=("channel", "thread_ts"),
        not_null={"channel", "thread_ts", "context"},
        defaults={"context": "{}", "title": ""},
    )


@migration
def slack_outbox_stream(db: sqlite_utils.Database) -> None:
    # A reply streamed into Slack (chat.startStream): the streamed message's ts, written as soon as the stream
    # starts, so a retry after a stream broke off finishes that message instead of posting a second copy.
    db.table("outbox").add_column("stream_ts", str)


@migration
def oauth_installations(db: sqlite_utils.Database) -> None:
    # OAuth mode (many workspaces, Enterprise Grid orgs): each install or token refresh is a row, the newest wins;
    # ids Slack leaves out are "". The `state`s of install links in flight, each usable once.
    db.table("app_installations").create(
        {
            "id": int,
            "client_id": str,
            "enterprise_id": str,
            "team_id": str,
            "user_id": str,
            "is_enterprise_install": int,
            "data": str,
            "installed_at": str,
        },
        pk="id",
        not_null={"client_id", "enterprise_id", "team_id", "user_id", "data"},
    )
    db.table("app_installations").create_index(["client_id", "enterprise_id", "team_id", "id"])
    db.table("oauth_states").create({"state": str, "expires_at": float}, pk="state", not_null={"expires_at"})


@migration
def oauth_outbox_workspace(db: sqlite_utils.Database) -> None:
    # The workspace (and Enterprise Grid org) an outgoing message belongs to: the sender looks up that installation's
    # bot token when it posts (tokens are never stored in the outbox).
    db.table("outbox").add_column("team_id", str)
    db.table("outbox").add_column("enterprise_id", str)


@migration
def shared_links(db: sqlite_utils.Database) -> None:
    # Unguessable, expiring links to files the bot serves itself (Teams: the card's cost chart, an exported decision
    # record). Only a hash of the token is stored: the database alone can't be turned into working links.
    db.table("shared_links").create(
        {
            "token_hash": str,
            "kind": str,
            "conversation_id": str,
            "payload": str,
            "created_at": str,
            "expires_at": str,
        },
        pk="token_hash",
        not_null={"token_hash", "kind", "payload", "expires_at"},
    )
    db.table("shared_links").create_index(["expires_at"])
    db.table("shared_links").create_index(["conversation_id"])


@migration
def outbox_platform(db: sqlite_utils.Database) -> None:
    # Which platform's sender delivers an outgoing message: Slack's and Teams' servers may share one database, and
    # each delivers (and, after a crash, recovers) only its own rows. Rows queued before this are Slack's.
    db.table("outbox").add_column("platform", str, not_null_default="slack")


# The same schema for PostgreSQL. Ids the database generates are identity columns; text stays text (timestamps are
# ISO 8601 strings on both engines, compared as text).
_ID = "id bigint generated by default as identity primary key"
PG_MIGRATIONS: dict[str, list[str]] = {
    "m001_conversations": [
        """create table conversations (id text primary key, key text not null, platform text, team text,
        channel text, thread text, "user" text, state text not null default 'intake', asked text default '[]',
        asked_steps text default '[]', expecting text default '[]', rounds integer default 0,
        turns integer default 0, version integer default 0, created_at text, updated_at text)""",
        "create unique index idx_conversations_key on conversations (key)",
        'create index idx_conversations_user_updated_at on conversations ("user", updated_at)',
        f"""create table turns ({_ID}, conversation_id text references conversations (id), n integer, role text,
        text text, created_at text)""",
        "create index idx_turns_conversation_id_n on turns (conversation_id, n)",
        f"""create table intake_versions ({_ID}, conversation_id text references conversations (id),
        version integer, "values" text, provenance text, reason text, created_at text)""",
        "create unique index idx_intake_versions_conversation_id_version on intake_versions (conversation_id, version)",
        f"""create table recommendations ({_ID}, conversation_id text references conversations (id),
        intake_version integer, approach text, confidence double precision, payload text, created_at text)""",
        "create index idx_recommendations_conversation_id_id on recommendations (conversation_id, id)",
    ],
    "m002_processed_events": ["create table processed_events (key text primary key, created_at text)"],
    "m003_feedback": [
        f"""create table feedback ({_ID}, conversation_id text references conversations (id),
        recommendation_id bigint, "user" text, value text, created_at text)""",
        'create index idx_feedback_conversation_id_user on feedback (conversation_id, "user")',
    ],
    "m004_cards": [
        "create table cards (conversation_id text primary key, channel text, ts text, updated_at text)",
    ],
    "m005_decisions_and_audit": [
        """create table decisions (conversation_id text primary key references conversations (id), status text,
        note text, "user" text, updated_at text)""",
        f"""create table audit ({_ID}, conversation_id text, "user" text, action text, previous text, value text,
        note text, created_at text)""",
        "create index idx_audit_conversation_id_id on audit (conversation_id, id)",
        "create index idx_conversations_platform_team_created_at on conversations (platform, team, created_at)",
        "create table purged_counts (month text, approach text, count integer, primary key (month, approach))",
    ],
    "m006_llm_calls": [
        "create table llm_calls (day text primary key, calls integer default 0, tokens bigint default 0)",
    ],
    "m007_outbox": [
        f"""create table outbox ({_ID}, uid text not null, conversation_id text, channel text not null,
        thread_ts text, op text not null, kind text not null, target_ts text, message text not null,
        state text not null default 'pending', attempts integer default 0, unsure integer default 0,
        next_attempt_at double precision default 0.0, ts text, error text, created_at text, sent_at text)""",
        "create unique index idx_outbox_uid on outbox (uid)",
        "create index idx_outbox_state_next_attempt_at on outbox (state, next_attempt_at)",
        "create index idx_outbox_channel_thread_ts_id on outbox (channel, thread_ts, id)",
    ],
    "m008_inbox": [
        f"""create table inbox ({_ID}, conversation_key text not null, kind text not null, payload text not null,
        state text not null default 'pending', snapshot text, attempts integer default 0, created_at text,
        updated_at text)""",
        "create index idx_inbox_conversation_key_id on inbox (conversation_key, id)",
    ],
    "m009_feedback_reason": ["alter table feedback add column reason text not null default ''"],
    "sec_outbox_posted_index": [
        "create index if not exists idx_outbox_channel_ts on outbox (channel, ts)",
        "create index if not exists idx_outbox_channel_target_ts on outbox (channel, target_ts)",
    ],
    "sec_decision_version": ["alter table decisions add column intake_version integer"],
    "perf_conversation_approach": [
        "alter table conversations add column approach text",
        """update conversations set approach = (select r.approach from recommendations r where r.id =
        (select max(id) from recommendations where conversation_id = conversations.id))""",
        """create index idx_conversations_platform_team_created_at_approach_channel
        on conversations (platform, team, created_at, approach, channel)""",
    ],
    "rep_outbox_claimed_by": ["alter table outbox add column claimed_by bigint"],
    "slack_assistant_threads": [
        """create table assistant_threads (channel text not null, thread_ts text not null, team text, "user" text,
        context text not null default '{}', title text default '', created_at text, updated_at text,
        primary key (channel, thread_ts))""",
    ],
    "slack_outbox_stream": ["alter table outbox add column stream_ts text"],
    "oauth_installations": [
        f"""create table app_installations ({_ID}, client_id text not null, enterprise_id text not null,
        team_id text not null, user_id text not null, is_enterprise_install integer, data text not null,
        installed_at text)""",
        "create index idx_app_installations_client_id_enterprise_id_team_id_id on app_installations "
        "(client_id, enterprise_id, team_id, id)",
        "create table oauth_states (state text primary key, expires_at double precision not null)",
    ],
    "oauth_outbox_workspace": [
        "alter table outbox add column team_id text",
        "alter table outbox add column enterprise_id text",
    ],
    "shared_links": [
        """create table shared_links (token_hash text primary key, kind text not null, conversation_id text,
        payload text not null, created_at text, expires_at text not null)""",
        "create index idx_shared_links_expires_at on shared_links (expires_at)",
        "create index idx_shared_links_conversation_id on shared_links (conversation_id)",
    ],
    "outbox_platform": ["alter table outbox add column platform text not null default 'slack'"],
}


def migration_names() -> list[str]:
    """Every migration's name, in order (the same on both engines)."""
    return [name for name, _ in MIGRATIONS]


def migrate(db: Database) -> list[str]:
    """Apply pending migrations in order; return the names applied now."""
    if is_postgres(db):
        return _migrate_postgres(db)
    assert isinstance(db, sqlite_utils.Database)
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            fn(db)
            db.table("_migrations").insert({"name": name, "applied_at": dt.datetime.now(dt.UTC).isoformat()})
        applied.append(name)
    return applied


def _migrate_postgres(db: Database) -> list[str]:
    """As `migrate`, in one transaction under an advisory lock, so replicas starting together migrate once."""
    from bot.storage.postgres import LOCK_MIGRATIONS

    applied: list[str] = []
    db.execute("BEGIN")
    try:
        db.execute("select pg_advisory_xact_lock(?)", [LOCK_MIGRATIONS])
        db.execute("create table if not exists _migrations (name text primary key, applied_at text)")
        done = {str(row[0]) for row in db.execute("select name from _migrations")}
        for name, _ in MIGRATIONS:
            if name in done:
                continue
            for statement in PG_MIGRATIONS[name]:
                db.execute(statement)
            db.execute(
                "insert into _migrations (name, applied_at) values (?, ?)", [name, dt.datetime.now(dt.UTC).isoformat()]
            )
            applied.append(name)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return applied
