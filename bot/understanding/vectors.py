"""The two vector spaces the index learns from the phrasings: TF-IDF vectors of character
n-grams (for the nearest phrasing) and a naive Bayes classifier over word keys (for choosing a
topic's sub-answer)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import sparse

_NGRAMS: Final = (3, 4, 5)
_KEY_GRAMS: Final = 9
"""A synonym group's key stands for a word: it has as many n-grams as a word of four letters
(with two characters it had three, and "Kind" outweighed "anmelden" three to one)."""
_WORD_CACHE: Final = 16384
"""Words whose n-gram columns each space keeps at hand."""
_ALPHA: Final = 0.1
"""Naive Bayes smoothing: a word unseen in a candidate's phrasings counts as seen this often."""


@lru_cache(maxsize=16384)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """Character n-grams of a word with its boundaries (" kita " -> " ki", "kit", ...)."""
    if word.startswith("~"):  # a synonym group's key: its n-grams are its own
        return tuple(f"{word}#{i}" for i in range(_KEY_GRAMS))
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in _NGRAMS for i in range(len(padded) - n + 1))


@dataclass(frozen=True)
class Layout:
    """Where the n-grams of a set of phrasings are: the same for both ways of weighing them."""

    vocabulary: dict[str, int]
    """Each n-gram's column."""
    rows: int
    """How many phrasings."""
    cols: npt.NDArray[np.int64]
    """The columns of each word of each phrasing, one after the other ..."""
    row_of: npt.NDArray[np.int64]
    """... that word's phrasing ..."""
    grams: npt.NDArray[np.int64]
    """... and how many n-grams it has."""

    @classmethod
    def of(cls, documents: Sequence[Sequence[str]]) -> Layout:
        """`documents`: each phrasing's words (stems)."""
        vocabulary: dict[str, int] = {}
        columns_of: dict[str, list[int]] = {}
        cols: list[int] = []
        row_of: list[int] = []
        grams: list[int] = []
        for row, words in enumerate(documents):
            for word in words:
                own = columns_of.get(word)
                if own is None:
                    own = [vocabulary.setdefault(g, len(vocabulary)) for g in _word_ngrams(word)]
                    columns_of[word] = own
                cols += own
                row_of.append(row)
                grams.append(len(own))
        return cls(
            vocabulary,
            len(documents),
            np.array(cols, dtype=np.int64),
            np.array(row_of, dtype=np.int64),
            np.array(grams, dtype=np.int64),
        )


class NgramSpace:
    """TF-IDF vectors of character n-grams, one row per phrasing, rows of a candidate together."""

    def __init__(self, layout: Layout, *, per_word: bool = False) -> None:
        """The phrasings of `layout`, weighed.

        `per_word`: each word weighs the same in all (its n-grams share its weight), so that a
        long word does not outweigh a short stem or a synonym group's key. Telling a topic's
        sub-answers apart needs that; ranking topics does better with every n-gram counting
        (measured)."""
        self.per_word = per_word
        self.vocabulary = layout.vocabulary
        n, size, grams = layout.rows, len(layout.vocabulary), layout.grams
        shares = np.repeat(1.0 / grams if per_word else np.ones(len(grams)), grams)
        rows = np.repeat(layout.row_of, grams)
        cols = layout.cols
        # Summing the repeated (row, n-gram) pairs gives each phrasing's counts.
        counts = sparse.csr_matrix((shares, (rows, cols)), shape=(n, size))
        counts.sum_duplicates()
        coo = counts.tocoo()
        df = np.bincount(coo.col, minlength=size)
        self.idf = np.log((n + 1) / (df + 1)) + 1.0
        self.rare_idf = math.log(n + 1) + 1.0
        """The idf of an n-gram no phrasing has."""
        values = _tf(coo.data) * self.idf[coo.col]
        norms = np.sqrt(np.bincount(coo.row, weights=values * values, minlength=n))
        values /= np.where(norms > 0, norms, 1.0)[coo.row]
        self.columns = sparse.csc_matrix((values, (coo.row, coo.col)), shape=(n, size))
        """Columns are n-grams: a message touches only its own n-grams' columns."""
        self._rows = n
        self._indptr = self.columns.indptr.astype(np.int64)
        self._indices = self.columns.indices
        self._data = self.columns.data
        self._word = lru_cache(maxsize=_WORD_CACHE)(self._columns_of)

    def _columns_of(self, word: str) -> tuple[npt.NDArray[np.int64], tuple[str, ...], int]:
        """A word's n-grams: the columns of those phrasings have, the others, how many in all."""
        grams = _word_ngrams(word)
        known = [col for g in grams if (col := self.vocabulary.get(g)) is not None]
        others = tuple(g for g in grams if g not in self.vocabulary)
        return np.array(known, dtype=np.int64), others, len(grams)

    def similarities(
        self, words: Sequence[str], weights: Sequence[float]
    ) -> npt.NDArray[np.float64]:
        """Cosine similarity of a message's words (with their weights) to every phrasing.

        N-grams no phrasing has still belong to the message (with the highest idf): a message of
        unknown words is far from everything, not near the one phrasing sharing an n-gram.
        """
        parts: list[npt.NDArray[np.int64]] = []
        shares: list[float] = []
        unknown: dict[str, float] = defaultdict(float)
        for word, weight in zip(words, weights, strict=True):
            own, others, size = self._word(word)
            share = weight / size if self.per_word else weight
            if share <= 0:
                continue
            parts.append(own)
            shares.append(share)
            for gram in others:
                unknown[gram] += share
        lengths = np.array([len(own) for own in parts], dtype=np.int64)
        if not lengths.sum():
            return np.zeros(self._rows)
        # Each n-gram's count in the message: its shares summed over the words that have it.
        cols, where = np.unique(np.concatenate(parts), return_inverse=True)
        counts = np.bincount(where, weights=np.repeat(np.array(shares), lengths)).astype(
            np.float64, copy=False
        )
        vals = _tf(counts) * self.idf[cols]
        rare = _tf(np.array(list(unknown.values())))
        norm = math.sqrt(float(vals @ vals) + float(rare @ rare) * self.rare_idf**2)
        # The message's columns, gathered from the CSC arrays at once (scipy's column slicing
        # costs more than the arithmetic): each stored value times its column's weight, summed
        # per phrasing.
        starts = self._indptr[cols]
        lengths = self._indptr[cols + 1] - starts
        shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        stored = shift + np.arange(int(lengths.sum()))
        weighted = self._data[stored] * np.repeat(vals / norm, lengths)
        found = np.bincount(self._indices[stored], weights=weighted, minlength=self._rows)
        return found.astype(np.float64, copy=False)


def _tf(counts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Sublinear term frequency: 1 + log(count) from one on (weighted counts below one as is)."""
    return np.where(counts >= 1.0, 1.0 + np.log(np.maximum(counts, 1.0)), counts)


class Bayes:
    """A naive Bayes classifier over word keys, learnt from the phrasings: which candidate's
    phrasings use a message's words most (words every candidate uses cancel out)."""

    def __init__(self, size: int, examples: Iterable[tuple[int, Mapping[str, float]]]) -> None:
        """`examples`: each phrasing's class (0 .. size-1) and its word keys (`key_counts`)."""
        columns: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for number, counts_of in examples:
            for key, count in counts_of.items():
                rows.append(number)
                cols.append(columns.setdefault(key, len(columns)))
                values.append(count)
        width = len(columns)
        cells = np.asarray(rows, dtype=np.int64) * width + np.asarray(cols, dtype=np.int64)
        counts = np.bincount(cells, weights=values, minlength=size * width).reshape(size, width)
        totals = counts.sum(axis=1) + _ALPHA * max(len(columns), 1)
        log = (np.log(counts + _ALPHA) - np.log(totals)[:, None]).T
        self._log = {key: log[col] for key, col in columns.items()}
        self._empty = counts.sum(axis=1) == 0

    def posterior(self, counts: Mapping[str, float]) -> npt.NDArray[np.float64]:
        """P(candidate | words), uniform prior; 0 for candidates without phrasings."""
        scores = np.zeros(len(self._empty))
        for key, count in counts.items():
            row = self._log.get(key)
            if row is not None:
                scores += count * row
        scores[self._empty] = -np.inf
        scores -= scores.max()
        odds = np.exp(scores)
        return np.asarray(odds / odds.sum(), dtype=np.float64)
