"""Same seed, same bits: `dlkit.set_seed(seed, deterministic=True)` makes training repeatable.

The training runs happen in a subprocess (`tests/_reliability_worker.py`):
op determinism, once on, stays on for the whole process, and this pytest
process should not inherit it.
"""

import numpy as np
import pytest

import dlkit
from tests._reliability import FAMILIES, identical, worker_results

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile


@pytest.fixture(scope="module")
def runs():
    return worker_results()["reproduce"]


def test_deterministic_flag_turns_op_determinism_on_and_false_leaves_it(runs):
    before, after_false, after_true, after_false_again = runs["determinism_flags"][0].tolist()
    assert (before, after_false) == (False, False)
    assert after_true is True
    assert after_false_again is True, "deterministic=False must not (and cannot) switch it off"


@pytest.mark.parametrize("family", FAMILIES)
def test_same_seed_gives_bit_identical_weights_after_training(runs, family):
    first, second = runs[f"{family}/seed1"], runs[f"{family}/seed1_again"]
    assert len(first) > 4
    assert identical(first, second)


@pytest.mark.parametrize("family", FAMILIES)
def test_different_seed_gives_different_weights(runs, family):
    first, other = runs[f"{family}/seed1"], runs[f"{family}/seed2"]
    assert len(first) == len(other)
    assert not identical(first, other)
    # Not one stray variable: most trained arrays differ.
    differ = sum(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    assert differ > len(first) // 2


def test_set_seed_rejects_a_non_bool_deterministic():
    with pytest.raises(ValueError, match="deterministic='yes'"):
        dlkit.set_seed(1, deterministic="yes")
