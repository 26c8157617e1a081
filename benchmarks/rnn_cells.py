"""RNN training speed: LSTM against GRU against a plain RNN, and the options that leave the fused kernel.

Two tasks, each with dlkit's builder and the recipe's sizes: Fashion-MNIST
read row by row (28 steps of 28 pixels, 128 units, batch 128) and the CO2
forecaster (104 weekly steps, 64 units, batch 32). The timed unit is one
epoch inside `fit()`; ratios are against the LSTM.

On a GPU, Keras runs an LSTM or GRU as one fused cuDNN kernel only with the
default options; `recurrent_dropout > 0`, `unroll=True` (and, for the GRU,
`reset_after=False`) fall back to the step-by-step loop. A CPU has no fused
kernel, so here those rows show what the options cost by themselves;
`benchmarks/gpu_check.sh` measures them where the kernel exists.

    python -m benchmarks rnn_cells
"""

from benchmarks._timing import Table, alternate, fit_runner, jit_compile, quick, repeats


def with_layer_options(model, **options):
    """A fresh copy of `model` whose recurrent layers get `options` (e.g. recurrent_dropout=0.2)."""
    import keras

    config = model.get_config()
    for layer in config["layers"]:
        if layer["class_name"] in ("LSTM", "GRU", "SimpleRNN"):
            layer["config"].update(options)
    return keras.Model.from_config(config)


def compiled_runner(model, x, y, batch_size):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="mse" if y.ndim > 1 else
                  "sparse_categorical_crossentropy", jit_compile=jit_compile())
    return fit_runner(model, x, y, batch_size=batch_size, shuffle=True)


def _note(runner):
    # Keras turns XLA off for a model whose layers cannot be compiled by it
    # (the cuDNN LSTM/GRU on a GPU): say what each row actually ran.
    return "XLA" if getattr(runner.model, "jit_compile", False) else ""


def rows_variants(n):
    from dlkit import data
    from dlkit.models import rnn

    (x, y), _ = data.load_fashion_mnist()
    x = data.scale_images(x[:n])[..., 0]
    y = y[:n]

    def build(cell):
        return rnn.build_rnn_classifier((28, 28), 10, cell=cell, units=128)

    return {
        "LSTM": compiled_runner(build("lstm"), x, y, 128),
        "GRU": compiled_runner(build("gru"), x, y, 128),
        "plain RNN": compiled_runner(build("simple"), x, y, 128),
        "LSTM, recurrent_dropout=0.2": compiled_runner(with_layer_options(build("lstm"), recurrent_dropout=0.2),
                                                  x, y, 128),
        "LSTM, unroll=True": compiled_runner(with_layer_options(build("lstm"), unroll=True), x, y, 128),
        "GRU, reset_after=False": compiled_runner(with_layer_options(build("gru"), reset_after=False), x, y, 128),
    }


def co2_variants(n):
    from dlkit.families import forecaster
    from dlkit.models import rnn

    w = forecaster.prepare_windows(forecaster.FULL)
    x, y = w["rx_train"][:n], w["ry_train"][:n]
    if len(x) < n:
        raise ValueError(f"Expected at least {n} CO2 training windows. Received: {len(x)}")

    def build(cell):
        return rnn.build_rnn_forecaster(104, 1, 26, cell=cell, units=64)

    return {cell: compiled_runner(build(key), x, y, 32)
            for cell, key in (("LSTM", "lstm"), ("GRU", "gru"), ("plain RNN", "simple"))}


def main(argv=None):
    from dlkit.seed import set_seed

    set_seed(0)
    small = quick()
    table = Table("RNN fit(), one epoch (ratio = sequences/s against the LSTM)")
    for group, variants, n in (("rows, 28 steps", rows_variants, 256 if small else 2560),
                               ("CO2, 104 steps", co2_variants, 64 if small else 1024)):
        runners = variants(n)
        for name, seconds in alternate(runners, repeats(5)).items():
            table.add(group, name, seconds, work=n, unit="sequences/s",
                      baseline=None if name == "LSTM" else "LSTM", note=_note(runners[name]))
    return table.record()


if __name__ == "__main__":
    main()
