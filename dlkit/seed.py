"""One call that seeds every random number generator dlkit's users touch."""

import os
import random

import numpy as np


def set_seed(seed, deterministic=False):
    """Seeds Python, NumPy, TensorFlow and Keras in one call.

    Args:
        seed: Non-negative integer.
        deterministic: If `True`, also turns on TensorFlow's op determinism so
            that repeated runs give bit-identical results on the same hardware
            (slower on GPU). Defaults to `False`.

    Raises:
        ValueError: If `seed` is not a non-negative integer.

    Example:

    >>> import dlkit
    >>> dlkit.set_seed(42)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Expected `seed` to be a non-negative integer. Received: seed={seed!r}")
    seed = int(seed)
    import keras
    import tensorflow as tf

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    # keras.utils.set_random_seed seeds Python, NumPy and the backend (TF) too.
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
