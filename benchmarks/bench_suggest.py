"""Throughput of `annotator suggest` next to a bare spaCy tokenizer on the same texts.

    python benchmarks/bench_suggest.py [CORPUS.jsonl] [--docs 1000] [--n-process 2]

Prints documents/s and tokens/s for: spacy.blank("en") + sentencizer (the baseline),
the suggester on one process, and the suggester on --n-process processes, all in the
same run over the same texts (PolNeAR train by default, repeated to reach --docs).
Targets (issue 3): one process >= 0.5 of the baseline; 2 processes faster than 1.
"""

from __future__ import annotations

import argparse
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


def timed(label: str, run, documents, tokens: int) -> float:
    start = time.perf_counter()
    run(documents)
    elapsed = time.perf_counter() - start
    print(f"{label:<34} {len(documents) / elapsed:9.1f} docs/s {tokens / elapsed:11.0f} tokens/s ({elapsed:.1f} s)")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    import spacy

    from annotator.suggest import suggest_records
    from annotator.suggest.pipeline import build_pipeline

    documents = load_texts(args.corpus, args.docs)
    texts = [d.text for d in documents]
    baseline = spacy.blank("en")
    baseline.add_pipe("sentencizer")
    tokens = sum(len(doc) for doc in baseline.pipe(texts[:50])) * len(texts) // 50  # estimate first
    build_pipeline("rules")  # load lexicons once, outside the timings
    print(f"{len(documents)} documents, about {tokens} tokens")
    base = timed("blank('en') + sentencizer", lambda _: [len(d) for d in baseline.pipe(texts, batch_size=args.batch_size)], documents, tokens)
    one = timed("suggest, 1 process", lambda docs: list(suggest_records(docs, batch_size=args.batch_size)), documents, tokens)
    many = timed(
        f"suggest, {args.n_process} processes",
        lambda docs: list(suggest_records(docs, n_process=args.n_process, batch_size=args.batch_size)),
        documents,
        tokens,
    )
    print(f"suggest / baseline throughput (1 process): {base / one:.2f}  (target >= 0.5)")
    print(f"{args.n_process} processes vs 1: {one / many:.2f}x  (target > 1)")


if __name__ == "__main__":
    main()
