"""Keys from suggestions to a correct annotation, on PolNeAR (gold) with the suggester.

    python benchmarks/bench_effort.py [--split dev] [--model rules] [--polnear DIR]

For each document: the suggester's attributions are decided against the gold ones
by the key model of ``annotator.session.effort`` (accept 1 key, reject 1 key, fixes by
next-best boundaries and token, phrase or sentence moves, missing ones created from
their cue); the same gold annotated from nothing is the baseline. Prints totals, keys
per gold attribution, the breakdown, and issue 11's targets next to the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator.formats.brat import read_brat  # noqa: E402
from annotator.session.effort import Effort, document_effort  # noqa: E402
from annotator.session.tokens import Tokens  # noqa: E402

# What issue 11 asks of the app with the rules' suggestions (before it: 10.1, 10.9, 15.7).
TARGETS = {"keys per gold attribution": 8.0, "keys per edited suggestion": 6.0,
           "keys per missed (created) attribution": 10.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("ANNOTATOR_POLNEAR_DIR") or str(ROOT.parent / "shared" / "data" / "polnear")
    parser.add_argument("--polnear", default=default)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--model", default="rules")
    parser.add_argument("--limit", type=int, default=0)
    arguments = parser.parse_args()
    root = Path(arguments.polnear) / arguments.split
    if not root.is_dir():
        print(f"PolNeAR not found at {root}: pass --polnear DIR or set ANNOTATOR_POLNEAR_DIR")
        sys.exit(2)
    imported = read_brat(root)
    gold = {}
    for record in imported.records:  # one annotator per document in train/dev
        gold.setdefault(record.doc_id, record)
    documents = [d for d in imported.documents if d.id in gold]
    if arguments.limit:
        documents = documents[: arguments.limit]
    from annotator.suggest import suggest_records

    started = time.perf_counter()
    suggested = {record.doc_id: record for record in suggest_records(documents, model=arguments.model)}
    elapsed = time.perf_counter() - started
    with_suggestions, from_scratch = Effort(), Effort()
    gold_count = 0
    for document in documents:
        tokens = Tokens(document.text)
        gold_attributions = list(gold[document.id].attributions)
        gold_count += len(gold_attributions)
        with_suggestions.add(document_effort(document.text, list(suggested[document.id].attributions),
                                             gold_attributions, tokens))
        from_scratch.add(document_effort(document.text, [], gold_attributions, tokens))
    print(f"{len(documents)} documents of PolNeAR {arguments.split}, {gold_count} gold attributions; "
          f"suggester {arguments.model!r} took {elapsed:.1f} s")
    for name, effort in (("with suggestions", with_suggestions), ("from nothing", from_scratch)):
        c = effort.counts
        print(f"{name:17} {effort.keys:6} keys = {effort.keys / max(1, gold_count):5.2f} per gold attribution")
        parts = []
        for kind in ("accepted as suggested", "edited", "rejected", "created"):
            if c[kind]:
                parts.append(f"{c[kind]} {kind} ({c['keys ' + kind] / c[kind]:.1f} keys each)")
        print(" " * 18 + "; ".join(parts) + f"; {c['documents']} x d")
        if c["remade"]:
            fixed = c["edited"] + c["remade"]
            print(" " * 18 + f"of the rejected, {c['remade']} had a gold partner made afresh instead of fixing the "
                  f"suggestion (x + making it: {c['keys remade'] / c['remade']:.1f} keys each); every suggestion "
                  f"with a partner to fix, either way: {(c['keys edited'] + c['keys remade']) / fixed:.2f} keys each; "
                  f"the {c['created'] - c['remade']} missed ones alone: "
                  f"{(c['keys created'] - c['keys remade'] + c['remade']) / max(1, c['created'] - c['remade']):.2f} keys each")
    saved = 1 - with_suggestions.keys / max(1, from_scratch.keys)
    print(f"suggestions save {saved:.0%} of the keys")
    c = with_suggestions.counts
    figures = {"keys per gold attribution": with_suggestions.keys / max(1, gold_count),
               "keys per edited suggestion": c["keys edited"] / max(1, c["edited"]),
               "keys per missed (created) attribution": c["keys created"] / max(1, c["created"])}
    print("targets (issue 11, with the rules' suggestions on PolNeAR dev):")
    for name, value in figures.items():
        target = TARGETS[name]
        print(f"  {name:38} {value:5.2f}  target <= {target:4.1f}  {'met' if value <= target else 'NOT met'}")


if __name__ == "__main__":
    main()
