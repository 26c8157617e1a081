"""The text classifier: raw strings in, masking, save/load, bad inputs; the F1 and TF-IDF baseline."""

import keras
import numpy as np
import pytest

import dlkit
from dlkit import saving
from dlkit.evaluation import text as text_eval
from dlkit.models import rnn

TEXTS = ["win money now", "meeting at ten", "cheap money win win money", "notes from the meeting", "now or never"]


def strings(*texts):
    return np.array(texts, dtype=object)


def test_vocabulary_is_most_frequent_first_without_the_reserved_tokens():
    vocabulary = rnn.adapt_vocabulary(TEXTS, max_tokens=6)
    assert vocabulary[:2] == ["win", "money"]  # 3 occurrences each, then words seen twice
    assert len(vocabulary) == 4 and not set(vocabulary) & set(rnn.TEXT_RESERVED_TOKENS)


def test_the_model_reads_strings_and_gives_a_probability_per_text():
    dlkit.set_seed(0)
    model = rnn.build_text_classifier(rnn.adapt_vocabulary(TEXTS), sequence_length=8, units=4, embedding_dim=3)
    probabilities = model.predict(strings(*TEXTS), verbose=0)
    assert probabilities.shape == (5, 1) and np.all((probabilities > 0) & (probabilities < 1))
    names = [layer.name for layer in model.layers]
    assert names[:3] == ["text", "vectorize", "embedding"] and names[-1] == "probability"
    # Embedding (vocabulary + padding + unknown) x 3; a GRU of 4 each way on 3 inputs: 3 * (4*3 + 4*4 + 2*4).
    vocabulary_size = len(rnn.adapt_vocabulary(TEXTS)) + 2
    assert model.count_params() == vocabulary_size * 3 + 2 * 3 * (4 * 3 + 4 * 4 + 2 * 4) + (8 + 1)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_padding_is_ignored_thanks_to_the_mask(cell):
    """The same words padded to 12 or to 60 ids: one prediction with the mask, two without it."""
    vocabulary = rnn.adapt_vocabulary(TEXTS)
    dlkit.set_seed(1)
    short = rnn.build_text_classifier(vocabulary, sequence_length=12, cell=cell, units=8, embedding_dim=4)
    long = rnn.build_text_classifier(vocabulary, sequence_length=60, cell=cell, units=8, embedding_dim=4)
    # Embeddings 20 times their initial scale, so that what the padding does is far above float32 rounding.
    weights = short.get_weights()
    weights[0] *= 20
    short.set_weights(weights)
    long.set_weights(weights)  # the weights do not depend on the padded length
    texts = strings("win money now", "notes from the meeting")
    np.testing.assert_allclose(long.predict(texts, verbose=0), short.predict(texts, verbose=0), atol=1e-6)

    # The same networks without the mask read the padding as words: the predictions move.
    def unmasked(model):
        ids = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(len(vocabulary) + 2, 4)(ids)
        x = keras.layers.Bidirectional(rnn.recurrent_layer(cell, 8))(x)
        copy = keras.Model(ids, keras.layers.Dense(1, activation="sigmoid")(x))
        copy.set_weights(model.get_weights())
        return copy

    ids = short.get_layer("vectorize")(texts).numpy()
    padded = np.pad(ids, ((0, 0), (0, 48)))
    moved = np.abs(unmasked(short).predict(ids, verbose=0) - unmasked(short).predict(padded, verbose=0)).max()
    assert moved > 100 * 1e-6  # a hundred times the masked models' tolerance (measured: about 2e-3)


def test_an_empty_message_gets_the_prediction_of_no_words():
    """Nothing to read: both directions return their zero initial state, so "" and "  ?!" score alike."""
    dlkit.set_seed(2)
    model = rnn.build_text_classifier(rnn.adapt_vocabulary(TEXTS), sequence_length=8, units=4, embedding_dim=3)
    empty, punctuation = model.predict(strings("", "  ?!"), verbose=0)[:, 0]
    kernel, bias = model.get_layer("probability").get_weights()
    assert empty == pytest.approx(punctuation) == pytest.approx(1 / (1 + np.exp(-bias[0])), abs=1e-6)


def test_a_saved_model_takes_raw_strings_after_loading(tmp_path):
    dlkit.set_seed(3)
    model = rnn.build_text_classifier(rnn.adapt_vocabulary(TEXTS), sequence_length=8, units=4, embedding_dim=3)
    path = saving.save_model(model, tmp_path / "text.keras")
    loaded = saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(strings(*TEXTS), verbose=0), model.predict(strings(*TEXTS),
                                                                                            verbose=0))
    assert loaded.get_layer("vectorize").get_vocabulary() == model.get_layer("vectorize").get_vocabulary()


@pytest.mark.parametrize("vocabulary, fragment", [
    ([], "at least one string"),
    ("win money", "sequence of strings. Received: str"),
    (["win", 3], "strings only. Received: an item of type int"),
    (["win", "[UNK]"], r"reserved ones: \['\[UNK\]'\]"),
    (["win", "win"], "1 repeated"),
])
def test_a_bad_vocabulary_is_refused_saying_what_was_expected(vocabulary, fragment):
    with pytest.raises(ValueError, match=fragment):
        rnn.build_text_classifier(vocabulary)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"sequence_length": 0}, "sequence_length"),
    ({"cell": "transformer"}, "cell"),
    ({"bidirectional": "yes"}, "bidirectional"),
])
def test_bad_builder_settings_are_refused_by_name(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        rnn.build_text_classifier(["win"], **kwargs)


def test_f1_and_the_binary_report_by_hand():
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    probabilities = np.array([0.9, 0.6, 0.2, 0.7, 0.1, 0.1, 0.3, 0.4])
    report = text_eval.binary_report(labels, probabilities)
    # 2 of 3 spam found (recall 2/3), 2 of 3 flagged are spam (precision 2/3): F1 2/3; 6 of 8 right.
    assert report == pytest.approx({"accuracy": 0.75, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert text_eval.f1_score(labels, np.zeros(8, dtype=int)) == 0.0
    with pytest.raises(ValueError, match=r"one probability in \[0, 1\] per label \(8\)"):
        text_eval.binary_report(labels, probabilities * 2)


def test_the_tfidf_baseline_learns_spam_and_fails_with_shuffled_labels(spam_corpus):
    from dlkit.data import spam

    train, val, test = spam.split_text_corpus(spam_corpus.subset(np.arange(0, len(spam_corpus), 5)), seed=0)
    baseline = text_eval.TfidfLogisticRegression(max_tokens=5000, penalties=(1e-5, 1e-3), epochs=5)
    baseline.fit(train.texts, train.labels, val.texts, val.labels)
    assert set(baseline.validation_losses) == {1e-5, 1e-3}
    assert baseline.validation_losses[baseline.penalty] == min(baseline.validation_losses.values())
    assert text_eval.binary_report(test.labels, baseline.predict_proba(test.texts))["accuracy"] > 0.9
    shuffled = np.random.default_rng(0).permutation(train.labels)
    chance = text_eval.TfidfLogisticRegression(max_tokens=5000, penalties=(1e-5,), epochs=5)
    chance.fit(train.texts, shuffled, val.texts, val.labels)
    # Labels that say nothing: no better than always answering "ham" (the majority, about 70 %).
    majority = max(np.mean(test.labels), 1 - np.mean(test.labels))
    assert text_eval.binary_report(test.labels, chance.predict_proba(test.texts))["accuracy"] < majority + 0.05


def test_an_unfitted_baseline_says_so():
    with pytest.raises(RuntimeError, match="call fit"):
        text_eval.TfidfLogisticRegression().predict_proba(["x"])
