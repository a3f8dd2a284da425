"""Reading user files strictly and writing output files atomically."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
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
        with naming_write_errors(path), open(path, mode, encoding=encoding, newline=newline) as stream:
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
        with naming_write_errors(path):
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


# errno values that only a write gives: the file being written is the one to name.
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


@contextlib.contextmanager
def naming_write_errors(path: Path) -> Iterator[None]:
    """A failed write (full disk, quota, a device that refuses data) as one line naming
    the output, not a bare "No space left on device". Errors of reading an input while
    writing carry their own file name and pass through unchanged."""
    try:
        yield
    except OSError as error:
        if error.filename is None and error.errno in _WRITE_ERRORS:
            raise AnnotatorError(f"cannot write: {error.strerror}", path) from None
        raise


@functools.cache
def _new_file_permissions() -> int:
    # The process umask can only be read by setting it; read once, put straight back.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def is_standard_output(path: Path) -> bool:
    """Whether ``path`` is where stdout goes (``-o /dev/stdout``, or the file stdout is
    redirected to): a command's summary must then go to stderr, not into its output."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(1))
    except (OSError, ValueError):
        return False


def resolved(path: Path) -> Path:
    """The absolute path with links followed; a symbolic link loop is an error naming it."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError):  # RuntimeError: Python < 3.13's "Symlink loop"
        raise AnnotatorError("symbolic link loop (the link points back at itself)", path) from None


def _status(path: Path) -> os.stat_result | None:
    """os.stat of ``path`` following links; None when nothing is there; a loop named."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        if os.path.islink(path):  # a dangling link: nothing there yet, but a loop is an error
            resolved(path)
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise AnnotatorError("symbolic link loop (the link points back at itself)", path) from None
        raise AnnotatorError(f"cannot read: {error.strerror}", path) from None


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _files_under(folder: Path) -> Iterator[Path]:
    """Every file below ``folder`` (links to folders not followed: they cannot loop)."""
    for root, _folders, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def check_paths(
    inputs: Iterable[str | Path | None],
    outputs: Mapping[str, Path | None] = {},  # noqa: B006 (read only)
    *,
    replaced_folders: Collection[str] = (),
    read_back: Collection[str] = (),
) -> None:
    """Refuse, before anything is read or written, paths that would lose data or never end.

    The one check every command runs on its paths (outputs keyed by their option):
    - an input that is a device (``/dev/zero`` never ends, a terminal waits for typing)
      or a symbolic link loop; pipes (``<(...)``, ``/dev/stdin`` from a pipe) are fine;
    - an output that is an input (by inode too: hard links, ``/dev/fd/N``), any file
      under an input folder (a journal there), an input folder or inside one (it would
      be read as input next time), or the same file as another output;
    - an output named in ``replaced_folders`` (replaced whole) that holds an input;
    - an output named in ``read_back`` (read first, as adjudicate's previous gold file)
      that is a device, pipe or folder: it cannot be read back as a file.
    Devices and pipes are otherwise fine as outputs (``-o /dev/stdout`` streams).
    """
    input_files: dict[tuple[int, int], Path] = {}
    input_folders: list[tuple[Path, Path]] = []  # (as given, resolved)
    writes = any(path is not None for path in outputs.values())
    for path in inputs:
        if path is None:
            continue
        path = Path(path)
        status = _status(path)
        if status is None:
            continue  # the reader says "no such file" in its own words
        if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode):
            raise AnnotatorError("is a device or terminal, not a file (pipe the data in, or give a file)", path)
        if stat.S_ISDIR(status.st_mode):
            input_folders.append((path, resolved(path)))
            for file in _files_under(path) if writes else ():
                with contextlib.suppress(OSError):
                    inner = os.stat(file)
                    input_files.setdefault((inner.st_dev, inner.st_ino), file)
        else:
            input_files.setdefault((status.st_dev, status.st_ino), path)
    seen: dict[Path, str] = {}
    seen_status: list[tuple[os.stat_result, str]] = []
    for option, path in outputs.items():
        if path is None:
            continue
        path = Path(path)
        where = resolved(path)
        status = _status(path)
        if status is not None:
            # A file, or a named pipe read as input and written as output (it would hang).
            if not stat.S_ISDIR(status.st_mode) and (status.st_dev, status.st_ino) in input_files:
                raise AnnotatorError(f"refusing to overwrite an input file ({option})", path)
            if option in read_back and not stat.S_ISREG(status.st_mode):
                kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a device or pipe"
                raise AnnotatorError(f"is {kind}, not a file that can be read back ({option})", path)
            for other, other_option in seen_status:
                if _same(status, other):
                    raise AnnotatorError(f"{other_option} and {option} name the same file", path)
            seen_status.append((status, option))
        for given, folder in input_folders:
            if where.is_relative_to(folder):
                raise AnnotatorError(
                    f"the output is inside the input folder {given}: write it elsewhere ({option})", path
                )
        if option in replaced_folders:
            inside = next(
                (file for file in [*input_files.values(), *(given for given, _ in input_folders)]
                 if _is_inside(file, where)),
                None,
            )
            if inside is not None:
                raise AnnotatorError(f"refusing to replace a folder that holds an input ({inside}) ({option})", path)
        if where in seen:
            raise AnnotatorError(f"{seen[where]} and {option} name the same file", path)
        seen[where] = option


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        return resolved(path).is_relative_to(folder)
    except AnnotatorError:
        return False


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
        if number == 1:  # a byte order mark is not part of the first value
            line = line.removeprefix("\ufeff")
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
