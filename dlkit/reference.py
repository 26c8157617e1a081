"""Plain NumPy versions of convolution and pooling, written for reading.

The CNN walkthrough checks these against Keras's `Conv2D`, `MaxPooling2D`
and `AveragePooling2D`: same input, same weights, same numbers. They loop
over output positions on purpose - each line is one step of the textbook
description - so they are for small inputs only.
"""

import numpy as np


def _same_padding(size, kernel, stride):
    """TensorFlow's "same" padding: output ceil(size / stride), extra pad at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad(x, kernel_hw, stride, padding, value=0.0):
    if padding == "valid":
        return x
    if padding != "same":
        raise ValueError(f"Expected padding 'valid' or 'same'. Received: padding={padding!r}")
    (top, bottom) = _same_padding(x.shape[0], kernel_hw[0], stride)
    (left, right) = _same_padding(x.shape[1], kernel_hw[1], stride)
    return np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=value)


def conv2d(image, kernel, bias=None, stride=1, padding="valid"):
    """Slides `kernel` over `image` with a stride and returns the feature maps.

    Args:
        image: `(H, W, C_in)`.
        kernel: `(kh, kw, C_in, C_out)`, the layout of a Keras `Conv2D` kernel.
        bias: `(C_out,)` or `None`. Defaults to `None`.
        stride: Step between window positions, both axes. Defaults to `1`.
        padding: `"valid"` (no padding) or `"same"` (zeros so that the output
            is `ceil(H / stride)`). Defaults to `"valid"`.

    Returns:
        `(H_out, W_out, C_out)`: at each position, the sum of the window times
        the kernel, plus the bias. (Like Keras, this is cross-correlation: the
        kernel is not flipped.)
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape[:2]
    x = _pad(image, (kh, kw), stride, padding)
    out_h = (x.shape[0] - kh) // stride + 1
    out_w = (x.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w, kernel.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = x[i * stride : i * stride + kh, j * stride : j * stride + kw, :]
            # One number per filter: multiply element-wise, add everything up.
            out[i, j] = np.tensordot(window, kernel, axes=([0, 1, 2], [0, 1, 2]))
    if bias is not None:
        out += np.asarray(bias)
    return out


def pool2d(image, pool_size=2, stride=None, mode="max", padding="valid"):
    """Max or average pooling of every channel separately.

    Args:
        image: `(H, W, C)`.
        pool_size: Window size. Defaults to `2`.
        stride: Defaults to `pool_size` (non-overlapping windows).
        mode: `"max"` keeps the strongest response, `"average"` the mean.
            Defaults to `"max"`.
        padding: `"valid"` or `"same"`; padded cells never count (as in
            Keras: they are ignored by the max and left out of the mean).
            Defaults to `"valid"`.

    Returns:
        `(H_out, W_out, C)`.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"Expected mode 'max' or 'average'. Received: mode={mode!r}")
    stride = stride or pool_size
    image = np.asarray(image, dtype=np.float64)
    x = _pad(image, (pool_size, pool_size), stride, padding, value=np.nan)
    out_h = (x.shape[0] - pool_size) // stride + 1
    out_w = (x.shape[1] - pool_size) // stride + 1
    out = np.zeros((out_h, out_w, x.shape[2]))
    reduce = np.nanmax if mode == "max" else np.nanmean
    for i in range(out_h):
        for j in range(out_w):
            window = x[i * stride : i * stride + pool_size, j * stride : j * stride + pool_size, :]
            out[i, j] = reduce(window, axis=(0, 1))
    return out
