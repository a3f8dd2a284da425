"""Benchmark: `annotator agree` on 1,000 documents x 6 annotators (target: <= 5 s).

Documents are real PolNeAR articles (train + dev; $ANNOTATOR_POLNEAR_DIR or
../shared/data/polnear), cycled to 1,000 and kept distinct (a repeated article gets a
numbered first line, offsets shifted), so tokenisation cannot be served from a cache.
Each article's first real annotation is the base; six annotators each get a
perturbed copy (seeded): some attributions dropped, boundaries moved by a word,
sources removed, spurious attributions added, at rates that put agreement near the
real six-annotator figures (printed next to the timing), not at a perfect 1.0.

Run from the repository root:  /work/venv/bin/python benchmarks/bench_agree.py [KEEP_DIR]
It prints the seconds of a cold end-to-end run of the CLI (a new process: imports,
reading and checking corpus and journals, tokenising, all figures, `--json`), wall
clock and CPU (the CLI and its worker processes), with the machine's load average:
on a shared machine the wall clock says as much about the neighbours as about us.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.corpus import write_corpus_jsonl  # noqa: E402
from annotator.formats.brat import read_brat  # noqa: E402
from annotator.schema import AnnotationRecord, Attribution, Document, Span  # noqa: E402
from annotator.store import Journal  # noqa: E402

DOCUMENTS = 1000
ANNOTATORS = ["ann1", "ann2", "ann3", "ann4", "ann5", "ann6"]
# Perturbation rates, set so that agreement lands near the real six-annotator figures of
# PolNeAR annotator-training (alpha 0.81, content exact F1 0.73, relation overlap F1 0.80).
WOBBLE = 0.15  # a span boundary moved by a word
DROP = 0.08  # an attribution left out
NO_SOURCE = 0.05  # the source left out
SPURIOUS = 0.3  # per document, one extra attribution on a random stretch of text


def polnear() -> Path:
    configured = os.environ.get("ANNOTATOR_POLNEAR_DIR")
    if configured:
        return Path(configured)
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "data" / "polnear").is_dir():
            return base / "shared" / "data" / "polnear"
    sys.exit("PolNeAR not found: set ANNOTATOR_POLNEAR_DIR")


def shift_span(span: Span | None, text: str, shift: int) -> Span | None:
    if span is None:
        return None
    return Span.from_pieces(text, [(a + shift, b + shift) for a, b in span.pieces])


def wobble(span: Span, text: str, rng: random.Random) -> Span:
    """Move one boundary of a contiguous span by one word, as annotators do."""
    if span.fragments or rng.random() > WOBBLE:
        return span
    start, end = span.start, span.end
    if rng.random() < 0.5:
        space = text.rfind(" ", 0, end - 1)
        if space > start:
            end = space
    else:
        space = text.find(" ", end + 1)
        if 0 < space < len(text) and "\n" not in text[end:space]:
            end = space
    return Span.from_text(text, start, end)


def perturb(base: list[Attribution], text: str, rng: random.Random) -> list[Attribution]:
    out = []
    for index, attribution in enumerate(base):
        if rng.random() < DROP:
            continue
        source = attribution.source if rng.random() > NO_SOURCE else None
        out.append(
            attribution.model_copy(
                update={
                    "id": f"a{index}",
                    "content": wobble(attribution.content, text, rng),
                    "source": source,
                    "cue": wobble(attribution.cue, text, rng) if attribution.cue else None,
                }
            )
        )
    if base and rng.random() < SPURIOUS:
        start = rng.randrange(0, max(1, len(text) - 80))
        while start < len(text) and text[start].isspace():
            start += 1
        end = min(len(text), start + 60)
        while end > start + 1 and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append(Attribution(id="extra", content=Span.from_text(text, start, end)))
    return out


def build(target: Path) -> tuple[Path, Path]:
    root = polnear()
    articles: list[tuple[Document, list[Attribution]]] = []
    for compartment in ("train", "dev"):
        if (root / compartment / "text").is_dir():
            imported = read_brat(root / compartment)
            first: dict[str, list[Attribution]] = {}
            for record in imported.records:
                first.setdefault(record.doc_id, record.attributions)
            articles.extend((doc, first.get(doc.id, [])) for doc in imported.documents)
    rng = random.Random(7)
    documents: list[Document] = []
    journals = {name: [] for name in ANNOTATORS}
    for number in range(DOCUMENTS):
        original, base = articles[number % len(articles)]
        prefix = "" if number < len(articles) else f"Copy {number}.\n"
        text = prefix + original.text
        shift = len(prefix)
        shifted = [
            a.model_copy(
                update={
                    "content": shift_span(a.content, text, shift),
                    "source": shift_span(a.source, text, shift),
                    "cue": shift_span(a.cue, text, shift),
                }
            )
            for a in base
        ]
        document = Document(id=f"doc{number:04d}", text=text)
        documents.append(document)
        for name in ANNOTATORS:
            journals[name].append(
                AnnotationRecord(
                    doc_id=document.id,
                    annotator=name,
                    status="done",
                    updated_at="2026-01-01T00:00:00Z",
                    text_sha1=document.sha1,
                    attributions=perturb(shifted, text, rng),
                )
            )
    corpus = target / "corpus.jsonl"
    write_corpus_jsonl(documents, corpus)
    folder = target / "annotations"
    for name, records in journals.items():
        Journal(folder / f"{name}.jsonl").append_many(records)
    return corpus, folder


def main() -> None:
    keep = sys.argv[1] if len(sys.argv) > 1 else None  # a folder to keep the data in
    with tempfile.TemporaryDirectory() as temp:
        target = Path(keep or temp)
        target.mkdir(parents=True, exist_ok=True)
        corpus, folder = build(target)
        chars = sum(len(line) for line in corpus.read_text(encoding="utf-8").splitlines())
        env = dict(os.environ, PYTHONPATH=str(REPO))
        import resource

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "annotator", "agree", folder, "--corpus", corpus, "--json"],
            capture_output=True, text=True, env=env, cwd=REPO,
        )
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if result.returncode:
            sys.exit(result.stderr)
        import orjson

        report = orjson.loads(result.stdout)
        print(
            f"agree CLI, {DOCUMENTS} documents x {len(ANNOTATORS)} annotators "
            f"({report['units']} tokens, {chars / 1e6:.1f} MB corpus): {elapsed:.2f} s wall, "
            f"{cpu:.2f} s CPU, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            f"(alpha {report['alpha']:.3f}, agr {report['agr']:.3f}, content exact F1 "
            f"{report['roles']['content']['f1']['exact']:.3f}, relation overlap F1 "
            f"{report['relation']['f1']['overlap']:.3f}, {len(report['pairs'])} pairs)"
        )


if __name__ == "__main__":
    main()
