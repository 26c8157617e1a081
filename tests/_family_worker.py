"""One worker of a loopback cluster that trains every family in the registry, for `tests/test_multiworker.py`.

    TF_CONFIG=... python tests/_family_worker.py OUT_DIR RESULTS.npz [--epochs N] [--resume] [FAMILY ...]

Under `MultiWorkerMirroredStrategy` (the cluster comes from `TF_CONFIG`),
each family trains a few steps through `family.train(..., out=OUT_DIR/NAME)`,
the path `dlkit train NAME --strategy multiworker --out ...` takes. The
worker saves each family's final weights and logged losses, and whether it
was the chief, to RESULTS.npz. `--epochs N` trains N epochs instead of the
tiny settings' one and keeps the backup; `--resume` continues the run in OUT_DIR.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

FASHION = {"train_subset": 384, "test_subset": 128, "validation_size": 128, "epochs": 1, "batch_size": 64}
GAN = {"train_subset": 256, "eval_images": 128, "batch_size": 64, "epochs": 1}
# A few steps of every family: the smallest data and networks their settings allow.
TINY = {
    "cnn": {**FASHION, "preset": "tiny"},
    "memory": {"train_sequences": 256, "validation_sequences": 64, "length": 20, "units": 8, "epochs": 1},
    "rows": {**FASHION, "units": 8},
    "forecaster": {"units": 8, "epochs": 1},
    "char-lm": {"word_subset": 600, "units": 8, "embedding_dim": 8, "epochs": 1},
    "conv-rnn": {**FASHION, "units": 8, "conv_filters": (4, 8)},
    "text-classifier": {"message_subset": 300, "units": 8, "max_tokens": 1000, "sequence_length": 40,
                        "embedding_dim": 8, "epochs": 1},
    "g2p": {"word_subset": 400, "units": 16, "embedding_dim": 8, "epochs": 1},
    "dcgan": GAN,
    "wgan-gp": GAN,
    "wgan": GAN,
    "cgan": GAN,
}


def _weights(model):
    """Every network's weights by role, the trained ones apart from the others (batch norm's moving statistics)."""
    networks = getattr(model, "networks", None) or {"model": model}
    return {f"{kind}/{role}/{i}": np.asarray(w) for role, net in networks.items()
            for kind, weights in (("trainable", net.trainable_weights), ("frozen", net.non_trainable_weights))
            for i, w in enumerate(weights)}


def main(out, results_path, names, epochs=None, resume=False):
    import tensorflow as tf

    from dlkit import distribute
    from dlkit.families import FAMILIES

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    results = {"replicas": np.asarray(strategy.num_replicas_in_sync), "chief": np.asarray(distribute.is_chief(strategy))}
    for name in names or list(FAMILIES):
        family = FAMILIES[name]
        start = time.perf_counter()
        with strategy.scope():
            settings = family.FAST.replace(**TINY[name])
            if epochs is not None:
                settings = settings.replace(epochs=epochs)
            result = family.train(settings, seed=0, out=os.path.join(out, name), verbose=0, resume=resume,
                                  keep_backup=epochs is not None)
        results.update({f"{name}/weight/{k}": v for k, v in _weights(result.model).items()})
        results.update({f"{name}/log/{k}": np.asarray(v, np.float64) for k, v in result.history.items()})
        results[f"{name}/paths"] = np.asarray(sorted(str(p) for p in result.paths.values()))
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    np.savez(results_path, **results)


if __name__ == "__main__":
    out, results_path, *rest = sys.argv[1:]
    epochs = None
    if "--epochs" in rest:
        i = rest.index("--epochs")
        epochs = int(rest[i + 1])
        del rest[i:i + 2]
    resume = "--resume" in rest
    main(out, results_path, [name for name in rest if name != "--resume"], epochs, resume)
