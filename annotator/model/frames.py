"""The attribution model: a cue tagger and a cue-conditioned role labeller (two CRFs).

Prediction, for one processed Doc:
1. the cue tagger (python-crfsuite) labels each sentence's tokens B-CUE / I-CUE / O;
2. for each cue, the role labeller labels a window around it (B-S / I-S / B-C / I-C / O);
   the source is the most probable S segment, the content every C segment (pieces on
   both sides of the cue make one discontinuous content);
3. the type follows from the content's quotation marks and the cue (as for PolNeAR's
   imports), the score is the cue's probability times the content's mean probability.

Training turns gold attributions into the same token sequences (see :func:`examples`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotator.model.features import DocView

CUE_LABELS = ("B-CUE", "I-CUE")


@dataclass
class GoldFrame:
    """One gold attribution in token units (sets of token indices)."""

    cue: tuple[int, int]
    source: set[int]
    content: set[int]


def gold_frames(view: DocView, attributions: Iterable) -> tuple[list[GoldFrame], int]:
    """The gold attributions with a cue as token frames, and how many were left out
    (no cue, or a cue another frame already has)."""
    frames: list[GoldFrame] = []
    skipped = 0
    seen: set[tuple[int, int]] = set()
    for attribution in attributions:
        if attribution.cue is None:
            skipped += 1
            continue
        cue_tokens = view.pieces_tokens(_pieces(attribution.cue))
        content = view.pieces_tokens(_pieces(attribution.content))
        if not cue_tokens or not content:
            skipped += 1
            continue
        cue = (min(cue_tokens), max(cue_tokens) + 1)
        if cue in seen:
            skipped += 1
            continue
        seen.add(cue)
        source = view.pieces_tokens(_pieces(attribution.source)) if attribution.source else set()
        frames.append(GoldFrame(cue, source - content, content))
    return frames, skipped


def _pieces(span) -> list[tuple[int, int]]:
    if span is None:
        return []
    if span.fragments:
        return [(a, b) for a, b in span.fragments]
    return [(span.start, span.end)]


def _bio(labels_of: dict[int, str], a: int, b: int) -> list[str]:
    out = []
    previous = "O"
    for i in range(a, b):
        label = labels_of.get(i, "O")
        if label == "O":
            out.append("O")
        else:
            out.append(("I-" if previous == label else "B-") + label)
        previous = label
    return out


def cue_examples(view: DocView, frames: list[GoldFrame]):
    """(features, labels) per sentence for the cue tagger."""
    cue_of: dict[int, str] = {}
    starts = set()
    for frame in frames:
        starts.add(frame.cue[0])
        for i in range(*frame.cue):
            cue_of[i] = "CUE"
    for index, (a, b) in enumerate(view.sents):
        labels = []
        for i in range(a, b):
            if i not in cue_of:
                labels.append("O")
            elif i in starts or i - 1 not in cue_of:
                labels.append("B-CUE")
            else:
                labels.append("I-CUE")
        yield view.cue_sequence(index), labels


def role_examples(view: DocView, frames: list[GoldFrame]):
    """(features, labels) per gold frame for the role labeller."""
    cues = [frame.cue for frame in frames]
    for frame in frames:
        a, sequence = view.role_sequence(frame.cue, cues)
        roles = {i: "C" for i in frame.content}
        roles.update({i: "S" for i in frame.source})
        for i in range(*frame.cue):
            roles.pop(i, None)
        yield sequence, _bio(roles, a, a + len(sequence))


def _segments(labels: list[str], role: str) -> list[tuple[int, int]]:
    segments = []
    start = None
    for i, label in enumerate(labels):
        if label == "B-" + role or (label == "I-" + role and start is None):
            if start is not None:
                segments.append((start, i))
            start = i
        elif label != "I-" + role and start is not None:
            segments.append((start, i))
            start = None
    if start is not None:
        segments.append((start, len(labels)))
    return segments


class FrameModel:
    """Both CRFs, loaded from their model bytes."""

    def __init__(self, cue_model: bytes, role_model: bytes, cue_threshold: float = 0.5):
        import pycrfsuite

        self.cue_threshold = cue_threshold
        self.cue_model = cue_model
        self.role_model = role_model
        self.cue_tagger = pycrfsuite.Tagger()
        self.cue_tagger.open_inmemory(cue_model)
        self.role_tagger = pycrfsuite.Tagger()
        self.role_tagger.open_inmemory(role_model)

    def find_cues(self, view: DocView) -> list[tuple[int, int, float]]:
        """Cues: runs of tokens whose probability of being a cue token (B or I, the
        CRF's marginals) reaches ``cue_threshold``; a token likelier to begin a cue than
        to continue one starts a new cue. A threshold under 0.5 trades precision for
        recall (measured on dev: docs/pending/model.md)."""
        tagger = self.cue_tagger
        threshold = self.cue_threshold
        cues = []
        for index, (a, b) in enumerate(view.sents):
            if b <= a:
                continue
            tagger.set(view.cue_sequence(index))
            labels = tagger.tag()
            if "B-CUE" not in labels and "I-CUE" not in labels and tagger.probability(labels) > 1 - threshold:
                continue  # the likeliest labelling has no cue, and it is near certain
            start = None
            total = 0.0
            for i in range(b - a + 1):
                if i < b - a:
                    p_begin = tagger.marginal("B-CUE", i)
                    p_inside = tagger.marginal("I-CUE", i)
                    p = p_begin + p_inside
                else:
                    p = p_begin = p_inside = 0.0
                if start is not None and (p < threshold or p_begin > p_inside):
                    cues.append((a + start, a + i, total / (i - start)))
                    start = None
                if p >= threshold and start is None:
                    start, total = i, 0.0
                if start is not None:
                    total += p
        return cues

    def predict(self, view: DocView) -> list[dict]:
        from annotator.quotes import infer_type

        cues = self.find_cues(view)
        spans = [(a, b) for a, b, _ in cues]
        tagger = self.role_tagger
        found = []
        starts, ends = view.starts, view.ends
        for cs, ce, cue_probability in cues:
            a, sequence = view.role_sequence((cs, ce), spans)
            tagger.set(sequence)
            labels = tagger.tag()
            contents = _segments(labels, "C")
            if not contents:
                continue
            content_probability = sum(
                tagger.marginal(labels[i], i) for s, e in contents for i in range(s, e)
            ) / sum(e - s for s, e in contents)
            sources = _segments(labels, "S")
            source = None
            if sources:
                best = max(
                    sources,
                    key=lambda seg: sum(tagger.marginal(labels[i], i) for i in range(*seg)) / (seg[1] - seg[0]),
                )
                source = [[starts[a + best[0]], ends[a + best[1] - 1]]]
            content = [[starts[a + s], ends[a + e - 1]] for s, e in contents]
            cue = [[starts[cs], ends[ce - 1]]]
            content_text = " ".join(view.text[s:e] for s, e in content)
            cue_text = view.text[cue[0][0] : cue[0][1]]
            found.append(
                {
                    "source": source,
                    "cue": cue,
                    "content": content,
                    "type": infer_type(content_text, cue_text).value,
                    "score": round(cue_probability * content_probability, 4),
                }
            )
        found.sort(key=lambda f: (f["content"][0][0], f["cue"][0][0]))
        return found
