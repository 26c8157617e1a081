"""Sequence to sequence with attention: an encoder-decoder that spells out pronunciations.

`build_seq2seq` returns the network trained with teacher forcing: the
encoder reads a word's letters; the decoder reads the reference phonemes
shifted right (start token first) and predicts, at every step, the next
phoneme. With `attention`, every decoder step also looks back at all the
encoder's outputs (Bahdanau et al. 2015's additive score, applied to the
decoder's output as Luong et al. 2015 do), so it can read the letters it is
pronouncing instead of squeezing the whole word into one state.

Decoding a new word has no reference to read: `greedy_decode` and
`beam_search_decode` feed the model its own predictions. They run the
encoder once and then one decoder step at a time (its state carried over),
batched and vectorised over words with NumPy, using the trained model's own
layers (`decoder_models`), so the `.keras` file needs nothing else.

Example:

>>> from dlkit.data import cmudict
>>> from dlkit.models import seq2seq
>>> letters, phonemes = cmudict.letter_vocabulary(), cmudict.phoneme_vocabulary()
>>> model = seq2seq.build_seq2seq(letters.size, phonemes.size, attention=True)
>>> # ... model.compile(...); model.fit([letter_ids, decoder_ids], target_ids)
>>> seq2seq.pronounce(model, ["spelling"], beam_width=4)
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from dlkit.data.cmudict import SymbolVocabulary, letter_vocabulary, phoneme_vocabulary
from dlkit.models._dtypes import output_dtype
from dlkit.models.blocks import CELLS
from dlkit.validation import check_bool, check_choice, check_positive_int, check_rate

PAD, START, END = SymbolVocabulary.PAD, SymbolVocabulary.START, SymbolVocabulary.END
DEFAULT_MAX_LENGTH = 32  # phonemes; CMUdict's longest pronunciation has 28


def _states_per_cell(cell: str) -> int:
    return 2 if cell == "lstm" else 1  # an LSTM carries (h, c); a GRU or a plain RNN one state


def build_seq2seq(
    num_letters: int, num_phonemes: int, cell: str = "gru", embedding_dim: int = 64, units: int = 128,
    attention: bool = True, bidirectional_encoder: bool = True, dropout_rate: float = 0.0,
    name: str | None = None,
) -> keras.Model:
    """Builds an encoder-decoder for teacher forcing: letter ids and shifted phoneme ids in, logits out.

    The layers, by name:

    - `letter_embedding` (padding id 0 masked), `encoder`: one recurrent
      layer (`Bidirectional` with `bidirectional_encoder`) returning every
      step and its final state(s);
    - `bridge_h` (and `bridge_c` for an LSTM): a tanh (linear for the cell
      state) `Dense` from the encoder's final states, both directions
      concatenated, to the decoder's initial state;
    - `phoneme_embedding` (padding masked), `decoder`: one recurrent layer
      of `units` over the shifted phonemes;
    - with `attention`: `attention_query` and `attention_keys` project the
      decoder's outputs and the encoder's outputs to `units`, and
      `attention`, a `keras.layers.AdditiveAttention` with `use_scale=True`,
      scores each letter for each decoder step: `v . tanh(W q + U k)`,
      Bahdanau's score, where the learned `v` is the layer's scale (without
      it every unit of `tanh(...)` would weigh the same). The softmax over
      the letters masks the padding, so padded letters get weight 0 and the
      weights of the real letters sum to 1. `context` concatenates the
      decoder's output and the attention's weighted sum of encoder outputs;
    - `readout`: `Dense(units, tanh)` (Luong's attentional state; without
      attention it reads the decoder's output alone), then `logits`.

    Attention after the decoder rather than fed into it (Luong's form
    without input feeding) keeps teacher forcing one pass of stock Keras
    layers: the recurrent decoder does not wait on the attention of the
    previous step.

    Args:
        num_letters: Input ids (`letter_vocabulary().size`: letters and the
            three reserved ids), at least 4.
        num_phonemes: Output ids (`phoneme_vocabulary().size`), at least 4.
        cell: `"gru"`, `"lstm"` or `"simple"`. Defaults to `"gru"`.
        embedding_dim: Size of each letter's and phoneme's vector. Defaults to `64`.
        units: Recurrent units (per direction in the encoder), of the
            decoder, the attention and the readout. Defaults to `128`.
        attention: Attend over the encoder's outputs. Defaults to `True`.
        bidirectional_encoder: Read the letters both ways (a letter's sound
            depends on the letters after it: the silent `e` in `rate`).
            Defaults to `True`.
        dropout_rate: Dropout on both embeddings and before the logits.
            Defaults to `0.0`.
        name: Model name. Defaults to `"<cell>_seq2seq"` or
            `"<cell>_seq2seq_attention"`.

    Returns:
        A `keras.Model` from `[letters (B, S), phonemes (B, T)]`, int ids
        zero-padded on the right, the phonemes starting with the start
        token, to next-phoneme logits `(B, T, num_phonemes)`. Train it with
        `SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)` on
        targets `[p1, ..., pn, END, 0, ...]`.

    Raises:
        ValueError: An argument out of range (the message names it).

    Example:

    >>> model = build_seq2seq(29, 42, cell="lstm", units=64)
    >>> model([np.ones((2, 5), "int32"), np.ones((2, 7), "int32")]).shape
    TensorShape([2, 7, 42])
    """
    check_positive_int("num_letters", num_letters, minimum=4)
    check_positive_int("num_phonemes", num_phonemes, minimum=4)
    check_choice("cell", cell, CELLS)
    check_positive_int("embedding_dim", embedding_dim)
    check_positive_int("units", units)
    check_bool("attention", attention)
    check_bool("bidirectional_encoder", bidirectional_encoder)
    check_rate("dropout_rate", dropout_rate)
    n_states = _states_per_cell(cell)

    letters = keras.Input((None,), dtype="int32", name="letters")
    phonemes = keras.Input((None,), dtype="int32", name="phonemes")

    x = keras.layers.Embedding(num_letters, embedding_dim, mask_zero=True, name="letter_embedding")(letters)
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate, name="letter_dropout")(x)
    if bidirectional_encoder:
        encoder_layer = keras.layers.Bidirectional(_recurrent(cell, units, name=f"encoder_{cell}"), name="encoder")
    else:
        encoder_layer = _recurrent(cell, units, name="encoder")
    encoded, *final = encoder_layer(x)
    if bidirectional_encoder:  # Keras returns the forward states, then the backward ones
        final = [keras.layers.Concatenate(name=f"encoder_state_{i}")([final[i], final[i + n_states]])
                 for i in range(n_states)]
    initial = [keras.layers.Dense(units, activation="tanh" if i == 0 else None, name=f"bridge_{'hc'[i]}")(s)
               for i, s in enumerate(final)]

    y = keras.layers.Embedding(num_phonemes, embedding_dim, mask_zero=True, name="phoneme_embedding")(phonemes)
    if dropout_rate:
        y = keras.layers.Dropout(dropout_rate, name="phoneme_dropout")(y)
    decoded = _recurrent(cell, units, name="decoder")(y, initial_state=initial)[0]
    if attention:
        query = keras.layers.Dense(units, use_bias=False, name="attention_query")(decoded)
        keys = keras.layers.Dense(units, name="attention_keys")(encoded)
        context, _ = keras.layers.AdditiveAttention(use_scale=True, name="attention")(
            [query, encoded, keys], return_attention_scores=True)
        decoded = keras.layers.Concatenate(name="context")([decoded, context])
    h = keras.layers.Dense(units, activation="tanh", name="readout")(decoded)
    if dropout_rate:
        h = keras.layers.Dropout(dropout_rate, name="readout_dropout")(h)
    logits = keras.layers.Dense(num_phonemes, dtype=output_dtype(), name="logits")(h)  # float32 when mixed
    default = f"{cell}_seq2seq" + ("_attention" if attention else "")
    return keras.Model([letters, phonemes], logits, name=name or default)


_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "simple": keras.layers.SimpleRNN}


def _recurrent(cell: str, units: int, name: str) -> keras.layers.Layer:
    """`blocks.recurrent_layer`'s layer (cuDNN-compatible defaults) that also returns its final state(s)."""
    return _LAYERS[cell](units, return_sequences=True, return_state=True, name=name)


def has_attention(model: keras.Model) -> bool:
    """Whether a `build_seq2seq` model attends over its encoder's outputs."""
    return any(layer.name == "attention" for layer in model.layers)


_REQUIRED_LAYERS = ("letter_embedding", "encoder", "bridge_h", "phoneme_embedding", "decoder", "readout", "logits")


def _check_model(model: Any) -> None:
    names = {layer.name for layer in getattr(model, "layers", ())}
    missing = [n for n in _REQUIRED_LAYERS if n not in names]
    if not isinstance(model, keras.Model) or missing:
        raise ValueError("Expected a model from seq2seq.build_seq2seq (layers named "
                         f"{', '.join(_REQUIRED_LAYERS)}). Received: {type(model).__name__} "
                         f"{getattr(model, 'name', '')!r}" + (f" without {missing}" if names else ""))


_DECODERS: weakref.WeakKeyDictionary[Any, tuple[keras.Model, keras.Model]] = weakref.WeakKeyDictionary()


def decoder_models(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """The trained model's layers rearranged for decoding one phoneme at a time.

    Returns:
        `(encoder, step)`. `encoder` maps letter ids `(B, S)` to
        `[encoder outputs, attention keys, *initial states]` (without
        attention, to the initial states only). `step` maps
        `[previous phoneme ids (B, 1), *states, encoder outputs, keys,
        letter mask (B, S)]` (the last three only with attention) to
        `[logits (B, 1, V), *new states]`. Both share the model's weights;
        they are built once per model and kept while it lives.
    """
    _check_model(model)
    if model in _DECODERS:
        return _DECODERS[model]
    attention = has_attention(model)
    layer = model.get_layer
    n_states = 2 if "bridge_c" in {ly.name for ly in model.layers} else 1
    letters = model.inputs[0]
    initial = [layer(f"bridge_{'hc'[i]}").output for i in range(n_states)]
    encoder_outputs = []
    if attention:
        encoded = layer("encoder").output[0]
        encoder_outputs = [encoded, layer("attention_keys").output]
    encoder = keras.Model(letters, [*encoder_outputs, *initial], name=f"{model.name}_encoder")

    previous = keras.Input((1,), dtype="int32", name="previous_phoneme")
    units = layer("decoder").cell.units
    states_in = [keras.Input((units,), name=f"state_{i}") for i in range(n_states)]
    y = layer("phoneme_embedding")(previous)
    decoded, *states_out = layer("decoder")(y, initial_state=states_in)
    inputs: list[Any] = [previous, *states_in]
    if attention:
        encoded_in = keras.Input(tuple(encoded.shape[1:]), name="encoder_outputs")
        keys_in = keras.Input(tuple(encoder_outputs[1].shape[1:]), name="attention_keys")
        mask_in = keras.Input((None,), dtype="bool", name="letter_mask")
        query = layer("attention_query")(decoded)
        context = layer("attention")([query, encoded_in, keys_in], mask=[None, mask_in])
        decoded = layer("context")([decoded, context])
        inputs += [encoded_in, keys_in, mask_in]
    logits = layer("logits")(layer("readout")(decoded))
    step = keras.Model(inputs, [logits, *states_out], name=f"{model.name}_step")
    _DECODERS[model] = (encoder, step)
    return encoder, step


def attention_weights(model: keras.Model, letter_ids: Any, phoneme_ids: Any) -> np.ndarray:
    """The attention of every decoder step over the letters, under teacher forcing.

    Args:
        model: A `build_seq2seq` model with attention.
        letter_ids: `(B, S)` letter ids, zero-padded.
        phoneme_ids: `(B, T)` decoder input ids (start token first), zero-padded.

    Returns:
        float `(B, T, S)`: row `[b, t]` is a distribution over the letters
        of word `b` (0 on its padding; rows of padded steps are meaningless).

    Raises:
        ValueError: The model has no attention, or the ids are not id matrices.
    """
    _check_model(model)
    if not has_attention(model):
        raise ValueError(f"Expected a seq2seq model with attention. Received: {model.name!r}, built with "
                         "attention=False")
    letters = _check_ids("letter_ids", letter_ids, model.get_layer("letter_embedding").input_dim)
    phonemes = _check_ids("phoneme_ids", phoneme_ids, model.get_layer("phoneme_embedding").input_dim)
    if len(letters) != len(phonemes):
        raise ValueError(f"Expected as many phoneme rows as letter rows. Received: {len(letters)} and "
                         f"{len(phonemes)}")
    scores = keras.Model(model.inputs, model.get_layer("attention").output[1])
    return np.asarray(scores([letters, phonemes], training=False))


def _check_ids(arg: str, ids: Any, size: int) -> np.ndarray:
    array = np.asarray(ids)
    if array.ndim != 2 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"Expected `{arg}` to be a non-empty integer matrix (words, ids). Received: "
                         f"shape={array.shape}, dtype={array.dtype}")
    if array.min() < 0 or array.max() >= size:
        raise ValueError(f"Expected `{arg}` in [0, {size}) (the model's vocabulary). Received: ids from "
                         f"{array.min()} to {array.max()}")
    empty = np.flatnonzero((array != PAD).sum(axis=1) == 0)
    if len(empty):
        raise ValueError(f"Expected every row of `{arg}` to hold at least one id (an empty word cannot be "
                         f"read). Received: row {int(empty[0])} is all padding")
    return array.astype(np.int32)


def _check_decode_args(model: Any, letter_ids: Any, max_length: int | None, batch_size: int) -> tuple[np.ndarray, int]:
    _check_model(model)
    letters = _check_ids("letter_ids", letter_ids, model.get_layer("letter_embedding").input_dim)
    max_length = DEFAULT_MAX_LENGTH if max_length is None else check_positive_int("max_length", max_length)
    check_positive_int("batch_size", batch_size)
    return letters, max_length


def _next_log_probs(logits: Any) -> np.ndarray:
    """Log-softmax in float64 of the last step's logits, with padding and start made impossible."""
    logits = np.asarray(logits, dtype=np.float64)[:, -1, :]
    logits[:, [PAD, START]] = -np.inf
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _width(letters: np.ndarray) -> int:
    """Columns up to the last one holding a letter: the padding every row of a batch shares is cut."""
    return int(np.flatnonzero((letters != PAD).any(axis=0)).max()) + 1


def _trim(rows: np.ndarray) -> list[list[int]]:
    """Each row's ids before its first end token (padding left out)."""
    out = []
    for row in rows:
        ends = np.flatnonzero(row == END)
        row = row[:ends[0]] if len(ends) else row
        out.append([int(i) for i in row if i != PAD])
    return out


_CALLS: weakref.WeakKeyDictionary[keras.Model, Any] = weakref.WeakKeyDictionary()


def _call(model: keras.Model, inputs: Any) -> Any:
    """`model(inputs)` as a compiled function (traced again only for new shapes), outputs as NumPy.

    About 2x faster than eager calls, like `predict_on_batch`; unlike it, it
    runs on this process alone under any `tf.distribute` strategy (across
    workers, `predict_on_batch` hands each worker only its replicas' rows).
    """
    function = _CALLS.get(model)
    if function is None:
        function = lambda x: model(x, training=False)  # noqa: E731 (other backends call it as it is)
        if keras.backend.backend() == "tensorflow" and isinstance(model, keras.Model):
            import tensorflow as tf

            function = tf.function(function, reduce_retracing=True)
        _CALLS[model] = function
    outputs = function(inputs)
    return [np.asarray(o) for o in outputs] if isinstance(outputs, (list, tuple)) else np.asarray(outputs)


def _encode(model: keras.Model, letters: np.ndarray, repeats: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Runs the encoder once; returns (states, attention inputs), each row repeated `repeats` times."""
    encoder, _ = decoder_models(model)
    outputs = _call(encoder, letters)
    outputs = [np.asarray(o) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    memory: list[np.ndarray] = []
    if has_attention(model):
        memory = [outputs[0], outputs[1], letters != PAD]
        outputs = outputs[2:]
    return ([np.repeat(s, repeats, axis=0) for s in outputs], [np.repeat(m, repeats, axis=0) for m in memory])


def _step(model: keras.Model, previous: np.ndarray, states: list[np.ndarray],
          memory: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    _, step = decoder_models(model)
    logits, *new_states = _call(step, [previous[:, None].astype(np.int32), *states, *memory])
    return _next_log_probs(logits), [np.asarray(s) for s in new_states]


def greedy_decode(model: keras.Model, letter_ids: Any, max_length: int | None = None,
                  batch_size: int = 1024) -> list[list[int]]:
    """Pronounces words by taking the most probable phoneme at every step.

    Each word's encoder runs once; then every step feeds back the phoneme
    just chosen until the end token (or `max_length` phonemes). Words are
    decoded `batch_size` at a time, each step one call of the decoder for
    the whole batch.

    Args:
        model: A `build_seq2seq` model.
        letter_ids: `(N, S)` letter ids, zero-padded (`letter_vocabulary().encode_batch(words)`).
        max_length: Most phonemes per word. Defaults to `DEFAULT_MAX_LENGTH` (32).
        batch_size: Words decoded together. Defaults to `1024`.

    Returns:
        One list of phoneme ids per word, without the start and end tokens
        (`phoneme_vocabulary().decode(ids)` spells it).

    Raises:
        ValueError: Not a seq2seq model, ids out of its vocabulary, an
            all-padding row (an empty word), or a bad `max_length`.
    """
    letters, max_length = _check_decode_args(model, letter_ids, max_length, batch_size)
    out: list[list[int]] = []
    for begin in range(0, len(letters), batch_size):
        batch = letters[begin:begin + batch_size]
        batch = batch[:, :_width(batch)]
        states, memory = _encode(model, batch, 1)
        previous = np.full(len(batch), START, dtype=np.int32)
        chosen = np.zeros((len(batch), max_length), dtype=np.int32)
        finished = np.zeros(len(batch), dtype=bool)
        for t in range(max_length):
            log_probs, states = _step(model, previous, states, memory)
            token = np.where(finished, PAD, log_probs.argmax(axis=1)).astype(np.int32)
            chosen[:, t] = token
            finished |= token == END
            if finished.all():
                break
            previous = np.where(finished, END, token).astype(np.int32)
        out.extend(_trim(chosen))
    return out


def beam_search_decode(model: keras.Model, letter_ids: Any, beam_width: int = 4, max_length: int | None = None,
                       batch_size: int = 256) -> list[list[int]]:
    """Pronounces words keeping the `beam_width` most probable prefixes at every step.

    Every step extends each live prefix of a word by every phoneme, and
    keeps the `beam_width` extensions with the highest total log
    probability (no length normalisation); a prefix that wrote the end
    token is finished and keeps its score. The search stops when every
    word's prefixes are finished (or after `max_length` steps) and returns
    each word's best one. With `beam_width=1` it is `greedy_decode`.

    Args:
        model: A `build_seq2seq` model.
        letter_ids: `(N, S)` letter ids, zero-padded.
        beam_width: Prefixes kept per word. Defaults to `4`.
        max_length: Most phonemes per word. Defaults to `DEFAULT_MAX_LENGTH` (32).
        batch_size: Words decoded together (each step runs
            `batch_size * beam_width` prefixes). Defaults to `256`.

    Returns:
        One list of phoneme ids per word, without the start and end tokens.

    Raises:
        ValueError: As `greedy_decode`, or a `beam_width` below 1.
    """
    letters, max_length = _check_decode_args(model, letter_ids, max_length, batch_size)
    k = check_positive_int("beam_width", beam_width)
    out: list[list[int]] = []
    for begin in range(0, len(letters), batch_size):
        batch = letters[begin:begin + batch_size]
        batch = batch[:, :_width(batch)]
        b = len(batch)
        states, memory = _encode(model, batch, k)
        previous = np.full(b * k, START, dtype=np.int32)
        scores = np.full((b, k), -np.inf)
        scores[:, 0] = 0.0  # one live prefix at first: k copies would fill the beam with duplicates
        history = np.zeros((b, k, max_length), dtype=np.int32)
        finished = np.zeros((b, k), dtype=bool)
        rows = np.arange(b)[:, None]
        for t in range(max_length):
            log_probs, states = _step(model, previous, states, memory)
            log_probs = log_probs.reshape(b, k, -1)
            log_probs[finished] = -np.inf
            log_probs[finished, PAD] = 0.0  # a finished prefix continues only with padding, at no cost
            total = (scores[:, :, None] + log_probs).reshape(b, -1)
            best = np.argsort(-total, axis=1, kind="stable")[:, :k]  # ties: the lower beam, then the lower id
            beam, token = np.divmod(best, log_probs.shape[2])
            scores = np.take_along_axis(total, best, axis=1)
            history = history[rows, beam]
            history[:, :, t] = token
            finished = finished[rows, beam] | (token == END)
            flat = (rows * k + beam).reshape(-1)
            states = [s[flat] for s in states]
            if finished.all():
                break
            previous = np.where(token == PAD, END, token).reshape(-1).astype(np.int32)
        out.extend(_trim(history[np.arange(b), scores.argmax(axis=1)]))
    return out


def pronounce(model: keras.Model, words: Sequence[str], beam_width: int = 1, max_length: int | None = None,
              letters: SymbolVocabulary | None = None,
              phonemes: SymbolVocabulary | None = None) -> list[tuple[str, ...]]:
    """Pronounces words (lowercased) with a trained model: greedy, or a beam search when `beam_width > 1`.

    Args:
        model: A `build_seq2seq` model trained on these vocabularies.
        words: Words of the letter vocabulary's characters.
        beam_width: Defaults to `1` (greedy).
        max_length: Most phonemes per word. Defaults to 32.
        letters: The input vocabulary. Defaults to `letter_vocabulary()`,
            or with the apostrophe when the model has room for it.
        phonemes: The output vocabulary. Defaults to `phoneme_vocabulary()`,
            with stress when the model's output size says so.

    Returns:
        One tuple of ARPAbet symbols per word.

    Raises:
        ValueError: An empty word, a character outside the vocabulary, or
            vocabularies whose sizes differ from the model's.

    Example:

    >>> pronounce(model, ["neural", "network"], beam_width=4)
    [('N', 'UH', 'R', 'AH', 'L'), ('N', 'EH', 'T', 'W', 'ER', 'K')]
    """
    _check_model(model)
    num_letters = model.get_layer("letter_embedding").input_dim
    num_phonemes = model.get_layer("logits").units
    if letters is None:
        letters = letter_vocabulary(apostrophes=num_letters == letter_vocabulary(True).size)
    if phonemes is None:
        phonemes = phoneme_vocabulary(stress=num_phonemes == phoneme_vocabulary(True).size)
    for label, vocabulary, size in (("letters", letters, num_letters), ("phonemes", phonemes, num_phonemes)):
        if vocabulary.size != size:
            raise ValueError(f"Expected a `{label}` vocabulary of the model's {size} ids. Received: "
                             f"{vocabulary.size} ids")
    if isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"Expected a sequence of words (strings). Received: {words!r}")
    ids = letters.encode_batch([w.lower() for w in words])
    decoded = (greedy_decode(model, ids, max_length) if check_positive_int("beam_width", beam_width) == 1
               else beam_search_decode(model, ids, beam_width, max_length))
    return [phonemes.decode(row) for row in decoded]
