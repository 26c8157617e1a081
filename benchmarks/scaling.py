"""How training time grows with the data and with the batch: the default CNN and the DCGAN.

Data: one epoch on 1/8, 1/4, 1/2 and all of Fashion-MNIST's 60,000 training
images, the CNN at its family's batch (128), the DCGAN at 64 (its family's
batch until #20 chose 32 for FCD per CPU-minute). If the cost is linear,
seconds per 1,000 images stay flat; the ratio column is the throughput
against the 1/8 run (1.00 = perfectly linear, above 1 = fixed costs
amortised, below 1 = worse than linear).

Batch: one epoch over the same 2,560 images with batches of 32, 64, 128 and
256 (ratio against the CNN's 128 and the DCGAN's former 64): what a larger batch buys per image
on this machine.

The full-data epochs dominate the suite's time, so the data rows use 2
repetitions (the batch rows 3) to keep `make bench` under 15 minutes on two
CPU cores; the count is in every row of the JSON record.

    python -m benchmarks scaling
"""

from benchmarks._timing import Table, alternate, fit_runner, quick, repeats

FRACTIONS = (("1/8", 8), ("1/4", 4), ("1/2", 2), ("all", 1))
BATCHES = (32, 64, 128, 256)
BATCH_SWEEP_IMAGES = 2560


def _cnn():
    from benchmarks.cnn_fit import build_model

    return build_model()


def _dcgan():
    from benchmarks.gan_steps import build_fit_side

    return build_fit_side("dcgan")


FAMILIES = {
    # name: (build, recipe batch, labelled, value range, repetitions of the data rows)
    "CNN": (_cnn, 128, True, "unit", 2),
    "DCGAN": (_dcgan, 64, False, "symmetric", 2),
}


def _dataset(x, y, batch, labelled, value_range):
    from dlkit import data

    # No cache: the warm-up reads two batches only, so a cache would be filled by
    # the first timed epoch of each set; the arrays are in memory anyway.
    return data.make_image_dataset(x, y if labelled else None, batch_size=batch, value_range=value_range,
                                   seed=0, drop_remainder=True, cache=False)


def measure(family, x, y, table):
    build, batch, labelled, value_range, data_repeats = FAMILIES[family]
    model = build()
    sets = {name: _dataset(x[: len(x) // div], y[: len(x) // div], batch, labelled, value_range)
            for name, div in FRACTIONS}
    # Trace once: every set has the same batch shape.
    model.fit(sets["1/8"].take(2), epochs=1, verbose=0, shuffle=False)
    times = alternate({name: fit_runner(model, ds) for name, ds in sets.items()}, repeats(data_repeats),
                      warmup=0)
    group = f"{family} data"
    for name, div in FRACTIONS:
        n = len(x) // div // batch * batch
        table.add(group, f"{name} ({n:,} images)", times[name], work=n,
                  baseline=None if name == "1/8" else f"1/8 ({len(x) // 8 // batch * batch:,} images)")
    first, last = table.rows[-4], table.rows[-1]
    table.note(f"{family}: {1000 / first['rate']:.3f} s per 1,000 images on 1/8, "
               f"{1000 / last['rate']:.3f} s on all: cost grows "
               + ("linearly (within 10 %)" if 0.9 <= last["ratio"] <= 1.1 else
                  "less than linearly" if last["ratio"] > 1.1 else "more than linearly"))

    n = min(BATCH_SWEEP_IMAGES, len(x))
    model = build()
    # The recipe's batch first: it is the baseline of the ratios.
    batches = (batch, *(b for b in BATCHES if b != batch))
    by_batch = {b: _dataset(x[:n], y[:n], b, labelled, value_range) for b in batches}
    for ds in by_batch.values():
        # One trace per batch shape, outside the timing.
        model.fit(ds.take(2), epochs=1, verbose=0, shuffle=False)
    times = alternate({f"batch {b}": fit_runner(model, ds) for b, ds in by_batch.items()}, repeats(3), warmup=0)
    for b in batches:
        table.add(f"{family} batch", f"batch {b}", times[f"batch {b}"], work=n // b * b,
                  baseline=None if b == batch else f"batch {batch}")


def main(argv=None):
    from dlkit import data
    from dlkit.seed import set_seed

    set_seed(0)
    (x, y), _ = data.load_fashion_mnist()
    if quick():
        x, y = x[:2048], y[:2048]
    table = Table("Scaling: seconds per epoch as the data and the batch grow")
    for family in FAMILIES:
        measure(family, x, y, table)
    return table.record()


if __name__ == "__main__":
    main()
