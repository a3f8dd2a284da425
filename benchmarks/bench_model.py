"""Cost of a trained model: its size, its training time (from meta.json), and the
throughput of ``suggest --model`` on one process and on several.

    python benchmarks/bench_model.py MODEL_DIR [CORPUS.jsonl] [--docs 300] [--n-process 2] [--repeat 3]

Words are whitespace-separated words of the texts (PolNeAR dev by default, repeated to
reach --docs). Each round times one process, then --n-process processes, back to back
(the shared machine's speed drifts); the medians are printed, with CPU seconds (this
process and its workers) next to wall seconds. Targets (issue 10): MODEL_DIR <= 50 MB,
>= 3,000 words/s on one process, 2 processes faster than 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from annotator.suggest import suggest_records
    from annotator.suggest.pipeline import resolve_model_dir
    from annotator.suggest.runner import cached_pipeline

    folder = resolve_model_dir(args.model)
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("annotator_model", {})
    print(f"{folder}: {size:.1f} MB; trained in {meta.get('train_seconds')} s wall, "
          f"{meta.get('train_cpu_seconds')} s CPU on {meta.get('training_data', {}).get('documents')} documents")
    if args.corpus is None:
        from annotator.formats.brat import read_brat
        from annotator.suggest.build_lexicon import default_polnear_dir

        documents = read_brat(default_polnear_dir() / "dev").documents
    else:
        from annotator.corpus import load_corpus

        documents = load_corpus(args.corpus)
    documents = list(islice(cycle([d for d in documents if d.text.strip()]), args.docs))
    words = sum(len(d.text.split()) for d in documents)
    cached_pipeline(args.model)  # load once, outside the timings (as a long `suggest` run amortises it)
    print(f"{len(documents)} documents, {words} words; {args.repeat} rounds")

    def timed(label: str, n_process: int) -> float:
        start, cpu = time.perf_counter(), cpu_seconds()
        count = sum(1 for _ in suggest_records(documents, model=args.model, n_process=n_process))
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        assert count == len(documents)
        print(f"{label:<16} {words / wall:8.0f} words/s  (wall {wall:.1f} s, CPU {cpu:.1f} s: {words / cpu:.0f} words per CPU s)")
        return wall

    rounds = [(timed("1 process", 1), timed(f"{args.n_process} processes", args.n_process)) for _ in range(args.repeat)]
    one = statistics.median(r[0] for r in rounds)
    many = statistics.median(r[1] for r in rounds)
    print(f"median: 1 process {words / one:.0f} words/s (target >= 3000); {args.n_process} processes "
          f"{words / many:.0f} words/s, {one / many:.2f}x one (target > 1)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
