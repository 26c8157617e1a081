"""The encoder-decoder: shapes, masking, attention, step-by-step decoding, greedy and beam search, saving."""

import keras
import numpy as np
import pytest

import dlkit
from dlkit import saving
from dlkit.data import cmudict
from dlkit.models import seq2seq

LETTERS, PHONEMES = cmudict.letter_vocabulary(), cmudict.phoneme_vocabulary()
END = PHONEMES.END
WORDS = [("cat", ("K", "AE", "T")), ("dog", ("D", "AO", "G")), ("ox", ("AA", "K", "S")),
         ("shoe", ("SH", "UW")), ("knight", ("N", "AY", "T")), ("axe", ("AE", "K", "S")),
         ("phone", ("F", "OW", "N")), ("queue", ("K", "Y", "UW"))]


def small(**kwargs):
    dlkit.set_seed(kwargs.pop("seed", 0))
    return seq2seq.build_seq2seq(LETTERS.size, PHONEMES.size, **{"units": 8, "embedding_dim": 4, **kwargs})


def arrays(pairs=WORDS):
    return cmudict.encode_pairs(pairs, LETTERS, PHONEMES)


@pytest.fixture(scope="module")
def model():
    return small(units=16, embedding_dim=8)


@pytest.fixture(scope="module")
def trained():
    """A model that learned the eight WORDS by heart (about 3 s)."""
    dlkit.set_seed(0)
    net = seq2seq.build_seq2seq(LETTERS.size, PHONEMES.size, units=32, embedding_dim=16)
    net.compile(keras.optimizers.Adam(0.02),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    letters, decoder_inputs, targets = (np.tile(a, (25, 1)) for a in arrays())  # 25 steps an epoch
    net.fit({"letters": letters, "phonemes": decoder_inputs}, targets, batch_size=8, epochs=6, verbose=0)
    return net


@pytest.mark.parametrize("cell", ["gru", "lstm", "simple"])
@pytest.mark.parametrize("attention", [True, False])
def test_logits_for_every_decoder_step_of_every_word(cell, attention):
    net = small(cell=cell, attention=attention, bidirectional_encoder=cell != "simple")
    logits = net([np.ones((2, 5), "int32"), np.ones((2, 7), "int32")])
    assert tuple(logits.shape) == (2, 7, PHONEMES.size)
    assert net.name == f"{cell}_seq2seq" + ("_attention" if attention else "")
    assert seq2seq.has_attention(net) == attention
    names = {layer.name for layer in net.layers}
    assert ("bridge_c" in names) == (cell == "lstm")
    assert {"letter_embedding", "encoder", "phoneme_embedding", "decoder", "readout", "logits"} <= names


def test_parameter_count_of_the_attention_parts():
    with_attention, without = small(), small(attention=False)
    # Query (8x8, no bias) and keys (16x8 + 8) projections, the scale (8), and the readout's wider input (16x8).
    assert with_attention.count_params() - without.count_params() == 64 + 136 + 8 + 128


def test_padding_changes_nothing_thanks_to_the_masks(model):
    letters, decoder_inputs, _ = arrays()
    logits = np.asarray(model([letters, decoder_inputs]))
    padded = np.asarray(model([np.pad(letters, ((0, 0), (0, 9))), np.pad(decoder_inputs, ((0, 0), (0, 4)))]))
    real = decoder_inputs != 0
    np.testing.assert_allclose(padded[:, :decoder_inputs.shape[1]][real], logits[real], atol=1e-5)


def test_attention_weights_sum_to_one_over_the_real_letters_and_are_zero_on_padding(model):
    letters, decoder_inputs, _ = arrays()
    weights = seq2seq.attention_weights(model, letters, decoder_inputs)
    assert weights.shape == decoder_inputs.shape + (letters.shape[1],)
    real = letters != 0
    np.testing.assert_allclose(weights.sum(axis=2), 1.0, atol=1e-5)
    assert np.all(weights[~np.broadcast_to(real[:, None, :], weights.shape)] == 0)
    assert np.all(weights[np.broadcast_to(real[:, None, :], weights.shape)] > 0)


def test_step_by_step_decoding_gives_the_teacher_forced_logits(model):
    """The decoder models reuse the trained layers: feeding the greedy output back reproduces its choices."""
    letters = arrays()[0]
    decoded = seq2seq.greedy_decode(model, letters, max_length=6)
    inputs = [([PHONEMES.START] + ids)[:6] for ids in decoded]
    padded = np.array([row + [0] * (6 - len(row)) for row in inputs], dtype="int32")
    forced = np.array(model([letters, padded]))
    forced[:, :, [PHONEMES.PAD, PHONEMES.START]] = -np.inf  # the decoders never write these
    for row, ids in enumerate(decoded):
        expected = (ids + [END])[:len(inputs[row])]
        assert forced[row, :len(expected)].argmax(axis=1).tolist() == expected


def test_greedy_is_a_beam_of_one(model):
    letters = arrays()[0]
    greedy = seq2seq.greedy_decode(model, letters, max_length=8, batch_size=3)
    assert seq2seq.beam_search_decode(model, letters, beam_width=1, max_length=8, batch_size=3) == greedy
    wide = seq2seq.beam_search_decode(model, letters, beam_width=3, max_length=8, batch_size=3)
    assert len(wide) == len(letters) and all(len(ids) <= 8 for ids in wide)


def favour(net, *tokens):
    """Makes `net`'s logits favour ids, the first by 50, the next by 40, ..., at every step, whatever it reads."""
    kernel, bias = net.get_layer("logits").get_weights()
    bias[:] = 0
    for rank, token in enumerate(tokens):
        bias[token] = 50.0 - 10 * rank
    net.get_layer("logits").set_weights([kernel * 0, bias])
    return net


def test_decoding_stops_at_the_end_token_and_after_max_length():
    letters = arrays()[0]
    ah = PHONEMES.encode(["AH"])[0]
    net = small()  # one model, its output bias changed between the checks: the decoders are built once
    favour(net, END)
    assert seq2seq.greedy_decode(net, letters) == [[]] * len(letters)
    assert seq2seq.beam_search_decode(net, letters, beam_width=3) == [[]] * len(letters)
    favour(net, ah)
    assert seq2seq.greedy_decode(net, letters[:2], max_length=5) == [[ah] * 5] * 2
    assert seq2seq.beam_search_decode(net, letters[:2], beam_width=2, max_length=5) == [[ah] * 5] * 2
    # Padding and the start token are never written, however much the model prefers them.
    favour(net, PHONEMES.PAD, PHONEMES.START, ah)
    assert seq2seq.greedy_decode(net, letters[:1], max_length=3) == [[ah] * 3]
    assert seq2seq.beam_search_decode(net, letters[:1], beam_width=2, max_length=3) == [[ah] * 3]


def test_beam_search_keeps_a_prefix_greedy_decoding_throws_away():
    """Step 1 prefers A (0.6 vs 0.4); after A the model is unsure, after B it is sure: the beam finds B."""
    letters = arrays()[0][:1]

    class Scripted:
        def __call__(self, inputs, training=False):
            previous = np.asarray(inputs[0])[:, 0]
            probabilities = np.full((len(previous), PHONEMES.size), 1e-9)
            a, b = 5, 6
            probabilities[previous == PHONEMES.START, a] = 0.6
            probabilities[previous == PHONEMES.START, b] = 0.4
            probabilities[previous == a, 7:17] = 0.1  # ten equally likely continuations
            probabilities[previous == b, END] = 1.0
            probabilities[(previous != PHONEMES.START) & (previous != a) & (previous != b), END] = 1.0
            return [np.log(probabilities)[:, None, :], np.zeros((len(previous), 1))]

    class Encoder:
        def __call__(self, letters, training=False):
            return [np.zeros((len(letters), 1))]

    net = small(attention=False)
    seq2seq._DECODERS[net] = (Encoder(), Scripted())
    assert seq2seq.greedy_decode(net, letters) == [[5, 7]]  # 0.6 * 0.1 = 0.06
    assert seq2seq.beam_search_decode(net, letters, beam_width=2) == [[6]]  # 0.4 * 1.0 = 0.4


def test_a_model_trained_on_a_few_words_says_them_back(trained):
    words = [w for w, _ in WORDS]
    expected = [p for _, p in WORDS]
    assert seq2seq.pronounce(trained, words) == expected
    assert seq2seq.pronounce(trained, [w.upper() for w in words], beam_width=3) == expected


def test_a_saved_model_loads_and_decodes_the_same(trained, tmp_path):
    path = saving.save_model(trained, tmp_path / "g2p.keras")
    loaded = saving.load_model(path)
    letters, decoder_inputs, _ = arrays()
    np.testing.assert_array_equal(np.asarray(loaded([letters, decoder_inputs])),
                                  np.asarray(trained([letters, decoder_inputs])))
    assert seq2seq.pronounce(loaded, ["knight", "queue"], beam_width=2) == [("N", "AY", "T"), ("K", "Y", "UW")]
    np.testing.assert_array_equal(seq2seq.attention_weights(loaded, letters, decoder_inputs),
                                  seq2seq.attention_weights(trained, letters, decoder_inputs))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"num_letters": 3}, "num_letters"),
    ({"cell": "transformer"}, "cell"),
    ({"attention": "yes"}, "attention"),
    ({"bidirectional_encoder": 1}, "bidirectional_encoder"),
    ({"units": 0}, "units"),
    ({"dropout_rate": 1.0}, "dropout_rate"),
])
def test_bad_builder_arguments_are_refused_by_name(kwargs, fragment):
    with pytest.raises(ValueError, match=rf"Expected `{fragment}`.*Received"):
        seq2seq.build_seq2seq(**{"num_letters": LETTERS.size, "num_phonemes": PHONEMES.size, **kwargs})


@pytest.mark.parametrize("call, fragment", [
    (lambda m: seq2seq.greedy_decode(m, [[3, 4], [0, 0]]), "row 1 is all padding"),
    (lambda m: seq2seq.greedy_decode(m, [[3, 40]]), r"in \[0, 29\)"),
    (lambda m: seq2seq.greedy_decode(m, [3, 4]), "integer matrix"),
    (lambda m: seq2seq.greedy_decode(m, [[3.0, 4.0]]), "integer matrix"),
    (lambda m: seq2seq.greedy_decode(m, [[3]], max_length=0), "max_length"),
    (lambda m: seq2seq.beam_search_decode(m, [[3]], beam_width=0), "beam_width"),
    (lambda m: seq2seq.pronounce(m, [""]), "non-empty"),
    (lambda m: seq2seq.pronounce(m, ["ab1"]), "Received: '1' in 'ab1'"),
    (lambda m: seq2seq.pronounce(m, "cat"), "sequence of words"),
    (lambda m: seq2seq.pronounce(m, ["cat"], phonemes=cmudict.phoneme_vocabulary(stress=True)),
     "model's 42 ids. Received: 87"),
    (lambda m: seq2seq.attention_weights(m, [[3]], [[1], [1]]), "as many phoneme rows"),
])
def test_bad_decoding_inputs_are_refused_saying_what_was_expected(model, call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call(model)


def test_only_a_seq2seq_model_with_attention_has_attention_weights():
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="Expected a model from seq2seq.build_seq2seq"):
        seq2seq.greedy_decode(other, [[3]])
    with pytest.raises(ValueError, match="built with attention=False"):
        seq2seq.attention_weights(small(attention=False), [[3]], [[1]])
