"""Is the network written on a notebook's page the one dlkit builds?

The walkthroughs write each architecture layer by layer, then check it
against dlkit's builder with `compare_networks`: the same layer types in the
same order, the same output shape after every layer, the same parameter
count, and the same outputs once the builder's weights are copied in. A
mismatch raises `NetworkMismatch` naming the first layer that differs, so a
reader who edits the page sees where they left dlkit's design.

Example:

>>> from dlkit.models import cnn, compare
>>> reference = cnn.build_cnn_classifier(preset="tiny")
>>> page = ...  # the same network, written out with keras.layers
>>> compare.compare_networks(page, reference, images[:8])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np


class NetworkMismatch(AssertionError):
    """The two networks differ; the message says where and how."""


@dataclass(frozen=True)
class NetworkComparison:
    """What `compare_networks` found equal, with the largest output difference."""

    layers: int
    parameters: int
    output_shape: tuple
    max_difference: float
    tolerance: float

    def __str__(self) -> str:
        return (f"same network: {self.layers} layers of the same types and output shapes, "
                f"{self.parameters:,} parameters each, output {self.output_shape}; with the same "
                f"weights the outputs differ by at most {self.max_difference:.1e} "
                f"(tolerance {self.tolerance:.0e})")


def layer_table(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """`(layer type, output shape, parameters)` for every layer but the inputs, in order.

    Nested models (a `Sequential` used as a block) are expanded into their
    layers, so a page may group layers differently from the builder. A layer
    with several outputs (a recurrent layer that also returns its states,
    attention that also returns its scores) gives a tuple of their shapes.
    """
    return [(type(layer).__name__, _output_shape(layer.output), layer.count_params()) for layer in _layers(model)]


# Config entries that name or place a layer rather than define its computation.
_NOT_SETTINGS = {"name", "trainable", "dtype", "seed", "autocast"}


def _layers(model: keras.Model) -> list:
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.extend(_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            out.append(layer)
    return out


def _settings(layer: Any) -> dict:
    return _without_names(layer.get_config())


def _without_names(config: Any) -> Any:
    """`config` without `_NOT_SETTINGS` entries at any depth (a `Bidirectional` holds its layers' configs)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k not in _NOT_SETTINGS}
    if isinstance(config, (list, tuple)):
        return type(config)(_without_names(v) for v in config)
    return config


def _shape(shape: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in shape)


def _output_shape(output: Any) -> tuple:
    if isinstance(output, (list, tuple)):
        return tuple(_shape(o.shape) for o in output)
    return _shape(output.shape)


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copies every weight of `source` into `target`, in layer order.

    Raises:
        NetworkMismatch: The two do not hold the same number of weights of
            the same shapes.
    """
    src, dst = source.get_weights(), target.get_weights()
    shapes_src, shapes_dst = [w.shape for w in src], [w.shape for w in dst]
    if shapes_src != shapes_dst:
        raise NetworkMismatch(
            f"Expected the same weight shapes in the same order. Received: {source.name} has "
            f"{shapes_src}, {target.name} has {shapes_dst}")
    target.set_weights(src)


def compare_networks(page: keras.Model, reference: keras.Model, inputs: Any,
                     tolerance: float = 1e-6) -> NetworkComparison:
    """Checks that `page` is the same network as `reference`.

    Compares, in order: the layer types, each layer's output shape and
    parameter count, each layer's settings (its config without names and
    dtypes: activation, strides, padding, rates, initializers), the total
    parameter count; then copies `reference`'s weights into `page` and runs
    both on `inputs` in inference mode (`training=False`).

    Args:
        page: The network as written in a notebook. Its weights are replaced.
        reference: The network from dlkit's builder.
        inputs: A batch both accept.
        tolerance: Largest absolute output difference allowed, relative to
            the largest output magnitude (at least 1). Defaults to `1e-6`: the
            same float32 operations in the same order give identical results,
            so anything above float32 rounding means a different computation.

    Returns:
        A `NetworkComparison` (its `str` is a one-line summary).

    Raises:
        NetworkMismatch: The first difference found.
    """
    mine, theirs = layer_table(page), layer_table(reference)
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        if a != b:
            raise NetworkMismatch(
                f"Layer {i + 1} differs. Expected (type, output shape, parameters) {b} as in "
                f"{reference.name!r}. Received: {a} in {page.name!r}")
    if len(mine) != len(theirs):
        raise NetworkMismatch(
            f"Expected {len(theirs)} layers as in {reference.name!r}. Received: {len(mine)} in "
            f"{page.name!r}; the first {min(len(mine), len(theirs))} agree")
    for i, (layer, reference_layer) in enumerate(zip(_layers(page), _layers(reference), strict=True)):
        settings_a, settings_b = _settings(layer), _settings(reference_layer)
        if settings_a != settings_b:
            differ = sorted(k for k in settings_a.keys() | settings_b.keys() if settings_a.get(k) != settings_b.get(k))
            raise NetworkMismatch(
                f"Layer {i + 1} ({type(reference_layer).__name__}) is set up differently. Expected "
                + ", ".join(f"{k}={settings_b.get(k)!r}" for k in differ) + f" as in {reference.name!r}. Received: "
                + ", ".join(f"{k}={settings_a.get(k)!r}" for k in differ))
    if page.count_params() != reference.count_params():  # e.g. weights outside any layer
        raise NetworkMismatch(f"Expected {reference.count_params():,} parameters. Received: "
                              f"{page.count_params():,}")
    copy_weights(reference, page)
    ours = np.asarray(keras.ops.convert_to_numpy(page(inputs, training=False)), dtype=np.float64)
    theirs_out = np.asarray(keras.ops.convert_to_numpy(reference(inputs, training=False)), dtype=np.float64)
    difference = float(np.max(np.abs(ours - theirs_out))) if ours.shape == theirs_out.shape and ours.size else 0.0
    scale = max(1.0, float(np.max(np.abs(theirs_out))) if theirs_out.size else 1.0)
    if ours.shape != theirs_out.shape or not difference <= tolerance * scale:
        raise NetworkMismatch(
            f"Expected the same outputs with the same weights (within {tolerance:.0e} x {scale:.3g}). "
            f"Received: shapes {ours.shape} and {theirs_out.shape}, largest difference {difference:.3g}")
    return NetworkComparison(len(theirs), reference.count_params(), _shape(theirs_out.shape[1:]), difference, tolerance)


def compare_weights(page: keras.Model, reference: keras.Model, tolerance: float = 1e-6) -> float:
    """Checks that two networks hold the same weights (after training the same way).

    The GAN walkthroughs train a copy of dlkit's networks with the train step
    written on the page and compare the result with dlkit's loop.

    Args:
        page, reference: Networks of the same architecture.
        tolerance: Largest absolute difference allowed, relative to the
            largest weight magnitude (at least 1). Defaults to `1e-6`.

    Returns:
        The largest absolute difference over all weights.

    Raises:
        NetworkMismatch: Different shapes, or a difference above the tolerance
            (naming the weight).
    """
    largest = 0.0
    if len(page.weights) != len(reference.weights):
        raise NetworkMismatch(f"Expected {len(reference.weights)} weights. Received: {len(page.weights)}")
    for mine, theirs in zip(page.weights, reference.weights, strict=True):
        a, b = (np.asarray(keras.ops.convert_to_numpy(w), dtype=np.float64) for w in (mine, theirs))
        if a.shape != b.shape:
            raise NetworkMismatch(f"Expected {theirs.path} of shape {b.shape}. Received: {a.shape}")
        difference = float(np.max(np.abs(a - b))) if a.size else 0.0
        scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
        if not difference <= tolerance * scale:
            raise NetworkMismatch(f"Expected {theirs.path} to match within {tolerance:.0e} x {scale:.3g}. "
                                  f"Received: largest difference {difference:.3g}")
        largest = max(largest, difference)
    return largest
