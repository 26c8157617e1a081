import random

import keras
import numpy as np
import pytest

import dlkit


def _draws():
    return (random.random(), np.random.rand(), float(keras.random.uniform(()).numpy()))


def _weights(seed):
    dlkit.set_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    return model.get_weights()[0]


def test_same_seed_same_numbers_everywhere():
    dlkit.set_seed(7)
    first = _draws()
    dlkit.set_seed(7)
    assert _draws() == first
    dlkit.set_seed(8)
    assert _draws() != first


def test_same_seed_same_initial_weights():
    np.testing.assert_array_equal(_weights(1), _weights(1))
    assert not np.array_equal(_weights(1), _weights(2))


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_seed_is_rejected(bad):
    with pytest.raises(ValueError, match="seed="):
        dlkit.set_seed(bad)
