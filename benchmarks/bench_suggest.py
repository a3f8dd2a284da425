"""Throughput of `annotator suggest` next to a bare spaCy tokenizer on the same texts.

    python benchmarks/bench_suggest.py [CORPUS.jsonl] [--docs 1000] [--n-process 2]

Prints documents/s and tokens/s for: spacy.blank("en") + sentencizer (the baseline),
the suggester on one process, and the suggester on --n-process processes, all in the
same run over the same texts (PolNeAR train by default, repeated to reach --docs).
Targets (issue 3): one process >= 0.5 of the baseline; 2 processes faster than 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def load_texts(corpus: Path | None, count: int):
    from annotator.corpus import load_corpus

    if corpus is None:
        from annotator.formats.brat import read_brat
        from annotator.suggest.build_lexicon import default_polnear_dir

        documents = read_brat(default_polnear_dir() / "train").documents
    else:
        documents = load_corpus(corpus)
    documents = [d for d in documents if d.text.strip()]
    if not documents:
        raise SystemExit("no documents to benchmark")
    return list(islice(cycle(documents), count))


def consume(records) -> int:
    return sum(1 for _ in records)


def timed(label: str, run, documents, tokens: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process); prints throughput by wall clock."""
    start, cpu_start = time.perf_counter(), time.process_time()
    run(documents)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(
        f"{label:<30} {len(documents) / elapsed:8.1f} docs/s {tokens / elapsed:10.0f} tokens/s "
        f"(wall {elapsed:.1f} s, this process's CPU {cpu:.1f} s)"
    )
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median ratio counts")
    args = parser.parse_args()

    import spacy

    from annotator.suggest import suggest_records
    from annotator.suggest.pipeline import build_pipeline

    documents = load_texts(args.corpus, args.docs)
    texts = [d.text for d in documents]

    def blank_pipeline():
        # A fresh pipeline (and vocabulary) per run, as `suggest` builds one per run.
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        return nlp

    tokens = sum(len(doc) for doc in blank_pipeline().pipe(texts[:50])) * len(texts) // 50
    build_pipeline("rules")  # imports and lexicon files once, outside the timings
    print(f"{len(documents)} documents, about {tokens} tokens; {args.repeat} rounds")

    def baseline(_):
        return [len(d) for d in blank_pipeline().pipe(texts, batch_size=args.batch_size)]

    # Records are consumed one by one and dropped, as `annotator suggest` writes them
    # out (and as the baseline drops its Docs): holding them all would time the
    # garbage collector's passes over a growing heap, not the suggester.
    def one_process(docs):
        return consume(suggest_records(docs, batch_size=args.batch_size))

    def many_processes(docs):
        return consume(suggest_records(docs, n_process=args.n_process, batch_size=args.batch_size))

    # The machine's speed drifts (other work on the host): each round times all three
    # back to back, and ratios are taken within a round, then their median.
    rounds = []
    for _ in range(args.repeat):
        rounds.append(
            (
                timed("blank('en') + sentencizer", baseline, documents, tokens),
                timed("suggest, 1 process", one_process, documents, tokens),
                timed(f"suggest, {args.n_process} processes", many_processes, documents, tokens),
            )
        )
    wall = statistics.median(base[0] / one[0] for base, one, _ in rounds)
    cpu = statistics.median(base[1] / one[1] for base, one, _ in rounds)
    speedup = statistics.median(one[0] / many[0] for _, one, many in rounds)
    print(f"suggest / baseline throughput, 1 process, wall clock: {wall:.2f}  (median of rounds; target >= 0.5)")
    print(f"suggest / baseline throughput, 1 process, CPU time:   {cpu:.2f}  (fairer on a shared machine)")
    print(f"{args.n_process} processes vs 1, wall clock: {speedup:.2f}x  (target > 1; needs {args.n_process} idle cores)")
    try:
        import os

        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    except (AttributeError, OSError):
        pass


if __name__ == "__main__":
    main()
