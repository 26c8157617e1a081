"""End-to-end training recipes shared by the notebooks, the tour, `dlkit train`
and the benchmarks, so that all four train exactly the same thing.

A recipe is plain Keras: build, `compile()`, `fit()` with standard callbacks,
evaluate, save. It exists so that "the default CNN on Fashion-MNIST" means one
thing everywhere.
"""

from dlkit.recipes.cnn import CNN_FAST, CNN_FULL, train_cnn_fashion_mnist
from dlkit.recipes.common import TrainingResult, fashion_mnist_subset, split_validation

__all__ = [
    "CNN_FAST",
    "CNN_FULL",
    "TrainingResult",
    "fashion_mnist_subset",
    "split_validation",
    "train_cnn_fashion_mnist",
]
