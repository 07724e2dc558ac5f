"""A card's citations and the case studies, kept in the knowledge index's database across processes.

A card's citations depend on its queries (the approach, the leaning steps, the gates: not the user's words), on the
knowledge files and on the code that retrieves them. A one-shot process (`ai-advisor assess`) looks them up here by
all three and loads the search machinery (and sqlite-utils, under the index) only on a miss, when it asks the index
and keeps the answer. A key holds a fingerprint of every knowledge file and every file of the `bot` package (path,
size, modification time), so an edited passage or a changed ranking rule is a miss, never a stale citation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bot.advisor.engine import Citation, Recommendation
from bot.advisor.intake import Intake
from bot.knowledge import evidence
from bot.knowledge.evidence import CaseFile

if TYPE_CHECKING:
    from bot.knowledge.query import KnowledgeIndex

log = logging.getLogger(__name__)

TABLE = "evidence_cache"
_CODE = Path(__file__).resolve().parents[1]  # the `bot` package


def fingerprint(paths: Iterable[Path]) -> str:
    """A digest of every file under `paths` (relative name, size, modification time; bytecode caches left out),
    following links to directories as the index does, and of the Python and SQLite versions that rank them."""
    digest = hashlib.sha256(f"{sys.version}\0{sqlite3.sqlite_version}\n".encode())
    for root in paths:
        digest.update(f"\0root {root}\n".encode())
        seen: set[str] = set()
        for folder, dirs, names in os.walk(root, followlinks=True):
            real = os.path.realpath(folder)
            if real in seen:  # a link back up the tree: walked once
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:  # removed while walking, or a broken link: a different fingerprint either way
                    digest.update(f"{os.path.relpath(path, root)}\0missing\n".encode())
                    continue
                digest.update(f"{os.path.relpath(path, root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class CachedEvidence:
    """`enrich` for one-shot processes: the index's citations and case studies, asked once per key and kept in
    the index's database (table `evidence_cache`); `open_index` gives the live index for a miss."""

    def __init__(self, path: Path | str, roots: Sequence[Path], open_index: Callable[[], KnowledgeIndex]) -> None:
        self.path = Path(path)
        self.roots = [Path(r) for r in roots]
        self._open_index = open_index
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._prefix: str | None = None
        self._index: KnowledgeIndex | None = None
        self._warned = False

    def enrich(self, rec: Recommendation, intake: Intake) -> Recommendation:
        """`rec` with citations and the matching case study: the same as the index's `enrich`."""
        out = evidence.enrich(rec, intake, self)
        self._warn_once()
        return out

    def case_files(self) -> dict[str, CaseFile]:
        """Case studies (files with `case:` in their front matter), by case key."""
        found = self._get("cases", lambda: [asdict(c) for c in self._live().case_files().values()])
        return {c["key"]: CaseFile(**c) for c in found}

    def citations(
        self, queries: Sequence[str], skip: frozenset[str], regimes_out: frozenset[str] = frozenset()
    ) -> list[Citation]:
        """The index's citations for `queries` (see `KnowledgeIndex.citations`)."""
        key = json.dumps([list(queries), sorted(skip), sorted(regimes_out)], ensure_ascii=False)
        found = self._get(
            f"citations {key}",
            lambda: [c.model_dump() for c in self._live().citations(queries, skip, regimes_out)],
        )
        return [Citation(**c) for c in found]

    def close(self) -> None:
        """Close the database connection (opened on first use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _live(self) -> KnowledgeIndex:
        # On a miss: the index, opened (and refreshed) once; the files it could not index are kept with the
        # answers, for a later process to warn about as the index itself does when it refreshes.
        if self._index is None:
            self._index = self._open_index()
            problems = sorted(self._index.last_report.errors.items()) if self._index.last_report else []
            self._write(self._key_prefix() + "problems", json.dumps(problems, ensure_ascii=False))
        return self._index

    def _warn_once(self) -> None:
        if self._warned:
            return
        self._warned = True
        if self._index is not None:
            return  # the index warned when it was opened
        with self._lock:
            kept = self._read(self._key_prefix() + "problems")
        for source, error in json.loads(kept) if kept else []:
            log.warning("knowledge file %s: %s", source, error)  # the index's words, as when it refreshes

    def _get(self, what: str, compute: Callable[[], list[dict[str, str]]]) -> list[dict[str, str]]:
        with self._lock:
            key = self._key_prefix() + what
            row = self._read(key)
            if row is not None:
                return list(json.loads(row))
            value = compute()
            self._write(key, json.dumps(value, ensure_ascii=False))
            return value

    def _key_prefix(self) -> str:
        if self._prefix is None:  # once per process: the files do not change under one command
            self._prefix = fingerprint([_CODE, *self.roots]) + " "
        return self._prefix

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            try:
                conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            except sqlite3.Error:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _read(self, key: str) -> str | None:
        try:
            rows = self._db().execute(f"SELECT value FROM {TABLE} WHERE key = ?", [key]).fetchall()
        except (sqlite3.Error, OSError) as exc:  # unreadable: ask the index, which says what is wrong with the file
            log.info("evidence cache unreadable: %s", exc)
            return None
        return str(rows[0][0]) if rows else None

    def _write(self, key: str, value: str) -> None:
        prefix = self._key_prefix()
        try:
            with self._db() as db:  # one transaction: entries of older files or code go as the new one comes
                db.execute("BEGIN IMMEDIATE")
                db.execute(f"DELETE FROM {TABLE} WHERE substr(key, 1, ?) != ?", [len(prefix), prefix])
                db.execute(f"INSERT OR REPLACE INTO {TABLE} (key, value) VALUES (?, ?)", [key, value])
        except (sqlite3.Error, OSError) as exc:  # e.g. a read-only data directory: the answer stands, uncached
            log.info("evidence cache not written: %s", exc)
