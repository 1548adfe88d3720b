"""The two vector spaces the index learns from the phrasings: TF-IDF vectors of character
n-grams (for the nearest phrasing) and a naive Bayes classifier over word keys (for choosing a
topic's sub-answer)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import sparse

_NGRAMS: Final = (3, 4, 5)
_KEY_GRAMS: Final = 9
"""A synonym group's key stands for a word: it has as many n-grams as a word of four letters
(with two characters it had three, and "Kind" outweighed "anmelden" three to one)."""
_ALPHA: Final = 0.1
"""Naive Bayes smoothing: a word unseen in a candidate's phrasings counts as seen this often."""


def ngrams(
    words: Iterable[str], weights: Iterable[float] | None = None, *, per_word: bool = False
) -> dict[str, float]:
    """Character n-grams of each word with its boundaries (" kita " -> " ki", "kit", ...).

    `per_word`: each word weighs the same in all (its n-grams share its weight), so that a long
    word does not outweigh a short stem or a synonym group's key. Telling a topic's sub-answers
    apart needs that; ranking topics does better with every n-gram counting (measured).
    """
    counts: dict[str, float] = defaultdict(float)
    pairs = zip(words, weights, strict=True) if weights is not None else ((w, 1.0) for w in words)
    for word, weight in pairs:
        grams = _word_ngrams(word)
        share = weight / len(grams) if per_word else weight
        for gram in grams:
            counts[gram] += share
    return counts


@lru_cache(maxsize=16384)
def _word_ngrams(word: str) -> tuple[str, ...]:
    if word.startswith("~"):  # a synonym group's key: its n-grams are its own
        return tuple(f"{word}#{i}" for i in range(_KEY_GRAMS))
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in _NGRAMS for i in range(len(padded) - n + 1))


class NgramSpace:
    """TF-IDF vectors of character n-grams, one row per phrasing, rows of a candidate together."""

    def __init__(self, documents: Sequence[Sequence[str]], *, per_word: bool = False) -> None:
        """`documents`: each phrasing's words (stems); `per_word` as in `ngrams`."""
        self.per_word = per_word
        self.vocabulary: dict[str, int] = {}
        columns_of: dict[str, npt.NDArray[np.int64]] = {}
        said: list[npt.NDArray[np.int64]] = []
        """Each word of each phrasing, as its n-grams' columns."""
        row_of: list[int] = []
        for row, words in enumerate(documents):
            for word in words:
                own = columns_of.get(word)
                if own is None:
                    own = np.array(
                        [
                            self.vocabulary.setdefault(g, len(self.vocabulary))
                            for g in _word_ngrams(word)
                        ],
                        dtype=np.int64,
                    )
                    columns_of[word] = own
                said.append(own)
                row_of.append(row)
        n, size = len(documents), len(self.vocabulary)
        grams = np.array([len(own) for own in said], dtype=np.int64)
        shares = np.repeat(1.0 / grams if per_word else np.ones(len(said)), grams)
        rows = np.repeat(np.array(row_of, dtype=np.int64), grams)
        cols = np.concatenate(said) if said else np.zeros(0, dtype=np.int64)
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

    def similarities(
        self, words: Sequence[str], weights: Sequence[float]
    ) -> npt.NDArray[np.float64]:
        """Cosine similarity of a message's words (with their weights) to every phrasing.

        N-grams no phrasing has still belong to the message (with the highest idf): a message of
        unknown words is far from everything, not near the one phrasing sharing an n-gram.
        """
        counts = ngrams(words, weights, per_word=self.per_word)
        known = [
            (self.vocabulary[g], c) for g, c in counts.items() if c > 0 and g in self.vocabulary
        ]
        if not known:
            return np.zeros(self.columns.shape[0])
        unknown = _tf(
            np.array([c for g, c in counts.items() if c > 0 and g not in self.vocabulary])
        )
        cols = [col for col, _ in known]
        vals = _tf(np.array([c for _, c in known])) * self.idf[cols]
        norm = math.sqrt(float(vals @ vals) + float(unknown @ unknown) * self.rare_idf**2)
        return np.asarray(self.columns[:, cols] @ (vals / norm)).ravel()


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
        counts = np.zeros((size, len(columns)))
        np.add.at(
            counts, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)), values
        )
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
