"""``annotator train ANNOTATIONS... --corpus CORPUS -o MODEL_DIR``: the project's own model."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app


@app.command("train")
def train_command(
    annotations: list[Path] = typer.Argument(..., help="Journals, folders of them, or a gold file."),
    corpus: list[Path] = typer.Option(..., "--corpus", help="Corpus JSONL the journals annotate (repeatable)."),
    out: Path = typer.Option(..., "-o", "--out", help="MODEL_DIR to write (a spaCy pipeline folder)."),
    dev: list[Path] = typer.Option(None, "--dev", help="Journals to measure on (default: --dev-share of the data)."),
    dev_share: float = typer.Option(0.1, "--dev-share", min=0.0, max=0.5, help="Share of documents held out for dev."),
    seed: int = typer.Option(0, "--seed", help="Seed of the dev split (training itself is deterministic)."),
    max_minutes: float = typer.Option(None, "--max-minutes", min=0.1, help="Time budget for fitting."),
    base: Path = typer.Option(None, "--base", help="A model to start from: its settings are reused, and it is "
                              "kept if the new one is worse on dev."),
    iterations: int = typer.Option(None, "--iterations", min=1, help="L-BFGS iterations of each CRF "
                                   "(default 150; fewer: faster, a little less accurate)."),
    arch: str = typer.Option(None, "--arch", help="Role labeller: bilstm (default; needs PyTorch: "
                             'pip install -e ".[model]") or crf.'),
    cue_arch: str = typer.Option(None, "--cue-arch", help="Cue tagger: auto (default: bilstm from 50 training "
                                 "documents, crf below), bilstm or crf."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Epochs of each BiLSTM (default 14; the best on dev is kept)."),
    cue_members: int = typer.Option(None, "--cue-members", min=1, max=8, help="Cue BiLSTMs trained from successive "
                                    "seeds whose probabilities are averaged (default 2; 1 halves the cue tagger's CPU time)."),
    watch: bool = typer.Option(False, "--watch", help="Keep watching the journals; retrain when --every more "
                               "documents are done and put the new model in use if it is not worse on dev."),
    every: int = typer.Option(20, "--every", min=1, help="With --watch: retrain after this many more done documents."),
    poll: float = typer.Option(5.0, "--poll", min=0.05, help="With --watch: seconds between looks at the journals."),
    rounds: int = typer.Option(0, "--rounds", min=0, hidden=True, help="With --watch: stop after this many trainings (tests)."),
) -> None:
    """Train an attribution model (cue tagger + cue-conditioned role labeller) on done records."""
    from annotator.errors import AnnotatorError
    from annotator.model.loop import TrainOptions, train_once, watch_loop

    settings: dict = {"cue_iterations": iterations, "role_iterations": iterations} if iterations else {}
    for key, value in (("role_arch", arch), ("cue_arch", cue_arch)):
        if value is not None:
            choices = ("auto", "bilstm", "crf") if key == "cue_arch" else ("bilstm", "crf")
            if value not in choices:
                option = key.replace("role_", "").replace("_", "-")
                raise AnnotatorError(f"--{option} must be {', '.join(choices[:-1])} or {choices[-1]}, not {value!r}")
            settings[key] = value
    if epochs is not None:
        settings["role_net_epochs"] = settings["cue_net_epochs"] = epochs
    if cue_members is not None:
        settings["cue_members"] = cue_members
    options = TrainOptions(
        annotations=list(annotations),
        corpus=list(corpus),
        out=out,
        dev=list(dev or []),
        dev_share=dev_share,
        seed=seed,
        max_minutes=max_minutes,
        base=base,
        settings=settings,
    )
    if watch:
        watch_loop(options, every=every, poll=poll, rounds=rounds or None, say=lambda line: typer.echo(line, err=True))
    else:
        train_once(options, say=lambda line: typer.echo(line, err=True))
