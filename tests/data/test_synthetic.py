import numpy as np
import pytest

from dlkit.data.synthetic import make_adding_problem, within_tolerance


def test_adding_problem_structure_and_targets():
    x, y = make_adding_problem(50, 20, seed=1)
    assert x.shape == (50, 20, 2) and y.shape == (50,) and x.dtype == np.float32
    markers = x[..., 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :10].sum(axis=1) == 1).all() and (markers[:, 10:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (x[..., 0] * markers).sum(axis=1))
    x2, y2 = make_adding_problem(50, 20, seed=1)
    np.testing.assert_array_equal(x, x2)


def test_constant_guess_scores_chance():
    _, y = make_adding_problem(200_000, 4, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.003)
    assert within_tolerance(y, np.ones_like(y), 0.1) == pytest.approx(0.19, abs=0.005)


def test_adding_problem_errors():
    with pytest.raises(ValueError, match="length=1"):
        make_adding_problem(5, 1)
    with pytest.raises(ValueError, match="num_sequences=0"):
        make_adding_problem(0, 5)
