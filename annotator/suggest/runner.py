"""Running the pipeline over many documents, in one process or several.

With several processes each worker holds its own pipeline and sends back only the
suggestion dicts of a batch (not whole Docs), in input order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from annotator.schema import AnnotationRecord, Document

_WORKER_NLP = None
# The last pipeline built in this process, by what it was built from: the app asks for
# suggestions one document at a time, and loading a model for each would cost more
# than suggesting. A model folder whose ``current`` link moved (train --watch) is a new key.
_LOADED: tuple[tuple, object] | None = None


def cached_pipeline(model: str | Path = "rules"):
    global _LOADED
    from annotator.suggest.pipeline import build_pipeline, resolve_model_dir

    if str(model) == "rules":
        key: tuple = ("rules",)
    else:
        path = resolve_model_dir(model)
        try:
            stamp = (path / "meta.json").stat().st_mtime_ns
        except OSError:
            stamp = None
        key = (str(path), stamp)
    if _LOADED is None or _LOADED[0] != key:
        _LOADED = (key, build_pipeline(model))
    return _LOADED[1]


def _worker_init(model: str) -> None:
    global _WORKER_NLP
    if _WORKER_NLP is None:
        from annotator.suggest.pipeline import build_pipeline

        _WORKER_NLP = build_pipeline(model)


def _docs(nlp, texts: list[str]):
    """Docs ready for ``nlp.pipe``, carrying their text (see components.TEXT_KEY)."""
    from annotator.suggest.components import TEXT_KEY

    for text in texts:
        doc = nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        yield doc


def _worker_batch(texts: list[str]) -> list[list[dict]]:
    nlp = _WORKER_NLP
    assert nlp is not None, "set by _worker_init"
    return [list(doc._.attributions or []) for doc in nlp.pipe(_docs(nlp, texts))]


class DocumentTooLong(Exception):
    """A document over the pipeline's ``max_length``: spaCy refuses it (error E088)."""

    def __init__(self, document: Document, limit: int):
        super().__init__(f"{document.id}: {len(document.text)} characters, limit {limit}")
        self.document = document
        self.limit = limit


def _batches(documents: Iterable[Document], size: int, limit: int) -> Iterator[list[Document]]:
    # Checked here, before a batch goes to a worker: there spaCy's error would end the pool.
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        for document in batch:
            if len(document.text) > limit:
                raise DocumentTooLong(document, limit)
        yield batch


def run(
    documents: Iterable[Document],
    model: str | Path = "rules",
    n_process: int = 1,
    batch_size: int = 32,
) -> Iterator[AnnotationRecord]:
    from annotator.suggest import record_from_suggestions

    batch_size = max(1, batch_size)
    if n_process <= 1:
        nlp = cached_pipeline(model)
        for batch in _batches(documents, batch_size, nlp.max_length):
            for document, doc in zip(batch, nlp.pipe(_docs(nlp, [d.text for d in batch]), batch_size=batch_size)):
                yield record_from_suggestions(document, doc._.attributions or [])
        return
    global _WORKER_NLP
    # Built (or taken from the cache) here: forked workers inherit it (a spawned worker
    # builds its own); never a pipeline of another model left from an earlier run.
    _WORKER_NLP = cached_pipeline(model)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(n_process, initializer=_worker_init, initargs=(str(model),)) as pool:
        pending: deque = deque()
        window = n_process * 4  # batches in flight: bounded memory on big corpora
        batches = _batches(documents, batch_size, _WORKER_NLP.max_length)
        for batch in batches:
            pending.append((batch, pool.apply_async(_worker_batch, ([d.text for d in batch],))))
            if len(pending) >= window:
                yield from _drain(pending.popleft())
        while pending:
            yield from _drain(pending.popleft())


def _drain(item) -> Iterator[AnnotationRecord]:
    from annotator.suggest import record_from_suggestions

    batch, result = item
    for document, suggestions in zip(batch, result.get()):
        yield record_from_suggestions(document, suggestions)
