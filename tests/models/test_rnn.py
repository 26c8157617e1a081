import keras
import numpy as np
import pytest

import dlkit
from dlkit.models import rnn

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile

RNG = np.random.default_rng(0)


def _recurrent_layers(model):
    return [layer for layer in model.layers
            if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN,
                                  keras.layers.Bidirectional))]


@pytest.mark.parametrize("cell", rnn.CELLS)
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, False), (2, True)])
def test_classifier_shape_contract(cell, num_layers, bidirectional):
    model = rnn.build_rnn_classifier((7, 3), 4, cell=cell, units=5, num_layers=num_layers,
                                     bidirectional=bidirectional, dropout_rate=0.1)
    out = model(RNG.random((2, 7, 3), dtype=np.float32))
    assert tuple(out.shape) == (2, 4)
    layers = _recurrent_layers(model)
    assert len(layers) == num_layers
    # Stacking: every layer but the last returns sequences.
    inner = [getattr(layer, "forward_layer", layer) for layer in layers]
    assert [layer.return_sequences for layer in inner] == [True] * (num_layers - 1) + [False]
    if bidirectional:
        assert layers[-1].output.shape[-1] == 10


def test_classifier_accepts_variable_length():
    model = rnn.build_rnn_classifier((None, 3), 2, cell="gru", units=4)
    assert tuple(model(np.zeros((2, 9, 3), np.float32)).shape) == (2, 2)


@pytest.mark.parametrize("cell", rnn.CELLS)
@pytest.mark.parametrize("conv_filters", [0, 6])
def test_forecaster_shape_contract(cell, conv_filters):
    model = rnn.build_rnn_forecaster(12, 2, horizon=5, cell=cell, units=8, conv_filters=conv_filters,
                                     num_targets=1)
    assert tuple(model(np.zeros((2, 12, 2), np.float32)).shape) == (2, 5, 1)
    assert ("conv_front" in [layer.name for layer in model.layers]) == bool(conv_filters)


def test_char_language_model_is_causal():
    model = rnn.build_char_language_model(9, cell="lstm", embedding_dim=4, units=6)
    ids = np.array([[1, 3, 4, 5, 1], [1, 3, 4, 8, 2]], dtype=np.int32)
    logits = np.asarray(model(ids))
    assert logits.shape == (2, 5, 9)
    # The sequences agree up to step 2, so the outputs up to step 2 agree too.
    np.testing.assert_allclose(logits[0, :3], logits[1, :3], atol=1e-6)
    assert not np.allclose(logits[0, 3:], logits[1, 3:])


@pytest.mark.parametrize("cell", rnn.CELLS)
def test_conv_rnn_classifier_reads_rows_as_steps(cell):
    model = rnn.build_conv_rnn_classifier((28, 28, 1), 10, conv_filters=(4, 8), cell=cell, units=6)
    assert model.get_layer("rows_as_steps").output.shape[1:] == (7, 7 * 8)
    assert tuple(model(np.zeros((2, 28, 28, 1), np.float32)).shape) == (2, 10)


def test_default_layers_meet_the_cudnn_conditions():
    for cell in ("lstm", "gru"):
        for model in (
            rnn.build_rnn_classifier((5, 2), 3, cell=cell, num_layers=2, bidirectional=True,
                                     dropout_rate=0.3),
            rnn.build_rnn_forecaster(5, 1, 2, cell=cell, conv_filters=4),
            rnn.build_char_language_model(6, cell=cell),
            rnn.build_conv_rnn_classifier((8, 8, 1), 2, conv_filters=(4,), cell=cell),
        ):
            layers = _recurrent_layers(model)
            assert layers and all(rnn.cudnn_compatible(layer) for layer in layers), model.name
    # The checker is not a rubber stamp: each broken condition is caught.
    assert not rnn.cudnn_compatible(keras.layers.LSTM(4, recurrent_dropout=0.1))
    assert not rnn.cudnn_compatible(keras.layers.LSTM(4, activation="relu"))
    assert not rnn.cudnn_compatible(keras.layers.GRU(4, reset_after=False))
    assert not rnn.cudnn_compatible(keras.layers.GRU(4, unroll=True))
    assert not rnn.cudnn_compatible(keras.layers.SimpleRNN(4))


def test_one_lstm_step_by_hand():
    # Constant weights: every gate pre-activation is w * (sum of inputs) + b,
    # with the recurrent term zero at the first step (h0 = 0).
    layer = keras.layers.LSTM(2, kernel_initializer=keras.initializers.Constant(0.5),
                              recurrent_initializer=keras.initializers.Constant(0.25),
                              bias_initializer=keras.initializers.Constant(0.1),
                              unit_forget_bias=False, return_sequences=True)
    x = np.array([[[1.0, 2.0, -1.0], [0.5, 0.0, 1.0]]], dtype=np.float32)
    out = np.asarray(layer(x))[0]

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    h, c = 0.0, 0.0
    expected = []
    for step in x[0]:
        z = 0.5 * step.sum() + 0.25 * 2 * h + 0.1  # h has 2 equal units
        i, f, g, o = sigmoid(z), sigmoid(z), np.tanh(z), sigmoid(z)
        c = f * c + i * g
        h = o * np.tanh(c)
        expected.append([h, h])
    np.testing.assert_allclose(out, expected, rtol=1e-5)


@pytest.mark.parametrize("builder", ["classifier", "forecaster", "char_lm", "conv_rnn"])
def test_save_load_round_trip(builder, tmp_path):
    models = {
        "classifier": (lambda: rnn.build_rnn_classifier((6, 2), 3, cell="gru", units=4, bidirectional=True),
                       RNG.random((2, 6, 2), dtype=np.float32)),
        "forecaster": (lambda: rnn.build_rnn_forecaster(6, 1, 3, units=4, conv_filters=2),
                       RNG.random((2, 6, 1), dtype=np.float32)),
        "char_lm": (lambda: rnn.build_char_language_model(7, units=4),
                    np.array([[1, 2, 3, 1]], dtype=np.int32)),
        "conv_rnn": (lambda: rnn.build_conv_rnn_classifier((8, 8, 1), 2, conv_filters=(2,), units=3),
                     RNG.random((2, 8, 8, 1), dtype=np.float32)),
    }
    build, x = models[builder]
    model = build()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), rtol=1e-5)


def test_same_seed_same_weights():
    def weights(seed):
        dlkit.set_seed(seed)
        return rnn.build_rnn_classifier((4, 2), 2, cell="lstm", units=3).get_weights()[0]

    np.testing.assert_array_equal(weights(1), weights(1))
    assert not np.array_equal(weights(1), weights(2))


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: rnn.build_rnn_classifier((5, 2), 3, cell="transformer"), "cell='transformer'"),
        (lambda: rnn.build_rnn_classifier((5, 2), 3, units=0), "units=0"),
        (lambda: rnn.build_rnn_classifier((5, 2), 3, num_layers=0), "num_layers=0"),
        (lambda: rnn.build_rnn_classifier((5, 2), 3, dropout_rate=-0.1), "dropout_rate=-0.1"),
        (lambda: rnn.build_rnn_classifier((5, 2), 3, bidirectional="yes"), "bidirectional='yes'"),
        (lambda: rnn.build_rnn_classifier((5,), 3), "input_shape=(5,)"),
        (lambda: rnn.build_rnn_forecaster(10, 1, horizon=0), "horizon=0"),
        (lambda: rnn.build_rnn_forecaster(0, 1, horizon=2), "input_width=0"),
        (lambda: rnn.build_rnn_forecaster(10, 1, 2, num_targets=2), "num_targets=2"),
        (lambda: rnn.build_char_language_model(2), "vocab_size=2"),
        (lambda: rnn.build_conv_rnn_classifier((4, 4, 1), 2, conv_filters=(2, 2, 2)), "conv_filters"),
    ],
)
def test_invalid_arguments(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


def test_sampling_is_seeded_and_only_emits_vocabulary_characters():
    from dlkit.data import CharVocabulary

    vocab = CharVocabulary.from_words(["abc", "cab"])
    dlkit.set_seed(0)
    model = rnn.build_char_language_model(vocab.size, units=8)
    a = rnn.sample_words(model, vocab, 20, temperature=1.0, seed=3, max_length=12)
    b = rnn.sample_words(model, vocab, 20, temperature=1.0, seed=3, max_length=12)
    c = rnn.sample_words(model, vocab, 20, temperature=1.0, seed=4, max_length=12)
    assert a == b and a != c
    assert len(a) == 20
    assert all(1 <= len(w) <= 12 and set(w) <= set("abc") for w in a)


def test_temperature_sharpens_the_distribution():
    from dlkit.data import CharVocabulary

    vocab = CharVocabulary.from_words(["ab"])
    # Logits fixed at [pad, boundary, a, b] = [0, 0, 2, 0]: at a low
    # temperature nearly every character is "a".
    inputs = keras.Input((None,), dtype="int32")
    ones = keras.ops.expand_dims(keras.ops.ones_like(keras.ops.cast(inputs, "float32")), -1)
    logits = keras.layers.Lambda(lambda t: t * np.array([0, 0, 2, 0], "float32"))(ones)
    model = keras.Model(inputs, logits)
    cold = "".join(rnn.sample_words(model, vocab, 50, temperature=0.1, seed=0, max_length=5))
    hot = "".join(rnn.sample_words(model, vocab, 50, temperature=5.0, seed=0, max_length=5))
    assert cold.count("a") / len(cold) > 0.99
    assert hot.count("b") / len(hot) > 0.2


def test_sampling_rejects_bad_temperature():
    from dlkit.data import CharVocabulary

    vocab = CharVocabulary.from_words(["ab"])
    model = rnn.build_char_language_model(vocab.size, units=4)
    with pytest.raises(ValueError, match="temperature=0"):
        rnn.sample_words(model, vocab, 3, temperature=0)
