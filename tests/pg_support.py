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
from pathlib import Path


def missing_binaries() -> str | None:
    """Why no server can be started here, or None."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if shutil.which(name) is None:
            return f"PostgreSQL's {name} is not on PATH (install PostgreSQL 15 server binaries)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists("postgres")):
        return "running as root without runuser or a 'postgres' user to run the server as"
    return None


# What the benchmark's server sets, and what the README advises for a team's server: the
# record's JSON line (about 4.5 kB) is compressed with lz4 rather than pglz, about 0.1 ms
# less server CPU per decision here (benchmarks/bench_team.py --set default_toast_compression=pglz).
TEAM_SERVER = {"default_toast_compression": "lz4"}

# Explicit group commit (benchmarks/bench_team.py --group-commit): with at least
# commit_siblings other transactions open, a committing backend waits commit_delay
# microseconds before flushing the WAL, so one flush carries more commits. Durability is
# unchanged (synchronous_commit stays on). Not on by default: measured here it did not
# help, because PostgreSQL already shares one flush among the commits queued behind it.
GROUP_COMMIT = {"commit_delay": "1000", "commit_siblings": "5"}


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


def as_user(url: str, user: str) -> str:
    """The same database's URL (as this module writes them) for another role."""
    return f"postgresql://{user}@{url.split('@', 1)[1]}"


class PgServer:
    """A private server in ``folder``; ``stop()`` and ``start()`` again on the same port
    (a lost connection, for the spool tests)."""

    def __init__(self, folder: Path, fsync: bool = False, settings: dict[str, str] | None = None):
        self.folder = folder
        self.fsync = fsync
        self.settings = dict(settings or {})
        self.data = folder / "data"
        self.port = _free_port()
        self.running = False

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

    def start(self) -> None:
        # fsync off for tests: they hold nothing worth a disk flush (the benchmark keeps it on)
        for _attempt in range(3):  # another process may take the port between probe and start
            options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                       f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=120")
            options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
            done = subprocess.run(_as_server_user(["pg_ctl", "-D", str(self.data), "-o", options, "-l",
                                                   str(self.folder / "log"), "-w", "-t", "60", "start"]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if done.returncode == 0:
                self.running = True
                return
            self.port = _free_port()
        log = (self.folder / "log").read_text(errors="replace")[-500:]
        raise RuntimeError(f"PostgreSQL did not start: {log}")

    def stop(self, mode: str = "immediate") -> None:
        subprocess.run(_as_server_user(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.running = False


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_server(fsync: bool = False, settings: dict[str, str] | None = None) -> Iterator[PgServer]:
    folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PgServer(folder, fsync, settings)
    try:
        subprocess.run(
            _as_server_user(["initdb", "-D", str(server.data), "-A", "trust", "-U", "postgres",
                             "--no-sync", "-E", "UTF8", "--locale=C"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
        server.start()
        yield server
    finally:
        if server.running:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def session_server() -> Iterator[PgServer]:
    """The body of conftest's session-scoped ``pg_server`` fixture: one private server
    per test process (so per xdist worker); skips, saying why, where none can start."""
    import pytest

    reason = missing_binaries()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[team]'")
    with running_server() as server:
        yield server


class TcpProxy:
    """A real TCP listener on loopback in front of a server, for the network's failures:
    ``forward`` (pass bytes both ways), ``drop_replies`` (connections stay open and the
    server gets the client's bytes, but nothing comes back: a commit whose answer is
    lost), and ``silent`` (new connections are accepted and never answered: a host that
    drops packets). ``accepts`` counts the connections accepted: a connection attempt
    shows there."""

    def __init__(self, port: int):
        import threading

        self.target = port
        self.mode = "forward"
        self.accepts = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, database_url: str) -> str:
        """``database_url`` (of the server behind) through this proxy."""
        return database_url.replace(f":{self.target}/", f":{self.port}/")

    def _accept(self) -> None:
        import threading

        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            self.accepts += 1
            self._sockets.append(client)
            if self.mode == "silent":
                continue  # accepted, never read from nor answered
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self._sockets.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, reply: bool) -> None:
        try:
            while data := source.recv(65536):
                if reply and self.mode != "forward":
                    continue  # the server's answer is lost on the way
                sink.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
