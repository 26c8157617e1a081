"""Property-based tests of the builders' arguments (hypothesis).

Each example draws a valid set of arguments and then, half of the time,
replaces one of them with a bad value (zero or negative sizes, rates outside
[0, 1), unknown names, wrong types). A valid set must build a model that
runs one batch to the documented output shape, or be rejected with a
`ValueError` that names the reason the combination cannot work (an image too
small for the network); a set with a bad value must raise `ValueError` that
names that argument. No other exception is acceptable.
"""

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dlkit.models import cnn, gan, rnn

# CI runs on two slow cores: few examples, no per-example deadline, and a fixed
# sequence of examples so that a run is repeatable (and no .hypothesis/ folder).
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

NON_POSITIVE = st.sampled_from([0, -1, 2.5, "3", None, True])
BAD_RATE = st.sampled_from([-0.1, 1.0, 1.5, "0.2", None])
BAD_FILTERS = st.sampled_from([(), (4, 0), (-1,), (2.0, 4), "8", 8])


def _draw(data, valid, bad):
    """Valid arguments, and (half of the time) one of them swapped for a bad value."""
    kwargs = {name: data.draw(strategy, label=name) for name, strategy in valid.items()}
    corrupt = data.draw(st.sampled_from([None] * len(bad) + sorted(bad)), label="corrupt")
    if corrupt is not None:
        kwargs[corrupt] = data.draw(bad[corrupt], label=f"bad {corrupt}")
    return kwargs, corrupt


def _check(build, corrupt, geometry_arg=None):
    """The model `build()` returns for valid arguments, or None when rightly rejected."""
    try:
        model = build()
    except ValueError as e:
        message = str(e)
        if corrupt is not None:
            assert f"{corrupt}=" in message or f"`{corrupt}`" in message, message
        else:
            # Valid values that do not fit together: only the geometry may be rejected.
            assert geometry_arg is not None and f"{geometry_arg}=" in message, message
        event("rejected")
        return None
    assert corrupt is None, f"accepted a bad {corrupt}"
    event("accepted")
    return model


def _run_batch(model, batch):
    out = np.asarray(model(batch, training=False))
    assert np.isfinite(out).all()
    return out


CNN_VALID = {
    "side": st.integers(1, 12), "channels": st.integers(1, 2), "num_classes": st.integers(2, 4),
    "filters": st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    "kernel_size": st.integers(1, 4), "strides": st.integers(1, 2),
    "padding": st.sampled_from(["same", "valid"]), "pooling": st.sampled_from(["max", "average", None]),
    "head": st.sampled_from(["flatten", "global"]), "dense_units": st.integers(0, 3),
    "dropout_rate": st.sampled_from([0.0, 0.5]), "batch_norm": st.booleans(),
}
CNN_BAD = {
    "num_classes": st.sampled_from([1, 0, -2, 2.0]), "filters": BAD_FILTERS, "kernel_size": NON_POSITIVE,
    "strides": NON_POSITIVE, "padding": st.sampled_from(["full", None]),
    "pooling": st.sampled_from(["min", "MAX"]), "head": st.sampled_from(["dense", None]),
    "dense_units": st.sampled_from([-1, 1.5]), "dropout_rate": BAD_RATE,
}


@SETTINGS
@given(data=st.data())
def test_cnn_classifier_builds_and_runs_or_raises_value_error(data):
    kwargs, corrupt = _draw(data, CNN_VALID, CNN_BAD)
    side, channels, num_classes = kwargs.pop("side"), kwargs.pop("channels"), kwargs.pop("num_classes")
    model = _check(lambda: cnn.build_cnn_classifier((side, side, channels), num_classes, convs_per_block=1,
                                                    **kwargs), corrupt, geometry_arg="input_shape")
    if model is not None:
        out = _run_batch(model, np.zeros((2, side, side, channels), "float32"))
        assert out.shape == (2, num_classes)
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


RNN_VALID = {
    "steps": st.sampled_from([None, 1, 4]), "features": st.integers(1, 3), "num_classes": st.integers(2, 3),
    "cell": st.sampled_from(["lstm", "gru", "simple"]), "units": st.integers(1, 4),
    "num_layers": st.integers(1, 2), "bidirectional": st.booleans(), "dropout_rate": st.sampled_from([0.0, 0.2]),
}
RNN_BAD = {
    "cell": st.sampled_from(["transformer", "LSTM", None]), "units": NON_POSITIVE, "num_layers": NON_POSITIVE,
    "bidirectional": st.sampled_from([1, "yes", None]), "dropout_rate": BAD_RATE,
    "num_classes": st.sampled_from([1, 0, 2.0]), "steps": st.sampled_from([0, -3, 2.5]),
}


@SETTINGS
@given(data=st.data())
def test_rnn_classifier_builds_and_runs_or_raises_value_error(data):
    kwargs, corrupt = _draw(data, RNN_VALID, RNN_BAD)
    steps, features, num_classes = kwargs.pop("steps"), kwargs.pop("features"), kwargs.pop("num_classes")
    if corrupt == "steps":
        corrupt = "input_shape"
    model = _check(lambda: rnn.build_rnn_classifier((steps, features), num_classes, **kwargs), corrupt)
    if model is not None:
        out = _run_batch(model, np.zeros((2, steps or 3, features), "float32"))
        assert out.shape == (2, num_classes)


FORECASTER_VALID = {
    "input_width": st.integers(1, 6), "num_features": st.integers(1, 3), "horizon": st.integers(1, 4),
    "cell": st.sampled_from(["lstm", "gru", "simple"]), "units": st.integers(1, 4),
    "conv_filters": st.integers(0, 3), "conv_kernel_size": st.integers(1, 4),
}
FORECASTER_BAD = {
    "input_width": NON_POSITIVE, "num_features": NON_POSITIVE, "horizon": NON_POSITIVE,
    "conv_filters": st.sampled_from([-1, 1.5]), "conv_kernel_size": NON_POSITIVE,
    "num_targets": st.sampled_from([0, 4, 2.0]),
}


@SETTINGS
@given(data=st.data())
def test_rnn_forecaster_builds_and_runs_or_raises_value_error(data):
    kwargs, corrupt = _draw(data, FORECASTER_VALID, FORECASTER_BAD)
    model = _check(lambda: rnn.build_rnn_forecaster(**kwargs), corrupt)
    if model is not None:
        out = _run_batch(model, np.zeros((2, kwargs["input_width"], kwargs["num_features"]), "float32"))
        assert out.shape == (2, kwargs["horizon"], kwargs.get("num_targets", 1))


@SETTINGS
@given(data=st.data())
def test_char_language_model_builds_and_runs_or_raises_value_error(data):
    valid = {"vocab_size": st.integers(3, 8), "embedding_dim": st.integers(1, 4), "units": st.integers(1, 4),
             "cell": st.sampled_from(["lstm", "gru", "simple"]), "num_layers": st.integers(1, 2)}
    bad = {"vocab_size": st.sampled_from([2, 0, 3.0]), "embedding_dim": NON_POSITIVE,
           "cell": st.sampled_from(["rnn", None])}
    kwargs, corrupt = _draw(data, valid, bad)
    model = _check(lambda: rnn.build_char_language_model(**kwargs), corrupt)
    if model is not None:
        ids = np.random.default_rng(0).integers(0, kwargs["vocab_size"], (2, 5)).astype("int32")
        assert _run_batch(model, ids).shape == (2, 5, kwargs["vocab_size"])


IMAGE_VALID = {"side": st.integers(1, 16), "channels": st.integers(1, 3),
               "filters": st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
               "kernel_size": st.integers(1, 4)}


@SETTINGS
@given(data=st.data())
def test_dcgan_generator_builds_and_runs_or_raises_value_error(data):
    kwargs, corrupt = _draw(data, dict(IMAGE_VALID, latent_dim=st.integers(1, 6)),
                            {"latent_dim": NON_POSITIVE, "filters": BAD_FILTERS, "kernel_size": NON_POSITIVE})
    side, channels = kwargs.pop("side"), kwargs.pop("channels")
    model = _check(lambda: gan.build_dcgan_generator(image_shape=(side, side, channels), **kwargs), corrupt,
                   geometry_arg="image_shape")
    if corrupt is None:
        # The upsampling doubles the size len(filters) times: exactly the sizes it can reach are built.
        assert (model is not None) == (side % 2 ** len(kwargs["filters"]) == 0)
    if model is not None:
        out = _run_batch(model, np.zeros((2, kwargs["latent_dim"]), "float32"))
        assert out.shape == (2, side, side, channels) and np.abs(out).max() <= 1.0


@SETTINGS
@given(data=st.data(), critic=st.booleans())
def test_discriminator_and_critic_build_and_run_or_raise_value_error(data, critic):
    if critic:
        valid = dict(IMAGE_VALID, normalization=st.sampled_from(["layer", None]))
        bad = {"normalization": st.sampled_from(["batch", "Layer"]), "filters": BAD_FILTERS,
               "kernel_size": NON_POSITIVE}
        builder = gan.build_wgan_critic
    else:
        valid = dict(IMAGE_VALID, dropout_rate=st.sampled_from([0.0, 0.3]))
        bad = {"dropout_rate": BAD_RATE, "filters": BAD_FILTERS, "kernel_size": NON_POSITIVE}
        builder = gan.build_dcgan_discriminator
    kwargs, corrupt = _draw(data, valid, bad)
    side, channels = kwargs.pop("side"), kwargs.pop("channels")
    model = _check(lambda: builder((side, side, channels), **kwargs), corrupt, geometry_arg="image_shape")
    if corrupt is None:
        assert (model is not None) == (side >= 2 ** len(kwargs["filters"]))
    if model is not None:
        assert _run_batch(model, np.zeros((2, side, side, channels), "float32")).shape == (2, 1)
