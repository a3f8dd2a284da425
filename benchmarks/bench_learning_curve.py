"""Learning curve of the project's model on PolNeAR: train on 25, 50, ... documents,
measure on dev, next to the rules.

    python benchmarks/bench_learning_curve.py [--sizes 25,50,100,200,400,all] [--iterations N]
                                              [--cue-arch auto|bilstm|crf] [--polnear DIR] [--seed 0]

For each size, the first N train documents of a seeded shuffle (each with its first
listed annotator) train a model exactly as ``annotator train`` does; the dev figures are
``annotator evaluate``'s (exact and overlap F1, first annotator of each dev document)
and the keys per gold attribution of the app's key model (``bench_effort.py``). Prints
training wall and CPU seconds (the forked cue tagger's included) and model size too. Models live in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.formats.brat import read_brat  # noqa: E402 (after sys.path)
from annotator.records import listed_annotators  # noqa: E402

FIGURES = (("content", "exact"), ("source", "exact"), ("cue", "exact"), ("relation", "exact"),
           ("content", "overlap"), ("relation", "overlap"))


def first_listed(imported):
    documents = {document.id: document for document in imported.documents}
    listed = listed_annotators(documents)
    chosen = {}
    for record in imported.records:
        order = listed.get(record.doc_id, [])
        current = chosen.get(record.doc_id)
        if current is None or (record.annotator in order and (current.annotator not in order or
                                                               order.index(record.annotator) < order.index(current.annotator))):
            chosen[record.doc_id] = record
    return documents, chosen


def score(nlp_or_model, documents, gold) -> dict:
    from annotator.evaluate import evaluate
    from annotator.session.effort import Effort, document_effort
    from annotator.session.tokens import Tokens
    from annotator.suggest import suggest_records

    ordered = [documents[doc_id] for doc_id in sorted(gold)]
    predicted = {record.doc_id: record for record in suggest_records(ordered, model=nlp_or_model)}
    report = evaluate(documents, predicted, gold, resamples=0)["scores"]
    effort = Effort()
    gold_count = 0
    for document in ordered:
        attributions = list(gold[document.id].attributions)
        gold_count += len(attributions)
        effort.add(document_effort(document.text, list(predicted[document.id].attributions), attributions,
                                   Tokens(document.text)))
    figures = {f"{t} {m}": report[t][m]["f1"] for t, m in FIGURES}
    figures["keys/gold"] = effort.keys / max(1, gold_count)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("ANNOTATOR_POLNEAR_DIR") or str(ROOT.parent / "shared" / "data" / "polnear")
    parser.add_argument("--polnear", default=default)
    parser.add_argument("--sizes", default="25,50,100,200,400,all")
    parser.add_argument("--iterations", type=int, default=0, help="L-BFGS iterations (default: annotator train's)")
    parser.add_argument("--cue-arch", choices=("auto", "bilstm", "crf"), default=None, help="default: annotator train's")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    polnear = Path(arguments.polnear)
    if not (polnear / "train").is_dir() or not (polnear / "dev").is_dir():
        print(f"PolNeAR not found at {polnear}: pass --polnear DIR or set ANNOTATOR_POLNEAR_DIR")
        sys.exit(2)
    from annotator.model.learn import fit
    from annotator.model.package import build_model_pipeline, write_model
    from annotator.model.training import _cpu_seconds

    train_docs, train_gold = first_listed(read_brat(polnear / "train"))
    dev_docs, dev_gold = first_listed(read_brat(polnear / "dev"))
    ids = sorted(train_gold)
    random.Random(arguments.seed).shuffle(ids)
    settings: dict = {"cue_iterations": arguments.iterations, "role_iterations": arguments.iterations} if arguments.iterations else {}
    if arguments.cue_arch:
        settings["cue_arch"] = arguments.cue_arch
    header = f"{'train docs':>10} " + " ".join(f"{t[:4]}-{m[:2]:>2}" for t, m in FIGURES) + "  keys/gold  train s (CPU s)  MB"
    print(header)
    rules = score("rules", dev_docs, dev_gold)
    print(f"{'rules':>10} " + " ".join(f"{100 * (rules[f'{t} {m}'] or 0):7.1f}" for t, m in FIGURES)
          + f"  {rules['keys/gold']:9.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="annotator-curve-") as scratch:
        for size in arguments.sizes.split(","):
            count = len(ids) if size == "all" else min(int(size), len(ids))
            pairs = [(train_docs[doc_id], train_gold[doc_id]) for doc_id in ids[:count]]
            started, cpu = time.perf_counter(), _cpu_seconds()
            model, counts = fit(pairs, settings)
            wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
            # fit resolved the cue threshold (in the model) and the rules' fallback (in counts)
            nlp = build_model_pipeline(model, rules_fallback=counts.rules_fallback)
            folder = write_model(nlp, Path(scratch) / f"m{count}", {"settings": settings})
            megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
            figures = score(folder, dev_docs, dev_gold)
            print(f"{count:>10} " + " ".join(f"{100 * (figures[f'{t} {m}'] or 0):7.1f}" for t, m in FIGURES)
                  + f"  {figures['keys/gold']:9.2f}  {wall:7.0f} ({cpu:5.0f})  {megabytes:4.1f}", flush=True)


if __name__ == "__main__":
    main()
