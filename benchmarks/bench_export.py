"""Export 10,000 documents in every format; print docs/s and peak memory per format.

Synthetic data: PolNeAR dev articles and their annotations (when present; else the seed
articles with one attribution per paragraph) repeated under new ids until there are N
documents, written as a corpus and one journal. Each format runs in a fresh process
(``python -m annotator export``) so its peak RSS is its own.

    /work/venv/bin/python benchmarks/bench_export.py [--documents 10000] [--formats jsonl,brat] [--shard-size 250]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.corpus import load_corpus  # noqa: E402
from annotator.fileio import dumps_line  # noqa: E402
from annotator.schema import AnnotationRecord, Attribution, Document, Span, Status  # noqa: E402
from annotator.store import now_utc  # noqa: E402

# Runs the CLI in a child process and prints the child's own peak RSS (KiB) last on stderr.
CHILD = (
    "import resource, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_module('annotator', run_name='__main__')\n"
    "finally:\n"
    "    print('peak_rss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)
FORMATS = ["jsonl", "spacy", "prodigy", "doccano", "labelstudio", "brat", "conll"]


def polnear_dev() -> Path | None:
    configured = os.environ.get("ANNOTATOR_POLNEAR_DIR")
    root = Path(configured) if configured else REPO.parent / "shared" / "data" / "polnear"
    if not (root / "dev").is_dir():
        root = REPO.parent.parent / "shared" / "data" / "polnear"
    return root / "dev" if (root / "dev").is_dir() else None


def seed_pairs() -> list[tuple[Document, AnnotationRecord]]:
    dev = polnear_dev()
    if dev is not None:
        from annotator.formats.brat import read_brat

        imported = read_brat(dev)
        by_id = {document.id: document for document in imported.documents}
        seen, pairs = set(), []
        for record in imported.records:
            if record.doc_id not in seen:
                seen.add(record.doc_id)
                pairs.append((by_id[record.doc_id], record))
        return pairs
    pairs = []
    for document in load_corpus(REPO / "seeds"):
        attributions = []
        start = 0
        for number, paragraph in enumerate(document.text.split("\n\n")):
            if len(paragraph.strip()) > 10:
                attributions.append(Attribution(id=f"a{number}", content=Span.from_text(document.text, start, start + len(paragraph))))
            start += len(paragraph) + 2
        pairs.append((document, AnnotationRecord(doc_id=document.id, annotator="bench", status=Status.done,
                                                  updated_at=now_utc(), text_sha1=document.sha1, attributions=attributions)))
    return pairs


def build(folder: Path, count: int) -> tuple[Path, Path]:
    pairs = seed_pairs()
    corpus, journal = folder / "corpus.jsonl", folder / "bench.jsonl"
    with corpus.open("wb") as docs, journal.open("wb") as records:
        for number in range(count):
            document, record = pairs[number % len(pairs)]
            doc_id = f"{document.id}~{number}"
            docs.write(dumps_line({**document.model_dump(mode="json"), "id": doc_id}))
            records.write(dumps_line({**record.model_dump(mode="json", exclude_none=True),
                                      "doc_id": doc_id, "annotator": "bench"}))
    return corpus, journal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--shard-size", type=int, default=250, help="spacy --shard-size (0: one DocBin)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        corpus, journal = build(folder, args.documents)
        size = corpus.stat().st_size / 1e6
        print(f"{args.documents} documents, corpus {size:.1f} MB, "
              f"{sum(1 for _ in journal.open('rb'))} records ({'PolNeAR dev' if polnear_dev() else 'seeds'})")
        print(f"{'format':12} {'seconds':>8} {'docs/s':>8} {'peak RSS MB':>12} {'output MB':>10}")
        for name in args.formats.split(","):
            out = folder / f"out-{name}"
            started = time.perf_counter()
            argv = ["annotator", "export", str(journal), "--corpus", str(corpus), "--format", name, "-o", str(out)]
            if name == "spacy" and args.shard_size:
                argv += ["--shard-size", str(args.shard_size)]
            result = subprocess.run([sys.executable, "-c", CHILD, *argv], cwd=REPO, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            peak = int(result.stderr.strip().splitlines()[-1].split()[-1])
            if result.returncode != 0:
                print(f"{name}: failed: {result.stderr.strip()}")
                continue
            written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) if out.is_dir() else out.stat().st_size
            shown = f"{peak / 1024:.0f}"
            print(f"{name:12} {elapsed:8.1f} {args.documents / elapsed:8.0f} {shown:>12} {written / 1e6:10.1f}")


if __name__ == "__main__":
    main()
