"""Reading user files strictly and writing output files atomically."""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.errors import AnnotatorError


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 with no newline translation (offsets stay exact)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnnotatorError("no such file", path) from None
    except IsADirectoryError:
        raise AnnotatorError("is a directory, expected a file", path) from None
    except PermissionError:
        raise AnnotatorError("permission denied", path) from None
    except OSError as error:
        raise AnnotatorError(f"cannot read: {error.strerror}", path) from None
    return decode_utf8(data, path)


def decode_utf8(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise AnnotatorError(
            f"not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} "
            "cannot be decoded",
            path,
            line,
        ) from None


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its newline), for JSONL input."""
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.removesuffix("\r")


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    Readers never see a half-written file, and a failure leaves no output behind
    (and the previous file, if any, untouched). A symbolic link is written through
    (the link stays, its target gets the new content); a device or pipe such as
    ``/dev/stdout`` is written to directly, since there is nothing to rename over
    (renaming over it would replace the device node itself). The file gets the
    permissions of an ordinary new file (or keeps those of the file it replaces).
    """
    path = Path(path)
    try:
        status = path.stat()  # follows links
    except (FileNotFoundError, NotADirectoryError):
        status = None
    except OSError as error:
        raise AnnotatorError(f"cannot write: {error.strerror}", path) from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise AnnotatorError("is a folder, expected a file name to write", path)
    encoding = None if "b" in mode else "utf-8"
    newline = None if "b" in mode else ""
    if status is not None and not stat.S_ISREG(status.st_mode):
        with open(path, mode, encoding=encoding, newline=newline) as stream:
            yield stream
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise AnnotatorError("the output folder does not exist", directory)
    permissions = stat.S_IMODE(status.st_mode) if status is not None else _new_file_permissions()
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise AnnotatorError(f"cannot write into this folder: {error.strerror}", directory) from None
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes files only their owner can read
            os.fchmod(handle, permissions)
        with os.fdopen(handle, mode, encoding=encoding, newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(directory)


@functools.cache
def _new_file_permissions() -> int:
    # The process umask can only be read by setting it; read once, put straight back.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the folder is synced (POSIX).
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def jsonl_values(text: str) -> Iterator[tuple[int, object | None, str | None]]:
    """(line number, parsed value, problem) for each non-blank line of JSONL text.

    Exactly one of value and problem is set. A last line without its newline is still
    parsed: a torn line shows up as invalid JSON rather than vanishing.
    """
    import orjson

    for number, line in iter_lines(text):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line), None
        except orjson.JSONDecodeError as error:
            yield number, None, f"invalid JSON: {error}"


def dumps_line(value: object) -> bytes:
    """One compact JSON line (with its newline), keys in a stable order."""
    import orjson

    return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)
