"""Regenerate the cue lexicon from PolNeAR train: ``python -m annotator.suggest.build_lexicon``.

For every word form, lemma and short phrase seen inside a gold CUE span (first
annotator of each document), the lexicon keeps how often it occurs inside a cue and
how often it occurs at all, and so its precision as a cue. Only train is read; dev is
kept for measuring.

    python -m annotator.suggest.build_lexicon [POLNEAR_DIR] [-o annotator/suggest/lexicons/cues.tsv]
"""

from __future__ import annotations

import argparse
import csv
import os
from collections import Counter
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"
MIN_CUE_COUNT = 2  # entries seen fewer times inside cues are noise
MAX_PHRASE_TOKENS = 4
PHRASE_MIN_COUNT = 3
CONTEXT_MIN_TOTAL = 5  # context entries ("say|that", "he|say") need this much support


def default_polnear_dir() -> Path:
    env = os.environ.get("ANNOTATOR_POLNEAR_DIR")
    if env:
        return Path(env)
    for candidate in (Path("../shared/data/polnear"), Path("../../shared/data/polnear")):
        if candidate.is_dir():
            return candidate
    return Path("../shared/data/polnear")


def first_annotator_records(polnear: Path, compartment: str):
    """(Document, first annotator's AnnotationRecord) for each document of a compartment."""
    from annotator.formats.brat import read_brat

    order: dict[str, str] = {}
    with open(polnear / "metadata.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            order[row["filename"]] = row["annotators"].split("|")[0]
    imported = read_brat(polnear / compartment)
    records = {(r.doc_id, r.annotator): r for r in imported.records}
    for document in imported.documents:
        record = records.get((document.id, order.get(document.id, "")))
        if record is not None:
            yield document, record


def _neighbour(words: list[str], i: int) -> str:
    """The neighbouring word, skipping whitespace tokens ("" at the document edges)."""
    step = 1 if i > 0 else -1
    while 0 <= i < len(words) and not words[i].strip():
        i += step
    return words[i] if 0 <= i < len(words) else ""


def build(polnear: Path, compartment: str = "train") -> list[tuple[str, str, int, int]]:
    from annotator.suggest.pipeline import build_base_pipeline

    nlp = build_base_pipeline()
    pairs = list(first_annotator_records(polnear, compartment))
    inside: Counter = Counter()
    total: Counter = Counter()
    phrase_inside: Counter = Counter()
    phrase_texts: list[list[str]] = []
    for document, record in pairs:
        doc = nlp(document.text)
        in_cue = [False] * len(doc)
        cue_token_runs = []
        for attribution in record.attributions:
            if attribution.cue is None:
                continue
            run = []
            for start, end in attribution.cue.pieces:
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is None:
                    continue
                for token in span:
                    in_cue[token.i] = True
                    run.append(token.lower_)
            cue_token_runs.append(run)
        words = [t.lower_ for t in doc]
        for token in doc:
            if token.is_space:
                continue
            lemma = token.lemma_.lower()
            i = token.i
            keys = [("form", token.lower_), ("lemma", lemma)]
            # The words around a token tell a cue from its other uses ("show that" vs "the show").
            keys.append(("next", f"{lemma}|{_neighbour(words, i + 1)}"))
            keys.append(("prev", f"{_neighbour(words, i - 1)}|{lemma}"))
            for key in keys:
                total[key] += 1
                if in_cue[i]:
                    inside[key] += 1
        # Phrases: n-grams of multiword cues, counted inside cues here and in the
        # whole text below.
        for run in cue_token_runs:
            for n in range(2, MAX_PHRASE_TOKENS + 1):
                for i in range(len(run) - n + 1):
                    phrase_inside[tuple(run[i : i + n])] += 1
        phrase_texts.append([t.lower_ for t in doc])
    phrases = {p for p, c in phrase_inside.items() if c >= PHRASE_MIN_COUNT}
    phrase_total: Counter = Counter()
    for words in phrase_texts:
        for n in range(2, MAX_PHRASE_TOKENS + 1):
            for i in range(len(words) - n + 1):
                gram = tuple(words[i : i + n])
                if gram in phrases:
                    phrase_total[gram] += 1
    rows = []
    cue_lemmas = {key for (kind, key), count in inside.items() if kind == "lemma" and count >= MIN_CUE_COUNT}
    for (kind, key), seen in total.items():
        count = inside[(kind, key)]
        if kind in ("form", "lemma"):
            if count >= MIN_CUE_COUNT:
                rows.append((kind, key, count, seen))
        elif seen >= CONTEXT_MIN_TOTAL:
            lemma = key.split("|")[0 if kind == "next" else 1]
            if lemma in cue_lemmas:
                rows.append((kind, key, count, seen))
    for phrase in phrases:
        rows.append(("phrase", " ".join(phrase), phrase_inside[phrase], max(phrase_total[phrase], phrase_inside[phrase])))
    rows.sort(key=lambda row: (row[0], -row[2], row[1]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("polnear", nargs="?", type=Path, default=None)
    parser.add_argument("-o", "--out", type=Path, default=LEXICON_DIR / "cues.tsv")
    args = parser.parse_args(argv)
    polnear = args.polnear or default_polnear_dir()
    rows = build(polnear)
    from annotator.fileio import atomic_writer

    with atomic_writer(args.out) as stream:
        stream.write("# Cue lexicon built from PolNeAR train (first annotator) by "
                     "python -m annotator.suggest.build_lexicon; precision = in_cue / total\n")
        stream.write("kind\tkey\tin_cue\ttotal\tprecision\n")
        for kind, key, count, seen in rows:
            stream.write(f"{kind}\t{key}\t{count}\t{seen}\t{count / seen:.4f}\n")
    args.out.chmod(0o644)  # package data: readable by everyone (the temp file was 0600)
    print(f"{args.out}: {len(rows)} entries")


if __name__ == "__main__":
    main()
