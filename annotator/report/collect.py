"""What a report shows, gathered from journals, the corpus, suggestions and gold (headless).

Every figure comes from the module that owns it, so the page and the terminal agree:
agreement from ``agreement.measure`` on the records ``agree`` compares (the latest
record per document and annotator, none skipped, no gold), evaluation from
``evaluate.evaluate`` on the records ``evaluate`` picks, outcomes as ``stats`` counts
them. The journals are read once, every line, for both the latest records and the
times of all saves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path

from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Document, Status
from annotator.store import JournalContents, PlainContents, PlainRecord

OUTCOMES = ("accepted", "edited", "added", "rejected", "manual")
UNKNOWN_SUGGESTER = "(suggester not given)"


@dataclass
class ReportData:
    documents: dict[str, Document]
    inputs: list[str]
    contents: PlainContents  # every record as plain data: 60,000 models would take half a minute
    saves: list[tuple[str, datetime]] = field(default_factory=list)  # (annotator, time) of every line
    agreement: dict | None = None  # agree --json's object, plus by_doc
    outcomes: dict[str, Counter] = field(default_factory=dict)  # suggester -> outcome counts
    evaluation: dict[str, dict] = field(default_factory=dict)  # suggester -> evaluate's report
    annotator_evaluation: dict[str, dict] = field(default_factory=dict)  # annotator -> evaluate's report
    notes: list[str] = field(default_factory=list)
    # doc id -> token table agreement's background workers made (matching's, without
    # whitespace tokens): the page renders with them instead of loading spaCy again.
    tables: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    _latest: dict | None = field(default=None, repr=False, compare=False)

    def latest_by_document(self) -> dict[str, dict[str, PlainRecord]]:
        """doc id -> annotator -> latest record, skipped records left out (made once: the
        page asks several times, and 60,000 records take seconds to walk)."""
        if self._latest is None:
            out: dict[str, dict[str, PlainRecord]] = {}
            for record in self.contents.latest.values():
                if record.status != Status.skipped:
                    out.setdefault(record.doc_id, {})[record.annotator] = record
            self._latest = out
        return self._latest

    def tokens(self, doc_id: str):
        """The document's matching.WordTokens from a table already made, or None."""
        table = self.tables.get(doc_id)
        if table is None:
            return None
        import numpy as np

        from annotator.matching import WordTokens

        return WordTokens(self.documents[doc_id].text, table=np.asarray(table))

    def models(self, doc_id: str) -> dict[str, AnnotationRecord]:
        """A document's latest records (as ``latest_by_document``) as models, for rendering."""
        return {name: record.model() for name, record in self.latest_by_document()[doc_id].items()}


def read_everything(paths: Sequence[Path]) -> tuple[PlainContents, list[tuple[str, datetime]]]:
    """The latest records (as ``records.read_plain_journals``) and the time of every save, in one pass."""
    from annotator.records import expand_journals
    from annotator.store import iter_plain_lines

    contents = PlainContents()
    saves: list[tuple[str, datetime]] = []
    for path in expand_journals(paths):
        for number, record, problem in iter_plain_lines(Path(path)):
            contents.lines_read += 1
            if problem is not None:
                contents.problems.append(problem)
                continue
            assert record is not None
            contents.latest[record.key] = record
            contents.line_of[record.key] = (str(path), number)
            saves.append((record.annotator, record.updated_at))
    return contents, saves


def agreement_records(contents: PlainContents) -> list[PlainRecord]:
    """The records ``annotator agree`` compares: latest, not skipped, not gold."""
    return [
        record
        for record in contents.latest.values()
        if record.status != Status.skipped and record.adjudicator is None
    ]


def suggester_of(doc_id: str, suggesters: dict[str, str]) -> str:
    """Which suggester proposed a document's suggestions: the suggestion record's annotator.

    The one place that decides it (attributions will name their suggester themselves).
    """
    return suggesters.get(doc_id, UNKNOWN_SUGGESTER)


def outcome_counts(records: Iterable[AnnotationRecord | PlainRecord], suggesters: dict[str, str]) -> dict[str, Counter]:
    """Suggestion outcomes per suggester, counted as ``stats`` counts them (gold left out)."""
    out: dict[str, Counter] = {}
    actions: dict[str, Counter] = {}  # suggester -> Action (None: manual) -> attributions
    suggester_names = set(suggesters.values())
    for record in records:
        if record.adjudicator is not None or record.annotator in suggester_names:
            continue
        name = suggester_of(record.doc_id, suggesters)
        counts = out.setdefault(name, Counter({outcome: 0 for outcome in OUTCOMES}))
        actions.setdefault(name, Counter()).update(map(_ACTION, record.attributions))  # counted in C
        counts["rejected"] += len(record.rejected)
    for name, found in actions.items():
        for action, count in found.items():
            out[name][action.value if action else "manual"] += count
    return out


_ACTION = attrgetter("action")  # models and schema.AttributionData alike


def collect(
    journals: Sequence[Path],
    corpus: Path,
    suggestions: Path | None = None,
    gold: Path | None = None,
) -> ReportData:
    import gc

    from annotator.agreement import BackgroundTokens
    from annotator.records import check_against_corpus, journal_doc_ids, load_documents

    documents = load_documents(corpus)
    gc_was = gc.isenabled()
    gc.disable()  # many small objects and no cycles: collection passes only cost time
    try:
        with BackgroundTokens(
            {doc_id: documents[doc_id].text for doc_id in sorted(journal_doc_ids(journals)) if doc_id in documents}
        ) as background:
            contents, saves = read_everything(journals)
            if not contents.latest:
                raise AnnotatorError("no annotation records found", ", ".join(map(str, journals)))
            def check(spans: bool = True) -> None:
                check_against_corpus(contents.latest.values(), documents, contents, spans=spans)

            try:  # documents and fingerprints now; the spans while the workers compare (measure)
                check(spans=False)
            except AnnotatorError:
                check()  # the first record's problem, as agree reports it
                raise
            data = ReportData(documents, [str(p) for p in journals], contents, saves)
            records = agreement_records(contents)
            names = sorted({record.annotator for record in records})
            if len(names) >= 2:
                from annotator.agreement import measure

                result = measure(
                    documents, records, names, by_doc=True, background=background, check=check, idle=_load_charts
                )
                data.agreement = result.to_json()
                data.tables = background.tables()
            else:
                check()
                data.notes.append(
                    f"Agreement needs at least two annotators; these journals hold {len(names)}."
                )
        _suggestions(data, suggestions, gold)
    finally:
        if gc_was:
            # The millions of objects made with collection off are all still in its
            # youngest generation: enabled as they are, the next collections would walk
            # every one of them (seconds, as the page is built). They live as long as
            # the report; frozen, collections pass them over.
            gc.freeze()
            gc.enable()
    return data


def _load_charts() -> None:
    """Import the plotting library (a second's work), while the tokenising worker finishes."""
    from annotator.report.charts import _pyplot

    _pyplot()


def _suggestions(data: ReportData, suggestions: Path | None, gold: Path | None) -> None:
    from annotator.records import (
        check_against_corpus,
        listed_annotators,
        per_document,
        read_journals,
    )

    suggesters: dict[str, str] = {}
    suggested = None
    if suggestions is not None:
        suggested = read_journals([suggestions])
        if not suggested.latest:
            raise AnnotatorError("no suggestion records found", suggestions)
        for (doc_id, name) in suggested.latest:
            suggesters.setdefault(doc_id, name)
    data.outcomes = outcome_counts(data.contents.latest.values(), suggesters)
    if gold is None:
        return
    gold_contents = read_journals([gold])
    gold_records = per_document(gold_contents, listed=listed_annotators(data.documents))
    if not gold_records:
        raise AnnotatorError("no gold annotations found", gold)
    check_against_corpus(gold_records.values(), data.documents, gold_contents)
    from annotator.evaluate import evaluate

    # Each annotator's latest records (not skipped) against gold, as `annotator evaluate
    # JOURNAL GOLD` scores them; gold records among the journals are not an annotator's work.
    annotators = sorted({record.annotator for record in agreement_records(data.contents)})
    models = as_models(data.contents)  # evaluate works on models
    for name in annotators:
        predicted = per_document(models, [name])
        data.annotator_evaluation[name] = evaluate(data.documents, predicted, gold_records)
    if suggested is None:
        data.notes.append("--gold was given without --suggestions: there are no suggestions to score.")
        return
    for name in sorted(set(suggesters.values())):
        predicted = per_document(suggested, [name], skip_skipped=False)
        check_against_corpus(
            (record for doc_id, record in predicted.items() if doc_id in gold_records), data.documents, suggested
        )
        data.evaluation[name] = evaluate(data.documents, predicted, gold_records)


def timeline(saves: Sequence[tuple[str, datetime]]) -> tuple[dict[str, dict[str, int]], str]:
    """Saves per annotator per day, or per hour when they all fall within three days."""
    if not saves:
        return {}, "day"
    moments = [moment for _, moment in saves]
    hourly = (max(moments) - min(moments)).total_seconds() <= 3 * 86400
    pattern = "%Y-%m-%d %H:00" if hourly else "%Y-%m-%d"
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    # UTC hours and days are whole steps from the epoch: each save's step is an exact
    # integer, and each step is written out once (a journal saves many times an hour).
    labels: dict[int, str] = {}
    series: dict[str, Counter] = {}
    for (name, _), moment in zip(saves, moments):
        bucket = (moment - _EPOCH) // step
        label = labels.get(bucket)
        if label is None:
            label = labels[bucket] = (_EPOCH + bucket * step).strftime(pattern)
        series.setdefault(name, Counter())[label] += 1
    return {name: dict(series[name]) for name in sorted(series)}, "hour (UTC)" if hourly else "day (UTC)"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_models(contents: PlainContents) -> JournalContents:
    """The same contents with AnnotationRecords."""
    latest = {key: record.model() for key, record in contents.latest.items()}
    return JournalContents(latest, contents.line_of, contents.problems, contents.lines_read)


def progress(contents: PlainContents) -> dict[str, dict[str, int]]:
    """Per annotator (gold names too): documents by status and attributions, as ``stats``."""
    rows: dict[str, Counter] = {}
    for record in contents.latest.values():
        row = rows.setdefault(record.annotator, Counter())
        row[record.status.value] += 1
        row["attributions"] += len(record.attributions)
        if record.adjudicator is not None:
            row["gold"] += 1
    return {name: dict(rows[name]) for name in sorted(rows)}
