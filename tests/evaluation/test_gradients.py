import keras
import numpy as np
import pytest

from dlkit.evaluation.gradients import by_distance, input_gradient_norms


def _reads_one_step(length, step, weights):
    """A model whose output is a fixed linear function of one time step: `weights . x[step]`."""
    inputs = keras.Input((length, len(weights)))
    picked = keras.layers.Lambda(lambda x: x[:, step, :])(inputs)
    dense = keras.layers.Dense(1, use_bias=False)
    outputs = dense(picked)
    dense.set_weights([np.asarray(weights, dtype="float32").reshape(-1, 1)])
    return keras.Model(inputs, outputs)


def test_a_model_that_reads_one_step_has_gradient_there_only():
    model = _reads_one_step(length=6, step=2, weights=[3.0, 4.0])
    x = np.random.default_rng(0).normal(size=(5, 6, 2)).astype("float32")

    # The loss is the output itself, per example: its gradient at step 2 is the weights, norm 5.
    norms = input_gradient_norms(model, x, np.zeros(5), lambda y, p: p[:, 0])
    np.testing.assert_allclose(norms, [0, 0, 5, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(by_distance(norms), [0, 0, 0, 5, 0, 0], atol=1e-6)


def test_a_batch_mean_loss_counts_each_example_with_its_own_gradient():
    model = _reads_one_step(length=4, step=3, weights=[3.0, 4.0])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(7, 4, 2)).astype("float32")
    y = rng.normal(size=7).astype("float32")
    # Squared error of example i: (w.x_i - y_i)^2, gradient 2 (w.x_i - y_i) w, norm 2 |w.x_i - y_i| 5.
    residual = x[:, 3, :] @ np.array([3.0, 4.0]) - y
    expected = np.mean(2 * np.abs(residual) * 5)
    for batch_size in (7, 3, 1):  # the mean over the batch is undone: any batch size gives the same
        norms = input_gradient_norms(model, x, y, keras.losses.MeanSquaredError(), batch_size=batch_size)
        np.testing.assert_allclose(norms[3], expected, rtol=1e-5)
        np.testing.assert_allclose(norms[:3], 0, atol=1e-6)


def test_agrees_with_finite_differences_on_a_recurrent_network():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5, 2))
    outputs = keras.layers.Dense(1)(keras.layers.SimpleRNN(4)(inputs))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(2).normal(size=(3, 5, 2))
    y = np.array([0.5, -0.2, 1.0])

    def losses(xs):  # per-example squared error, in float64 around the float32 model
        return (np.asarray(model(xs.astype("float32")))[:, 0].astype(np.float64) - y) ** 2

    eps = 1e-2
    numeric = np.zeros((3, 5, 2))
    for t in range(5):
        for f in range(2):
            step = np.zeros_like(x)
            step[:, t, f] = eps
            numeric[:, t, f] = (losses(x + step) - losses(x - step)) / (2 * eps)
    expected = np.linalg.norm(numeric, axis=-1).mean(axis=0)
    norms = input_gradient_norms(model, x, y, lambda yt, p: (p[:, 0] - yt) ** 2)
    np.testing.assert_allclose(norms, expected, rtol=2e-2, atol=1e-4)


def test_a_model_that_ignores_its_input_has_zero_gradient():
    inputs = keras.Input((3, 1))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: keras.ops.zeros_like(x[:, 0, :]))(inputs))
    np.testing.assert_array_equal(input_gradient_norms(model, np.ones((2, 3, 1)), np.zeros(2),
                                                       lambda y, p: p[:, 0]), np.zeros(3))


def test_bad_arguments_say_what_was_expected():
    model = _reads_one_step(4, 0, [1.0])
    with pytest.raises(ValueError, match=r"\(N, T, F\)"):
        input_gradient_norms(model, np.zeros((2, 4)), np.zeros(2), lambda y, p: p)
    with pytest.raises(ValueError, match="len\\(y\\)=3"):
        input_gradient_norms(model, np.zeros((2, 4, 1)), np.zeros(3), lambda y, p: p)
    with pytest.raises(ValueError, match="batch_size=0"):
        input_gradient_norms(model, np.zeros((2, 4, 1)), np.zeros(2), lambda y, p: p, batch_size=0)
    with pytest.raises(ValueError, match="1-D"):
        by_distance(np.zeros((2, 2)))
