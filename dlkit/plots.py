"""Figures shared by every family. Each function returns a matplotlib Figure."""

import os
import sys

import numpy as np


def _plt():
    """pyplot, imported on first use: `dlkit --help` should not pay for matplotlib."""
    import matplotlib

    # Fall back to a file-only backend where there is no display (CI, ssh).
    if matplotlib.get_backend().lower() not in ("agg",) and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _has_display():
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


def class_counts_plot(counts, class_names=None, title=None):
    """A bar per class: how many samples a classifier put in each (e.g. GAN class coverage).

    Args:
        counts: Non-negative counts, one per class.
        class_names: Bar labels. Defaults to the class indices.
        title: Axes title. Defaults to `None`.

    Returns:
        A Figure with one bar per class and a dashed line at the even share.
    """
    plt = _plt()
    counts = np.asarray(counts)
    if counts.ndim != 1 or len(counts) == 0 or (counts < 0).any():
        raise ValueError(f"Expected a non-empty 1-D array of non-negative counts. Received: counts={counts!r}")
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(counts))]
    if len(names) != len(counts):
        raise ValueError(
            f"Expected one class name per count ({len(counts)}). Received: {len(names)} names"
        )
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(np.arange(len(counts)), counts)
    ax.axhline(counts.sum() / len(counts), linestyle="--", color="grey", label="even share")
    ax.set_xticks(np.arange(len(counts)), names, rotation=45, ha="right")
    ax.set_ylabel("samples")
    ax.set_title(title or "")
    ax.legend()
    fig.tight_layout()
    return fig


def learning_curves(history, metrics=None, title=None):
    """Training and validation curves, one axis per metric.

    Args:
        history: A `keras.callbacks.History` (what `fit` returns) or its
            `.history` dict.
        metrics: Metric names to plot (their `val_` twins are added when
            present). Defaults to every non-`val_` key except the learning rate.
        title: Figure title. Defaults to `None`.

    Returns:
        A Figure with one axis per metric.
    """
    plt = _plt()
    logs = getattr(history, "history", history)
    if not logs:
        raise ValueError("Expected a History with at least one epoch. Received: an empty history")
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_") and k not in ("learning_rate", "lr")]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, key in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(logs[key]) + 1)
        ax.plot(epochs, logs[key], marker="o", ms=3, label="train")
        if f"val_{key}" in logs:
            ax.plot(epochs, logs[f"val_{key}"], marker="o", ms=3, label="validation")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix_plot(cm, class_names=None, normalize=True, title=None):
    """A confusion matrix as a heat map with the counts (or row shares) written in.

    Args:
        cm: Square count matrix, rows = true class.
        class_names: Tick labels. Defaults to the class ids.
        normalize: Show each row as shares of the true class. Defaults to `True`.
        title: Axes title. Defaults to `None`.

    Returns:
        A Figure with the matrix axis and a colour bar.
    """
    plt = _plt()
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"Expected a square matrix. Received: shape={cm.shape}")
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    names = class_names or [str(i) for i in range(len(cm))]
    fig, ax = plt.subplots(figsize=(0.7 * len(cm) + 2, 0.6 * len(cm) + 1.5))
    image = ax.imshow(shown, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    ax.set_xticks(range(len(cm)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(cm)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(cm)):
        for j in range(len(cm)):
            value = f"{shown[i, j]:.2f}" if normalize else f"{cm[i, j]}"
            ax.text(j, i, value, ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] > shown.max() / 2 else "black")
    ax.set_title(title or "")
    fig.tight_layout()
    return fig


def filters_plot(model, layer_name, max_filters=32, title=None):
    """The kernels of a Conv2D layer, one small image per output filter.

    Only the first input channel of each kernel is shown: for the first layer
    of a grey-image network that is the whole kernel.

    Returns:
        A Figure with one axis per filter shown.
    """
    plt = _plt()
    layer = model.get_layer(layer_name)
    weights = layer.get_weights()
    if not weights or np.ndim(weights[0]) != 4:
        raise ValueError(
            f"Expected a Conv2D layer with a 4-D kernel. Received: layer_name={layer_name!r} "
            f"({type(layer).__name__})"
        )
    kernel = weights[0][:, :, 0, :max_filters]
    n = kernel.shape[-1]
    ncols = min(8, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 0.9, nrows * 0.9), squeeze=False)
    limit = np.abs(kernel).max()
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(kernel[:, :, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle(title or f"{layer_name}: kernels (red +, blue -)", fontsize=9)
    fig.tight_layout()
    return fig


def feature_maps_plot(model, layer_names, image, max_maps=8, title=None):
    """Feature maps of several layers for one image, one row per layer.

    Args:
        model: A functional Keras model.
        layer_names: Layers whose outputs to show, from shallow to deep.
        image: One input image `(H, W, C)` as the model expects it.
        max_maps: Channels shown per layer. Defaults to `8`.
        title: Figure title. Defaults to `None`.

    Returns:
        A Figure with `len(layer_names)` rows of `1 + max_maps` axes (the
        input image first).
    """
    import keras  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)

    plt = _plt()
    layer_names = list(layer_names)
    probe = keras.Model(model.input, [model.get_layer(n).output for n in layer_names])
    outputs = probe(np.asarray(image)[np.newaxis], training=False)
    if len(layer_names) == 1:
        outputs = [outputs]
    fig, axes = plt.subplots(
        len(layer_names), max_maps + 1, figsize=((max_maps + 1) * 1.1, len(layer_names) * 1.25),
        squeeze=False,
    )
    for row, (name, maps) in enumerate(zip(layer_names, outputs, strict=True)):
        maps = np.asarray(maps)[0]
        axes[row, 0].imshow(np.asarray(image)[..., 0], cmap="gray_r")
        axes[row, 0].set_title("input", fontsize=7)
        axes[row, 0].set_ylabel(f"{name}\n{maps.shape[0]}x{maps.shape[1]}", fontsize=7)
        for col in range(1, max_maps + 1):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col - 1 < maps.shape[-1]:
                ax.imshow(maps[:, :, col - 1], cmap="viridis")
        axes[row, 0].set_xticks([])
        axes[row, 0].set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def accuracy_vs_shift_plot(results, title=None):
    """Accuracy against shift in pixels, one line per model.

    Args:
        results: `{model name: {shift: accuracy}}` as returned by
            `evaluation.accuracy_under_shift` for each model.
        title: Axes title. Defaults to `None`.

    Returns:
        A Figure with one axis.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, curve in results.items():
        shifts = sorted(curve)
        ax.plot(shifts, [curve[k] for k in shifts], marker="o", label=name)
        ax.set_xticks(shifts)
    ax.set_xlabel("shift (pixels, averaged over 4 directions)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "Accuracy when the test images move")
    fig.tight_layout()
    return fig


def compare_curves(curves, ylabel, title=None, baseline=None, baseline_label="chance", log_y=False):
    """Several runs' per-epoch values on one axis (e.g. validation loss per cell type).

    Args:
        curves: `{run name: sequence of per-epoch values}`.
        ylabel: Y-axis label.
        title: Axes title. Defaults to `None`.
        baseline: Optional horizontal reference line (e.g. chance). Defaults to `None`.
        baseline_label: Its legend entry. Defaults to `"chance"`.
        log_y: Logarithmic y axis. Defaults to `False`.

    Returns:
        A Figure with one axis and one line per run (plus the baseline).
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=name)
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls="--", lw=1, label=baseline_label)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "")
    fig.tight_layout()
    return fig


def forecast_plot(series, origin, horizon, forecasts, history=104, title=None):
    """The weeks before a forecast origin, the truth after it, and each forecast.

    Args:
        series: The whole pandas Series.
        origin: Integer position in `series` of the first forecast step.
        horizon: Steps forecast.
        forecasts: `{name: array of horizon values}`.
        history: Steps of context drawn before the origin. Defaults to `104`.
        title: Axes title. Defaults to `None`.

    Returns:
        A Figure with one axis.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.8))
    past = series.iloc[max(0, origin - history) : origin]
    future = series.iloc[origin : origin + horizon]
    ax.plot(past.index, past.to_numpy(), color="black", lw=1.2, label="observed")
    ax.plot(future.index, future.to_numpy(), color="black", lw=2, ls=":", label="truth")
    for name, values in forecasts.items():
        ax.plot(future.index, np.asarray(values).reshape(-1)[: len(future)], lw=1.5, label=name)
    ax.axvline(future.index[0], color="grey", lw=0.8)
    ax.grid(alpha=0.3)
    ax.legend(ncol=3, fontsize=8)
    ax.set_ylabel(series.name or "")
    ax.set_title(title or "")
    fig.tight_layout()
    return fig
