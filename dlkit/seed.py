"""One call that seeds every random number generator dlkit's users touch."""

from __future__ import annotations

import os
import random

import numpy as np


def set_seed(seed: int, deterministic: bool = False) -> None:
    """Seeds Python, NumPy, TensorFlow and Keras in one call.

    With the same seed, models are built with the same initial weights and
    every seeded random draw repeats. With `deterministic=True`, TensorFlow's
    op determinism is switched on as well
    (`tf.config.experimental.enable_op_determinism()`), so that two training
    runs with the same seed, data and settings give bit-identical weights on
    the same hardware and software (checked on CPU by
    `tests/test_reproducibility.py` for a CNN, an RNN, DCGAN and WGAN-GP).
    Op determinism makes some GPU kernels slower, and ops without a
    deterministic implementation raise `UnimplementedError` instead of
    running.

    TensorFlow offers no public call to switch op determinism off again: once
    on, it stays on for the rest of the process. `deterministic=False`
    therefore leaves it as it is (off unless an earlier call switched it on);
    start a new process to train without it.

    Args:
        seed: Non-negative integer.
        deterministic: If `True`, also turns on TensorFlow's op determinism
            (see above). Defaults to `False`.

    Raises:
        ValueError: If `seed` is not a non-negative integer, or
            `deterministic` is not a bool.

    Example:

    >>> import dlkit
    >>> dlkit.set_seed(42)                      # same initial weights, same draws
    >>> dlkit.set_seed(42, deterministic=True)  # and bit-identical training
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Expected `seed` to be a non-negative integer. Received: seed={seed!r}")
    if not isinstance(deterministic, (bool, np.bool_)):
        raise ValueError(
            f"Expected `deterministic` to be True or False. Received: deterministic={deterministic!r}"
        )
    seed = int(seed)
    # Lazily: `import dlkit` (which imports this) must not import TensorFlow.
    import keras
    import tensorflow as tf

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    # keras.utils.set_random_seed seeds Python, NumPy and the backend (TF) too.
    keras.utils.set_random_seed(seed)
    # Keras 3.10 and older kept its global SeedGenerator (unseeded keras.random draws)
    # across set_random_seed, so the same seed did not repeat those draws; newer
    # releases drop it here, and so do we, for the older ones hosted runtimes carry.
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_seed_generator", None)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
