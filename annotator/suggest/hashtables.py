"""Sets and caches of spaCy's 64-bit string hashes, used a whole column at once.

The suggester asks, for every token, whether its lemma or form could be a cue, and
whether it and the next word could start a phrase; it maps every word to its lemma and
decodes every word's hash. Per token in Python, each of these cost about as much as
the rules; a binary search per token (``numpy.searchsorted``, or ``numpy.isin``, which
sorts) mispredicts a branch at nearly every step on fresh text. Here a table indexed
by the hash's low bits answers for every token at once, without a branch, and Python
sees only the few tokens the table cannot answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy

_BITS = 16
_LOW = numpy.uint64((1 << _BITS) - 1)


class HashSet:
    def __init__(self, hashes: Iterable[int]):
        self.exact = frozenset(int(h) for h in hashes)
        self.table = numpy.zeros(1 << _BITS, dtype=bool)
        if self.exact:
            keys = numpy.fromiter(self.exact, dtype="uint64", count=len(self.exact))
            self.table[(keys & _LOW).astype(numpy.intp)] = True

    def __len__(self) -> int:
        return len(self.exact)

    def positions(self, ids: numpy.ndarray) -> list[int]:
        """Indices of the ``ids`` (a uint64 array) that are in the set, in order."""
        maybe = numpy.flatnonzero(self.table[(ids & _LOW).astype(numpy.intp)])
        if not len(maybe):
            return []
        exact = self.exact
        return [i for i, key in zip(maybe.tolist(), ids[maybe].tolist()) if key in exact]

    def mask(self, ids: numpy.ndarray) -> numpy.ndarray:
        """A boolean array: which ``ids`` are in the set."""
        found = numpy.zeros(len(ids), dtype=bool)
        found[self.positions(ids)] = True
        return found


class HashCache:
    """hash -> value for whole columns: a direct-mapped table (slot = the hash's low
    bits, holding the last key stored there) in front of a dict of every value
    computed so far. A column costs a few array operations, plus Python work for
    the words never seen before and the few whose slot another word took."""

    def __init__(self, dtype: str, bits: int = 16, limit: int = 2_000_000):
        # 64k slots: small enough for the CPU's cache, large enough that few words of a
        # news corpus's vocabulary (30-40 thousand) fight over a slot; the frequent
        # words, most of any text, hold on to theirs.
        self.low = numpy.uint64((1 << bits) - 1)
        # An empty slot holds a key whose low bits are not the slot's: it matches nothing.
        self.keys = ~numpy.arange(1 << bits, dtype="uint64")
        self.values = numpy.zeros(1 << bits, dtype=dtype)
        self.known: dict[int, object] = {}
        self.limit = limit  # values kept before starting afresh (bounded memory)

    def lookup(self, ids: numpy.ndarray, compute: Callable[[list[int]], list]) -> numpy.ndarray:
        """The value of each id; ``compute(new_ids)`` gives the values of ids never seen."""
        slots = (ids & self.low).astype(numpy.intp)
        out = self.values[slots]
        misses = numpy.flatnonzero(self.keys[slots] != ids)
        if not len(misses):
            return out
        missing = ids[misses].tolist()
        known = self.known
        if len(known) > self.limit:
            known.clear()
        new = [key for key in set(missing) if key not in known]
        if new:
            known.update(zip(new, compute(new)))
        found = [known[key] for key in missing]
        out[misses] = found
        # Key and value written together, slot by slot, so they always agree (the few
        # misses of a text: a loop costs less than numpy's set-up for them).
        keys, values = self.keys, self.values
        for slot, key, value in zip(slots[misses].tolist(), missing, found):
            keys[slot] = key
            values[slot] = value
        return out
