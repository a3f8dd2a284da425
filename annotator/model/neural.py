"""A BiLSTM sequence labeller (PyTorch, CPU) over the CRFs' own feature strings.

Each token's feature strings (:mod:`annotator.model.features`: words, lemmas, shapes,
the rules' cues and spans, side of and distance to the cue, ...) are hashed into a
fixed number of buckets and summed into one vector (an ``EmbeddingBag``); a two-layer
BiLSTM reads the sequence and a linear layer scores each label per token (He et al.
2017's deep SRL, with the cue's position given by the ``side=`` features). Decoding is
Viterbi over the softmax log-probabilities with BIO constraints (``I-X`` only after
``B-X`` or ``I-X``).

Trained with cross-entropy and Adam; the epoch that labels held-out sequences best is
kept. Deterministic: features are hashed with crc32 (not Python's salted ``hash``),
torch is seeded and runs on one thread with deterministic algorithms.

Saved as msgpack (settings, label names, float16 weights): no pickle, so a model file
cannot run code when loaded. Of the feature embedding only the rows training touched are
stored (a fifth of them on PolNeAR); the others keep their initial values, which are drawn
from NumPy's seeded generator and drawn again when the model is loaded.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Sequence

import numpy as np

MAGIC = "annotator-bilstm-1"
ENSEMBLE_MAGIC = "annotator-bilstm-ensemble-1"

DEFAULT_NET: dict[str, int | float] = {
    "buckets": 1 << 18,
    "dim": 64,
    # 80, not 64: on all of train, dev's mean of six F1 64.64 vs 64.48 (source exact 70.2 vs
    # 69.96) for 2% more training CPU (README, "Dev F1").
    "hidden": 80,
    "layers": 2,
    "dropout": 0.25,
    "lr": 0.002,
    # The sparse feature embeddings' own rate (SparseAdam). 0.004 / 0.03 learns faster on
    # 250 train docs (held-out segment F1 after 5 epochs 75.3 vs 71.1) but on all 840 it
    # tied with 0.002 / 0.002 (dev mean F1 63.03 vs 63.08, keys 5.38 vs 5.33): kept.
    "embed_lr": 0.002,
    "batch": 32,
    # One dropout mask per sequence (variational dropout) instead of one per token: drawing
    # the per-token masks was a third of each epoch's CPU time (300 train docs, 6 epochs:
    # 125 s against 191 s, held-out segment F1 74.6 against 74.8), so more epochs fit the
    # same time (9 epochs in about the time of 6: F1 76.5).
    "shared_dropout": 1,
    # Each feature of a token left out with this probability in training (_drop_features):
    # on all of PolNeAR train, dev mean of six F1 68.6 against 66.9 (content exact 58.7 vs
    # 57.3, source 74.0 vs 71.9); the cue network's best epoch moved from 6 to 14.
    "feature_dropout": 0.1,
    "epochs": 14,
}


def require_torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the installation
        from annotator.errors import AnnotatorError

        raise AnnotatorError('the neural model needs PyTorch: pip install -e ".[model]"') from None
    return torch


_HASHES: dict[str, int] = {}

# The CRFs' features the BiLSTM reads: the atomic ones. Neighbour words and most
# conjunctions exist for a linear model; the LSTM sees neighbours and combines
# features itself, and each feature read costs time (the embedding's backward pass).
NEURAL_FEATURES = frozenset(
    ["w", "l", "s", "x3", "rc", "q", "first", "last", "side", "d", "so", "qk", "rs", "rcn", "oc", "pc", "isoc",
     "pron", "cue", "cue_side",
     # the cue tagger's layout features (only cue sequences carry them)
     "nl<", "nl>", "pk", "k-1", "k+1", "qend-1", "qend-2", "qopen+1", "qopen+2", "pos"]
)


def _kept(feature: str) -> bool:
    return feature.split("=", 1)[0] in NEURAL_FEATURES


def hash_sequence(sequence: Sequence[Sequence[str]], buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """(feature ids, features per token) of one sequence; ids are stable crc32 buckets
    of the features the BiLSTM reads (:data:`NEURAL_FEATURES`)."""
    cache = _HASHES
    ids: list[int] = []
    counts = np.empty(len(sequence), dtype=np.int32)
    mask = buckets - 1
    for t, features in enumerate(sequence):
        kept = 0
        for feature in features:
            value = cache.get(feature)
            if value is None:
                value = zlib.crc32(feature.encode("utf-8")) if _kept(feature) else -1
                if len(cache) < 2_000_000:
                    cache[feature] = value
            if value >= 0:
                ids.append(value & mask)
                kept += 1
        counts[t] = kept
    return np.asarray(ids, dtype=np.int32), counts


def initial_embedding(buckets: int, dim: int, seed: int) -> np.ndarray:
    """The feature embedding's starting rows (standard normal, as torch's own default):
    drawn by NumPy's seeded PCG64 so that loading a model can draw the untouched rows
    again instead of storing them."""
    return np.random.default_rng(seed).standard_normal((buckets, dim), dtype=np.float32)


def _build_net(torch, n_labels: int, net: dict):
    nn = torch.nn
    dim, hidden, layers = int(net["dim"]), int(net["hidden"]), int(net["layers"])

    class TaggerNet(nn.Module):  # type: ignore[name-defined]
        """Summed feature embeddings -> BiLSTM -> label scores.

        Each direction is its own one-way LSTM over left-aligned padded sequences (the
        backward one reads every sequence reversed within its own length), so padding
        never reaches a real token's state; packed sequences would do the same but
        their backward pass is several times slower on CPU.
        """

        def __init__(self):
            super().__init__()
            self.embed = nn.EmbeddingBag(int(net["buckets"]), dim, mode="sum", sparse=True)
            self.drop = nn.Dropout(float(net["dropout"]))
            self.shared_mask = bool(net.get("shared_dropout", 0))
            sizes = [dim] + [2 * hidden] * (layers - 1)
            self.forward_lstms = nn.ModuleList([nn.LSTM(size, hidden, batch_first=True) for size in sizes])
            self.backward_lstms = nn.ModuleList([nn.LSTM(size, hidden, batch_first=True) for size in sizes])
            self.out = nn.Linear(2 * hidden, n_labels)

        def forward(self, ids, offsets, lengths):
            tokens = self.embed(ids, offsets)
            pieces = torch.split(tokens, lengths.tolist())
            x = nn.utils.rnn.pad_sequence(pieces, batch_first=True)
            width = x.shape[1]
            positions = torch.arange(width).unsqueeze(0)
            ends = lengths.unsqueeze(1)
            # index that reverses each sequence within its length (padding stays put)
            reverse = torch.where(positions < ends, ends - 1 - positions, positions)
            x = self.dropout(torch.tanh(x))
            for forward_lstm, backward_lstm in zip(self.forward_lstms, self.backward_lstms):
                gather = reverse.unsqueeze(2).expand(-1, -1, x.shape[2])
                ahead, _ = forward_lstm(x)
                behind, _ = backward_lstm(torch.gather(x, 1, gather))
                gather = reverse.unsqueeze(2).expand(-1, -1, behind.shape[2])
                x = self.dropout(torch.cat([ahead, torch.gather(behind, 1, gather)], dim=2))
            return self.out(x)  # (batch, time, labels)

        def dropout(self, x):
            """Dropout; with ``shared_dropout`` one mask per sequence shared by all its
            tokens (Gal and Ghahramani's variational dropout): a random number per unit
            of a sequence, not per unit of every token, which was a tenth of the
            training time."""
            if not self.shared_mask or not self.training or self.drop.p == 0:
                return self.drop(x)
            keep = 1.0 - self.drop.p
            mask = torch.empty(x.shape[0], 1, x.shape[2]).bernoulli_(keep).div_(keep)
            return x * mask

    built = TaggerNet()
    with torch.no_grad():
        start = initial_embedding(int(net["buckets"]), dim, int(net.get("embed_seed", 0)))
        built.embed.weight.copy_(torch.from_numpy(start))
    return built


def _drop_features(ids: np.ndarray, counts: np.ndarray, rate: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Each feature of each token left out with probability ``rate`` (training only), so
    the network learns to label a token some of whose features it has never seen."""
    keep = rng.random(len(ids)) >= rate
    token_of = np.repeat(np.arange(len(counts)), counts)
    return ids[keep], np.bincount(token_of[keep], minlength=len(counts)).astype(np.int32)


def _batch_tensors(torch, examples: list[tuple[np.ndarray, np.ndarray]]):
    ids = np.concatenate([e[0] for e in examples]).astype(np.int64)
    counts = np.concatenate([e[1] for e in examples])
    offsets = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=offsets[1:])
    lengths = torch.tensor([len(e[1]) for e in examples], dtype=torch.int64)
    return torch.from_numpy(ids), torch.from_numpy(offsets), lengths


def allowed_transitions(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(start allowed per label, transition allowed [from, to]) under BIO."""
    size = len(labels)
    start = np.array([not label.startswith("I-") for label in labels])
    move = np.ones((size, size), dtype=bool)
    for j, label in enumerate(labels):
        if label.startswith("I-"):
            role = label[2:]
            for i, previous in enumerate(labels):
                move[i, j] = previous in ("B-" + role, "I-" + role)
    return start, move


def viterbi(log_probs: np.ndarray, start: np.ndarray, move: np.ndarray) -> list[int]:
    """The likeliest label sequence that obeys the BIO constraints."""
    length, size = log_probs.shape
    greedy = log_probs.argmax(axis=1)
    if start[greedy[0]] and move[greedy[:-1], greedy[1:]].all():
        return greedy.tolist()  # each token's best label already obeys BIO: that is the optimum
    penalty = np.where(move, 0.0, -1e9)
    score = log_probs[0] + np.where(start, 0.0, -1e9)
    back = np.zeros((length, size), dtype=np.int64)
    for t in range(1, length):
        total = score[:, None] + penalty
        back[t] = total.argmax(axis=0)
        score = total.max(axis=0) + log_probs[t]
    best = [int(score.argmax())]
    for t in range(length - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


def pack_members(models: Sequence[bytes]) -> bytes:
    """Several BiLSTMs trained alike from different seeds as one labeller file; one
    model stays as it is."""
    import srsly

    if len(models) == 1:
        return models[0]
    return srsly.msgpack_dumps({"magic": ENSEMBLE_MAGIC, "members": list(models)})


def _unpack(data: bytes):
    import srsly

    try:
        return srsly.msgpack_loads(data)
    except Exception:  # msgpack raises several kinds, some with no message
        raise ValueError("not a BiLSTM labeller (unreadable msgpack)") from None


class NeuralTagger:
    """A trained BiLSTM labeller, or the mean of several (:func:`pack_members`):
    ``label(sequences)`` gives labels and per-token probabilities for each sequence (the
    interface :class:`FrameModel` reads)."""

    def __init__(self, data: bytes):
        loaded = _unpack(data)
        if isinstance(loaded, dict) and loaded.get("magic") == ENSEMBLE_MAGIC:
            members = loaded.get("members")
            if not isinstance(members, list) or not members or not all(isinstance(m, bytes) for m in members):
                raise ValueError("the labeller's members are not BiLSTMs")
            self.members = [_Member(m) for m in members]
        else:
            self.members = [_Member(data, loaded)]
        first = self.members[0]
        if any(m.labels != first.labels or m.buckets != first.buckets for m in self.members):
            raise ValueError("the labeller's members do not share their labels and features")
        self.labels = first.labels
        self.start, self.move = allowed_transitions(self.labels)

    def label(self, sequences: Sequence[Sequence[Sequence[str]]]) -> list[tuple[list[str], np.ndarray]]:
        """For each sequence: (Viterbi labels, softmax probabilities time x labels; the
        members' mean)."""
        if not sequences:
            return []
        hashed = [hash_sequence(sequence, self.members[0].buckets) for sequence in sequences]
        probabilities = self.members[0].probabilities(hashed)
        for member in self.members[1:]:
            for total, more in zip(probabilities, member.probabilities(hashed)):
                total += more
        results = []
        for probs in probabilities:
            probs /= len(self.members)
            best = viterbi(np.log(np.maximum(probs, 1e-30)), self.start, self.move)
            results.append(([self.labels[i] for i in best], probs))
        return results


class _Member:
    """One BiLSTM of a labeller."""

    def __init__(self, data: bytes, loaded=None):
        torch = require_torch()
        if loaded is None:
            loaded = _unpack(data)
        if not isinstance(loaded, dict) or loaded.get("magic") != MAGIC:
            raise ValueError("not a BiLSTM labeller")
        self.labels: list[str] = list(loaded["labels"])
        self.net_settings: dict = dict(loaded["net"])
        torch.set_num_threads(1)
        self.net = _build_net(torch, len(self.labels), self.net_settings)
        state = {
            name: torch.from_numpy(np.frombuffer(raw, dtype=np.float16).reshape(shape).astype(np.float32))
            for name, (shape, raw) in loaded["weights"].items()
        }
        if "embed_rows" in loaded:  # only the trained rows were stored: the rest start as in training
            full = self.net.embed.weight.detach().numpy().astype(np.float16).astype(np.float32)
            rows = np.frombuffer(loaded["embed_rows"], dtype=np.int32)
            if len(rows) != len(state["embed.weight"]) or (len(rows) and not 0 <= rows.min() <= rows.max() < len(full)):
                raise ValueError("the stored embedding rows do not fit the network")
            full[rows] = state["embed.weight"].numpy()
            state["embed.weight"] = torch.from_numpy(full)
        self.net.load_state_dict(state)
        self.net.eval()
        self.buckets = int(self.net_settings["buckets"])

    def probabilities(self, hashed: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """Softmax probabilities (time x labels) of each hashed sequence."""
        torch = require_torch()
        out: list[np.ndarray] = []
        chunk = 64
        with torch.no_grad():
            for first in range(0, len(hashed), chunk):
                part = hashed[first : first + chunk]
                probs = torch.softmax(self.net(*_batch_tensors(torch, part)), dim=-1).numpy()
                out.extend(probs[k, : len(counts)].copy() for k, (_, counts) in enumerate(part))
        return out


def serialise(net, labels: Sequence[str], settings: dict, trained_rows: np.ndarray | None = None) -> bytes:
    """The model as msgpack; with ``trained_rows`` (sorted bucket ids) only those rows of
    the feature embedding are stored (the others are still their initial values)."""
    import srsly

    weights = {}
    for name, tensor in net.state_dict().items():
        array = tensor.detach().numpy().astype(np.float16)
        if name == "embed.weight" and trained_rows is not None:
            array = array[trained_rows]
        weights[name] = (list(array.shape), array.tobytes())
    data = {"magic": MAGIC, "labels": list(labels), "net": settings, "weights": weights}
    if trained_rows is not None:
        data["embed_rows"] = trained_rows.astype(np.int32).tobytes()
    return srsly.msgpack_dumps(data)


def _segments_of(labels: Sequence[str]) -> set[tuple[int, int, str]]:
    found = set()
    start, role = None, ""
    for i, label in enumerate([*labels, "O"]):
        if start is not None and (label == "O" or label.startswith("B-") or label[2:] != role):
            found.add((start, i, role))
            start = None
        if label != "O" and start is None:
            start, role = i, label[2:]
    return found


def segment_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Exact-match F1 of the labelled segments (what the held-out epoch choice reads)."""
    hit = total_gold = total_predicted = 0
    for g, p in zip(gold, predicted):
        gs, ps = _segments_of(g), _segments_of(p)
        hit += len(gs & ps)
        total_gold += len(gs)
        total_predicted += len(ps)
    return 2 * hit / (total_gold + total_predicted) if total_gold + total_predicted else 0.0


class NeuralTrainer:
    """Collects (features, labels) like pycrfsuite.Trainer, then fits a BiLSTM."""

    def __init__(self, labels: Sequence[str], settings: dict | None = None):
        self.labels = list(labels)
        self.settings = {**DEFAULT_NET, **(settings or {})}
        self.examples: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.held: list[tuple[np.ndarray, np.ndarray, list[str]]] = []
        self.index = {label: i for i, label in enumerate(self.labels)}
        self.epochs_run = 0
        self.best_epoch = 0
        self.held_f1: float | None = None

    def append(self, sequence, labels: Sequence[str], held_out: bool = False) -> None:
        ids, counts = hash_sequence(sequence, int(self.settings["buckets"]))
        if held_out:
            self.held.append((ids, counts, list(labels)))
        else:
            self.examples.append((ids, counts, np.array([self.index[label] for label in labels], dtype=np.int64)))

    def train(
        self, seed: int = 0, deadline: float | None = None, on_epoch: Callable[[int, float], None] | None = None
    ) -> bytes:
        torch = require_torch()
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        order_random = random.Random(seed)
        feature_dropout = float(self.settings.get("feature_dropout", 0.0))
        feature_random = np.random.default_rng(seed + 1)
        self.settings["embed_seed"] = seed
        self.best_epoch, self.held_f1 = 0, None
        net = _build_net(torch, len(self.labels), self.settings)
        # SparseAdam changes only the rows a batch looks up: the others need not be saved
        trained_rows = np.unique(np.concatenate([e[0] for e in self.examples])) if self.examples else None
        # The embedding's gradients are sparse (the buckets a batch touches): SparseAdam.
        dense = [parameter for name, parameter in net.named_parameters() if not name.startswith("embed.")]
        optimisers = [torch.optim.Adam(dense, lr=float(self.settings["lr"])),
                      torch.optim.SparseAdam(list(net.embed.parameters()), lr=float(self.settings["embed_lr"]))]
        loss_of = torch.nn.CrossEntropyLoss(ignore_index=-100)
        batch = int(self.settings["batch"])
        # Batches of similar length (less padding), in a seeded order each epoch.
        order = sorted(range(len(self.examples)), key=lambda k: len(self.examples[k][1]))
        batches = [order[i : i + batch] for i in range(0, len(order), batch)]
        start_state, move = allowed_transitions(self.labels)
        best_bytes = serialise(net, self.labels, self.settings, trained_rows)
        best = -1.0
        for epoch in range(1, int(self.settings["epochs"]) + 1):
            net.train()
            order_random.shuffle(batches)
            total = 0.0
            for members in batches:
                part = [self.examples[k] for k in members]
                inputs = [(e[0], e[1]) for e in part]
                if feature_dropout > 0:
                    inputs = [_drop_features(ids, counts, feature_dropout, feature_random) for ids, counts in inputs]
                scores = net(*_batch_tensors(torch, inputs))
                gold = torch.nn.utils.rnn.pad_sequence(
                    [torch.from_numpy(e[2]) for e in part], batch_first=True, padding_value=-100
                )
                loss = loss_of(scores.reshape(-1, scores.shape[-1]), gold.reshape(-1))
                for optimiser in optimisers:
                    optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(dense, 5.0)
                for optimiser in optimisers:
                    optimiser.step()
                total += float(loss.detach())
                if deadline is not None and time.monotonic() > deadline:
                    break
            self.epochs_run = epoch
            net.eval()
            figure = self._held_f1(torch, net, start_state, move)
            if on_epoch is not None:
                on_epoch(epoch, total / max(1, len(batches)))
            if figure is None or figure > best:
                best = figure if figure is not None else best
                best_bytes = serialise(net, self.labels, self.settings, trained_rows)
                self.best_epoch = epoch
                self.held_f1 = figure
            if deadline is not None and time.monotonic() > deadline:
                break
        return best_bytes

    def _held_f1(self, torch, net, start_state, move) -> float | None:
        if not self.held:
            return None
        predicted = []
        with torch.no_grad():
            for first in range(0, len(self.held), 64):
                part = self.held[first : first + 64]
                scores = net(*_batch_tensors(torch, [(e[0], e[1]) for e in part]))
                log_probs = torch.log_softmax(scores, dim=-1).numpy()
                for k, (_, counts, _) in enumerate(part):
                    best = viterbi(log_probs[k, : len(counts)], start_state, move)
                    predicted.append([self.labels[i] for i in best])
        return segment_f1([e[2] for e in self.held], predicted)
