"""Deprecated: the training recipes, now the families of `dlkit.families` (kept for one release).

`train_cnn_fashion_mnist(...)` is `dlkit.families.FAMILIES["cnn"].train(settings, ...)`;
the recurrent and GAN recipes map to the families `memory`, `rows`,
`forecaster`, `char-lm`, `conv-rnn`, `dcgan`, `wgan-gp` and `wgan`. Each call
warns with `DeprecationWarning`.
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
