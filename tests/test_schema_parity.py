"""The two engines' schemas are the same after migration: every table's columns (in order, with their types mapped
between the engines, nullability, defaults and which generate ids), primary keys, foreign keys and indexes (name,
columns in order, uniqueness). SQLite is read with PRAGMAs, PostgreSQL with its catalogs. The schema is written twice
(sqlite-utils calls and PG_MIGRATIONS' DDL in bot/storage/migrations.py); this is what keeps the two in step."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.storage.store import Store

pytestmark = pytest.mark.slow  # every test here needs the PostgreSQL cluster (processes); psycopg loads only then

# Declared types as sqlite-utils writes them → PostgreSQL's, both → one name.
SQLITE_TYPES = {"TEXT": "text", "INTEGER": "integer", "FLOAT": "real", "REAL": "real"}
PG_TYPES = {"text": "text", "integer": "integer", "bigint": "integer", "double precision": "real"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    generated: bool  # the database makes its values (SQLite's INTEGER PRIMARY KEY, PostgreSQL's identity)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: frozenset[tuple[str, str, str]]  # (column, table, column)
    indexes: frozenset[tuple[str, tuple[str, ...], bool]]  # (name, columns, unique); the primary key's left out


def _default(value: Any) -> str | None:
    """A column default as written, without PostgreSQL's cast (`'intake'::text`) and with numbers as numbers."""
    if value is None:
        return None
    text = str(value).split("::")[0].strip()
    try:
        return repr(float(text))
    except ValueError:
        return text


def sqlite_schema(path: Path) -> dict[str, Table]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
        return {name: _sqlite_table(conn, name) for name in names if not name.startswith("sqlite_")}
    finally:
        conn.close()


def _sqlite_table(conn: sqlite3.Connection, name: str) -> Table:
    info = list(conn.execute(f"pragma table_info([{name}])"))  # cid, name, type, notnull, dflt_value, pk
    primary_key = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    rowid_alias = len(primary_key) == 1 and any(r[1] == primary_key[0] and r[2].upper() == "INTEGER" for r in info)
    columns = tuple(
        Column(
            name=r[1],
            type=SQLITE_TYPES.get(r[2].upper(), r[2]),
            not_null=bool(r[3]) and r[1] not in primary_key,  # a key column is never null on either engine
            default=_default(r[4]),
            generated=rowid_alias and r[1] == primary_key[0],
        )
        for r in info
    )
    foreign_keys = frozenset((r[3], r[2], r[4]) for r in conn.execute(f"pragma foreign_key_list([{name}])"))
    indexes = set()
    for _, index, unique, origin, _ in conn.execute(f"pragma index_list([{name}])"):
        if origin == "pk":
            continue
        cols = tuple(r[2] for r in sorted(conn.execute(f"pragma index_info([{index}])")))
        indexes.add((index, cols, bool(unique)))
    return Table(columns, primary_key, foreign_keys, frozenset(indexes))


def pg_schema(url: str) -> dict[str, Table]:
    with psycopg.connect(url) as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = current_schema() "
                "and table_type = 'BASE TABLE' order by 1"
            )
        ]
        return {name: _pg_table(conn, name) for name in names}


def _pg_table(conn: psycopg.Connection[Any], name: str) -> Table:
    primary_key = tuple(
        str(r[0])
        for r in conn.execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
            "and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisprimary "
            "order by array_position(i.indkey, a.attnum)",
            [name],
        )
    )
    columns = tuple(
        Column(
            name=str(r[0]),
            type=PG_TYPES.get(str(r[1]), str(r[1])),
            not_null=r[2] == "NO" and r[0] not in primary_key,
            default=_default(r[3]),
            generated=r[4] == "YES",
        )
        for r in conn.execute(
            "select column_name, data_type, is_nullable, column_default, is_identity from information_schema.columns "
            "where table_schema = current_schema() and table_name = %s order by ordinal_position",
            [name],
        )
    )
    foreign_keys = frozenset(
        (str(r[0]), str(r[1]), str(r[2]))
        for r in conn.execute(
            "select a.attname, c.confrelid::regclass::text, b.attname from pg_constraint c "
            "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
            "join pg_attribute b on b.attrelid = c.confrelid and b.attnum = c.confkey[1] "
            "where c.conrelid = %s::regclass and c.contype = 'f'",
            [name],
        )
    )
    indexes = frozenset(
        (str(r[0]), tuple(str(c) for c in r[1]), bool(r[2]))
        for r in conn.execute(
            "select ic.relname, array(select a.attname from unnest(i.indkey) with ordinality k(attnum, n) "
            "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n), i.indisunique "
            "from pg_index i join pg_class ic on ic.oid = i.indexrelid "
            "where i.indrelid = %s::regclass and not i.indisprimary",
            [name],
        )
    )
    return Table(columns, primary_key, foreign_keys, indexes)


def differences(lite: dict[str, Table], pg: dict[str, Table]) -> list[str]:
    """What differs between the two schemas, one line each (empty: the same)."""
    out = [f"table {t!r} only on SQLite" for t in sorted(set(lite) - set(pg))]
    out += [f"table {t!r} only on PostgreSQL" for t in sorted(set(pg) - set(lite))]
    for name in sorted(set(lite) & set(pg)):
        a, b = lite[name], pg[name]
        for field in ("columns", "primary_key", "foreign_keys", "indexes"):
            x, y = getattr(a, field), getattr(b, field)
            if x != y:
                only_a = [v for v in x if v not in y]
                only_b = [v for v in y if v not in x]
                out.append(f"{name}.{field}: SQLite has {only_a or x}, PostgreSQL has {only_b or y}")
    return out


@pytest.fixture
def migrated(tmp_path: Path, pg_url: str) -> Iterator[tuple[Path, str]]:
    """A SQLite file and a PostgreSQL database, each migrated by the store."""
    path = tmp_path / "advisor.db"
    for store in (Store(path), Store(pg_url)):
        store.close()
    yield path, pg_url


def test_both_engines_have_the_same_schema_after_migration(migrated: tuple[Path, str]) -> None:
    path, url = migrated
    lite, pg = sqlite_schema(path), pg_schema(url)
    assert "outbox" in lite and lite["outbox"].indexes  # the introspection reads something
    assert differences(lite, pg) == []


def test_a_column_added_on_one_engine_only_is_a_difference(migrated: tuple[Path, str]) -> None:
    path, url = migrated
    with sqlite3.connect(path) as conn:
        conn.execute("alter table turns add column tokens integer")
    found = differences(sqlite_schema(path), pg_schema(url))
    assert len(found) == 1 and found[0].startswith("turns.columns") and "tokens" in found[0]


def test_an_index_or_type_changed_on_one_engine_only_is_a_difference(migrated: tuple[Path, str]) -> None:
    path, url = migrated
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create index idx_turns_role on turns (role)")
        conn.execute("alter table cards alter column ts type bigint using null")
    try:
        found = differences(sqlite_schema(path), pg_schema(url))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:  # the session's database is shared by later tests
            conn.execute("drop index idx_turns_role")
            conn.execute("alter table cards alter column ts type text")
    assert [line.split(":")[0] for line in found] == ["cards.columns", "turns.indexes"]
