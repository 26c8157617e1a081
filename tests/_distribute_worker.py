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
CASES = ("cnn", "dcgan", "wgan-gp", "wgan", "cgan")


def _images(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype(np.float32)


def _synchronized_batch_norm(model):
    """The same network with batch statistics taken over the global batch.

    Keras batch normalisation uses each replica's own batch unless
    `synchronized=True`; only then does a replicated step equal a one-device step.
    """
    import keras

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, keras.layers.BatchNormalization):
            config["synchronized"] = True
        return layer.__class__.from_config(config)

    return keras.models.clone_model(model, clone_function=clone)


def _cnn(dataset_steps=2):
    import keras
    import tensorflow as tf

    from dlkit.models import cnn

    model = cnn.build_cnn_classifier((28, 28, 1), 10, preset="tiny")
    # Plain SGD: its step is proportional to the gradient (Adam's is nearly
    # scale-free), so a gradient that grew with the replicas would show.
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    n = GLOBAL_BATCH * dataset_steps
    x = (_images(n) + 1) / 2
    y = np.arange(n) % 10
    return model, tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH), [model]


def _gan(kind, dataset_steps=2):
    import keras
    import tensorflow as tf

    from dlkit.models import gan

    generator = _synchronized_batch_norm(gan.build_dcgan_generator(LATENT, filters=(16, 8)))
    if kind == "dcgan":
        # Dropout masks are drawn per replica, so the equality test runs without dropout.
        second = gan.build_dcgan_discriminator(filters=(8, 16), dropout_rate=0.0)
        model = gan.DCGAN(generator, second, LATENT)
    elif kind == "wgan-gp":
        second = gan.build_wgan_critic(filters=(8, 16))
        model = gan.WGAN(generator, second, LATENT, critic_steps=2)
    elif kind == "wgan":  # the clipped game
        second = gan.build_wgan_critic(filters=(8, 16))
        model = gan.WGAN(generator, second, LATENT, critic_steps=2, gradient_penalty_weight=0.0, clip_value=0.01)
    elif kind == "cgan":
        generator = _synchronized_batch_norm(gan.build_conditional_generator(LATENT, filters=(16, 8), label_dim=4))
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
            model, dataset, networks = _cnn() if case == "cnn" else _gan(case)
            # model.fit on one device and under MirroredStrategy; dlkit's own loop across workers.
            history = distribute.fit(model, dataset, epochs=1, shuffle=False, verbose=0)
    finally:
        keras.config.set_dtype_policy(previous)
    results = {f"{case}/log/{k}": np.asarray(v, np.float64) for k, v in history.history.items()}
    for net in networks:
        for i, w in enumerate(net.get_weights()):
            results[f"{case}/weight/{net.name}/{i}"] = np.asarray(w)
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
    for case in CASES:
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
