"""Adjudication: settle annotators' disagreements into a gold file (headless).

For each document, the attributions of all annotators are aligned into *clusters*, each
holding at most one attribution per annotator that make the same claim:

- Two attributions of different annotators are *linked* when their contents share a
  word token (annotator/matching.py) and their cues do too, or at least one of them
  has no cue. The cue test keeps nested claims apart ("X said that Y claimed Z": the
  outer content holds the inner one, but "said" and "claimed" differ). A link's
  strength is the Dice overlap of the contents plus that of the cues.
- Clusters grow from the strongest link down (complete linkage): two clusters merge
  only when every cross pair of their members is linked and they share no annotator.

Within a cluster, members with the same source, cue and content (as word-token sets,
so a trailing comma does not split them) form one *version*. An annotator who
annotated the document but has no member in the cluster votes for *no attribution*.

- Unanimous: one version, chosen by every annotator of the document. Merged
  automatically, listed, and reversible (``reopen``).
- Majority (``auto_majority``, annotator/adjudicate_majority.py): first whether the
  attribution exists (those who marked any version against those who marked none),
  then each role's boundaries by token majority; ties are left for review.
- Otherwise the adjudicator picks a version, edits one, rejects all, or defers.

The gold file is a journal of AnnotationRecords (one line per document, rewritten
atomically on every save) under the gold name: each gold attribution's ``id`` is its
cluster's id (stable while the annotators' journals do not change), ``agreed_by`` lists
the annotators whose version it is, and the record's ``adjudicator`` names who settled
it. Rejected clusters go to ``rejected``. Reading the gold file back tells which
clusters are settled, so adjudication resumes where it stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.adjudicate_majority import NO_ATTRIBUTION, majority_outcome
from annotator.matching import AttributionUnits, SpanIndex, Units, WordTokens, overlap
from annotator.schema import (
    Action,
    AnnotationRecord,
    Attribution,
    Document,
    Status,
)
from annotator.store import now_utc


@dataclass
class Version:
    """One distinct reading of a claim, with the annotators who chose it."""

    attribution: Attribution  # the representative (first annotator's copy)
    annotators: list[str]
    key: tuple


@dataclass
class Cluster:
    id: str
    members: dict[str, Attribution]  # annotator -> attribution
    versions: list[Version]
    missing: list[str]  # annotators of the document with no member here

    @property
    def unanimous(self) -> bool:
        return len(self.versions) == 1 and not self.missing

    @property
    def start(self) -> int:
        return min(a.content.start for a in self.members.values())

    def votes(self) -> list[tuple[int | str, int]]:
        """(option, votes): version indexes (0-based), then NO_ATTRIBUTION if anyone left it out."""
        options: list[tuple[int | str, int]] = [(k, len(v.annotators)) for k, v in enumerate(self.versions)]
        if self.missing:
            options.append((NO_ATTRIBUTION, len(self.missing)))
        return options

    def majority(self) -> int | str | None:
        """The option with the most votes, or None on a tie for the most."""
        options = sorted(self.votes(), key=lambda item: -item[1])
        if len(options) > 1 and options[0][1] == options[1][1]:
            return None
        return options[0][0]


@dataclass
class Decision:
    kind: str  # unanimous | majority | chosen | edited | rejected
    attribution: Attribution | None  # the gold attribution; None when rejected


def cluster_id(members: dict[str, Attribution]) -> str:
    signature = "|".join(f"{who}/{attribution.id}" for who, attribution in sorted(members.items()))
    return "c" + hashlib.sha1(signature.encode("utf-8")).hexdigest()[:12]


def _dice(a: Units, b: Units) -> float:
    return 2 * overlap(a, b) / (a.size + b.size)


def _version_key(units: AttributionUnits) -> tuple:
    return (units.source, units.cue, units.content)


def build_clusters(
    records: dict[str, AnnotationRecord], tokens: WordTokens
) -> list[Cluster]:
    """Clusters of one document's attributions by all annotators (records: annotator -> record)."""
    annotators = sorted(records)
    nodes: list[tuple[str, Attribution, AttributionUnits]] = []
    for who in annotators:
        for attribution in records[who].attributions:
            source = tokens.units(attribution.source) if attribution.source else None
            cue = tokens.units(attribution.cue) if attribution.cue else None
            units = AttributionUnits(attribution.type.value, source, cue, tokens.units(attribution.content))
            nodes.append((who, attribution, units))
    index = SpanIndex([units.content for _, _, units in nodes])
    links: dict[tuple[int, int], float] = {}
    for i, (who, _, units) in enumerate(nodes):
        for j, shared in index.overlapping(units.content):
            if j <= i or nodes[j][0] == who:
                continue
            other = nodes[j][2]
            strength = 2 * shared / (units.content.size + other.content.size)
            if units.cue is not None and other.cue is not None:
                cue_shared = overlap(units.cue, other.cue)
                if not cue_shared:
                    continue
                strength += 2 * cue_shared / (units.cue.size + other.cue.size)
            links[(i, j)] = strength
    # Complete linkage, strongest links first; each node starts alone.
    cluster_of = list(range(len(nodes)))
    groups: dict[int, list[int]] = {i: [i] for i in range(len(nodes))}
    for (i, j), _ in sorted(links.items(), key=lambda item: (-item[1], item[0])):
        a, b = cluster_of[i], cluster_of[j]
        if a == b:
            continue
        if {nodes[k][0] for k in groups[a]} & {nodes[k][0] for k in groups[b]}:
            continue
        if not all((min(x, y), max(x, y)) in links for x in groups[a] for y in groups[b]):
            continue
        for k in groups[b]:
            cluster_of[k] = a
        groups[a].extend(groups.pop(b))
    clusters = []
    for members_idx in groups.values():
        members_idx.sort()
        members = {nodes[k][0]: nodes[k][1] for k in members_idx}
        versions: dict[tuple, Version] = {}
        for k in members_idx:  # annotators in name order: the first one's copy represents
            who, attribution, units = nodes[k]
            key = _version_key(units)
            if key in versions:
                versions[key].annotators.append(who)
            else:
                versions[key] = Version(attribution, [who], key)
        ordered = sorted(versions.values(), key=lambda v: (-len(v.annotators), annotators.index(v.annotators[0])))
        clusters.append(
            Cluster(
                id=cluster_id(members),
                members=members,
                versions=ordered,
                missing=[who for who in annotators if who not in members],
            )
        )
    clusters.sort(key=lambda c: (c.start, c.id))
    return clusters


@dataclass
class DocumentAdjudication:
    """The clusters of one document and the decisions taken on them."""

    document: Document
    records: dict[str, AnnotationRecord]  # annotator -> the annotator's record
    clusters: list[Cluster]
    decisions: dict[str, Decision] = field(default_factory=dict)
    reopened: set[str] = field(default_factory=set)
    tokens: WordTokens | None = None
    previous: AnnotationRecord | None = None  # the gold record this adjudication resumed

    @property
    def annotators(self) -> list[str]:
        return sorted(self.records)

    def cluster(self, ident: str) -> Cluster:
        for cluster in self.clusters:
            if cluster.id == ident:
                return cluster
        raise KeyError(ident)

    @property
    def open_clusters(self) -> list[Cluster]:
        return [cluster for cluster in self.clusters if cluster.id not in self.decisions]

    @property
    def done(self) -> bool:
        return not self.open_clusters

    # Decisions -----------------------------------------------------------------

    def _gold(self, cluster: Cluster, attribution: Attribution, action: Action) -> Attribution:
        agreed = self._agreeing(cluster, attribution)
        return attribution.model_copy(update={"id": cluster.id, "agreed_by": agreed, "action": action})

    def _agreeing(self, cluster: Cluster, attribution: Attribution) -> list[str]:
        index = self._version_of(cluster, attribution)
        return [] if index is None else list(cluster.versions[index].annotators)

    def choose(self, ident: str, version: int, kind: str = "chosen") -> Decision:
        """Take version ``version`` (0-based) of a cluster as gold."""
        cluster = self.cluster(ident)
        if not 0 <= version < len(cluster.versions):
            raise IndexError(f"cluster {ident} has {len(cluster.versions)} version(s)")
        gold = self._gold(cluster, cluster.versions[version].attribution, Action.accepted)
        decision = self.decisions[ident] = Decision(kind, gold)
        self.reopened.discard(ident)
        return decision

    def edit(self, ident: str, attribution: Attribution) -> Decision:
        """Take an edited attribution as gold for a cluster."""
        cluster = self.cluster(ident)
        problems = [
            span.problem_against(self.document.text)
            for span in (attribution.source, attribution.cue, attribution.content)
            if span is not None
        ]
        problem = next((p for p in problems if p), None)
        if problem:
            raise ValueError(problem)
        gold = self._gold(cluster, attribution, Action.edited)
        decision = self.decisions[ident] = Decision("edited", gold)
        self.reopened.discard(ident)
        return decision

    def reject(self, ident: str, kind: str = "rejected") -> Decision:
        """No attribution for this cluster."""
        self.cluster(ident)
        decision = self.decisions[ident] = Decision(kind, None)
        self.reopened.discard(ident)
        return decision

    def reopen(self, ident: str) -> None:
        """Undo a decision (an automatic merge too); the cluster is open again."""
        self.cluster(ident)
        self.decisions.pop(ident, None)
        self.reopened.add(ident)

    def auto_unanimous(self) -> list[Cluster]:
        """Merge the unanimous open clusters (not those reopened by hand); returns them."""
        merged = []
        for cluster in self.open_clusters:
            if cluster.unanimous and cluster.id not in self.reopened:
                self.choose(cluster.id, 0, kind="unanimous")
                merged.append(cluster)
        return merged

    def auto_majority(self) -> tuple[list[Cluster], list[Cluster]]:
        """Settle open clusters by majority; returns (settled, tied: left for review)."""
        settled, tied = [], []
        for cluster in self.open_clusters:
            if cluster.id in self.reopened:
                tied.append(cluster)
                continue
            outcome = majority_outcome(cluster, self.document.text)
            if outcome is None:
                tied.append(cluster)
                continue
            settled.append(cluster)
            if outcome == NO_ATTRIBUTION:
                self.reject(cluster.id, kind="majority")
                continue
            assert isinstance(outcome, Attribution)
            version = self._version_of(cluster, outcome)
            if version is not None:
                self.choose(cluster.id, version, kind="unanimous" if cluster.unanimous else "majority")
            else:
                # Boundaries no single annotator drew: every one who marked it agreed it exists.
                gold = outcome.model_copy(
                    update={"id": cluster.id, "agreed_by": sorted(cluster.members), "action": Action.edited}
                )
                self.decisions[cluster.id] = Decision("majority", gold)
        return settled, tied

    # Gold ----------------------------------------------------------------------

    def to_record(self, gold_name: str, adjudicator: str) -> AnnotationRecord:
        attributions, rejected = [], []
        for cluster in self.clusters:
            decision = self.decisions.get(cluster.id)
            if decision is None:
                continue
            if decision.attribution is not None:
                attributions.append(decision.attribution)
            else:
                top = cluster.versions[0]
                rejected.append(
                    top.attribution.model_copy(update={"id": cluster.id, "agreed_by": list(top.annotators), "action": None})
                )
        # Decisions kept from an earlier gold whose clusters no longer exist stay as they were.
        known = {cluster.id for cluster in self.clusters}
        for ident, decision in self.decisions.items():
            if ident not in known and decision.attribution is not None:
                attributions.append(decision.attribution)
        attributions.sort(key=lambda a: (a.content.start, a.content.end, a.id))
        return AnnotationRecord(
            doc_id=self.document.id,
            annotator=gold_name,
            status=Status.done if self.done else Status.in_progress,
            updated_at=now_utc(),
            text_sha1=self.document.sha1,
            attributions=attributions,
            rejected=rejected,
            adjudicator=adjudicator,
        )

    def resume(self, gold: AnnotationRecord) -> None:
        """Take the decisions an earlier gold record holds.

        The gold file does not store how each decision was taken, so it is read back from
        the votes: a unanimous cluster's only version is "unanimous"; where the record's
        adjudicators include ``auto-majority``, a decision equal to the cluster's majority
        is "majority" (a tie has no majority, so what was settled by hand on the screen
        after ``--auto majority`` stays "by hand"); anything else was chosen, edited or
        rejected by hand.
        """
        self.previous = gold
        by_id = {cluster.id: cluster for cluster in self.clusters}
        by_majority = AUTO_MAJORITY in adjudicator_names(gold.adjudicator)
        text = self.document.text
        for attribution in gold.attributions:
            cluster = by_id.get(attribution.id)
            if cluster is not None and by_majority and self._is_majority(cluster, attribution):
                kind = "majority"
            elif attribution.action == Action.edited:
                kind = "edited"
            elif cluster is None:
                kind = "chosen"
            elif cluster.unanimous and self._version_of(cluster, attribution) == 0:
                kind = "unanimous"
            else:
                kind = "chosen"
            self.decisions[attribution.id] = Decision(kind, attribution)
        for attribution in gold.rejected:
            cluster = by_id.get(attribution.id)
            if cluster is not None:
                by_vote = by_majority and majority_outcome(cluster, text) == NO_ATTRIBUTION
                self.decisions[attribution.id] = Decision("majority" if by_vote else "rejected", None)

    def _is_majority(self, cluster: Cluster, attribution: Attribution) -> bool:
        """Whether a gold attribution is what ``--auto majority`` makes of the cluster."""
        if cluster.unanimous:
            return False
        outcome = majority_outcome(cluster, self.document.text)
        if not isinstance(outcome, Attribution):
            return False
        return self._key(outcome) == self._key(attribution)

    def _version_of(self, cluster: Cluster, attribution: Attribution) -> int | None:
        """Which of a cluster's versions an attribution is (by word tokens), or None."""
        key = self._key(attribution)
        return next((index for index, version in enumerate(cluster.versions) if version.key == key), None)

    def _key(self, attribution: Attribution) -> tuple:
        """An attribution's roles as word-token sets (a trailing comma changes nothing)."""
        tokens = self.tokens or WordTokens(self.document.text)
        self.tokens = tokens
        return (
            tokens.units(attribution.source) if attribution.source else None,
            tokens.units(attribution.cue) if attribution.cue else None,
            tokens.units(attribution.content),
        )

    def gold_record(self, gold_name: str, adjudicator: str) -> AnnotationRecord:
        """The gold record to write: the resumed one unchanged when no decision changed
        (its time and adjudicators stay as they were), else a new one whose adjudicator
        names everyone who worked on the document ("auto-majority+alice")."""
        record = self.to_record(gold_name, adjudicator)
        previous = self.previous
        if previous is None:
            return record
        if (record.attributions, record.rejected, record.status) == (
            previous.attributions, previous.rejected, previous.status
        ):
            return previous
        return record.model_copy(update={"adjudicator": combined_adjudicator(previous.adjudicator, adjudicator)})


AUTO_MAJORITY = "auto-majority"
AUTOMATIC = ("unanimous", "majority")  # decision kinds taken without a person


def adjudicator_names(value: str | None) -> list[str]:
    """The adjudicators a gold record names ("auto-majority+alice" -> both)."""
    return [name for name in (value or "").split("+") if name]


def combined_adjudicator(previous: str | None, who: str) -> str:
    """A document someone else already worked on names both adjudicators."""
    names = adjudicator_names(previous)
    if names and who not in names:
        return "+".join([*names, who])
    return previous if previous and names else who


def prepare(
    documents: dict[str, Document],
    records: Iterable[AnnotationRecord],
    gold: dict[str, AnnotationRecord] | None = None,
) -> list[DocumentAdjudication]:
    """One DocumentAdjudication per document that any annotator annotated (sorted by id)."""
    by_document: dict[str, dict[str, AnnotationRecord]] = {}
    for record in records:
        if record.status == Status.skipped:
            continue
        by_document.setdefault(record.doc_id, {})[record.annotator] = record
    doc_ids = sorted(by_document)
    tokenized = WordTokens.for_texts([documents[doc_id].text for doc_id in doc_ids])
    result = []
    for doc_id, tokens in zip(doc_ids, tokenized):
        item = DocumentAdjudication(
            documents[doc_id], by_document[doc_id], build_clusters(by_document[doc_id], tokens), tokens=tokens
        )
        if gold and doc_id in gold:
            item.resume(gold[doc_id])
        result.append(item)
    return result


def kept_records(
    earlier: Iterable[AnnotationRecord], items: Sequence[DocumentAdjudication], gold_name: str
) -> list[AnnotationRecord]:
    """The records of an earlier gold file that adjudicating ``items`` does not rewrite
    (documents no annotator given here annotated, records under other names): the gold
    file is rewritten whole, so these are written back as they were."""
    adjudicated = {item.document.id for item in items}
    return [record for record in earlier if not (record.annotator == gold_name and record.doc_id in adjudicated)]


def save_gold(path: Path, records: Sequence[AnnotationRecord]) -> None:
    """Write the gold file whole (one record per document), atomically."""
    from annotator.fileio import atomic_writer, dumps_line

    with atomic_writer(Path(path), "wb") as stream:
        for record in records:
            stream.write(dumps_line(record.model_dump(mode="json", exclude_none=True)))


@dataclass
class Summary:
    documents: int = 0
    clusters: int = 0
    unanimous: int = 0
    majority: int = 0
    majority_rejected: int = 0
    by_hand: int = 0
    open: int = 0

    def to_json(self) -> dict:
        return dict(self.__dict__)


def summarise(items: Sequence[DocumentAdjudication]) -> Summary:
    summary = Summary(documents=len(items))
    for item in items:
        summary.clusters += len(item.clusters)
        summary.open += len(item.open_clusters)
        for decision in item.decisions.values():
            if decision.kind == "unanimous":
                summary.unanimous += 1
            elif decision.kind == "majority":
                if decision.attribution is None:
                    summary.majority_rejected += 1
                else:
                    summary.majority += 1
            else:
                summary.by_hand += 1
    return summary


# The screen's session lives in its own module (it needs the classes above); its names
# stay importable from here, loaded on first use.

_SESSION_NAMES = ("AdjudicationSession", "cluster_differences")


def __getattr__(name: str):
    if name in _SESSION_NAMES:
        from annotator import adjudicate_session

        return getattr(adjudicate_session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
