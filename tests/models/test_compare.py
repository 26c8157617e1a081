import keras
import numpy as np
import pytest

from dlkit.models import cnn, compare, seq2seq

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile

IMAGES = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)


def _tiny_on_the_page(activation="softmax", dense_units=16, nested=False):
    """`cnn.build_cnn_classifier(preset="tiny")`, written out layer by layer."""
    inputs = keras.Input((28, 28, 1))
    convs = [keras.layers.Conv2D(4, 3, padding="same"), keras.layers.Activation("relu"), keras.layers.MaxPooling2D(2),
             keras.layers.Conv2D(8, 3, padding="same"), keras.layers.Activation("relu"), keras.layers.MaxPooling2D(2)]
    x = keras.Sequential(convs)(inputs) if nested else _chain(inputs, convs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(dense_units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation=activation)(x), name="page")


def _chain(x, layers):
    for layer in layers:
        x = layer(x)
    return x


def test_the_same_network_written_out_is_equal_and_gets_the_builders_weights():
    reference = cnn.build_cnn_classifier(preset="tiny")
    page = _tiny_on_the_page()
    result = compare.compare_networks(page, reference, IMAGES)
    assert result.parameters == reference.count_params() and result.layers == 9
    assert result.max_difference <= 1e-6
    for a, b in zip(page.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert "same network" in str(result)


def test_a_block_grouped_in_a_sequential_counts_as_its_layers():
    compare.compare_networks(_tiny_on_the_page(nested=True), cnn.build_cnn_classifier(preset="tiny"), IMAGES)


@pytest.mark.parametrize(("page", "says"), [
    (lambda: _tiny_on_the_page(activation=None), "activation='softmax'"),         # same shapes and weights
    (lambda: _tiny_on_the_page(dense_units=17), "Layer 8 differs"),               # another width
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")]), "Layer 1 differs"),
])
def test_a_different_network_is_named_where_it_differs(page, says):
    with pytest.raises(compare.NetworkMismatch, match=says.replace("(", r"\(")):
        compare.compare_networks(page(), cnn.build_cnn_classifier(preset="tiny"), IMAGES)


def test_a_missing_last_layer_is_reported():
    reference = cnn.build_cnn_classifier(preset="tiny", output_activation=None)
    inputs = keras.Input((28, 28, 1))
    shorter = keras.Model(inputs, keras.layers.Flatten()(_chain(inputs, [
        keras.layers.Conv2D(4, 3, padding="same"), keras.layers.Activation("relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(8, 3, padding="same"), keras.layers.Activation("relu"), keras.layers.MaxPooling2D(2)])))
    with pytest.raises(compare.NetworkMismatch, match="Expected 9 layers"):
        compare.compare_networks(shorter, reference, IMAGES)


def test_compare_weights_sees_one_changed_weight():
    a, b = cnn.build_cnn_classifier(preset="tiny"), cnn.build_cnn_classifier(preset="tiny")
    compare.copy_weights(a, b)
    assert compare.compare_weights(b, a) == 0.0
    weights = b.get_weights()
    weights[-1] = weights[-1] + 1e-3
    b.set_weights(weights)
    with pytest.raises(compare.NetworkMismatch, match="largest difference 0.001"):
        compare.compare_weights(b, a)
    assert compare.compare_weights(b, a, tolerance=1e-2) == pytest.approx(1e-3, rel=1e-3)


def test_copy_weights_refuses_another_architecture():
    with pytest.raises(compare.NetworkMismatch, match="same weight shapes"):
        compare.copy_weights(cnn.build_cnn_classifier(preset="tiny"), cnn.build_dense_classifier())


def test_names_inside_a_wrapper_do_not_count_but_its_wrapped_settings_do():
    def network(units, name):
        inputs = keras.Input((5, 3))
        x = keras.layers.Bidirectional(keras.layers.GRU(units, name=name))(inputs)
        return keras.Model(inputs, keras.layers.Dense(1)(x))

    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype("float32")
    compare.compare_networks(network(4, "page_gru"), network(4, "dlkit_gru"), x)  # only the inner names differ
    with pytest.raises(compare.NetworkMismatch):
        compare.compare_networks(network(4, "page_gru"), network(6, "page_gru"), x)


def test_layers_with_several_outputs_are_compared_by_every_output_shape():
    # A recurrent layer that returns its states, attention that returns its scores.
    reference = seq2seq.build_seq2seq(10, 12, embedding_dim=4, units=6)
    ids = [np.array([[3, 4, 5], [6, 7, 0]], dtype="int32"), np.array([[1, 3, 4, 5], [1, 6, 0, 0]], dtype="int32")]
    result = compare.compare_networks(seq2seq.build_seq2seq(10, 12, embedding_dim=4, units=6, name="page"),
                                      reference, ids)
    assert result.output_shape == (4, 12)
    table = {name: shape for name, shape, _ in compare.layer_table(reference)}
    assert table["Bidirectional"] == ((None, None, 12), (None, 6), (None, 6))
    assert table["AdditiveAttention"] == ((None, None, 12), (None, None, None))
    with pytest.raises(compare.NetworkMismatch, match="differs"):  # 7 units instead of 6
        compare.compare_networks(seq2seq.build_seq2seq(10, 12, embedding_dim=4, units=7), reference, ids)
