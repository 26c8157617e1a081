import math

import numpy as np
import pytest

from dlkit.data import CharVocabulary, encode_words
from dlkit.evaluation.language import CharNGramModel, model_bits_per_char


def test_unigram_witten_bell_by_hand():
    # Corpus "ab", "a": events a, b, \n, a, \n -> counts a:2 b:1 \n:2, N=5, T=3.
    # Alphabet {a, b, \n} -> uniform 1/3.  P(c) = (C(c) + 3 * 1/3) / (5 + 3).
    model = CharNGramModel(order=1).fit(["ab", "a"])
    assert model.probability("a", "") == pytest.approx(3 / 8)
    assert model.probability("b", "") == pytest.approx(2 / 8)
    assert model.probability("\n", "") == pytest.approx(3 / 8)
    expected_bits = -(math.log2(3 / 8) + math.log2(3 / 8)) / 2  # word "a": a then end
    assert model.bits_per_char(["a"]) == pytest.approx(expected_bits)


def test_bigram_mixes_with_the_lower_order():
    model = CharNGramModel(order=2).fit(["ab", "a"])
    # After "a": b once, \n once -> C=2, T=2.  Unigram P(b) = 2/8 from above.
    assert model.probability("b", "a") == pytest.approx((1 + 2 * 2 / 8) / (2 + 2))
    # An unseen context falls back to the unigram.
    assert model.probability("b", "b") == pytest.approx((0 + 1 * 2 / 8) / (1 + 1))


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_conditional_distribution_sums_to_one(order):
    model = CharNGramModel(order=order).fit(["banana", "bandana", "cab"])
    for context in ["", "b", "ba", "an", "zzz"[: order - 1], "\n" * (order - 1)]:
        context = context[-(order - 1) :] if order > 1 else ""
        total = sum(model.probability(c, context) for c in model.alphabet)
        assert total == pytest.approx(1.0)


def test_higher_order_fits_better_on_repetitive_text():
    words = ["banana"] * 5 + ["bandana"] * 5
    bits = [CharNGramModel(order=o).fit(words).bits_per_char(words) for o in (1, 3)]
    assert bits[1] < bits[0]


def test_errors():
    with pytest.raises(ValueError, match="order=0"):
        CharNGramModel(order=0)
    model = CharNGramModel(order=2).fit(["ab"])
    with pytest.raises(ValueError, match="'z'"):
        model.bits_per_char(["az"])


def test_model_bits_per_char_matches_a_hand_computation():
    import keras

    vocab = CharVocabulary.from_words(["ab"])  # ids: pad 0, boundary 1, a 2, b 3
    encoded = encode_words(["ab", "a"], vocab, max_length=5)
    # A "model" that always predicts the same distribution over the 4 ids.
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    inputs = keras.Input((None,), dtype="int32")
    one = keras.ops.expand_dims(keras.ops.ones_like(keras.ops.cast(inputs, "float32")), -1)
    logits = keras.layers.Lambda(lambda t: t * np.log(probs).astype("float32"))(one)
    model = keras.Model(inputs, logits)
    # Targets: "ab" -> a, b, end; "a" -> a, end (padding ignored).
    expected = -(2 * math.log2(0.3) + math.log2(0.4) + 2 * math.log2(0.2)) / 5
    assert model_bits_per_char(model, encoded) == pytest.approx(expected, rel=1e-5)
