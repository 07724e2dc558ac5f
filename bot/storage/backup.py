"""`ai-advisor backup`: a consistent copy of the SQLite database while it is in use (SQLite's online backup API).

The copy is written beside the target under a temporary name, checked (`PRAGMA integrity_check`) and then renamed,
so a backup file is either complete or absent. Restoring is copying it back while no `serve` runs (README,
"Backups"). PostgreSQL is backed up with its own tools (`pg_dump`).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bot.errors import InputError

PAGES_PER_STEP = 1024  # copy in steps so writers are not held off for the whole copy


@dataclass(frozen=True)
class BackupResult:
    """What was written."""

    path: Path
    size: int
    tables: int


def backup(db_path: Path, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the database at `db_path` to `target` (InputError when there is none, or the target exists)."""
    if not db_path.is_file():
        raise InputError(f"no database at {db_path} (check ADVISOR_DATA_DIR / ADVISOR_DB)")
    target = target.expanduser().absolute()
    if target.exists() and not overwrite:
        raise InputError(f"{target} exists; choose another file or pass --force to replace it")
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: {target.parent} is not a directory")
    if target.resolve() == db_path.resolve():
        raise InputError("the backup file cannot be the database itself")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with closing(sqlite3.connect(db_path)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy, pages=PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InputError(f"the copy of {db_path} failed its integrity check; nothing was written")
            tables = copy.execute("select count(*) from sqlite_master where type = 'table'").fetchone()[0]
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise InputError(f"cannot back up {db_path}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, int(tables))
