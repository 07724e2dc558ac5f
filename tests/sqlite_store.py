"""The SQLite side of a store, for tests that look into its tables directly (the store also runs on PostgreSQL)."""

from __future__ import annotations

import sqlite_utils

from bot.storage.store import Store


def sqlite_db(store: Store) -> sqlite_utils.Database:
    """`store`'s database, which these tests open on SQLite."""
    assert isinstance(store.db, sqlite_utils.Database), "this test needs the SQLite store"
    return store.db
