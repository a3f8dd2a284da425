"""``suggest --scheduler``: the suggester's own pipeline on a Dask cluster.

Nothing here suggests differently: every worker builds the same pipeline
(``pipeline.build_pipeline``) once, when it joins (a worker plugin), and runs it over
chunks of the corpus of a few MB of text; the client turns the suggestion dicts into
records with the same ``record_from_suggestions`` as the one-process run and yields them
in corpus order, so the output is the one-process output (``updated_at`` aside, which
is the time of each run). A chunk that fails (an error, or its worker lost) is reported
and submitted again, up to ``attempts`` times in all.

``scheduler``: ``tcp://HOST:PORT`` of a running ``dask scheduler``, or ``local`` for a
cluster of worker processes on this machine.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Document

CHUNK_BYTES = 4 * 1024 * 1024  # text per task: large enough to amortise, small enough to retry
NLP_ATTRIBUTE = "annotator_suggest_nlp"

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the team extra is not installed: connect() says so
    WorkerPlugin = object  # type: ignore[assignment,misc]


class PipelinePlugin(WorkerPlugin):
    """Builds the suggester once per worker, when the worker starts (or joins later)."""

    name = "annotator-suggest-pipeline"

    def __init__(self, model: str):
        self.model = model

    def setup(self, worker) -> None:
        from annotator.suggest.pipeline import build_pipeline

        loaded = getattr(worker, NLP_ATTRIBUTE, None)
        if loaded is not None and loaded[0] == self.model:
            return  # registered again by a later run: the worker keeps its pipeline
        setattr(worker, NLP_ATTRIBUTE, (self.model, build_pipeline(self.model)))
        worker.annotator_pipeline_loads = getattr(worker, "annotator_pipeline_loads", 0) + 1


def suggest_chunk(texts: list[str]) -> list[list[dict]]:
    """On a worker: the suggestion dicts of each text, with the worker's pipeline."""
    from distributed import get_worker

    from annotator.suggest.runner import _docs

    _model, nlp = getattr(get_worker(), NLP_ATTRIBUTE)
    return [list(doc._.attributions or []) for doc in nlp.pipe(_docs(nlp, texts))]


def chunks(documents: Iterable[Document], limit: int = CHUNK_BYTES) -> Iterator[list[Document]]:
    """Consecutive documents, about ``limit`` bytes of UTF-8 text each (at least one)."""
    chunk: list[Document] = []
    size = 0
    for document in documents:
        length = len(document.text.encode("utf-8"))
        if chunk and size + length > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(document)
        size += length
    if chunk:
        yield chunk


def connect(scheduler: str, workers: int = 2):
    """A Dask client: to ``tcp://HOST:PORT``, or to a new local cluster of processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise AnnotatorError("--scheduler needs Dask: pip install -e '.[team]'") from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        return Client(cluster)
    if not scheduler.startswith("tcp://"):
        raise AnnotatorError(f"--scheduler takes tcp://HOST:PORT or local, not {scheduler!r}")
    try:
        return Client(scheduler, timeout="20s")
    except OSError as error:
        raise AnnotatorError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None


def run_chunks(client, function: Callable, work: Iterable[list[Document]], attempts: int = 3,
               report: Callable[[str], None] = lambda line: None,
               window: int | None = None) -> Iterator[tuple[list[Document], list]]:
    """(chunk, function's result) in the order of ``work``; at most ``window`` chunks in
    flight (memory stays bounded); a failed chunk is reported and submitted again."""
    window = window or max(2, 2 * len(client.scheduler_info().get("workers", {})))
    run_id = uuid.uuid4().hex[:8]
    pending: deque = deque()
    numbered = enumerate(work)

    def submit(number: int, chunk: list[Document], attempt: int):
        key = f"annotator-suggest-{run_id}-{number}-{attempt}"
        return client.submit(function, [document.text for document in chunk], key=key, pure=False)

    def fill() -> None:
        while len(pending) < window:
            item = next(numbered, None)
            if item is None:
                return
            number, chunk = item
            pending.append((number, chunk, 1, submit(number, chunk, 1)))

    fill()
    while pending:
        number, chunk, attempt, future = pending.popleft()
        while True:
            try:
                result = future.result()
                break
            except Exception as error:  # noqa: BLE001 - any failure of a task is retried
                where = f"chunk {number + 1} ({len(chunk)} document(s) from {chunk[0].id!r})"
                summary = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                if attempt >= attempts:
                    raise AnnotatorError(f"{where} failed {attempts} times; last: {type(error).__name__}: "
                                         f"{summary}") from None
                report(f"{where} failed ({type(error).__name__}: {summary}); retrying, attempt "
                       f"{attempt + 1} of {attempts}")
                attempt += 1
                future = submit(number, chunk, attempt)
        yield chunk, result
        fill()


def suggest_distributed(documents: Iterable[Document], scheduler: str, model: str | Path = "rules",
                        chunk_bytes: int = CHUNK_BYTES, report: Callable[[str], None] = lambda line: None,
                        workers: int = 2) -> Iterator[AnnotationRecord]:
    """One suggestion record per document, in corpus order, computed on the cluster."""
    from annotator.suggest import record_from_suggestions

    client = connect(scheduler, workers)
    try:
        client.register_plugin(PipelinePlugin(str(model)), name=PipelinePlugin.name)
        for chunk, results in run_chunks(client, suggest_chunk, chunks(documents, chunk_bytes), report=report):
            for document, suggestions in zip(chunk, results, strict=True):
                yield record_from_suggestions(document, suggestions)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None and scheduler == "local":
            cluster.close()
