"""A private PostgreSQL server for tests and benchmarks, started from the binaries on PATH.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free loopback port (and a
socket in that folder), trust authentication on loopback only; stopped and removed at
the end. PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` user (``runuser``). With ``pytest -n auto`` every xdist worker starts its
own server (the fixture is session-scoped), so workers never share state.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def missing_binaries() -> str | None:
    """Why no server can be started here, or None."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if shutil.which(name) is None:
            return f"PostgreSQL's {name} is not on PATH (install PostgreSQL 15 server binaries)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists("postgres")):
        return "running as root without runuser or a 'postgres' user to run the server as"
    return None


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; returns its URL (as the superuser)."""
        import psycopg
        from psycopg import sql

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    subprocess.run(
        _as_server_user(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
                         "--no-sync", "-E", "UTF8", "--locale=C"]), **quiet)
    port = _free_port()
    # fsync off: a test server holds nothing worth a disk flush (the benchmark says so)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=120"
    started = False
    try:
        for _attempt in range(3):  # another process may take the port between probe and start
            try:
                subprocess.run(_as_server_user(["pg_ctl", "-D", str(data), "-o", options,
                                                "-l", str(folder / "log"), "-w", "-t", "60", "start"]), **quiet)
                started = True
                break
            except subprocess.CalledProcessError:
                port = _free_port()
                options = options.replace(options.split()[1], str(port), 1)
        if not started:
            raise RuntimeError(f"PostgreSQL did not start: {(folder / 'log').read_text(errors='replace')[-500:]}")
        yield PgServer(folder, port)
    finally:
        if started:
            subprocess.run(_as_server_user(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


# ---- pytest fixtures (import them into a test module: `from pg_support import pg_server, pg_url`)
try:
    import pytest
except ImportError:  # the benchmarks use running_server() without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def pg_server() -> Iterator[PgServer]:
        reason = missing_binaries()
        if reason:
            pytest.skip(reason)
        pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[team]'")
        with running_server() as server:
            yield server

    @pytest.fixture
    def pg_url(pg_server: PgServer) -> str:
        """A fresh database on the private server, for one test."""
        return pg_server.create_database()
