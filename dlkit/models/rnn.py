"""Recurrent networks: plain RNN, LSTM and GRU classifiers, forecasters and
character language models, and a CNN front end read as a sequence.

Every builder takes `cell="lstm" | "gru" | "simple"`, `units`, `num_layers`
(stacked; every layer but the last returns sequences), `bidirectional` and
`dropout_rate` (a `Dropout` layer *between* recurrent layers).

The defaults keep the conditions under which Keras runs LSTM and GRU on the
fused cuDNN kernel on a GPU: `tanh` activation, `sigmoid` recurrent
activation, no recurrent dropout, `unroll=False`, biases on and, for GRU,
`reset_after=True`. That is why dropout here sits between layers rather than
inside the recurrence (`recurrent_dropout` would force the slow generic
kernel). `cudnn_compatible(layer)` checks a layer.

Example:

>>> from dlkit.models import rnn
>>> model = rnn.build_rnn_classifier((28, 28), 10, cell="gru", units=64)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from dlkit.models._dtypes import output_dtype
from dlkit.models.blocks import (  # recurrent_layer, CELLS: re-exported, their old home
    CELLS,
    apply_conv_block,
    apply_recurrent_stack,
    recurrent_layer,  # noqa: F401
)
from dlkit.models.seq2seq import (  # noqa: F401  (re-exported: rnn.build_seq2seq is the public name)
    beam_search_decode,
    build_seq2seq,
    greedy_decode,
)
from dlkit.validation import (
    check_bool,
    check_choice,
    check_input_shape,
    check_positive_int,
    check_positive_int_sequence,
    check_rate,
)


def _check_common(cell, units, num_layers, bidirectional, dropout_rate):
    check_choice("cell", cell, CELLS)
    check_positive_int("units", units)
    check_positive_int("num_layers", num_layers)
    if not isinstance(bidirectional, bool):
        raise ValueError(f"Expected `bidirectional` to be True or False. Received: bidirectional={bidirectional!r}")
    check_rate("dropout_rate", dropout_rate)


def cudnn_compatible(layer):
    """Whether an LSTM or GRU layer meets Keras's conditions for the cuDNN kernel.

    Returns `False` for any other layer (a `SimpleRNN` never has a fused kernel).
    """
    if isinstance(layer, keras.layers.Bidirectional):
        return cudnn_compatible(layer.forward_layer) and cudnn_compatible(layer.backward_layer)
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return False
    cell = layer.cell
    ok = (
        cell.activation is keras.activations.tanh
        and cell.recurrent_activation is keras.activations.sigmoid
        and cell.recurrent_dropout == 0
        and not layer.unroll
        and cell.use_bias
    )
    if isinstance(layer, keras.layers.GRU):
        ok = ok and cell.reset_after
    return ok


def build_rnn_classifier(
    input_shape: Sequence[int], num_classes: int, cell: str = "lstm", units: int = 64, num_layers: int = 1,
    bidirectional: bool = False, dropout_rate: float = 0.0, output_activation: str = "softmax",
    name: str | None = None,
) -> keras.Model:
    """Builds a sequence classifier: recurrent layers, then a dense softmax.

    Args:
        input_shape: `(T, F)`: time steps and features per step. `T` may be
            `None` for variable-length input.
        num_classes: At least 2.
        cell, units, num_layers, bidirectional, dropout_rate: See the module
            docstring. Defaults `"lstm"`, `64`, `1`, `False`, `0.0`.
        output_activation: `"softmax"` or `None` for logits. Defaults to `"softmax"`.
        name: Model name. Defaults to `"<cell>_classifier"`.

    Returns:
        A `keras.Model` from `(B, T, F)` to `(B, num_classes)`.

    Example:

    >>> model = build_rnn_classifier((28, 28), 10, cell="lstm", num_layers=2)
    """
    _check_common(cell, units, num_layers, bidirectional, dropout_rate)
    input_shape = _check_sequence_shape(input_shape)
    check_positive_int("num_classes", num_classes, minimum=2)
    check_choice("output_activation", output_activation, ("softmax", None))
    inputs = keras.Input(input_shape, name="sequences")
    x = apply_recurrent_stack(inputs, cell, units, num_layers, bidirectional, dropout_rate)
    outputs = keras.layers.Dense(num_classes, activation=output_activation, dtype=output_dtype(),
                                 name="predictions")(x)  # float32 even under mixed precision
    return keras.Model(inputs, outputs, name=name or f"{cell}_classifier")


def _check_sequence_shape(input_shape):
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = ()
    if len(shape) != 2 or (shape[0] is not None and not _positive(shape[0])) or not _positive(shape[1]):
        raise ValueError(
            "Expected `input_shape` to be (time_steps, features), time_steps a positive integer "
            f"or None. Received: input_shape={input_shape!r}"
        )
    return shape


def _positive(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1


def build_rnn_forecaster(
    input_width: int, num_features: int, horizon: int, cell: str = "lstm", units: int = 64, num_layers: int = 1,
    bidirectional: bool = False, dropout_rate: float = 0.0, conv_filters: int = 0, conv_kernel_size: int = 3,
    num_targets: int = 1, name: str | None = None,
) -> keras.Model:
    """Builds a multi-step forecaster: the last state predicts all `horizon` steps at once.

    Predicting the whole horizon from one state (rather than feeding
    predictions back step by step) avoids compounding errors and trains in
    one pass.

    Args:
        input_width: Input time steps, positive.
        num_features: Features per step, positive.
        horizon: Steps to predict, positive.
        cell, units, num_layers, bidirectional, dropout_rate: See the module docstring.
        conv_filters: If positive, a causal `Conv1D` front end with this many
            filters reads local patterns before the recurrent layers.
            Defaults to `0` (none).
        conv_kernel_size: Kernel size of that front end. Defaults to `3`.
        num_targets: How many of the features are predicted (the first ones).
            Defaults to `1`.
        name: Model name. Defaults to `"<cell>_forecaster"`.

    Returns:
        A `keras.Model` from `(B, input_width, num_features)` to
        `(B, horizon, num_targets)`, the shape of `data.make_windows` targets.
    """
    _check_common(cell, units, num_layers, bidirectional, dropout_rate)
    check_positive_int("input_width", input_width)
    check_positive_int("num_features", num_features)
    check_positive_int("horizon", horizon)
    check_positive_int("conv_filters", conv_filters, minimum=0)
    check_positive_int("conv_kernel_size", conv_kernel_size)
    check_positive_int("num_targets", num_targets)
    if num_targets > num_features:
        raise ValueError(
            f"Expected `num_targets` <= num_features={num_features}. Received: num_targets={num_targets}"
        )
    inputs = keras.Input((input_width, num_features), name="window")
    x = inputs
    if conv_filters:
        x = keras.layers.Conv1D(conv_filters, conv_kernel_size, padding="causal", activation="relu",
                                name="conv_front")(x)
    x = apply_recurrent_stack(x, cell, units, num_layers, bidirectional, dropout_rate)
    x = keras.layers.Dense(horizon * num_targets, dtype=output_dtype(), name="forecast")(x)
    outputs = keras.layers.Reshape((horizon, num_targets), dtype=output_dtype(), name="horizon")(x)
    return keras.Model(inputs, outputs, name=name or f"{cell}_forecaster")


def build_char_language_model(
    vocab_size: int, cell: str = "gru", embedding_dim: int = 32, units: int = 128, num_layers: int = 1,
    dropout_rate: float = 0.0, name: str | None = None,
) -> keras.Model:
    """Builds a character-level language model: next-character logits at every step.

    Args:
        vocab_size: Number of ids (`CharVocabulary.size`, padding and
            boundary included), at least 3.
        cell: Defaults to `"gru"`.
        embedding_dim: Size of each character's embedding. Defaults to `32`.
        units: Defaults to `128`.
        num_layers: Defaults to `1`.
        dropout_rate: Defaults to `0.0`.
        name: Model name. Defaults to `"<cell>_char_lm"`.

    Returns:
        A `keras.Model` from int ids `(B, T)` to logits `(B, T, vocab_size)`.
        Train it with `SparseCategoricalCrossentropy(from_logits=True,
        ignore_class=0)` so padding does not count. The model is causal and
        unidirectional: the output at step t sees only ids up to t.
    """
    _check_common(cell, units, num_layers, False, dropout_rate)
    check_positive_int("vocab_size", vocab_size, minimum=3)
    check_positive_int("embedding_dim", embedding_dim)
    inputs = keras.Input((None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    x = apply_recurrent_stack(x, cell, units, num_layers, False, dropout_rate, return_sequences=True)
    outputs = keras.layers.Dense(vocab_size, dtype=output_dtype(), name="logits")(x)  # float32 under mixed precision
    return keras.Model(inputs, outputs, name=name or f"{cell}_char_lm")


# Token ids 0 and 1 of every vectorizer: padding (masked) and words outside the vocabulary.
TEXT_RESERVED_TOKENS = ("", "[UNK]")


def adapt_vocabulary(texts: Sequence[str], max_tokens: int = 20000) -> list[str]:
    """The `max_tokens - 2` most frequent words of `texts`, most frequent first.

    Words are what `keras.layers.TextVectorization` makes of a text by
    default: lower-cased, punctuation stripped, split on white space. The
    list leaves out `TEXT_RESERVED_TOKENS` (ids 0 and 1), which every
    vectorizer adds back itself; pass it to `build_text_classifier`.

    Raises:
        ValueError: `texts` is empty or holds something other than strings,
            or `max_tokens` is below 3.
    """
    check_positive_int("max_tokens", max_tokens, minimum=3)
    texts = _check_texts("texts", texts)
    layer = keras.layers.TextVectorization(max_tokens=max_tokens)
    layer.adapt(np.array(texts, dtype=object), batch_size=256)
    return [str(token) for token in layer.get_vocabulary() if token not in TEXT_RESERVED_TOKENS]


def _check_texts(arg: str, texts: Sequence[str]) -> list[str]:
    if isinstance(texts, (str, bytes)) or not isinstance(texts, (Sequence, np.ndarray)):
        raise ValueError(f"Expected `{arg}` to be a sequence of strings. Received: {type(texts).__name__}")
    if len(texts) == 0:
        raise ValueError(f"Expected `{arg}` to hold at least one string. Received: an empty sequence")
    bad = next((t for t in texts if not isinstance(t, str)), None)
    if bad is not None:
        raise ValueError(f"Expected `{arg}` to hold strings only. Received: an item of type {type(bad).__name__}")
    return list(texts)


def build_text_classifier(
    vocabulary: Sequence[str], sequence_length: int = 256, cell: str = "gru", embedding_dim: int = 64,
    units: int = 64, num_layers: int = 1, bidirectional: bool = True, dropout_rate: float = 0.0,
    name: str | None = None,
) -> keras.Model:
    """Builds a binary text classifier that reads raw strings: vectorizer, masked embedding, recurrent layers.

    The `TextVectorization` layer is part of the model, so a saved `.keras`
    file holds its vocabulary and takes strings. Each text becomes its first
    `sequence_length` word ids, padded with id 0; the `Embedding` has
    `mask_zero=True`, so the recurrent layers skip the padding (the same text
    padded to any length gets the same prediction).

    Args:
        vocabulary: Words with ids 2, 3, ... (`adapt_vocabulary(texts)`);
            ids 0 and 1 are padding and unknown words.
        sequence_length: Words read per text (the rest is cut). Defaults to `256`.
        cell, units, num_layers, bidirectional, dropout_rate: See the module
            docstring. Defaults `"gru"`, `64`, `1`, `True`, `0.0`.
        embedding_dim: Size of each word's vector. Defaults to `64`.
        name: Model name. Defaults to `"<cell>_text_classifier"`.

    Returns:
        A `keras.Model` from strings `(B,)` to the probability of class 1
        `(B, 1)`; train it with binary cross-entropy. Its layers are named
        `vectorize`, `embedding`, the recurrent stack (`text_...`) and
        `probability`.

    Example:

    >>> vocab = adapt_vocabulary(train_texts, max_tokens=20000)
    >>> model = build_text_classifier(vocab, cell="lstm")
    >>> model.predict(np.array(["win money now"], dtype=object))
    """
    _check_common(cell, units, num_layers, bidirectional, dropout_rate)
    check_positive_int("sequence_length", sequence_length)
    check_positive_int("embedding_dim", embedding_dim)
    vocabulary = _check_texts("vocabulary", vocabulary)
    reserved = [t for t in vocabulary if t in TEXT_RESERVED_TOKENS]
    if reserved or len(set(vocabulary)) != len(vocabulary):
        raise ValueError("Expected `vocabulary` to hold distinct words, without the padding and unknown tokens "
                         f"{TEXT_RESERVED_TOKENS}. Received: {len(vocabulary)} entries, "
                         f"{len(vocabulary) - len(set(vocabulary))} repeated, reserved ones: {reserved}")
    inputs = keras.Input((), dtype="string", name="text")
    ids = keras.layers.TextVectorization(vocabulary=vocabulary, output_sequence_length=sequence_length,
                                         name="vectorize")(inputs)
    x = keras.layers.Embedding(len(vocabulary) + len(TEXT_RESERVED_TOKENS), embedding_dim, mask_zero=True,
                               name="embedding")(ids)
    x = apply_recurrent_stack(x, cell, units, num_layers, bidirectional, dropout_rate, name="text")
    outputs = keras.layers.Dense(1, activation="sigmoid", dtype=output_dtype(), name="probability")(x)
    return keras.Model(inputs, outputs, name=name or f"{cell}_text_classifier")


def build_conv_rnn_classifier(
    input_shape: Sequence[int], num_classes: int, conv_filters: Sequence[int] = (32, 64), cell: str = "lstm",
    units: int = 64, num_layers: int = 1, bidirectional: bool = False, dropout_rate: float = 0.0,
    name: str | None = None, synchronized_batch_norm: bool = False,
) -> keras.Model:
    """Builds a CNN front end whose feature map is read row by row by an RNN.

    Convolution blocks (convolution, batch norm, ReLU, 2x2 max pooling) turn
    the image into an `(H', W', C)` map; each of its `H'` rows, flattened to
    `W' * C` features, is one time step for the recurrent layers.

    Args:
        input_shape: `(H, W, C)` images.
        num_classes: At least 2.
        conv_filters: Filters of each block. Defaults to `(32, 64)`.
        cell, units, num_layers, bidirectional, dropout_rate: See the module docstring.
        name: Model name. Defaults to `"conv_<cell>_classifier"`.
        synchronized_batch_norm: Batch statistics over every replica's batch
            under `tf.distribute` (`blocks.batch_normalization`). Defaults to `False`.

    Returns:
        A `keras.Model` from `(B, H, W, C)` to `(B, num_classes)` probabilities.
    """
    _check_common(cell, units, num_layers, bidirectional, dropout_rate)
    input_shape = check_input_shape("input_shape", input_shape, rank=3)
    check_positive_int("num_classes", num_classes, minimum=2)
    conv_filters = check_positive_int_sequence("conv_filters", conv_filters)
    if min(input_shape[:2]) // 2 ** len(conv_filters) < 1:
        raise ValueError(
            f"Expected an input large enough for {len(conv_filters)} pooling blocks. "
            f"Received: input_shape={input_shape}, conv_filters={conv_filters}"
        )
    inputs = keras.Input(input_shape, name="images")
    x = inputs
    for i, filters in enumerate(conv_filters, 1):
        x = apply_conv_block(x, filters, convs=1, name=f"block{i}",
                             synchronized_batch_norm=check_bool("synchronized_batch_norm", synchronized_batch_norm))
    height, width, channels = x.shape[1:]
    x = keras.layers.Reshape((height, width * channels), name="rows_as_steps")(x)
    x = apply_recurrent_stack(x, cell, units, num_layers, bidirectional, dropout_rate)
    outputs = keras.layers.Dense(num_classes, activation="softmax", dtype=output_dtype(),
                                 name="predictions")(x)  # float32 even under mixed precision
    return keras.Model(inputs, outputs, name=name or f"conv_{cell}_classifier")


def sample_words(model, vocab, num_words, temperature=1.0, seed=None, max_length=30):
    """Generates new words from a character language model, one character at a time.

    Every word starts from the boundary id; at each step the model's
    next-character logits are divided by `temperature`, turned into
    probabilities and sampled, until the boundary comes out again (the word
    ends) or `max_length` characters were drawn. Padding is never sampled,
    and the boundary not as the first character (no empty words).

    Low temperatures (0.5) give safe, common-looking words; 1.0 samples the
    model's own distribution; higher values give stranger words.

    Args:
        model: A model from `build_char_language_model`.
        vocab: The `data.CharVocabulary` it was trained with.
        num_words: How many words, positive.
        temperature: Positive float. Defaults to `1.0`.
        seed: Seed of the sampler; the same seed gives the same words.
            Defaults to `None`.
        max_length: Longest word in characters. Defaults to `30`.

    Returns:
        A list of `num_words` strings made of the vocabulary's characters.
    """
    check_positive_int("num_words", num_words)
    check_positive_int("max_length", max_length)
    if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or temperature <= 0:
        raise ValueError(f"Expected a positive `temperature`. Received: temperature={temperature!r}")
    rng = np.random.default_rng(seed)
    ids = np.full((num_words, 1), vocab.BOUNDARY, dtype=np.int32)
    finished = np.zeros(num_words, dtype=bool)
    for step in range(max_length + 1):
        logits = np.asarray(model(ids, training=False))[:, -1, :].astype(np.float64)
        logits[:, vocab.PAD] = -np.inf
        if step == 0:
            logits[:, vocab.BOUNDARY] = -np.inf
        if step == max_length:
            break
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        probs = np.exp(scaled)
        probs /= probs.sum(axis=1, keepdims=True)
        cumulative = probs.cumsum(axis=1)
        draws = rng.random((num_words, 1))
        next_ids = np.minimum((cumulative < draws).sum(axis=1), probs.shape[1] - 1)
        next_ids = np.where(finished, vocab.PAD, next_ids).astype(np.int32)
        finished |= next_ids == vocab.BOUNDARY
        ids = np.concatenate([ids, next_ids[:, None]], axis=1)
        if finished.all():
            break
    return [vocab.decode(row[1:]) for row in ids]
