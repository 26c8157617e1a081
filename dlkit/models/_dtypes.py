"""The dtype of the builders' output layers."""

import keras


def output_dtype():
    """The variable dtype of the global policy: float32 under mixed precision, else the policy's.

    Output layers and losses stay at least float32 under `mixed_float16` and
    `mixed_bfloat16`; a `float64` policy keeps them float64, so a float64
    model is float64 from input to loss (the distributed-equality tests rely
    on that to compare without float32 rounding).
    """
    return keras.config.dtype_policy().variable_dtype
