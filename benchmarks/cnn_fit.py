"""CNN training speed: dlkit's data pipeline against NumPy arrays given to fit() (the keras-io pattern).

All variants train the default CNN (`build_cnn_classifier(preset="default")`,
the one the recipes train) with Adam, batch 128, on the same Fashion-MNIST
images; the timed unit is one epoch inside `fit()` (set-up excluded).

- *NumPy arrays (keras-io)*: float32 images scaled in NumPy, `fit(x, y, batch_size=128)`;
- *tf.data, per-image map, no cache or prefetch*: the naive pipeline
  (a Python-free map per image, nothing overlapped) — dlkit's pipeline
  before its options;
- *dlkit pipeline*: `data.make_image_dataset` (uint8 cached in memory,
  shuffled, batched, scaled once per batch, prefetched);
- *dlkit pipeline, steps_per_execution=8*: several steps per call into TensorFlow.

    python -m benchmarks cnn_fit
"""

from benchmarks._timing import Table, alternate, fit_runner, jit_compile, quick, repeats

BATCH = 128


def build_model(steps_per_execution=1):
    import keras

    from dlkit.models import cnn

    model = cnn.build_cnn_classifier((28, 28, 1), 10, preset="default")
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=steps_per_execution, jit_compile=jit_compile())
    return model


def naive_dataset(x, y, seed=0):
    """The pipeline without dlkit's choices: scaled image by image, no cache, no prefetch."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x[..., None], y.astype("int32")))
    ds = ds.shuffle(len(x), seed=seed).map(lambda i, label: (tf.cast(i, tf.float32) / 255.0, label))
    return ds.batch(BATCH)


def variants(x, y):
    """{name: runner} for the four ways of feeding the same images."""
    from dlkit import data

    x_float = x[..., None].astype("float32") / 255.0
    pipeline = data.make_image_dataset(x, y, BATCH, seed=0)
    return {
        "NumPy arrays (keras-io)": fit_runner(build_model(), x_float, y, batch_size=BATCH, shuffle=True),
        "tf.data, per-image map, no cache/prefetch": fit_runner(build_model(), naive_dataset(x, y)),
        "dlkit pipeline": fit_runner(build_model(), pipeline),
        "dlkit pipeline, steps_per_execution=8": fit_runner(build_model(8), pipeline),
    }


def main(argv=None):
    from dlkit import data
    from dlkit.seed import set_seed

    set_seed(0)
    (x, y), _ = data.load_fashion_mnist()
    n = 2 * BATCH if quick() else 32 * BATCH
    table = Table(f"CNN fit(), {n:,} images per epoch, batch {BATCH} (ratio = images/s against NumPy arrays)")
    times = alternate(variants(x[:n], y[:n]), repeats(5))
    for name, seconds in times.items():
        table.add("CNN", name, seconds, work=n,
                  baseline=None if name.startswith("NumPy") else "NumPy arrays (keras-io)")
    return table.record()


if __name__ == "__main__":
    main()
