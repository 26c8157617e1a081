import matplotlib.figure
import numpy as np
import pytest

from dlkit import plots
from dlkit.models import cnn


def test_image_grid_axes_and_titles():
    images = np.random.default_rng(0).integers(0, 255, (12, 28, 28), dtype=np.uint8)
    fig = plots.image_grid(images, labels=np.arange(12) % 10, class_names=list("abcdefghij"), ncols=5)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 15  # 3 rows x 5 columns, the last three empty
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="shape=\\(0, 28, 28\\)"):
        plots.image_grid(images[:0])


def test_learning_curves_one_axis_per_metric_with_validation():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8],
               "val_accuracy": [0.4, 0.7], "learning_rate": [1e-3, 1e-4]}
    fig = plots.learning_curves(history)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)


def test_confusion_matrix_plot_has_a_cell_label_per_entry():
    fig = plots.confusion_matrix_plot(np.array([[5, 1], [2, 7]]), ["x", "y"])
    assert len(fig.axes) == 2  # matrix and colour bar
    assert len(fig.axes[0].texts) == 4
    with pytest.raises(ValueError, match="square"):
        plots.confusion_matrix_plot(np.zeros((2, 3)))


def test_filters_and_feature_maps():
    model = cnn.build_cnn_classifier(preset="tiny")
    fig = plots.filters_plot(model, "block1_conv1")
    assert len([ax for ax in fig.axes if ax.images]) == 4
    with pytest.raises(ValueError, match="layer_name='flatten'"):
        plots.filters_plot(model, "flatten")
    image = np.zeros((28, 28, 1), np.float32)
    fig = plots.feature_maps_plot(model, ["block1_relu1", "block2_relu1"], image, max_maps=4)
    assert len(fig.axes) == 2 * 5
    assert "14x14" in fig.axes[5].get_ylabel()


def test_accuracy_vs_shift_plot_one_line_per_model():
    fig = plots.accuracy_vs_shift_plot({"cnn": {0: 0.9, 1: 0.88}, "dense": {0: 0.88, 1: 0.6}})
    assert len(fig.axes[0].get_lines()) == 2


def test_series_plot_and_histogram():
    import pandas as pd

    s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2000-01-01", periods=3), name="x")
    assert len(plots.series_plot(s, others={"y": s * 2}).axes[0].get_lines()) == 2
    assert plots.histogram(np.array([1, 2, 2, 3])).axes




def test_compare_curves_with_baseline():
    fig = plots.compare_curves({"lstm": [0.2, 0.1], "gru": [0.2, 0.05]}, "loss", baseline=0.17)
    assert len(fig.axes[0].get_lines()) == 3


def test_forecast_plot_draws_history_truth_and_each_forecast():
    import pandas as pd

    s = pd.Series(np.arange(50.0), index=pd.date_range("2000-01-01", periods=50, freq="W"), name="co2")
    fig = plots.forecast_plot(s, origin=40, horizon=5, forecasts={"a": np.arange(5), "b": np.ones(5)},
                              history=10)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 5  # observed, truth, two forecasts and the vertical origin line
    assert len(lines[0].get_xdata()) == 10 and len(lines[2].get_xdata()) == 5


def test_class_counts_plot_draws_a_bar_per_class_and_rejects_bad_counts():
    from dlkit import plots

    fig = plots.class_counts_plot([5, 0, 3], ["a", "b", "c"], title="t")
    assert len(fig.axes[0].patches) == 3
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="counts="):
        plots.class_counts_plot([[1, 2]])
    with pytest.raises(ValueError, match="Received: 2 names"):
        plots.class_counts_plot([1, 2, 3], ["a", "b"])
