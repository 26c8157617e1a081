import os

# Keep TensorFlow quiet and the tests offline: no loader may reach the network.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["DLKIT_OFFLINE"] = "1"

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import pytest  # noqa: E402

from dlkit.data import fashion_mnist, kaggle, spam  # noqa: E402


def missing_data(reason):
    """Skips locally, but fails under CI, where .ci/run installs every dataset."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must install it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fashion():
    """The real Fashion-MNIST, loaded once."""
    if fashion_mnist.locate_fashion_mnist() is None:
        missing_data("Fashion-MNIST not installed: sudo apt-get install dataset-fashion-mnist")
    return fashion_mnist.load_fashion_mnist(download=False)


@pytest.fixture(scope="session")
def spam_corpus():
    """The real SpamAssassin corpus (`make data`), loaded once."""
    if spam.locate_spam_assassin() is None:
        missing_data("SpamAssassin corpus not fetched: make data")
    return spam.load_spam_assassin(download=False)


@pytest.fixture
def isolated_lookup(tmp_path, monkeypatch):
    """Points every standard Fashion-MNIST location at empty temporary dirs (Kaggle's mount too)."""
    monkeypatch.delenv("DLKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setattr(kaggle, "KAGGLE_INPUT", tmp_path / "kaggle" / "input")
    return tmp_path
