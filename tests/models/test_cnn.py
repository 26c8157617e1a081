import keras
import numpy as np
import pytest

import dlkit
from dlkit.models import cnn

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile

BATCH = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)


def _layer_types(model):
    return {type(layer).__name__ for layer in model.layers}


@pytest.mark.parametrize("preset", [None, "tiny", "default"])
def test_shape_contract_for_each_preset(preset):
    model = cnn.build_cnn_classifier((28, 28, 1), 10, preset=preset)
    out = model(BATCH)
    assert isinstance(model, keras.Model) and not model.compiled
    assert tuple(out.shape) == (2, 10)
    np.testing.assert_allclose(np.sum(out, axis=-1), 1.0, rtol=1e-5)


def test_pooling_branches_build_the_named_layer():
    assert "MaxPooling2D" in _layer_types(cnn.build_cnn_classifier(pooling="max"))
    average = cnn.build_cnn_classifier(pooling="average")
    assert "AveragePooling2D" in _layer_types(average)
    assert "MaxPooling2D" not in _layer_types(average)
    none = cnn.build_cnn_classifier(pooling=None, filters=(4,), strides=2)
    assert not {"MaxPooling2D", "AveragePooling2D"} & _layer_types(none)


def test_head_branches():
    flat = cnn.build_cnn_classifier(preset="tiny", head="flatten")
    glob = cnn.build_cnn_classifier(preset="tiny", head="global")
    assert "Flatten" in _layer_types(flat) and "GlobalAveragePooling2D" not in _layer_types(flat)
    assert "GlobalAveragePooling2D" in _layer_types(glob) and "Flatten" not in _layer_types(glob)
    assert glob.count_params() < flat.count_params()


def test_batch_norm_branch_and_conv_bias():
    with_bn = cnn.build_cnn_classifier(preset="tiny", batch_norm=True)
    without = cnn.build_cnn_classifier(preset="tiny", batch_norm=False)
    assert "BatchNormalization" in _layer_types(with_bn)
    assert "BatchNormalization" not in _layer_types(without)
    assert with_bn.get_layer("block1_conv1").use_bias is False
    assert without.get_layer("block1_conv1").use_bias is True


def test_valid_padding_strides_and_logits():
    model = cnn.build_cnn_classifier(
        (32, 32, 3), 5, filters=(8, 8), padding="valid", strides=2, pooling=None,
        output_activation=None, convs_per_block=1,
    )
    # 32 -> (32-3)//2+1 = 15 -> (15-3)//2+1 = 7
    assert model.get_layer("block2_conv1").output.shape[1:3] == (7, 7)
    out = model(np.zeros((2, 32, 32, 3), np.float32))
    assert tuple(out.shape) == (2, 5)


def test_augmentation_is_active_only_in_training():
    model = cnn.build_cnn_classifier(preset="tiny", augmentation=("shift", "flip", "zoom"))
    assert {"aug_shift", "aug_flip", "aug_zoom"} <= {layer.name for layer in model.layers}
    np.testing.assert_allclose(model(BATCH, training=False), model(BATCH, training=False))
    keras.utils.set_random_seed(0)
    a = model(BATCH, training=True)
    b = model(BATCH, training=True)
    assert not np.allclose(a, b)


def test_dense_classifier_shapes_and_params():
    model = cnn.build_dense_classifier(hidden_units=(64,))
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10
    assert tuple(model(BATCH).shape) == (2, 10)
    assert tuple(cnn.build_dense_classifier(hidden_units=())(BATCH).shape) == (2, 10)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"preset": "huge"}, "preset='huge'"),
        ({"pooling": "min"}, "pooling='min'"),
        ({"head": "attention"}, "head='attention'"),
        ({"padding": "causal"}, "padding='causal'"),
        ({"filters": ()}, "filters=()"),
        ({"filters": (32, -1)}, "filters=(32, -1)"),
        ({"dropout_rate": 1.0}, "dropout_rate=1.0"),
        ({"kernel_size": 0}, "kernel_size=0"),
        ({"num_classes": 1}, "num_classes=1"),
        ({"input_shape": (28, 28)}, "input_shape=(28, 28)"),
        ({"augmentation": ("rotate",)}, "augmentation='rotate'"),
        ({"filters": (8, 8, 8, 8, 8, 8)}, "shrinks below 1x1 in block 5"),
        ({"dropuot_rate": 0.1}, "dropuot_rate"),
    ],
)
def test_invalid_arguments_name_what_was_received(kwargs, fragment):
    with pytest.raises(ValueError, match=None) as info:
        cnn.build_cnn_classifier(**kwargs)
    assert fragment in str(info.value)


def test_dense_invalid_arguments():
    with pytest.raises(ValueError, match="hidden_units=\\(0,\\)"):
        cnn.build_dense_classifier(hidden_units=(0,))


def test_keras_save_load_round_trip(tmp_path):
    model = cnn.build_cnn_classifier(preset="tiny", batch_norm=True)
    path = tmp_path / "cnn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.name == model.name
    np.testing.assert_allclose(model.predict(BATCH, verbose=0), loaded.predict(BATCH, verbose=0), rtol=1e-6)


def test_same_seed_same_weights():
    def weights(seed):
        dlkit.set_seed(seed)
        return cnn.build_cnn_classifier(preset="tiny").get_weights()

    a, b, c = weights(5), weights(5), weights(6)
    for wa, wb in zip(a, b, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a[0], c[0])


def test_tiny_model_overfits_a_few_dozen_images(fashion):
    (x, y), _ = fashion
    x = x[:48, ..., None].astype("float32") / 255.0
    y = y[:48]
    dlkit.set_seed(0)
    model = cnn.build_cnn_classifier(filters=(16, 32), convs_per_block=1, batch_norm=False,
                                     dropout_rate=0.0, head_dropout_rate=0.0, dense_units=64)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=60, batch_size=16, verbose=0)
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == 1.0
