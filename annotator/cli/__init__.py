"""Command-line interface: ``annotator <command>`` (also ``python -m annotator``).

Each command lives in a module of its own that registers on ``app``. ``main`` turns
errors about user input into one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from annotator.cli import (  # noqa: F401  (registration)
    adjudicate_cmd,
    agree_cmd,
    annotate_cmd,
    assign_cmd,
    evaluate_cmd,
    export_cmd,
    import_cmd,
    report_cmd,
    schema_cmd,
    show_cmd,
    stats_cmd,
    suggest_cmd,
    sync_cmd,
    train_cmd,
    validate_cmd,
)
from annotator.cli.app import app, set_running_as_program
from annotator.errors import AnnotatorError, printable

EXIT_INPUT_ERROR = 1
USAGE_ERROR = 2  # click's code for a bad command line
EXIT_INTERRUPTED = 130

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """The program (``argv`` None: the console script, ``python -m annotator``), or the
    CLI called from Python with ``argv``."""
    set_running_as_program(argv is None)
    try:
        # Not standalone: click's usage errors (an unreadable path, a bad value) come
        # here and are printed in one line like every other error, not a usage block.
        code = app(args=argv, prog_name="annotator", standalone_mode=False)
    except _usage_error_type() as raised:
        error: Any = raised  # a click.ClickException
        if type(error).__name__ == "NoArgsIsHelpError":  # `annotator` alone: the help
            error.show()
            sys.exit(error.exit_code)
        context = getattr(error, "ctx", None)
        hint = f" (see: {context.command_path} --help)" if context is not None else ""
        _die(f"error: {error.format_message()}{hint}", USAGE_ERROR)
    except AnnotatorError as error:
        _die(f"error: {error}", EXIT_INPUT_ERROR)
    except KeyboardInterrupt:
        _die("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
        _quiet_exit(EXIT_INPUT_ERROR)
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
    if isinstance(code, int) and code:  # typer.Exit(N): validate found problems
        sys.exit(code)


def _usage_error_type() -> type[Exception]:
    """click's ClickException, wherever this typer keeps click (newer ones vendor it)."""
    import typer

    return next(kind for kind in typer.BadParameter.__mro__ if kind.__name__ == "ClickException")


def _quiet_exit(code: int) -> None:
    # Closed stdout: point it at /dev/null so the interpreter's final flush stays silent.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(code)


def _die(message: str, code: int) -> None:
    # Messages quote user files (ids, keys, span texts): never let them drive the terminal.
    print(f"annotator: {printable(message)}", file=sys.stderr)
    sys.exit(code)
