"""Where agreement's CPU goes, one stage at a time, in one process (no workers).

Run from the repository root, on bench_report's data (see bench_report.py):
    python benchmarks/stages_agree.py /tmp/bench10k
Prints each stage's CPU seconds (time.process_time, this process only): reading the
corpus, tokenising, reading and validating the journals, checking them against the
corpus, turning spans into columns, the array comparison and the rest of ``measure``
(alpha, pairs, per-document rows). Each stage runs once, in the order ``agree`` runs
them; the command itself overlaps tokenising with reading and splits the comparison over
two workers, so its wall clock is less than the sum.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench10k")
    corpus, journals = folder / "corpus.jsonl", folder / "annotations"
    started = time.process_time()
    from annotator import agreement, agreement_arrays, matching, records

    gc.disable()  # as agree does
    lap = [started]
    figures: list[tuple[str, float]] = []

    def stage(name: str) -> None:
        now = time.process_time()
        figures.append((name, now - lap[0]))
        lap[0] = now
        print(f"{name:<34} {figures[-1][1]:6.1f} s CPU", flush=True)

    stage("imports")
    documents = records.load_documents(corpus)
    stage("corpus")
    plain = hasattr(records, "read_plain_journals")
    contents = records.read_plain_journals([journals]) if plain else records.read_journals([journals])
    stage("journals (read, validate)")
    chosen = [record for record in contents.latest.values() if record.adjudicator is None]
    records.check_against_corpus(chosen, documents, contents)
    stage("check against corpus")
    by_document: dict[str, dict] = {}
    for record in chosen:
        by_document.setdefault(record.doc_id, {})[record.annotator] = record
    names = sorted({record.annotator for record in chosen})
    doc_ids = sorted(by_document)
    texts = [documents[doc_id].text for doc_id in doc_ids]
    tables = matching._tables_of(texts)
    stage("tokenise")
    grouped = [by_document[doc_id] for doc_id in doc_ids]
    if hasattr(agreement_arrays, "span_columns"):
        columns = agreement_arrays.span_columns(grouped, names)
        stage("spans to columns")
        agreement_arrays.compare_columns(texts, tables, columns)
    else:
        agreement_arrays.compare_corpus(texts, tables, grouped, names)
    stage("array comparison")

    class Ready:  # the tables made above, as BackgroundTokens hands them over
        def ready(self):
            return True

        def tables(self):
            return dict(zip(doc_ids, tables))

    matching.worker_processes = lambda items: 1  # type: ignore[assignment]  # no workers: CPU of this process only
    before = time.process_time()
    result = agreement.measure(documents, chosen, names, by_doc=True, background=Ready())  # type: ignore[arg-type]
    result.to_json()
    whole = time.process_time() - before
    compare = sum(seconds for name, seconds in figures if name in ("spans to columns", "array comparison"))
    figures.append(("alpha, pairs, per-document rows", whole - compare))
    print(f"{'alpha, pairs, per-document rows':<34} {whole - compare:6.1f} s CPU (measure {whole:.1f} s minus the comparison)")
    print(f"{'total':<34} {sum(seconds for _, seconds in figures):6.1f} s CPU")


if __name__ == "__main__":
    main()
