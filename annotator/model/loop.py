"""One training run, and the loop of ``train --watch``.

The loop talks to the annotation app only through the files: it reads the journals and
writes MODEL_DIR/versions/<hash>/, then moves MODEL_DIR/current (a rename, atomic). The
app follows ``current`` each time it computes suggestions for a document it has not
opened yet; documents already opened keep what they have, so no decided suggestion
changes under an annotator.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.errors import AnnotatorError, printable
from annotator.model.training import (
    TrainingData,
    dev_score,
    done_records,
    measure,
    split_dev,
    train_model,
)

if TYPE_CHECKING:
    from rich.progress import TaskID

Say = Callable[[str], None]


@dataclass
class TrainOptions:
    annotations: list[Path]
    corpus: list[Path]
    out: Path
    dev: list[Path] = field(default_factory=list)
    dev_share: float = 0.1
    seed: int = 0
    max_minutes: float | None = None
    base: Path | None = None
    settings: dict = field(default_factory=dict)


def _documents(corpora: list[Path]):
    from annotator.records import load_documents

    documents: dict = {}
    for corpus in corpora:
        for doc_id, document in load_documents(corpus).items():
            if doc_id in documents and documents[doc_id].sha1 != document.sha1:
                raise AnnotatorError(f"document {doc_id!r} differs between the corpora", corpus)
            documents[doc_id] = document
    return documents


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "config.cfg").is_file()
                                               and not (out / "current").exists())):
        raise AnnotatorError("exists and is not a model folder; refusing to replace it", out)


def load_data(options: TrainOptions) -> tuple[TrainingData, TrainingData]:
    documents = _documents(options.corpus)
    data = done_records(options.annotations, documents)
    if options.dev:
        dev = done_records(options.dev, documents, "--dev")
        held = {document.id for document, _ in dev.pairs}
        train = TrainingData([pair for pair in data.pairs if pair[0].id not in held], data.skipped)
        if not train.pairs:
            raise AnnotatorError("every done document is also in --dev: nothing left to train on")
        return train, dev
    return split_dev(data, options.dev_share, options.seed)


def _describe(train: TrainingData, dev: TrainingData) -> str:
    attributions = sum(len(record.attributions) for _, record in train.pairs)
    line = f"training on {len(train.pairs)} document(s), {attributions} attribution(s); dev: {len(dev.pairs)} document(s)"
    for reason, count in sorted(train.skipped.items()):
        line += f"; skipped {count} {reason}"
    return line


def _figures(figures: dict) -> str:
    parts = []
    for key, value in figures.items():
        if key.endswith("_f1"):
            parts.append(f"{key[:-3].replace('_', ' ')} {100 * (value or 0):.1f}")
    return ", ".join(parts)


class _Progress:
    """A progress line on stderr (a terminal only): stage, iteration, loss."""

    def __init__(self, limits: dict[str, int]):
        self.limits = limits
        self.bar = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self.tasks: dict[str, TaskID] = {}

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, stage: str, iteration: int, loss: float) -> None:
        if self.bar is None:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=self.limits.get(stage))
        self.bar.update(self.tasks[stage], completed=iteration,
                        description=f"fitting {stage} · loss {loss:,.3g}")


def train_once(options: TrainOptions, say: Say) -> dict:
    """Train, measure on dev, write MODEL_DIR atomically; returns the model's info."""
    from annotator.model.learn import DEFAULT_SETTINGS
    from annotator.model.neural import DEFAULT_NET
    from annotator.model.package import read_meta, write_model

    _check_out(options.out)
    if options.base is not None:
        read_meta(options.base)  # a bad --base fails before any work
    train, dev = load_data(options)
    say(printable(_describe(train, dev)))
    settings = {**DEFAULT_SETTINGS, **options.settings}
    limits = {
        stage: int(settings.get(f"{kind}_net_epochs", DEFAULT_NET["epochs"])) if settings[f"{kind}_arch"] == "bilstm"
        else int(settings[f"{kind}_iterations"])
        for stage, kind in (("cues", "cue"), ("roles", "role"))
    }
    with _Progress(limits) as progress:
        result = train_model(train, dev, options.settings, options.seed, options.base, options.max_minutes, progress)
    if result.kept_base:
        say(f"the new model is worse on dev than --base {printable(str(options.base))}; keeping the base")
    write_model(result.nlp, options.out, result.info)
    info = result.info
    say(f"{printable(str(options.out))}: trained in {info.get('train_seconds')} s "
        f"({info.get('train_cpu_seconds')} s CPU)")
    if "dev" in info:
        say("dev F1: " + _figures(info["dev"]))
    return info


def _journal_stamp(paths: list[Path]) -> tuple:
    from annotator.records import expand_journals

    try:
        files = expand_journals(paths)
    except AnnotatorError:
        return ()
    stamp = []
    for path in files:
        try:
            status = path.stat()
        except OSError:
            continue
        stamp.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(stamp)


def watch_loop(options: TrainOptions, every: int, poll: float, say: Say, rounds: int | None = None) -> None:
    """Retrain whenever ``every`` more documents are done; publish a model only if it is
    not worse on dev than the one in use. Runs until interrupted (or ``rounds`` trainings)."""
    from annotator.model.package import publish_version, read_meta, resolve
    from annotator.model.training import TrainResult
    from annotator.suggest.pipeline import build_pipeline

    _check_out(options.out)
    options.out.mkdir(parents=True, exist_ok=True)
    trained_on: int | None = None
    if (options.out / "current").exists():
        trained_on = read_meta(options.out)["annotator_model"]["training_data"]["documents"]
    done = 0
    stamp: tuple = ()
    while rounds is None or done < rounds:
        now = _journal_stamp(options.annotations)
        if now != stamp:
            stamp = now
            try:
                train, dev = load_data(options)
            except AnnotatorError as error:
                if "no records marked done" not in str(error) and "holds no journal" not in str(error):
                    raise  # nothing to learn from yet is no error for a loop that waits
                train = None
            count = len(train.pairs) + len(dev.pairs) if train is not None else 0
            if train is not None and (trained_on is None or count >= trained_on + every):
                say(printable(_describe(train, dev)))
                result: TrainResult = train_model(train, dev, options.settings, options.seed, None, options.max_minutes)
                trained_on = count
                done += 1
                in_use = options.out / "current"
                worse = False
                if in_use.exists() and dev.pairs:
                    current_figures = measure(build_pipeline(options.out), dev)
                    worse = dev_score(result.info["dev"]) < dev_score(current_figures)
                if worse:
                    say(f"new model worse on dev than the one in use ({_figures(result.info['dev'])}); not put in use")
                else:
                    component: Any = result.nlp.get_pipe("attribution_model")
                    version = component.suggester.split("@")[-1]
                    publish_version(result.nlp, options.out, result.info, version)
                    say(f"{printable(str(resolve(options.out)))}: in use"
                        + (f"; dev F1: {_figures(result.info['dev'])}" if "dev" in result.info else ""))
                continue
        if rounds is not None and done >= rounds:
            break
        time.sleep(poll)
