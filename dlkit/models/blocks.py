"""Building blocks that several families' networks share.

`apply_conv_block` (convolutions, batch norm, pooling, dropout) builds the
CNN classifier and the CNN front end of the conv + RNN classifier;
`apply_recurrent_stack` builds every recurrent network. `dlkit.models.cnn`
and `dlkit.models.rnn` re-export them under their old names.
"""

import keras

from dlkit.validation import RECURRENT_CELLS, check_choice

CELLS = RECURRENT_CELLS
_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "simple": keras.layers.SimpleRNN}



def apply_conv_block(
    x,
    filters,
    convs=2,
    kernel_size=3,
    strides=1,
    padding="same",
    batch_norm=True,
    pooling="max",
    dropout_rate=0.0,
    batch_norm_momentum=0.9,
    name="block",
    synchronized_batch_norm=False,
):
    """Convolutions (each with optional batch norm and a ReLU), pooling, dropout.

    The first convolution of the block uses `strides`; the rest use 1. The
    convolutions drop their bias when batch normalisation follows, since the
    norm's shift makes it redundant.

    Args:
        x: Input tensor `(B, H, W, C)`.
        filters: Filters of every convolution in the block.
        convs: Number of convolutions. Defaults to `2`.
        kernel_size: Square kernel size. Defaults to `3`.
        strides: Stride of the first convolution. Defaults to `1`.
        padding: `"same"` or `"valid"`. Defaults to `"same"`.
        batch_norm: Batch normalisation after each convolution. Defaults to `True`.
        batch_norm_momentum: Momentum of the norm's moving statistics.
            Defaults to `0.9` (Keras's 0.99 leaves the statistics mostly at
            their initial values after a short run of a few hundred steps).
        pooling: `"max"`, `"average"` or `None` (2x2, stride 2). Defaults to `"max"`.
        dropout_rate: Dropout after pooling. Defaults to `0.0`.
        name: Prefix of the layer names. Defaults to `"block"`.
        synchronized_batch_norm: Take the norm's batch statistics over the
            global batch of every replica (`tf.distribute`), not each
            replica's own share. Defaults to `False`.

    Returns:
        The output tensor.
    """
    for i in range(1, convs + 1):
        x = keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides if i == 1 else 1,
            padding=padding,
            use_bias=not batch_norm,
            name=f"{name}_conv{i}",
        )(x)
        if batch_norm:
            x = batch_normalization(synchronized_batch_norm, momentum=batch_norm_momentum, name=f"{name}_bn{i}")(x)
        x = keras.layers.Activation("relu", name=f"{name}_relu{i}")(x)
    if pooling == "max":
        x = keras.layers.MaxPooling2D(2, name=f"{name}_pool")(x)
    elif pooling == "average":
        x = keras.layers.AveragePooling2D(2, name=f"{name}_pool")(x)
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate, name=f"{name}_dropout")(x)
    return x


def batch_normalization(synchronized=False, **kwargs):
    """`keras.layers.BatchNormalization(**kwargs)`, synchronized across replicas if asked.

    Without it, each replica of a `tf.distribute` strategy normalizes with
    the statistics of its own share of the batch and keeps its own moving
    statistics, so two replicas do not train like one device with the same
    global batch; with it they do (tests/test_distribute.py). Synchronizing
    needs the TensorFlow backend, and costs an all-reduce per layer and step.
    """
    if synchronized:
        if keras.backend.backend() != "tensorflow":
            raise ValueError(f"Expected the TensorFlow backend for synchronized batch normalization. "
                             f"Received: backend {keras.backend.backend()!r}")
        kwargs["synchronized"] = True
    return keras.layers.BatchNormalization(**kwargs)


def recurrent_layer(cell, units, return_sequences=False, name=None):
    """One recurrent layer of the given cell with the cuDNN-compatible defaults."""
    check_choice("cell", cell, CELLS)
    return _LAYERS[cell](units, return_sequences=return_sequences, name=name)


def apply_recurrent_stack(
    x, cell="lstm", units=64, num_layers=1, bidirectional=False, dropout_rate=0.0,
    return_sequences=False, name="rnn",
):
    """Stacked recurrent layers; all but the last return the whole sequence.

    Args:
        x: Input tensor `(B, T, F)`.
        cell: `"lstm"`, `"gru"` or `"simple"`. Defaults to `"lstm"`.
        units: Units per layer (per direction). Defaults to `64`.
        num_layers: Number of stacked layers. Defaults to `1`.
        bidirectional: Wrap each layer in `Bidirectional` (outputs concatenated,
            so `2 * units` features). Defaults to `False`.
        dropout_rate: Dropout after each recurrent layer. Defaults to `0.0`.
        return_sequences: Whether the *last* layer returns sequences.
            Defaults to `False`.
        name: Prefix of the layer names. Defaults to `"rnn"`.

    Returns:
        `(B, units')` or, with `return_sequences`, `(B, T, units')`.
    """
    for i in range(1, num_layers + 1):
        sequences = return_sequences or i < num_layers
        layer = recurrent_layer(cell, units, return_sequences=sequences, name=f"{name}_{cell}{i}")
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"{name}_bi{i}")
        x = layer(x)
        if dropout_rate:
            x = keras.layers.Dropout(dropout_rate, name=f"{name}_dropout{i}")(x)
    return x
