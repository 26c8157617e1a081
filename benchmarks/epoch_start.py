"""Waits at epoch boundaries: dlkit's image pipeline with tf.data autotuning off (its default) and on.

Each run trains the `dcgan` recipe's networks (`compile(learning_rate=...)`,
batches of 32) with plain `model.fit` for `--epochs` epochs on the first
`--images` Fashion-MNIST training images, fed by `data.make_image_dataset`
as the family feeds it; the other variant is the same dataset with
`autotune.enabled` set back to True. For every epoch after the first it
records the seconds from `on_epoch_begin` to the end of the first batch
(the step itself takes a few hundredths of a second; anything more is
waiting: Keras drops the finished epoch's iterator there), and the seconds
from the last batch's end until `fit` returns. Not timed: the stretch
between an epoch's last batch and the next `on_epoch_begin`, where Keras
creates the next epoch's iterator. The summary counts epoch starts and fit
ends apart. Runs alternate between the variants, each in its own process
(started from this repository's root, at most 30 minutes each), so that a
change in the machine's load falls on both; a figure from a few 3-epoch
runs says how often the waits come, not what they cost a long run.

With autotuning on, Keras's `fit` often stood still for 12-18 s at those
boundaries on two CPU cores, in the destructor of the finished epoch's
iterator (a native stack, `py-spy dump --native`, shows the main thread in
`RootDataset::Iterator::~Iterator` waiting on a tf.data thread), which is
why the pipeline turns it off. Small datasets rarely show it: keep the
default 60,000 images.

    python -m benchmarks.epoch_start [--epochs 3] [--repeats 2] [--images 60000] [--json PATH]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._timing import append_json_line, machine, machine_summary
from dlkit.data.fashion_mnist import FASHION_MNIST_TRAIN_SIZE

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("autotune off (dlkit)", "autotune on")
RUN_TIMEOUT = 1800  # seconds for one run's process
WAIT = 1.0  # seconds: a boundary slower than this counts as a wait (a DCGAN step here is 0.03-0.05 s)


def one_run(autotune, epochs, images, seed=0):
    """Trains once in this process; returns the boundary waits, the end wait and fit's seconds."""
    import keras
    import tensorflow as tf

    from dlkit import data
    from dlkit.families import gans
    from dlkit.families.common import fashion_mnist_subset
    from dlkit.seed import set_seed

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.first, self.last = [], None

        def on_epoch_begin(self, epoch, logs=None):
            self.begin, self.seen = time.perf_counter(), False

        def on_train_batch_end(self, batch, logs=None):
            self.last = time.perf_counter()
            if not self.seen:
                self.first.append(self.last - self.begin)
                self.seen = True

    settings = gans.DCGAN.FULL
    set_seed(seed)
    (x, _), _ = fashion_mnist_subset(images, None, seed)
    dataset = data.make_image_dataset(x, batch_size=settings.batch_size, value_range="symmetric", seed=seed,
                                      drop_remainder=True)
    if autotune:
        options = tf.data.Options()
        options.autotune.enabled = True
        dataset = dataset.with_options(options)
    model = gans.build(settings, seed=seed)
    model.compile(learning_rate=settings.learning_rate)
    clock = Clock()
    start = time.perf_counter()
    model.fit(dataset, epochs=epochs, verbose=0, callbacks=[clock])
    end = time.perf_counter()
    return {"autotune": bool(dataset.options().autotune.enabled),
            "boundary_waits": [round(s, 2) for s in clock.first[1:]],  # the first epoch's first batch traces
            "end_wait": round(end - clock.last, 2), "fit_seconds": round(end - start, 1)}


def _in_subprocess(autotune, epochs, images):
    """One run in a fresh process (a process's first fit warms caches the next would reuse)."""
    code = ("import json, sys; from benchmarks.epoch_start import one_run; "
            f"print('RESULT ' + json.dumps(one_run({autotune!r}, {epochs}, {images!r})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT,
                              timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"a run took more than {RUN_TIMEOUT} s; fewer --epochs or --images?") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"a run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def summarize(runs):
    """Per variant: epoch starts and fit ends that waited, the median wait, fit's median seconds; the ratio of fits."""
    summary = {}
    for variant in VARIANTS:
        mine = [r for r in runs if r["variant"] == variant]
        starts = [w for r in mine for w in r["boundary_waits"]]
        ends = [r["end_wait"] for r in mine]
        slow = [w for w in starts + ends if w > WAIT]
        summary[variant] = {"epoch_starts": len(starts), "waited_at_start": sum(w > WAIT for w in starts),
                            "fit_ends": len(ends), "waited_at_end": sum(w > WAIT for w in ends),
                            "median_wait": round(statistics.median(slow), 1) if slow else 0.0,
                            "median_fit_seconds": round(statistics.median(r["fit_seconds"] for r in mine), 1)}
    off, on = (summary[v]["median_fit_seconds"] for v in VARIANTS)
    summary["fit_ratio_on_over_off"] = round(on / off, 3)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.epoch_start", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (at least 2)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each variant, alternating")
    parser.add_argument("--images", type=int, default=FASHION_MNIST_TRAIN_SIZE,
                        help=f"training images (at most {FASHION_MNIST_TRAIN_SIZE:,})")
    parser.add_argument("--json", default=None, help="append the record as one JSON line to this file")
    args = parser.parse_args(argv)
    if args.epochs < 2 or args.repeats < 1 or not 32 <= args.images <= FASHION_MNIST_TRAIN_SIZE:
        raise SystemExit(f"expected --epochs >= 2, --repeats >= 1 and 32 <= --images <= {FASHION_MNIST_TRAIN_SIZE}. "
                         f"Received: --epochs {args.epochs}, --repeats {args.repeats}, --images {args.images}")
    images = None if args.images == FASHION_MNIST_TRAIN_SIZE else args.images
    runs = []
    print(f"{'variant':<22}{'waits at epoch starts (s)':>30}{'after last (s)':>16}{'fit (s)':>9}")
    for i in range(args.repeats):
        order = VARIANTS if i % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            run = {"variant": variant, **_in_subprocess(variant == "autotune on", args.epochs, images)}
            runs.append(run)
            waits = ", ".join(f"{w:.2f}" for w in run["boundary_waits"])
            print(f"{variant:<22}{waits:>30}{run['end_wait']:>16.2f}{run['fit_seconds']:>9.1f}", flush=True)
    summary = summarize(runs)
    for variant in VARIANTS:
        s = summary[variant]
        print(f"{variant}: waits of more than {WAIT:.0f} s at {s['waited_at_start']} of {s['epoch_starts']} epoch "
              f"starts and {s['waited_at_end']} of {s['fit_ends']} fit ends (median of those {s['median_wait']} s); "
              f"median fit {s['median_fit_seconds']} s")
    print(f"fit with autotuning on / off: {summary['fit_ratio_on_over_off']}")
    m = machine()
    print(f"machine: {machine_summary(m)}")
    record = {"epochs": args.epochs, "images": args.images, "runs": runs, "summary": summary, "machine": m}
    if args.json:
        append_json_line(args.json, record)
    return record


if __name__ == "__main__":
    main()
