"""Team assignment: which annotator annotates which documents, and queue files.

``assign`` gives every document to ``overlap`` different annotators so that the
annotators' loads differ by at most one document and every pair of annotators shares
about as many documents as any other (which agreement needs). It is deterministic: the
same documents, annotators, overlap and seed give the same queues.

Queue file format (``queues/<annotator>.txt``, UTF-8): one document id per line, in the
order to annotate. Blank lines and lines starting with ``#`` are ignored. A line that
starts with ``"`` is a JSON string (used for ids that start with ``#``, ``"`` or
``{``, have surrounding spaces or hold control characters); a line that starts with
``{`` is a JSON object with a ``doc_id`` key (so JSONL queues from other tools work
too). Every other line is the id itself.
"""

from __future__ import annotations

import random
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from annotator.errors import AnnotatorError
from annotator.schema import Status


@dataclass
class Assignment:
    queues: dict[str, list[str]]  # annotator -> doc ids in order
    overlap: int
    seed: int

    def annotators_of(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for name, queue in self.queues.items():
            for doc_id in queue:
                result.setdefault(doc_id, []).append(name)
        return result

    def shared(self) -> dict[tuple[str, str], int]:
        """Documents each pair of annotators shares."""
        counts = {pair: 0 for pair in combinations(self.queues, 2)}
        for names in self.annotators_of().values():
            for pair in combinations(sorted(names, key=list(self.queues).index), 2):
                counts[pair] += 1
        return counts


def assign(doc_ids: Sequence[str], annotators: Sequence[str], overlap: int, seed: int = 0) -> Assignment:
    """Each document to ``overlap`` annotators; balanced loads and pairs; deterministic."""
    if len(set(annotators)) != len(annotators):
        raise AnnotatorError("an annotator is named twice")
    if not 1 <= overlap <= len(annotators):
        raise AnnotatorError(f"--overlap must be between 1 and the number of annotators ({len(annotators)})")
    if len(set(doc_ids)) != len(doc_ids):
        raise AnnotatorError("a document id occurs twice in the corpus")
    rng = random.Random(seed)
    order = list(doc_ids)
    rng.shuffle(order)
    # A fixed random rank breaks ties, so no annotator is always first.
    rank = {name: position for position, name in enumerate(rng.sample(list(annotators), len(annotators)))}
    load = {name: 0 for name in annotators}
    together = {frozenset(pair): 0 for pair in combinations(annotators, 2)}
    queues: dict[str, list[str]] = {name: [] for name in annotators}
    for position, doc_id in enumerate(order):
        chosen: list[str] = []
        rotation = position % len(annotators)  # shifts ties from document to document
        while len(chosen) < overlap:
            best = min(
                (name for name in annotators if name not in chosen),
                key=lambda name: (
                    load[name],
                    sum(together[frozenset((name, other))] for other in chosen),
                    (rank[name] - rotation) % len(annotators),
                ),
            )
            chosen.append(best)
        for name in chosen:
            load[name] += 1
            queues[name].append(doc_id)
        for a, b in combinations(chosen, 2):
            together[frozenset((a, b))] += 1
    return Assignment(queues, overlap, seed)


def _needs_quoting(doc_id: str) -> bool:
    return (
        not doc_id
        or doc_id[0] in '#"{'
        or doc_id != doc_id.strip()
        or any(not ch.isprintable() for ch in doc_id)
    )


def queue_lines(annotator: str, doc_ids: Iterable[str], header: str = "") -> str:
    import orjson

    lines = [f"# queue of {annotator}" + (f" ({header})" if header else "")]
    for doc_id in doc_ids:
        lines.append(orjson.dumps(doc_id).decode("utf-8") if _needs_quoting(doc_id) else doc_id)
    return "\n".join(lines) + "\n"


def write_queues(assignment: Assignment, directory: Path) -> list[Path]:
    """One queue file per annotator in ``directory`` (each written atomically)."""
    from annotator.fileio import atomic_writer
    from annotator.store import check_annotator_name

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, doc_ids in assignment.queues.items():
        path = directory / f"{check_annotator_name(name)}.txt"
        header = f"overlap {assignment.overlap}, seed {assignment.seed}, {len(doc_ids)} documents"
        with atomic_writer(path, "w") as stream:
            stream.write(queue_lines(name, doc_ids, header))
        written.append(path)
    return written


def stale_queues(directory: Path, annotators: Iterable[str]) -> list[Path]:
    """Queue files ``write_queues`` wrote in ``directory`` for annotators not given now:
    left from an earlier assignment, they would send someone to documents no longer theirs."""
    current = set(annotators)
    stale = []
    for path in sorted(Path(directory).glob("*.txt")):
        if path.stem in current or not path.is_file():
            continue
        try:
            with path.open(encoding="utf-8") as stream:
                first = stream.readline()
        except (OSError, UnicodeDecodeError):
            continue
        if first.startswith(f"# queue of {path.stem} ("):
            stale.append(path)
    return stale


def load_queue(path: Path, known_ids: Container[str] | None = None) -> list[str]:
    """The document ids of a queue file, in order; unknown or repeated ids are errors."""
    import orjson

    from annotator.fileio import iter_lines, read_text

    known = known_ids
    queue: list[str] = []
    seen: set[str] = set()
    for number, line in iter_lines(read_text(Path(path))):
        if not line.strip() or line.startswith("#"):
            continue
        if line[0] in '"{':
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise AnnotatorError(f"invalid JSON: {error}", path, number) from None
            if isinstance(value, dict):
                value = value.get("doc_id", value.get("id"))
            if not isinstance(value, str) or not value:
                raise AnnotatorError("expected a document id (a JSON string or {\"doc_id\": ...})", path, number)
            doc_id = value
        else:
            doc_id = line
        if known is not None and doc_id not in known:
            raise AnnotatorError(f"document {doc_id!r} is not in the corpus", path, number)
        if doc_id in seen:
            raise AnnotatorError(f"document {doc_id!r} is queued twice", path, number)
        seen.add(doc_id)
        queue.append(doc_id)
    return queue


def remaining(queue: Sequence[str], statuses: dict[str, Status]) -> list[str]:
    """The queue's documents not yet done or skipped (statuses: doc id -> latest status)."""
    return [doc_id for doc_id in queue if statuses.get(doc_id) not in (Status.done, Status.skipped)]


class _KnownIds:
    """``doc_id in known`` answered by a corpus index, without listing every id."""

    def __init__(self, corpus) -> None:
        self.corpus = corpus

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.corpus.position_of(doc_id) is not None


class QueueIndex:
    """A corpus index (annotator.corpus.index.DocumentIndex) narrowed to a queue, in its order.

    ``annotate --queue FILE`` opens the app on this instead of the whole corpus, so the
    annotator sees exactly their documents, in the order assigned.
    """

    def __init__(self, corpus, queue: Sequence[str]) -> None:
        self.path = corpus.path
        self.corpus = corpus
        self.queue = list(queue)
        self._corpus_positions: list[int] = []
        for doc_id in self.queue:
            position = corpus.position_of(doc_id)
            if position is None:
                raise AnnotatorError(f"document {doc_id!r} is not in the corpus", corpus.path)
            self._corpus_positions.append(position)
        self._queue_positions = {doc_id: index for index, doc_id in enumerate(self.queue)}

    def __len__(self) -> int:
        return len(self.queue)

    def document(self, position: int):
        return self.corpus.document(self._corpus_positions[position])

    def id_at(self, position: int) -> str:
        return self.queue[position]

    def position_of(self, doc_id: str, hint: int | None = None) -> int | None:
        return self._queue_positions.get(doc_id)


def open_queue(corpus, queue_file: Path) -> QueueIndex:
    """The corpus narrowed to a queue file; unknown or repeated ids are errors (file:line)."""
    return QueueIndex(corpus, load_queue(queue_file, _KnownIds(corpus)))
