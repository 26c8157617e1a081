"""What the performance benchmarks share: alternating timed repetitions, medians, ratios, one table.

Every comparison times its variants in alternating rounds whose opening
variant rotates (A B C, B C A, C A B, ...), after a warm-up run of each, so
a burst of load on a shared machine lands on all of them rather than on one
and no variant always runs first; the row reports the median and the range of
the repetitions, the ratio of each variant's median rate to its group's
baseline, and the *paired* ratios: repetition i of a variant against
repetition i of the baseline, which ran in the same round. Their median and
interquartile range say how sure a ratio is: a slow drift of the machine's
speed moves both sides of a pair alike, so it leaves their ratio alone.
"""

import json
import os
import platform
import statistics
import time


def quick():
    """Whether `DLKIT_BENCH_QUICK=1`: tiny sizes and 2 repetitions, to check the code runs, not to measure."""
    return os.environ.get("DLKIT_BENCH_QUICK") == "1"


def jit_compile():
    """XLA for every compiled model and hand-written step: `DLKIT_BENCH_JIT=1`.

    Off otherwise, on every device. On a CPU that is Keras's default too
    (`jit_compile="auto"` leaves it off there; a small convnet ran about 4x
    slower with it on this project's CPU); on a GPU Keras's default turns it
    on, so a GPU user of the families gets the `DLKIT_BENCH_JIT=1` rows.
    """
    return os.environ.get("DLKIT_BENCH_JIT") == "1"


def set_policy_from_env():
    """Applies `DLKIT_BENCH_POLICY` (e.g. `mixed_float16`) as the Keras dtype policy; returns its name."""
    import keras

    name = os.environ.get("DLKIT_BENCH_POLICY", "float32")
    keras.mixed_precision.set_global_policy(name)
    return name


def repeats(default):
    """Timed repetitions: `default`, or 2 in quick mode."""
    return 2 if quick() else default


def alternate(variants, repetitions=5, warmup=1):
    """Runs every callable of `variants` ({name: fn}) `warmup` times, then `repetitions` rounds of all.

    Each round starts one variant later than the last (A B C, B C A, C A B,
    ...), so that no variant always runs first or always follows the same
    neighbour.

    Each `fn()` returns the seconds it measured itself (e.g. one epoch inside
    a `fit()` call), or `None` to be timed from outside.

    Returns:
        {name: [seconds, ...]}, element i from round i.
    """
    for _ in range(warmup):
        for fn in variants.values():
            fn()
    times = {name: [] for name in variants}
    names = list(variants)
    for round_ in range(repetitions):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            fn = variants[name]
            start = time.perf_counter()
            measured = fn()
            times[name].append(measured if measured is not None else time.perf_counter() - start)
    return times


def fit_runner(model, *fit_args, **fit_kwargs):
    """A callable that runs `model.fit(*fit_args, epochs=1, ...)` and returns that epoch's seconds.

    Timed by `dlkit.callbacks.EpochTimer`, so fit()'s set-up is left out.
    `shuffle` defaults to `False` (datasets shuffle themselves); pass
    `shuffle=True` with arrays. The model is kept as `runner.model`.
    """
    from dlkit.callbacks import EpochTimer

    timer = EpochTimer()
    fit_kwargs.setdefault("shuffle", False)

    def run():
        model.fit(*fit_args, epochs=1, verbose=0, callbacks=[timer], **fit_kwargs)
        return timer.epoch_seconds[-1]

    run.model = model
    return run


class Table:
    """Result rows of one benchmark: printed as they come, kept for the JSON record."""

    def __init__(self, title):
        self.title = title
        self.rows = []
        print(f"\n{title}", flush=True)
        print(f"  {'variant':<58}{'median':>12}{'range':>20}  {'rate':>16}  ratio  [paired: median, IQR]",
              flush=True)

    def add(self, group, variant, seconds, work=None, unit="images/s", baseline=None, note=""):
        """Adds a row from repeated timings.

        Args:
            group: Rows compared with each other share a group.
            variant: What was timed.
            seconds: The repetitions' seconds.
            work: Units of work per repetition (images, steps), or `None`.
            unit: Name of the rate `work / seconds`.
            baseline: Variant name of the same group that ratios refer to, or
                `None` for this row to be the baseline.
            note: Free text printed after the row.

        Returns:
            The row dict: `median_seconds`, `min_seconds`, `max_seconds`,
            `rate`, `ratio` (this rate / the baseline's rate, or the
            baseline's seconds / these without a rate; 1.0 for the baseline),
            `seconds` (the repetitions), and `paired_ratio`, `paired_q1`,
            `paired_q3`: the median and quartiles of the ratios of
            repetition i to the baseline's repetition i (`None` for the
            baseline itself or when the repetition counts differ).
        """
        seconds = list(seconds)
        median = statistics.median(seconds)
        row = {"group": group, "variant": variant, "repetitions": len(seconds),
               "median_seconds": median, "min_seconds": min(seconds), "max_seconds": max(seconds),
               "rate": work / median if work else None, "unit": unit if work else None, "note": note,
               "work": work, "seconds": seconds, "paired_ratio": None, "paired_q1": None, "paired_q3": None}
        base = self.find(group, baseline) if baseline else row
        if base is None:
            row["ratio"] = None
        else:
            row["ratio"] = _ratio(base["median_seconds"], base["work"], median, work)
            if base is not row and len(base["seconds"]) == len(seconds):
                paired = [_ratio(b, base["work"], t, work) for b, t in zip(base["seconds"], seconds, strict=True)]
                q1, q2, q3 = statistics.quantiles(paired, n=4, method="inclusive")
                row.update(paired_ratio=q2, paired_q1=q1, paired_q3=q3)
        self.rows.append(row)
        rate = f"{row['rate']:,.1f} {unit}" if work else ""
        ratio = format_ratio(row) if row["ratio"] is not None else ""
        spread = f"{row['min_seconds']:.3f}-{row['max_seconds']:.3f} s"
        label = f"{group}: {variant}"
        print(f"  {label:<58}{median:>10.3f} s{spread:>20}  {rate:>16}  {ratio}"
              + (f"  ({note})" if note else ""), flush=True)
        return row

    def note(self, text):
        """A line of explanation under the table (and in the JSON record)."""
        self.rows.append({"note": text})
        print(f"  -> {text}", flush=True)

    def find(self, group, variant):
        for row in self.rows:
            if row.get("group") == group and row.get("variant") == variant:
                return row
        return None

    def record(self):
        return {"title": self.title, "rows": self.rows}


def format_ratio(row):
    """A row's ratio as printed: `1.05x`, then `[paired median, q1-q3]` where it has paired ratios."""
    text = f"{row['ratio']:.2f}x"
    if row.get("paired_ratio") is not None:
        text += f"  [{row['paired_ratio']:.2f}, {row['paired_q1']:.2f}-{row['paired_q3']:.2f}]"
    return text


def _ratio(base_seconds, base_work, seconds, work):
    """How many times faster than the baseline: a ratio of rates, or of seconds when either has no work."""
    if work and base_work:
        return (work / seconds) / (base_work / base_seconds)
    return base_seconds / seconds


def machine():
    """The hardware and library versions every record names."""
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {"cpu": cpu, "cpus": os.cpu_count(), "gpus": gpus, "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__}


def machine_summary(named=None):
    """`machine()` (or a record of it) in one line: CPU, cores, TensorFlow and Keras versions."""
    named = named or machine()
    return f"{named['cpu']}, {named['cpus']} CPUs, TensorFlow {named['tensorflow']}, Keras {named['keras']}"


def append_json_line(path, value):
    """Appends `value` to `path` as one line of JSON: a sweep's probes accumulate in one file."""
    with open(path, "a") as f:
        f.write(json.dumps(value) + "\n")
