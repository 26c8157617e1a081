import keras
import numpy as np
import pytest

from dlkit import reference

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("size, kernel_size", [(7, 3), (8, 3), (9, 2)])
def test_conv2d_matches_keras(stride, padding, size, kernel_size):
    image = RNG.standard_normal((size, size, 2)).astype(np.float32)
    layer = keras.layers.Conv2D(3, kernel_size, strides=stride, padding=padding)
    expected = np.asarray(layer(image[None]))[0]
    kernel, bias = layer.get_weights()
    got = reference.conv2d(image, kernel, bias, stride=stride, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("mode, layer_cls", [("max", keras.layers.MaxPooling2D),
                                             ("average", keras.layers.AveragePooling2D)])
@pytest.mark.parametrize("pool_size, stride", [(2, None), (3, 2), (2, 1)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool2d_matches_keras(mode, layer_cls, pool_size, stride, padding):
    image = RNG.standard_normal((7, 7, 3)).astype(np.float32)
    layer = layer_cls(pool_size, strides=stride, padding=padding)
    expected = np.asarray(layer(image[None]))[0]
    got = reference.pool2d(image, pool_size, stride, mode=mode, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_conv2d_by_hand():
    image = np.arange(9, dtype=float).reshape(3, 3, 1)
    kernel = np.ones((2, 2, 1, 1))
    out = reference.conv2d(image, kernel)[..., 0]
    np.testing.assert_array_equal(out, [[8, 12], [20, 24]])


def test_pooling_keeps_strongest_response():
    image = np.array([[1, 5], [3, 2]], dtype=float).reshape(2, 2, 1)
    assert reference.pool2d(image, 2, mode="max")[0, 0, 0] == 5
    assert reference.pool2d(image, 2, mode="average")[0, 0, 0] == 2.75


def test_bad_padding_and_mode():
    with pytest.raises(ValueError, match="padding='full'"):
        reference.conv2d(np.zeros((3, 3, 1)), np.zeros((2, 2, 1, 1)), padding="full")
    with pytest.raises(ValueError, match="mode='min'"):
        reference.pool2d(np.zeros((2, 2, 1)), mode="min")
