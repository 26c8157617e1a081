import numpy as np

from dlkit.recipes import rnn as recipes


def test_co2_windows_relative_form_is_exactly_invertible():
    w = recipes.prepare_co2_windows(recipes.CO2_FAST)
    last = w["x_test"][:, -1:, :]
    np.testing.assert_allclose(w["ry_test"] * w["scale"] + last, w["y_test"], atol=1e-4)
    assert (w["rx_train"][:, -1, 0] == 0).all()
    # The recorded origins point at each test window's first target week.
    series = w["series"].to_numpy()
    np.testing.assert_allclose(series[w["test_origins"]], w["y_test"][:, 0, 0], atol=1e-4)


def test_split_words_is_seeded_and_disjoint():
    words = [f"w{i}" for i in range(100)]
    train, val = recipes.split_words(words, 0.2, seed=3)
    assert len(val) == 20 and not set(train) & set(val) and set(train) | set(val) == set(words)
    assert recipes.split_words(words, 0.2, seed=3) == (train, val)


def test_memory_recipe_smoke():
    result = recipes.train_memory_task("gru", fast=True, length=20)
    m = result.metrics
    assert np.isfinite(m["validation_mse"]) and 0 <= m["validation_accuracy"] <= 1
    assert len(result.history["val_loss"]) == 1
