"""The attribution model: a cue tagger and a cue-conditioned role labeller (each a CRF or
a BiLSTM).

Prediction, for one processed Doc:
1. the cue tagger gives each token of each sentence its probability of B-CUE / I-CUE (the
   CRF's marginals or the BiLSTM's softmax); runs reaching ``cue_threshold`` are cues;
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


class Labelled:
    """One labelled sequence: the labels and each label's probability per token."""

    def __init__(self, labels: list[str], marginal):
        self.labels = labels
        self.marginal = marginal  # (label, position) -> probability


def is_crf(model: bytes) -> bool:
    return model[:4] == b"lCRF"


class CrfLabeller:
    """python-crfsuite's tagger; marginals are read at once (they belong to the sequence
    set last), for the chosen labels and, for the cue tagger, B-CUE and I-CUE."""

    def __init__(self, model: bytes):
        import pycrfsuite

        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(model)
        self.cue_labels = [name for name in CUE_LABELS if name in self.tagger.labels()]

    def label(self, sequences) -> list[Labelled]:
        tagger = self.tagger
        out = []
        for sequence in sequences:
            tagger.set(sequence)
            labels = tagger.tag()
            cache: dict[tuple[str, int], float] = {}
            if self.cue_labels and not any(label in CUE_LABELS for label in labels) and tagger.probability(labels) > 0.5:
                pass  # no token can be a cue with probability 0.5 or more: skip the marginals
            else:
                for i, label in enumerate(labels):
                    cache[(label, i)] = tagger.marginal(label, i)
                    for name in self.cue_labels:
                        cache[(name, i)] = tagger.marginal(name, i)
            out.append(Labelled(labels, lambda label, i, cache=cache: cache.get((label, i), 0.0)))
        return out


class NeuralLabeller:
    def __init__(self, model: bytes):
        from annotator.model.neural import NeuralTagger

        self.tagger = NeuralTagger(model)

    def label(self, sequences) -> list[Labelled]:
        index = {label: i for i, label in enumerate(self.tagger.labels)}
        out = []
        for labels, probs in self.tagger.label(sequences):
            out.append(Labelled(labels, lambda label, i, probs=probs: float(probs[i, index[label]]) if label in index else 0.0))
        return out


def labeller(model: bytes):
    return CrfLabeller(model) if is_crf(model) else NeuralLabeller(model)


class FrameModel:
    """The cue tagger and the role labeller (each a CRF or a BiLSTM), from their bytes."""

    def __init__(self, cue_model: bytes, role_model: bytes, cue_threshold: float = 0.5):
        self.cue_threshold = cue_threshold
        self.cue_model = cue_model
        self.role_model = role_model
        self.cue_labeller = labeller(cue_model)
        self.role_labeller = labeller(role_model)

    def find_cues(self, view: DocView) -> list[tuple[int, int, float]]:
        """Cues: runs of tokens whose probability of being a cue token (B or I, the
        CRF's marginals or the BiLSTM's softmax) reaches ``cue_threshold``; a token
        likelier to begin a cue than to continue one starts a new cue."""
        threshold = self.cue_threshold
        cues = []
        sentences = [(index, a, b) for index, (a, b) in enumerate(view.sents) if b > a]
        labelled = self.cue_labeller.label([view.cue_sequence(index) for index, _, _ in sentences])
        for (_, a, b), result in zip(sentences, labelled):
            marginal = result.marginal
            start = None
            total = 0.0
            p_begin = p_inside = 0.0
            for i in range(b - a + 1):
                if i < b - a:
                    p_begin = marginal("B-CUE", i)
                    p_inside = marginal("I-CUE", i)
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
        windows = [view.role_sequence((cs, ce), spans) for cs, ce, _ in cues]
        labelled = self.role_labeller.label([sequence for _, sequence in windows])
        found = []
        starts, ends = view.starts, view.ends
        for (cs, ce, cue_probability), (a, _), result in zip(cues, windows, labelled):
            labels, marginal = result.labels, result.marginal
            contents = _segments(labels, "C")
            if not contents:
                continue
            content_probability = sum(
                marginal(labels[i], i) for s, e in contents for i in range(s, e)
            ) / sum(e - s for s, e in contents)
            sources = _segments(labels, "S")
            source = None
            if sources:
                best = max(
                    sources,
                    key=lambda seg: sum(marginal(labels[i], i) for i in range(*seg)) / (seg[1] - seg[0]),
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
