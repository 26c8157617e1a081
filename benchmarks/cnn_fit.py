"""CNN training speed: dlkit's data pipeline against NumPy arrays given to fit() (the keras-io pattern).

All variants train the default CNN (`build_cnn_classifier(preset="default")`,
the one the cnn family trains) with Adam, batch 128, on the same Fashion-MNIST
images; the timed unit is one epoch inside `fit()` (set-up excluded).

- *NumPy arrays (keras-io)*: float32 images scaled in NumPy, `fit(x, y, batch_size=128)`;
- *NumPy arrays, a second model*: the same as the baseline — the
  noise check: its ratio shows how far two identical variants land apart
  in this run;
- *tf.data, per-image map, no cache or prefetch*: the naive pipeline
  (a Python-free map per image, nothing overlapped) — dlkit's pipeline
  before its options;
- *dlkit pipeline*: `data.make_image_dataset` (uint8 cached in memory,
  shuffled, batched, scaled once per batch, prefetched);
- *dlkit pipeline, steps_per_execution=8*: several steps per call into TensorFlow.

It also times the pipeline alone (iterating one epoch of batches, no model)
and prints its share of a training epoch: the most any input-pipeline change
could gain on this machine.

    python -m benchmarks cnn_fit
"""

from benchmarks._timing import Table, alternate, fit_runner, jit_compile, quick, repeats

BATCH = 128
BASELINE = "NumPy arrays (keras-io)"
CONTROL = "NumPy arrays, a second model (noise check)"


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
    """{name: runner} for the ways of feeding the same images, the baseline twice."""
    from dlkit import data

    x_float = x[..., None].astype("float32") / 255.0
    pipeline = data.make_image_dataset(x, y, BATCH, seed=0)
    return {
        BASELINE: fit_runner(build_model(), x_float, y, batch_size=BATCH, shuffle=True),
        CONTROL: fit_runner(build_model(), x_float, y, batch_size=BATCH, shuffle=True),
        "tf.data, per-image map, no cache/prefetch": fit_runner(build_model(), naive_dataset(x, y)),
        "dlkit pipeline": fit_runner(build_model(), pipeline),
        "dlkit pipeline, steps_per_execution=8": fit_runner(build_model(8), pipeline),
    }


def pipeline_runner(dataset):
    """A callable that iterates one epoch of `dataset` with no model (timed by `alternate`)."""

    def run():
        for _ in dataset:
            pass

    return run


def main(argv=None):
    import statistics

    from dlkit import data
    from dlkit.seed import set_seed

    set_seed(0)
    (x, y), _ = data.load_fashion_mnist()
    n = 2 * BATCH if quick() else 16 * BATCH
    table = Table(f"CNN fit(), {n:,} images per epoch, batch {BATCH} (ratio = images/s against NumPy arrays)")
    times = alternate(variants(x[:n], y[:n]), repeats(9))
    for name, seconds in times.items():
        table.add("CNN", name, seconds, work=n, baseline=None if name == BASELINE else BASELINE)
    alone = alternate({"alone": pipeline_runner(data.make_image_dataset(x[:n], y[:n], BATCH, seed=0))},
                      repeats(5))["alone"]
    table.add("input pipeline alone", "dlkit pipeline, no model", alone, work=n)
    share = statistics.median(alone) / statistics.median(times["dlkit pipeline"])
    table.note(f"the pipeline alone takes {share:.1%} of a dlkit training epoch: were its work to vanish, "
               f"this CNN's epoch would be at most {1 / (1 - share):.3f}x faster on this machine")
    return table.record()


if __name__ == "__main__":
    main()
