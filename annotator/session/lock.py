"""One app window per (annotator, journal): an advisory lock beside the journal.

``<annotations>/.session/<annotator>.lock`` is held with ``flock`` for as long as the
app runs and names the holder's pid and host. The kernel drops the lock when the
process ends in any way (kill -9 and closing the terminal included), so a stale file
never blocks anyone; the pid and host are only there to say who holds it. A second
window finds the lock taken and opens read-only instead of overwriting the first
window's decisions (the latest journal line wins, so two writers would lose work).
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

try:  # POSIX; elsewhere no lock is taken (documented in the README)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class JournalLock:
    """An exclusive, non-blocking advisory lock; ``holder`` says who has it when taken."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None
        self.holder: str | None = None

    def acquire(self) -> bool:
        """True if this process now holds the lock; False (``holder`` set) if another does.
        A folder we cannot write to gives no lock and no refusal: the journal's own write
        errors will say so."""
        if fcntl is None or self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            with contextlib.suppress(OSError):
                self.holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            return False
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing releases the flock
            self._fd = None
