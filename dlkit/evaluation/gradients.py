"""How much each time step's input moves the loss: vanishing gradients, measured.

A recurrent network learns a long-range dependency only if the gradient of
the loss reaches the early inputs. `input_gradient_norms` measures exactly
that: for every time step `t`, the norm of d(loss)/d(x_t), averaged over a
batch. Plotted against the distance from the output (`T - 1 - t`), a plain
RNN's curve falls exponentially, while a gated cell's can stay flat.

Example:

>>> from dlkit import data
>>> from dlkit.evaluation.gradients import input_gradient_norms
>>> x, y = data.make_adding_problem(256, 100, seed=0)
>>> norms = input_gradient_norms(model, x, y, keras.losses.MeanSquaredError())
>>> norms.shape
(100,)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def input_gradient_norms(model: Any, x: Any, y: Any, loss_fn: Callable[[Any, Any], Any],
                         batch_size: int = 256) -> np.ndarray:
    """Mean over examples of the L2 norm of d(loss)/d(x_t), for every time step t.

    The loss is taken *per example* (the gradient of example i's loss with
    respect to example i's input), so the result does not shrink with the
    batch size, and batches of any size give the same numbers. The model runs
    in inference mode (`training=False`): dropout would add noise to a
    measurement of the network itself.

    Args:
        model: A Keras model taking `(N, T, F)` sequences.
        x: Inputs `(N, T, F)`, floats.
        y: Targets the loss compares the model's outputs with, `N` first.
        loss_fn: `loss_fn(y_true, y_pred)`, a Keras loss or any function of
            tensors. If it reduces over the batch (a Keras loss object with
            the default reduction does), the mean is undone by multiplying by
            the batch size, so each example counts with its own loss.
        batch_size: Examples per gradient computation. Defaults to `256`.

    Returns:
        A float64 array of shape `(T,)`: entry `t` is the mean over the
        examples of `||d loss_i / d x_{i,t}||_2` (the norm over the features).
        Entry `T - 1` is the step nearest the output.

    Raises:
        ValueError: `x` is not 3-D, `x` and `y` differ in length, or
            `batch_size` is not a positive integer.
    """
    import tensorflow as tf  # here: importing dlkit.evaluation must not import TensorFlow

    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.floating):
        y = y.astype(np.float32)  # float64 targets would not combine with the model's float32 outputs
    if x.ndim != 3:
        raise ValueError(f"Expected sequences `x` of shape (N, T, F). Received: x.shape={x.shape}")
    if len(y) != len(x):
        raise ValueError(f"Expected as many targets as sequences. Received: len(x)={len(x)}, len(y)={len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"Expected a positive integer `batch_size`. Received: batch_size={batch_size!r}")
    total = np.zeros(x.shape[1], dtype=np.float64)
    for start in range(0, len(x), batch_size):
        xb = tf.convert_to_tensor(x[start:start + batch_size])
        yb = tf.convert_to_tensor(y[start:start + batch_size])
        n = int(xb.shape[0])
        with tf.GradientTape() as tape:
            tape.watch(xb)
            loss = tf.convert_to_tensor(loss_fn(yb, model(xb, training=False)))
            # A reduced (mean) loss gives each example 1/n of its gradient; a per-example
            # loss vector is summed, which leaves each example's own gradient.
            loss = tf.reduce_sum(loss) * (n if loss.shape.rank == 0 else 1)
        grads = tape.gradient(loss, xb)
        if grads is None:  # the output does not depend on the input at all
            continue
        norms = tf.sqrt(tf.reduce_sum(tf.square(tf.cast(grads, tf.float64)), axis=-1))  # (n, T)
        total += tf.reduce_sum(norms, axis=0).numpy()
    return total / len(x)


def by_distance(norms: Any) -> np.ndarray:
    """The norms reordered by distance from the output: entry `d` is step `T - 1 - d`."""
    norms = np.asarray(norms)
    if norms.ndim != 1:
        raise ValueError(f"Expected a 1-D array of per-step norms. Received: shape={norms.shape}")
    return norms[::-1].copy()
