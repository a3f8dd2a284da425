"""Command-line interface: ``annotator <command>`` (also ``python -m annotator``).

Each command lives in a module of its own that registers on ``app``. ``main`` turns
errors about user input into one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys

from annotator.cli.app import app, set_running_as_program
from annotator.cli import (  # noqa: F401  (registration)
    adjudicate_cmd,
    agree_cmd,
    annotate_cmd,
    assign_cmd,
    evaluate_cmd,
    export_cmd,
    import_cmd,
    schema_cmd,
    stats_cmd,
    suggest_cmd,
    train_cmd,
    validate_cmd,
)
from annotator.errors import AnnotatorError, printable

EXIT_INPUT_ERROR = 1
EXIT_INTERRUPTED = 130

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """The program (``argv`` None: the console script, ``python -m annotator``), or the
    CLI called from Python with ``argv``."""
    set_running_as_program(argv is None)
    try:
        app(args=argv, prog_name="annotator", standalone_mode=True)
    except AnnotatorError as error:
        _die(f"error: {error}", EXIT_INPUT_ERROR)
    except KeyboardInterrupt:
        _die("interrupted", EXIT_INTERRUPTED)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _die(f"error: {where}{error.strerror or error}", EXIT_INPUT_ERROR)
    except Exception as error:  # a bug: say so in one line unless asked for the traceback
        if os.environ.get("ANNOTATOR_DEBUG"):
            raise
        summary = str(error).strip().splitlines()[0] if str(error).strip() else ""
        _die(
            f"internal error: {type(error).__name__}: {summary} "
            "(set ANNOTATOR_DEBUG=1 for the traceback and please report it)",
            EXIT_INPUT_ERROR,
        )


def _die(message: str, code: int) -> None:
    # Messages quote user files (ids, keys, span texts): never let them drive the terminal.
    print(f"annotator: {printable(message)}", file=sys.stderr)
    sys.exit(code)
