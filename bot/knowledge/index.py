"""The knowledge index: markdown files chunked by section into SQLite FTS5, kept in step with the files on disk.

The index lives in its own database (`<ADVISOR_DATA_DIR>/knowledge.db`): `ensure_fresh()` re-indexes only files whose
content changed, and drops files that disappeared. Searching it is `bot.knowledge.query`.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import StorageUnavailable
from bot.knowledge.chunking import ChunkError, chunk_markdown
from bot.resources import load_yaml
from bot.storage.sqlite import locked_transaction, open_database, sqlite_utils

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SUFFIXES = (".md", ".markdown")
Stat = tuple[int, int]  # (mtime_ns, size)


@dataclass
class IndexReport:
    """What `ensure_fresh` did: files indexed, unchanged and removed, and broken files with the reason."""

    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    chunks: int = 0

    @property
    def changed(self) -> bool:
        """True when the index content changed."""
        return bool(self.indexed or self.removed)

    def keep(self, source: str, error: str | None) -> None:
        """Record an unchanged file (still broken if it was)."""
        if error:
            self.errors[source] = error
        else:
            self.unchanged.append(source)

    def summary(self) -> str:
        """One line for humans."""
        return (
            f"{len(self.indexed)} indexed, {len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.errors)} with errors; {self.chunks} passages searchable"
        )


class FtsIndex:
    """The knowledge files in SQLite: `files` (hashes), `chunks` and an FTS5 index (porter stemming)."""

    def __init__(
        self,
        path: Path | str,
        roots: Sequence[Path | str],
        *,
        stemming: bool = True,
        refresh_interval: float | None = 2.0,
    ) -> None:
        """Open (or create) the index at `path` over the markdown files under `roots`.

        `refresh_interval`: `refresh_if_due` re-checks the files at most this often (None: only explicit refreshes).
        """
        self.path = str(path)
        self.roots = [Path(r) for r in roots]
        self.tokenize = "porter" if stemming else "unicode61"
        self.refresh_interval = refresh_interval
        self._last_check = 0.0
        self._warned: set[tuple[str, str]] = set()
        self.last_report: IndexReport | None = None  # what the latest ensure_fresh() did
        self._lock = threading.RLock()
        self._changes = 0  # bumped whenever this instance re-indexes something (see `generation`)
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) or self.path == ":memory:":  # can't open or write there
                raise StorageUnavailable(
                    f"cannot open the knowledge index {self.path}: {exc} (ADVISOR_DATA_DIR must be a directory this "
                    "user can write)"
                ) from None
            # Not a database, or a damaged one: it only holds what the knowledge files hold, so it is rebuilt.
            log.warning("knowledge index %s is damaged (%s): rebuilding it from the knowledge files", self.path, exc)
            for suffix in ("", "-wal", "-shm"):
                Path(self.path + suffix).unlink(missing_ok=True)
            self._open()

    def _open(self) -> None:
        self.db = open_database(self.path)
        with self._lock:
            try:
                self._ensure_schema()
            except sqlite3.DatabaseError:
                self.db.conn.close()
                raise

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self.db.conn.close()

    def _transaction(self) -> AbstractContextManager[sqlite_utils.Database]:
        return locked_transaction(self.db, self._lock)

    def _ensure_schema(self) -> None:
        wanted = {"schema": str(SCHEMA_VERSION), "tokenize": self.tokenize}
        meta = self.db["meta"]
        have = {r["key"]: r["value"] for r in meta.rows} if meta.exists() else {}
        if have == wanted and self.db["chunks_fts"].exists():
            return
        with self._transaction() as db:
            for name in ("chunks_fts", "chunks", "files", "meta"):
                if db[name].exists():
                    db[name].drop()
            for trigger in db.triggers:
                db.execute(f"DROP TRIGGER IF EXISTS [{trigger.name}]")
            db.table("meta").create({"key": str, "value": str}, pk="key")
            db.table("meta").insert_all([{"key": k, "value": v} for k, v in wanted.items()])
            db.table("files").create(
                {
                    "source": str,
                    "path": str,
                    "mtime_ns": int,
                    "size": int,
                    "sha256": str,
                    "title": str,
                    "meta": str,
                    "chunks": int,
                    "error": str,
                },
                pk="source",
            )
            db.table("chunks").create(
                {"id": int, "source": str, "section": str, "title": str, "tags": str, "text": str, "position": int},
                pk="id",
            )
            db.table("chunks").create_index(["source"])
            db.table("chunks").enable_fts(
                ["title", "section", "tags", "text"], tokenize=self.tokenize, create_triggers=True
            )

    # --- keeping fresh ---

    def _scan(self, report: IndexReport) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for root in self.roots:
            if not root.is_dir():
                report.errors[str(root)] = "knowledge directory not found"
                continue
            base, real_root = root.parent, root.resolve()
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if any(p.startswith(".") for p in rel.parts) or path.suffix.lower() not in SUFFIXES:
                    continue
                if not path.is_file():
                    continue
                source = path.relative_to(base).as_posix()
                real = path.resolve()
                if not real.is_relative_to(real_root):  # a symlink out of the directory (.env, /etc/passwd …)
                    report.errors[source] = "refused: a symlink to a file outside its knowledge directory"
                    continue
                if source in found:
                    report.errors[source] = f"skipped: {found[source]} has the same name"
                    continue
                found[source] = real  # read through the checked path, not the link
        return found

    def ensure_fresh(self, *, force: bool = False) -> IndexReport:
        """Re-index new and changed files, drop deleted ones; cheap when nothing changed (stat only)."""
        report = IndexReport()
        with self._lock:
            files = {r["source"]: r for r in self.db["files"].rows}
            found = self._scan(report)
            todo: list[tuple[str, Path, Stat]] = []
            for source, path in found.items():
                try:
                    st = path.stat()
                except OSError as exc:  # deleted between the scan and now
                    report.errors[source] = f"cannot read: {exc.strerror or exc}"
                    continue
                row = files.get(source)
                if not force and row and row["mtime_ns"] == st.st_mtime_ns and row["size"] == st.st_size:
                    report.keep(source, row["error"])
                    continue
                todo.append((source, path, (st.st_mtime_ns, st.st_size)))
            gone = [s for s in files if s not in found]
            if todo or gone:
                with self._transaction() as db:
                    for source in gone:
                        db.execute("DELETE FROM chunks WHERE source = ?", [source])
                        db.table("files").delete(source)
                        report.removed.append(source)
                    for source, path, stat in todo:
                        self._index_file(db, source, path, stat, files.get(source), report, force=force)
            report.chunks = self.db["chunks"].count
            if report.changed:
                self._changes += 1
            self._last_check = time.monotonic()
            self.last_report = report
        for source, error in report.errors.items():
            if (source, error) not in self._warned:  # once per problem, not on every refresh
                self._warned.add((source, error))
                log.warning("knowledge file %s: %s", source, error)
        return report

    def _index_file(
        self,
        db: sqlite_utils.Database,
        source: str,
        path: Path,
        stat: Stat,
        row: dict[str, Any] | None,
        report: IndexReport,
        *,
        force: bool,
    ) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.errors[source] = f"cannot read: {exc.strerror or exc}"
            return
        sha = hashlib.sha256(data).hexdigest()
        record: dict[str, Any] = {
            "source": source,
            "path": str(path),
            "mtime_ns": stat[0],
            "size": stat[1],
            "sha256": sha,
            "title": "",
            "meta": "{}",
            "chunks": 0,
            "error": None,
        }
        if row and row["sha256"] == sha and not force:
            db.table("files").update(source, {"mtime_ns": stat[0], "size": stat[1]})  # touched, not changed
            report.keep(source, row["error"])
            return
        db.execute("DELETE FROM chunks WHERE source = ?", [source])
        try:
            doc = chunk_markdown(data.decode("utf-8"), source)
        except UnicodeDecodeError:
            record["error"] = "not UTF-8 text"
        except ChunkError as exc:
            record["error"] = str(exc)
        if record["error"]:
            report.errors[source] = record["error"]
            db.table("files").upsert(record, pk="source")
            return
        db.table("chunks").insert_all(
            {
                "source": c.source,
                "section": c.section,
                "title": c.title,
                "tags": c.tags,
                "text": c.text,
                "position": c.position,
            }
            for c in doc.chunks
        )
        meta = {k: v for k, v in doc.meta.items() if isinstance(v, str | int | float | bool | list)}
        record |= {"title": doc.title, "meta": yaml.safe_dump(meta, allow_unicode=True), "chunks": len(doc.chunks)}
        db.table("files").upsert(record, pk="source")
        report.indexed.append(source)

    def refresh_if_due(self) -> None:
        """Re-check the files when `refresh_interval` has passed since the last check; a failure only logs."""
        if self.refresh_interval is None or time.monotonic() - self._last_check < self.refresh_interval:
            return
        try:
            self.ensure_fresh()
        except (OSError, sqlite3.Error) as exc:  # a stale index beats no answer
            log.warning("knowledge index refresh failed: %s", exc)
            self._last_check = time.monotonic()

    def generation(self) -> tuple[int, int]:
        """Changes when the indexed content may have changed: re-indexed here, or committed by another process
        (SQLite's `data_version`). Cached results are keyed by it, so they are never served stale."""
        with self._lock:
            version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return self._changes, int(version)

    def read(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one read-only query (under the index's lock: the connection is shared by threads)."""
        with self._lock:
            return self.db.execute(sql, list(params)).fetchall()

    def files(self) -> list[dict[str, Any]]:
        """The indexed files (source, title, chunk count, error, front matter)."""
        with self._lock:
            rows = list(self.db["files"].rows_where(order_by="source"))
        for row in rows:
            row["meta"] = load_yaml(row["meta"] or "{}") or {}
        return rows
