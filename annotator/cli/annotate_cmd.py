"""``annotator annotate``: open the annotation app on a corpus."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.cli.report import echo
from annotator.errors import AnnotatorError

DEFAULT_SOURCES = Path("seeds")
DEFAULT_ANNOTATIONS = Path("annotations")


def default_annotator() -> str:
    """$USER, else the login name; the journal file is named after it."""
    name = os.environ.get("USER") or os.environ.get("USERNAME") or os.environ.get("LOGNAME")
    if not name:
        import getpass

        try:
            name = getpass.getuser()
        except Exception:  # no passwd entry (some containers)
            name = None
    if not name:
        raise AnnotatorError("no annotator name: pass --annotator NAME (or set $USER)")
    return name


@app.command("annotate")
def annotate_command(
    sources_spec: str = typer.Argument(str(DEFAULT_SOURCES), metavar="CORPUS_OR_DIR",
                                       help="Corpus JSONL, a folder or file of articles, or a postgresql:// "
                                       "URL holding the corpus (default: seeds/)."),
    annotator: str = typer.Option(None, "--annotator", "-a", help="Your name in the journal (default: $USER)."),
    annotations_spec: str = typer.Option(str(DEFAULT_ANNOTATIONS), "--annotations",
                                         help="Folder of annotation journals, or a postgresql:// URL."),
    suggestions: Path = typer.Option(None, "--suggestions", help="JSONL of suggested AnnotationRecords "
                                     "(default: computed per document when it is opened)."),
    no_suggestions: bool = typer.Option(False, "--no-suggestions", help="Annotate from scratch."),
    model: str = typer.Option("rules", "--model", help="Suggester: 'rules' or a model folder from `annotator train` "
                              "(with --watch, documents not yet opened get its newest version)."),
    keys: Path = typer.Option(None, "--keys", help="TOML keymap: [keys] binding-id = \"key,...\" "
                              "(default: ~/.config/annotator/keys.toml if present)."),
    theme: str = typer.Option(None, "--theme", help="textual-dark (default), textual-light, or any Textual theme."),
    queue: Path = typer.Option(None, "--queue", help="Follow a queue written by `annotator assign` "
                               "(one document id per line): only its documents, in its order."),
    take: int = typer.Option(3, "--take", min=1, help="With a database assigned by `assign URL`: how many "
                             "documents to lease at a time."),
    lease_minutes: float = typer.Option(30.0, "--lease-minutes", min=1.0, help="With a database: a lease not "
                                        "renewed for this long (a crashed laptop) goes to someone else."),
) -> None:
    """Annotate attributions by keyboard; every decision is journalled at once."""
    from annotator.corpus.index import open_corpus
    from annotator.fileio import check_paths
    from annotator.session import Session, SuggestionSource
    from annotator.store import check_annotator_name

    name = check_annotator_name(annotator or default_annotator())
    if suggestions is not None and not suggestions.is_file():
        raise AnnotatorError("no such file", suggestions)
    from annotator.store import is_database_url

    log = None
    sources = Path(sources_spec)
    if is_database_url(annotations_spec):  # a team's database: commit each decision there
        from annotator.store import local
        from annotator.store.spool import DatabaseLog, spool_folder

        annotations = spool_folder(annotations_spec)
        log = DatabaseLog(annotations_spec, name, annotations)
        if is_database_url(sources_spec):
            sources = local.corpus(sources_spec, cache=annotations / "corpus.jsonl")
    else:
        annotations = Path(annotations_spec)
        if annotations.exists() and not annotations.is_dir():
            raise AnnotatorError("is not a folder", annotations)
        if is_database_url(sources_spec):
            from annotator.store import local

            sources = local.corpus(sources_spec)
    # Journals inside the article folder would be read as articles next time.
    check_paths([sources, suggestions, queue, keys], {"--annotations": annotations})
    if model != "rules":
        from annotator.suggest.pipeline import check_model_dir

        check_model_dir(model)
    corpus = open_corpus(sources)
    renewer = None
    if log is not None and queue is None:
        from annotator.store.leases import LeaseKeeper

        renewer = LeaseKeeper.start_if_assigned(log.store, name, take, lease_minutes)
        if renewer is not None:
            from annotator.assign import QueueIndex

            corpus = QueueIndex(corpus, renewer.documents)
    if queue is not None:
        from annotator.assign import open_queue

        corpus = open_queue(corpus, queue)
    source = SuggestionSource(file=suggestions, cache_dir=annotations / ".suggestions",
                              compute=not no_suggestions, model=model)
    session = Session(corpus, name, annotations, source, log=log)
    session.wait_for_suggestions = False  # first screen at once; suggestions follow from a thread
    from annotator.tui.app import make_app

    application = make_app(session, keys, theme)
    check_terminal_encoding()
    session.acquire_lock()  # a second window on this journal opens read-only
    session.start()
    try:
        application.run()
    finally:
        saved = session.try_flush()  # anything decided in the last frame before quitting
        session.release_lock()
        if renewer is not None:
            renewer.stop()
    for problem in session.problems[:5]:
        echo(f"annotator: note: {problem}", err=True)
    if not saved:
        raise AnnotatorError(f"{session.unsaved_summary()} could not be saved: {session.write_error}")


def check_terminal_encoding() -> None:
    """The app draws with Unicode (box lines, ellipses, the article's own text). On a
    terminal whose encoding cannot carry it (PYTHONIOENCODING=ascii, a Latin-1 locale)
    every such character would come out as a \\u escape and the screen would be
    unreadable: say what to set instead of starting."""
    import codecs
    import sys

    stream = sys.__stderr__ or sys.__stdout__  # Textual writes to stderr
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = encoding
    if not name.startswith("utf"):
        raise AnnotatorError(
            f"the terminal's encoding is {encoding}, but the app needs UTF-8: run it with "
            "LANG=C.UTF-8 (or PYTHONIOENCODING=utf-8) in a terminal that shows UTF-8")
