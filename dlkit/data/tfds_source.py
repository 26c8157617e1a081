"""A thin path to any dataset in TensorFlow Datasets."""


def load_tfds(name, split="train", data_dir=None, as_supervised=True, download=True, **kwargs):
    """Loads a TFDS dataset (`"mnist"`, `"cifar10"`, `"imdb_reviews"`, ...).

    Args:
        name: The TFDS name, optionally with a config and version
            (`"cifar10:3.0.2"`).
        split: Split or list of splits, in TFDS syntax. Defaults to `"train"`.
        data_dir: Where TFDS keeps prepared data. Defaults to `None` (TFDS's
            own default, `~/tensorflow_datasets`).
        as_supervised: Return `(input, label)` tuples. Defaults to `True`.
        download: Let TFDS download and prepare the data if it is missing.
            Defaults to `True`.
        **kwargs: Passed on to `tfds.load`.

    Returns:
        What `tfds.load` returns: a `tf.data.Dataset` (or a list of them).

    Raises:
        ValueError: `name` is not a non-empty string.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"Expected `name` to be a TFDS dataset name. Received: name={name!r}")
    import tensorflow_datasets as tfds  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)

    return tfds.load(
        name,
        split=split,
        data_dir=data_dir,
        as_supervised=as_supervised,
        download=download,
        **kwargs,
    )
