"""A throwaway PostgreSQL cluster for the tests, started with the server binaries on the machine.

`initdb` refuses to run as root: as root, the cluster is created and run as the `postgres` account (its data
directory a temp directory owned by it). The server listens on a free port on 127.0.0.1 only, trusts local
connections, and skips fsync (a test cluster is thrown away). One cluster per test session (per xdist worker); each
test gets the session's migrated database emptied, so no migration runs per test.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

ACCOUNT = "postgres"
DATABASE = "advisor_test"


def server_bindir() -> Path | None:
    """Where `initdb` and `pg_ctl` are (PG_BINDIR, `pg_config --bindir`, or PATH); None without them."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    initdb = shutil.which("initdb")
    candidates.append(str(Path(initdb).parent) if initdb else "")
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def missing_reason() -> str | None:
    """Why no cluster can be started here (None: it can)."""
    if server_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(ACCOUNT)
        except KeyError:
            return f"running as root and there is no {ACCOUNT!r} account to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One running cluster; `database()` hands out fresh databases."""

    def __init__(self) -> None:
        bindir = server_bindir()
        assert bindir is not None, missing_reason()
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._count = 0
        self._lock = threading.Lock()
        self._ready = False
        if os.geteuid() == 0:
            account = pwd.getpwnam(ACCOUNT)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()

    def start(self) -> None:
        """Start the server (again, after `shut_down`) on the same port and data."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")

    def shut_down(self) -> None:
        """Stop the server, keeping its data (as a restart or failover would): every connection to it ends."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", ACCOUNT, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str = "postgres") -> str:
        """The URL of a database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """The session's migrated database, emptied: other connections to it are ended (a server or store a previous
        test left behind) and every table but `_migrations` is emptied. Returns its URL."""
        import psycopg

        from bot.storage.store import Store

        with self._lock:
            url = self.url(DATABASE)
            if not self._ready:
                with psycopg.connect(self.url(), autocommit=True) as conn:
                    conn.execute(f"create database {DATABASE}")
                Store(url).close()
                self._ready = True
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = current_database() and pid <> pg_backend_pid()"
                )
                tables = [
                    str(r[0])
                    for r in conn.execute(
                        "select tablename from pg_tables where schemaname = 'public' and tablename <> '_migrations'"
                    )
                ]
                # Deleting (not TRUNCATE, which makes new files for every table and index) is fastest for a few rows.
                conn.execute("set session_replication_role = replica")  # no foreign-key order to respect
                for table in tables:
                    conn.execute(f"delete from {table}")
        return url

    def stop(self) -> None:
        """Stop the server at once and delete everything it wrote."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
