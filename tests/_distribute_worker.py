"""Distributed training runs for `tests/test_distribute.py`, each in a fresh process.

TensorFlow fixes its devices (and a worker its cluster) when it initialises,
so these runs cannot share the test process:

- `python tests/_distribute_worker.py mirrored OUT.npz` splits the CPU into two
  logical devices and trains every case once on one device (the default
  strategy) and once under `MirroredStrategy` over the two, with the same
  global batch and seed; it saves the losses and weights of both.
- `python tests/_distribute_worker.py multiworker OUT.npz` is one worker of a
  `MultiWorkerMirroredStrategy` cluster described by `TF_CONFIG`; it trains
  the same cases as `mirrored` (through `dlkit.distribute.fit`, which works
  around Keras 3's `fit()` there, keras-team/keras#20585) and saves its
  losses and weights, to compare with one device's.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

GLOBAL_BATCH = 8
LATENT = 8
SUPERVISED = ("cnn", "cnn-bn", "rnn", "text", "seq2seq")
CASES = (*SUPERVISED, "dcgan", "wgan-gp", "wgan", "cgan")


def _images(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)


def _supervised(kind, dataset_steps=2):
    """A classifier, SGD and a dataset of global batches: `kind` picks the network."""
    import keras
    import tensorflow as tf

    from dlkit.models import cnn, rnn

    n = GLOBAL_BATCH * dataset_steps
    x = (_images(n) + 1) / 2
    y = np.arange(n) % 10
    loss = keras.losses.SparseCategoricalCrossentropy()
    if kind == "cnn":
        model = cnn.build_cnn_classifier((28, 28, 1), 10, preset="tiny")
    elif kind == "cnn-bn":  # batch norm over the global batch; no dropout (its masks are drawn per replica)
        model = cnn.build_cnn_classifier((28, 28, 1), 10, preset="tiny", batch_norm=True,
                                         synchronized_batch_norm=True)
    elif kind == "rnn":  # image rows as time steps
        model = rnn.build_rnn_classifier((28, 28), 10, cell="lstm", units=8)
        x = x[..., 0]
    elif kind == "seq2seq":  # dict inputs, padding masked, attention
        ids = np.random.default_rng(1)
        letters = ids.integers(3, 12, (n, 6)) * (np.arange(6) < ids.integers(2, 7, (n, 1)))
        phonemes = ids.integers(3, 9, (n, 5)) * (np.arange(5) < ids.integers(2, 6, (n, 1)))
        starts = np.concatenate([np.ones((n, 1), int), phonemes[:, :-1]], axis=1) * (phonemes > 0)
        model = rnn.build_seq2seq(12, 9, units=8, embedding_dim=4)
        x, y = {"letters": letters, "phonemes": starts}, phonemes
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    elif kind == "text":  # raw strings, vectorized inside the model; one loss per message
        words = ["spam", "ham", "offer", "meeting", "free", "lunch", "win", "notes"]
        pick = np.random.default_rng(2)
        x = np.array([" ".join(pick.choice(words, pick.integers(1, 7))) for _ in range(n)], dtype=object)
        y = (np.arange(n) % 2).astype(np.float64)
        model = rnn.build_text_classifier(words, sequence_length=8, embedding_dim=4, units=4)
        loss = keras.losses.BinaryCrossentropy()
    else:
        raise ValueError(f"Unknown case: {kind!r}")
    # Plain SGD: its step is proportional to the gradient (Adam's is nearly
    # scale-free), so a gradient that grew with the replicas would show.
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
    return model, tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH), [model]


def _gan(kind, dataset_steps=2):
    import keras
    import tensorflow as tf

    from dlkit.models import gan

    # The generator's batch norm over the global batch: only then is a replicated
    # step a one-device step ("dcgan-local-bn" shows the difference).
    generator = gan.build_dcgan_generator(LATENT, filters=(16, 8),
                                          synchronized_batch_norm=kind != "dcgan-local-bn")
    if kind in ("dcgan", "dcgan-local-bn"):
        # Dropout masks are drawn per replica, so the equality test runs without dropout.
        second = gan.build_dcgan_discriminator(filters=(8, 16), dropout_rate=0.0)
        model = gan.DCGAN(generator, second, LATENT)
    elif kind == "wgan-gp":  # with the moving average of the generator's weights, kept on every replica alike
        second = gan.build_wgan_critic(filters=(8, 16))
        model = gan.WGAN(generator, second, LATENT, critic_steps=2, generator_averaging=0.9)
    elif kind == "wgan":  # the clipped game
        second = gan.build_wgan_critic(filters=(8, 16))
        model = gan.WGAN(generator, second, LATENT, critic_steps=2, gradient_penalty_weight=0.0, clip_value=0.01)
    elif kind == "cgan":
        generator = gan.build_conditional_generator(LATENT, filters=(16, 8), label_dim=4,
                                                    synchronized_batch_norm=True)
        second = gan.build_conditional_discriminator(filters=(8, 16), dropout_rate=0.0)
        model = gan.ConditionalGAN(generator, second, LATENT, num_classes=10)
    else:
        raise ValueError(f"Unknown case: {kind!r}")
    # SGD, as for the CNN: the step shows the size of the gradient.
    model.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    images = _images(GLOBAL_BATCH * dataset_steps)
    data = (images, np.arange(len(images)) % 10) if kind == "cgan" else images
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(GLOBAL_BATCH)
    return model, dataset, [generator, second]


def _run(case, strategy):
    """Builds, compiles and fits `case` in `strategy`'s scope; returns its logs and weights."""
    import keras

    import dlkit
    from dlkit import distribute

    dlkit.set_seed(0)
    # float64 from input to loss: one device and two replicas add the same
    # numbers in another order, and in float64 that reordering moves a result
    # by about 1e-16 relative instead of 1e-7, whichever kernels oneDNN picks
    # on this CPU (it has no float64 convolutions; Eigen runs them). The
    # tolerance in tests/test_distribute.py rests on that.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        with strategy.scope():
            model, dataset, networks = _supervised(case) if case in SUPERVISED else _gan(case)
            # model.fit on one device and under MirroredStrategy; dlkit's own loop across workers.
            history = distribute.fit(model, dataset, epochs=1, shuffle=False, verbose=0)
    finally:
        keras.config.set_dtype_policy(previous)
    results = {f"{case}/log/{k}": np.asarray(v, np.float64) for k, v in history.history.items()}
    for net in networks:
        for i, w in enumerate(net.get_weights()):
            results[f"{case}/weight/{net.name}/{i}"] = np.asarray(w)
    for i, average in enumerate(getattr(model, "generator_average", [])):
        results[f"{case}/average/{i}"] = np.asarray(average)
    return results


def _every_builder(strategy):
    """One fit step of every builder's model inside `strategy.scope()`: the finite losses."""
    import keras

    from dlkit.models import cnn, gan, rnn

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (GLOBAL_BATCH, 28, 28, 1)).astype(np.float32)
    labels = np.arange(GLOBAL_BATCH) % 10
    sequences = rng.normal(size=(GLOBAL_BATCH, 6, 3)).astype(np.float32)
    ids = rng.integers(0, 12, (GLOBAL_BATCH, 5))
    cases = {
        "cnn_default": (lambda: cnn.build_cnn_classifier(preset="default"), images, labels),
        "dense": (lambda: cnn.build_dense_classifier(hidden_units=(16,)), images, labels),
        "rnn_lstm": (lambda: rnn.build_rnn_classifier((6, 3), 4, cell="lstm", units=8), sequences,
                     labels % 4),
        "conv_rnn": (lambda: rnn.build_conv_rnn_classifier((28, 28, 1), 10, (4, 8), units=8), images,
                     labels),
        "forecaster": (lambda: rnn.build_rnn_forecaster(6, 3, 2, cell="simple", units=8), sequences,
                       rng.normal(size=(GLOBAL_BATCH, 2, 1)).astype(np.float32)),
        "char_lm": (lambda: rnn.build_char_language_model(12, cell="gru", embedding_dim=4, units=8), ids,
                    (ids + 1) % 12),
    }
    results = {}
    for name, (build, x, y) in cases.items():
        with strategy.scope():
            model = build()
            loss = "mse" if name == "forecaster" else keras.losses.SparseCategoricalCrossentropy(
                from_logits=name == "char_lm")
            model.compile(optimizer="adam", loss=loss)
            history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=1, verbose=0)
        results[f"builder/{name}"] = np.asarray(history.history["loss"][-1])
    # The GAN networks as built (per-replica batch norm, dropout); the equality
    # runs cover the critic and the synchronized generator.
    with strategy.scope():
        model = gan.DCGAN(gan.build_dcgan_generator(LATENT, filters=(16, 8)),
                          gan.build_dcgan_discriminator(filters=(8, 16)), LATENT)
        model.compile()
        history = model.fit(_images(GLOBAL_BATCH), batch_size=GLOBAL_BATCH, epochs=1, verbose=0)
    results["builder/dcgan"] = np.asarray(history.history["loss"][-1])
    return results


def mirrored():
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    results = {"replicas": np.asarray(two.num_replicas_in_sync)}
    for case in (*CASES, "dcgan-local-bn"):
        for label, strategy in (("one", tf.distribute.get_strategy()), ("two", two)):
            results.update({f"{label}/{k}": v for k, v in _run(case, strategy).items()})
    results.update(_every_builder(two))
    return results


def multiworker():
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    results = {"replicas": np.asarray(strategy.num_replicas_in_sync)}
    for case in CASES:
        results.update(_run(case, strategy))
    return results


if __name__ == "__main__":
    mode, out = sys.argv[1:3]
    np.savez(out, **{"mirrored": mirrored, "multiworker": multiworker}[mode]())
