"""The adjudication screen without a screen (:class:`AdjudicationSession`): every key is
a method call here, so tests drive the whole workflow headless; and the character ranges
the versions of a cluster disagree on, which the screen marks in the text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.adjudicate import (
    AUTOMATIC,
    Cluster,
    Decision,
    DocumentAdjudication,
    save_gold,
)
from annotator.schema import AnnotationRecord, Origin

if TYPE_CHECKING:
    from annotator.session.state import DocState


def cluster_differences(cluster: Cluster) -> list[tuple[int, int]]:
    """Character ranges some versions of a cluster cover and others do not.

    Per role, the union of the versions' spans minus their intersection. A cluster with
    one version has none: the question there is only whether the claim is there at all.
    """
    ranges: list[tuple[int, int]] = []
    for role in ("source", "cue", "content"):
        covers: list[set[int]] = []
        for version in cluster.versions:
            span = getattr(version.attribution, role)
            covers.append({i for start, end in span.pieces for i in range(start, end)} if span else set())
        if len(covers) < 2:
            continue
        union = set().union(*covers)
        common = set.intersection(*covers)
        ranges.extend(_runs(sorted(union - common)))
    return sorted(set(ranges))


def _runs(offsets: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for offset in offsets:
        if runs and runs[-1][1] == offset:
            runs[-1] = (runs[-1][0], offset + 1)
        else:
            runs.append((offset, offset + 1))
    return runs


class AdjudicationSession:
    """The adjudication screen without a screen: every key is a method call here.

    Unanimous clusters are merged when the session starts (``merged`` lists them; ``u``
    or ``reopen`` undoes one). The session walks the open clusters document by
    document; each decision is saved at once (the whole gold file, atomically), so
    closing the terminal loses nothing and the next run resumes.
    """

    def __init__(
        self,
        items: list[DocumentAdjudication],
        out: Path | None,
        gold_name: str = "gold",
        adjudicator: str = "adjudicator",
        kept: Sequence[AnnotationRecord] = (),
    ):
        self.items = items
        # Records of the gold file this session does not rewrite (documents no annotator
        # here annotated, other names): written back as they were.
        self.kept = list(kept)
        self.out = Path(out) if out is not None else None
        self.gold_name = gold_name
        self.adjudicator = adjudicator
        # (document position, cluster id) of the decisions taken without a person: the
        # unanimous merges made now, and those (unanimous or by majority) of a resumed gold.
        self.merged: list[tuple[int, str]] = []
        merged_now = 0
        for position, item in enumerate(items):
            merged_now += len(item.auto_unanimous())
            self.merged.extend(
                (position, cluster.id)
                for cluster in item.clusters
                if (decision := item.decisions.get(cluster.id)) is not None and decision.kind in AUTOMATIC
            )
        self.merged_now = merged_now
        self.history: list[tuple[int, str]] = []  # decisions made here, for undo
        self.position = 0
        self.cluster_id: str | None = None
        self.focus = 0  # the version shown as the one to edit (0-based)
        self.edit_state: DocState | None = None  # while a version is being edited
        self.view = "open"  # or "merged": walk the automatic merges to review them
        earlier = len(self.merged) - merged_now
        self.message = (
            f"{merged_now} unanimous cluster(s) merged automatically"
            + (f", {earlier} automatic decision(s) from the gold file" if earlier else "")
            + f" (m lists them); {self.left} to settle"
        )
        if merged_now:
            self.save()
        self._first_open()

    # ---- where we are ----------------------------------------------------------------
    @property
    def item(self) -> DocumentAdjudication | None:
        return self.items[self.position] if self.items else None

    @property
    def left(self) -> int:
        return sum(len(item.open_clusters) for item in self.items)

    @property
    def total(self) -> int:
        return sum(len(item.clusters) for item in self.items)

    def clusters_in_view(self) -> list[Cluster]:
        item = self.item
        if item is None:
            return []
        if self.view == "merged":
            merged = {ident for position, ident in self.merged if position == self.position}
            return [c for c in item.clusters if c.id in merged and c.id in item.decisions]
        return item.open_clusters

    @property
    def cluster(self) -> Cluster | None:
        if self.cluster_id is None or self.item is None:
            return None
        try:
            return self.item.cluster(self.cluster_id)
        except KeyError:
            return None

    def decision(self) -> Decision | None:
        item = self.item
        return item.decisions.get(self.cluster_id) if item and self.cluster_id else None

    def _first_open(self, start: int = 0, step: int = 1) -> bool:
        """Go to the first document from ``start`` (in ``step`` direction) with clusters in view."""
        position = start
        while 0 <= position < len(self.items):
            self.position = position
            clusters = self.clusters_in_view()
            if clusters:
                self._show(clusters[0 if step > 0 else -1].id)
                return True
            position += step
        self.position = min(max(start, 0), max(len(self.items) - 1, 0))
        clusters = self.clusters_in_view()
        self._show(clusters[0].id if clusters else None)
        return False

    def _show(self, ident: str | None) -> None:
        self.cluster_id = ident
        self.focus = 0
        self.edit_state = None

    # ---- moving ----------------------------------------------------------------------
    def next_cluster(self, step: int = 1) -> None:
        clusters = self.clusters_in_view()
        ids = [c.id for c in clusters]
        if self.cluster_id in ids:
            index = ids.index(self.cluster_id) + step
            if 0 <= index < len(ids):
                self._show(ids[index])
                return
        elif ids:
            self._show(ids[0] if step > 0 else ids[-1])
            return
        if not self._first_open(self.position + step, step):
            self.message = "no more clusters that way" if self.view == "open" else "no more merges that way"

    def next_document(self, step: int = 1) -> None:
        target = self.position + step
        if not 0 <= target < len(self.items):
            self.message = "no more documents that way"
            return
        self.position = target
        clusters = self.clusters_in_view()
        self._show(clusters[0].id if clusters else None)
        if not clusters:
            self.message = "nothing to settle in this document" if self.view == "open" else "no merges here"

    def toggle_view(self) -> None:
        self.view = "merged" if self.view == "open" else "open"
        if not self._first_open(0):
            self.message = ("no automatic merges to review" if self.view == "merged"
                            else "every cluster is settled")
        else:
            self.message = ("reviewing automatic merges: o reopens one, m goes back"
                            if self.view == "merged" else f"{self.left} cluster(s) to settle")

    def cycle_focus(self) -> None:
        cluster = self.cluster
        if cluster is not None and cluster.versions:
            self.focus = (self.focus + 1) % len(cluster.versions)

    # ---- deciding ----------------------------------------------------------------------
    def _decided(self, what: str) -> None:
        assert self.cluster_id is not None  # a decision is always on the cluster shown
        self.history.append((self.position, self.cluster_id))
        self.save()
        self.message = f"{what}; {self.left} cluster(s) left"
        self._advance()

    def _advance(self) -> None:
        if self.view == "merged":
            self.next_cluster(1)
            return
        clusters = self.clusters_in_view()
        if clusters:
            self._show(clusters[0].id)
        elif not self._first_open(self.position + 1) and not self._first_open(0):
            self.message += " · all settled, q quits"

    def pick(self, number: int) -> bool:
        """Version ``number`` (1-based) becomes gold."""
        cluster, item = self.cluster, self.item
        if cluster is None or item is None or self.view != "open":
            self.message = "no open cluster here"
            return False
        if not 1 <= number <= len(cluster.versions):
            self.message = f"this cluster has {len(cluster.versions)} version(s)"
            return False
        item.choose(cluster.id, number - 1)
        self._decided(f"version {number} taken")
        return True

    def reject_all(self) -> bool:
        cluster, item = self.cluster, self.item
        if cluster is None or item is None or self.view != "open":
            self.message = "no open cluster here"
            return False
        item.reject(cluster.id)
        self._decided("rejected: no attribution here")
        return True

    def defer(self) -> None:
        if self.cluster is None:
            self.message = "nothing to defer"
            return
        self.message = "deferred"
        self.next_cluster(1)

    def reopen(self) -> bool:
        """Undo the decision on the cluster in view (an automatic merge too)."""
        item, ident = self.item, self.cluster_id
        if item is None or ident is None or ident not in item.decisions:
            self.message = "this cluster is open already"
            return False
        item.reopen(ident)
        self.merged = [(p, c) for p, c in self.merged if (p, c) != (self.position, ident)]
        self.save()
        self.view = "open"
        self._show(ident)
        self.message = f"reopened; {self.left} cluster(s) left"
        return True

    def undo(self) -> bool:
        """Reopen the last decision made in this session."""
        while self.history:
            position, ident = self.history.pop()
            item = self.items[position]
            if ident in item.decisions:
                item.reopen(ident)
                self.position, self.view = position, "open"
                self.save()
                self._show(ident)
                self.message = f"undone; {self.left} cluster(s) left"
                return True
        self.message = "nothing to undo"
        return False

    # ---- editing (the boundary keys of annotate) -----------------------------------------
    def start_edit(self) -> bool:
        from annotator.session import state as S

        cluster, item = self.cluster, self.item
        if cluster is None or item is None or self.view != "open":
            self.message = "no open cluster here"
            return False
        base = cluster.versions[self.focus].attribution.model_copy(
            update={"id": "edit", "origin": Origin.manual, "action": None}
        )
        state = S.new_state(item.document.text, snapshot=S.Snapshot((base,)), selected="edit")
        change = S.toggle_edit(state)
        self.edit_state = change.state
        self.message = change.message or "edit"
        return True

    def edit_apply(self, transition, *args) -> None:
        if self.edit_state is None:
            return
        change = transition(self.edit_state, *args)
        self.edit_state = change.state
        if change.message:
            self.message = change.message

    def finish_edit(self) -> bool:
        state, cluster, item = self.edit_state, self.cluster, self.item
        if state is None or cluster is None or item is None:
            return False
        attribution = state.attributions[0]
        item.edit(cluster.id, attribution)
        self.edit_state = None
        self._decided("edited version taken")
        return True

    def cancel_edit(self) -> None:
        self.edit_state = None
        self.message = "edit abandoned"

    # ---- saving ------------------------------------------------------------------------
    def records(self) -> list[AnnotationRecord]:
        return [*(item.gold_record(self.gold_name, self.adjudicator) for item in self.items), *self.kept]

    def save(self) -> None:
        if self.out is not None:
            save_gold(self.out, self.records())
