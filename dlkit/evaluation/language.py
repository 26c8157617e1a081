"""Character language models: a smoothed n-gram baseline and bits per character."""

import math
from collections import Counter, defaultdict

import numpy as np


class CharNGramModel:
    """A character n-gram model with Witten-Bell interpolated smoothing.

    Each word is read as `^^^word$` style: `order - 1` boundary symbols of
    context before the first letter, and one boundary after the last letter
    that the model must predict (so it learns where words end). The
    probability of a character after a context `h` mixes the counts seen
    after `h` with the model one order lower, weighting the lower order by
    how many *different* characters followed `h`:

        P(c | h) = (C(h c) + T(h) * P(c | h')) / (C(h) + T(h))

    where `h'` drops the oldest character of `h`, `T(h)` is the number of
    distinct characters seen after `h`, and the recursion ends in the uniform
    distribution over the alphabet plus the boundary. Every probability is
    therefore positive and each conditional distribution sums to 1.

    Args:
        order: Context length plus one (`1` = unigram). Defaults to `4`.

    Example:

    >>> model = CharNGramModel(order=3).fit(["cat", "car", "cart"])
    >>> round(model.bits_per_char(["cab"]), 2) > 0
    True
    """

    BOUNDARY = "\n"

    def __init__(self, order=4):
        if not isinstance(order, int) or isinstance(order, bool) or order < 1:
            raise ValueError(f"Expected a positive integer `order`. Received: order={order!r}")
        self.order = order
        self.counts = defaultdict(Counter)  # context string -> Counter of next chars
        self.totals = {}  # context string -> (number of events, number of distinct next chars)
        self.alphabet = set()

    def _events(self, word):
        padded = self.BOUNDARY * (self.order - 1) + word + self.BOUNDARY
        for i in range(self.order - 1, len(padded)):
            yield padded[i - self.order + 1 : i], padded[i]

    def fit(self, words):
        """Counts every (context, next character) pair at every order. Returns self."""
        for word in words:
            self.alphabet.update(word)
            for context, char in self._events(word):
                for k in range(len(context) + 1):
                    self.counts[context[k:]][char] += 1
        if not self.alphabet:
            raise ValueError("Expected at least one non-empty word to fit on. Received: none")
        self.alphabet.add(self.BOUNDARY)
        # probability() runs once per context length per character scored: keep
        # the per-context sums instead of recounting them on every call.
        self.totals = {context: (sum(seen.values()), len(seen)) for context, seen in self.counts.items()}
        return self

    def probability(self, char, context):
        """P(char | context); `context` is the last `order - 1` characters."""
        p = 1.0 / len(self.alphabet)
        for k in range(len(context), -1, -1):  # from the empty context up to the full one
            sums = self.totals.get(context[k:])
            if sums is None:
                continue
            total, types = sums
            p = (self.counts[context[k:]][char] + types * p) / (total + types)
        return p

    def bits_per_char(self, words):
        """Average -log2 P over every predicted character (end boundaries included)."""
        total, n = 0.0, 0
        for word in words:
            unknown = set(word) - self.alphabet
            if unknown:
                raise ValueError(
                    f"Expected characters seen in training. Received: {sorted(unknown)} in word={word!r}"
                )
            for context, char in self._events(word):
                total -= math.log2(self.probability(char, context))
                n += 1
        return total / n


def model_bits_per_char(model, encoded, batch_size=512):
    """Bits per character of a character model on encoded words.

    Args:
        model: A model from `rnn.build_char_language_model` (logits).
        encoded: int matrix from `data.encode_words`: `[B, w, o, r, d, B, 0...]`.
        batch_size: Prediction batch size. Defaults to `512`.

    Returns:
        The mean of -log2 P(next id) over every real next id (letters and the
        end boundary; padding excluded): the number the n-gram baseline gives
        with `CharNGramModel.bits_per_char`.
    """
    import keras  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)

    encoded = np.asarray(encoded)
    inputs, targets = encoded[:, :-1], encoded[:, 1:]
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    log_probs = np.asarray(keras.ops.log_softmax(logits, axis=-1))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    mask = targets != 0
    return float(-picked[mask].mean() / math.log(2))
