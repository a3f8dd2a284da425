"""``annotator annotate``: open the annotation app on a corpus."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from annotator.cli.app import app
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
    sources: Path = typer.Argument(DEFAULT_SOURCES, metavar="CORPUS_OR_DIR",
                                   help="Corpus JSONL, or a folder or file of articles (default: seeds/)."),
    annotator: str = typer.Option(None, "--annotator", "-a", help="Your name in the journal (default: $USER)."),
    annotations: Path = typer.Option(DEFAULT_ANNOTATIONS, "--annotations", help="Folder of annotation journals."),
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
) -> None:
    """Annotate attributions by keyboard; every decision is journalled at once."""
    from annotator.corpus.index import open_corpus
    from annotator.session import Session, SuggestionSource
    from annotator.store import check_annotator_name

    name = check_annotator_name(annotator or default_annotator())
    if suggestions is not None and not suggestions.is_file():
        raise AnnotatorError("no such file", suggestions)
    if annotations.exists() and not annotations.is_dir():
        raise AnnotatorError("is not a folder", annotations)
    if model != "rules":
        from annotator.suggest.pipeline import check_model_dir

        check_model_dir(model)
    corpus = open_corpus(sources)
    if queue is not None:
        from annotator.assign import open_queue

        corpus = open_queue(corpus, queue)
    source = SuggestionSource(file=suggestions, cache_dir=annotations / ".suggestions",
                              compute=not no_suggestions, model=model)
    session = Session(corpus, name, annotations, source)
    session.wait_for_suggestions = False  # first screen at once; suggestions follow from a thread
    from annotator.tui.app import make_app

    application = make_app(session, keys, theme)
    session.start()
    try:
        application.run()
    finally:
        session.flush()  # anything decided in the last frame before quitting
    for problem in session.problems[:5]:
        typer.echo(f"annotator: note: {problem}", err=True)
