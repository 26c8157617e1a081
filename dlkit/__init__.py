"""dlkit: convolutional, recurrent and adversarial networks with Keras 3."""

from dlkit.seed import set_seed

__version__ = "0.1.0"
__all__ = ["set_seed", "__version__"]
