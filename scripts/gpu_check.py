"""Trains every family a few steps under `mixed_float16` on a GPU.

    python scripts/gpu_check.py [--steps N]

float16 pays off only on GPUs (tensor cores), so this is the check that the
loss scaling of the GAN loops (both optimizers, the gradient penalty included)
and the float32 output layers work there. Without a GPU it says so and exits 0.
Exits 1 if any family's loss is not finite or a GAN optimizer is not
loss-scaled.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="training steps per family (default: 5)")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size (default: 64)")
    args = parser.parse_args(argv)

    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        print("gpu_check: no GPU found; nothing to check (float16 training is GPU-only). Exiting 0.")
        return 0

    import keras
    import numpy as np

    import dlkit
    from dlkit.models import cnn, gan, rnn

    print(f"gpu_check: {len(gpus)} GPU(s): {[g.name for g in gpus]}")
    rng = np.random.default_rng(0)
    n = args.steps * args.batch_size
    images01 = rng.uniform(0, 1, (n, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, n)
    failures = []
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        def supervised(name, model, x, y, loss):
            model.compile(optimizer="adam", loss=loss)
            start = time.perf_counter()
            history = model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
            value = history.history["loss"][-1]
            report(name, model, {"loss": value}, time.perf_counter() - start,
                   isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer))

        def report(name, model, logs, seconds, scaled):
            output_dtype = str(keras.tree.flatten(model.outputs)[0].dtype)
            ok = all(np.isfinite(v) for v in logs.values()) and output_dtype == "float32" and scaled
            if not ok:
                failures.append(name)
            values = ", ".join(f"{k}={v:.4f}" for k, v in logs.items())
            print(f"  {'ok  ' if ok else 'FAIL'} {name:<16} output {output_dtype}, loss-scaled {scaled}, "
                  f"{values} ({seconds:.1f} s)")

        dlkit.set_seed(0)
        supervised("cnn", cnn.build_cnn_classifier(preset="default"), images01, labels,
                   "sparse_categorical_crossentropy")
        supervised("lstm_rows", rnn.build_rnn_classifier((28, 28), 10, cell="lstm"), images01[..., 0], labels,
                   "sparse_categorical_crossentropy")
        ids = rng.integers(0, 28, (n, 16))
        supervised("gru_char_lm", rnn.build_char_language_model(28, cell="gru"), ids, np.roll(ids, -1, axis=1),
                   keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        for kind in ("dcgan", "wgan-gp"):
            generator = gan.build_dcgan_generator(64)
            if kind == "dcgan":
                model = gan.DCGAN(generator, gan.build_dcgan_discriminator(), 64)
            else:
                model = gan.WGAN(generator, gan.build_wgan_critic(), 64, critic_steps=2)
            model.compile()
            scaled = all(isinstance(o, keras.optimizers.LossScaleOptimizer)
                         for o in (model.d_optimizer, model.g_optimizer))
            start = time.perf_counter()
            history = model.fit(images01 * 2 - 1, batch_size=args.batch_size, epochs=1, verbose=0)
            logs = {k: v[-1] for k, v in history.history.items()}
            report(kind, model.generator, logs, time.perf_counter() - start, scaled)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if failures:
        print(f"gpu_check: FAILED: {', '.join(failures)}")
        return 1
    print("gpu_check: every family trained under mixed_float16 with finite losses.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
