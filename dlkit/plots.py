"""Figures shared by every family. Each function returns a matplotlib Figure."""

import numpy as np


def _plt():
    import matplotlib

    # Fall back to a file-only backend where there is no display (CI, ssh).
    if matplotlib.get_backend().lower() not in ("agg",) and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _has_display():
    import os
    import sys

    return "ipykernel" in sys.modules or bool(os.environ.get("DISPLAY"))


def _as_grey(images):
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    return images


def image_grid(images, labels=None, class_names=None, ncols=10, title=None, cell_size=1.0):
    """Shows images in a grid, each titled with its label.

    Args:
        images: `(N, H, W)`, `(N, H, W, 1)` or `(N, H, W, 3)`; uint8, or
            floats in [0, 1] or [-1, 1] (detected from the minimum).
        labels: Optional labels `(N,)`: ints (names looked up in
            `class_names`) or strings. Defaults to `None`.
        class_names: Names for integer labels. Defaults to `None`.
        ncols: Images per row. Defaults to `10`.
        title: Figure title. Defaults to `None`.
        cell_size: Inches per image. Defaults to `1.0`.

    Returns:
        A `matplotlib.figure.Figure` with one axis per image.
    """
    plt = _plt()
    images = _as_grey(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            f"Expected a non-empty batch of images (N, H, W[, C]). Received: shape={images.shape}"
        )
    if images.dtype != np.uint8 and images.min() < 0:
        images = (images + 1.0) / 2.0
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * cell_size, nrows * cell_size * 1.2), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r" if images.ndim == 3 else None, vmin=0,
                  vmax=255 if images.dtype == np.uint8 else 1)
        if labels is not None:
            label = labels[i]
            if class_names is not None and not isinstance(label, str):
                label = class_names[int(label)]
            ax.set_title(str(label), fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def series_plot(series, title=None, ylabel=None, others=None):
    """Plots a pandas Series (and optional other named series on the same axes).

    Args:
        series: A pandas Series with a datetime or numeric index.
        title: Axes title. Defaults to `None`.
        ylabel: Y-axis label. Defaults to `None`.
        others: Optional dict `{label: Series}` drawn on top. Defaults to `None`.

    Returns:
        A Figure with one axis.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(series.index, series.to_numpy(), lw=1, label=series.name or "series")
    for label, other in (others or {}).items():
        ax.plot(other.index, other.to_numpy(), lw=1.5, label=label)
    if others:
        ax.legend()
    ax.set_title(title or "")
    ax.set_ylabel(ylabel or "")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def histogram(values, bins=None, title=None, xlabel=None):
    """A bar chart of integer values (or a histogram of floats)."""
    plt = _plt()
    values = np.asarray(values)
    fig, ax = plt.subplots(figsize=(6, 3))
    if np.issubdtype(values.dtype, np.integer) and bins is None:
        counts = np.bincount(values)
        ax.bar(np.arange(len(counts)), counts)
    else:
        ax.hist(values, bins=bins or 30)
    ax.set_title(title or "")
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel("count")
    fig.tight_layout()
    return fig
