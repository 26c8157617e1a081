"""GAN training speed: dlkit's DCGAN and WGAN-GP through fit() against a hand-written tf.function loop.

The hand-written side is the pattern of the TensorFlow and keras-io GAN
examples: a `tf.function` step with one `GradientTape` per network, over the
*same* architectures (clones), the same batch, the same optimizers and the
same update order as dlkit's loops (discriminator/critic first, then the
generator on a fresh latent batch; WGAN-GP: 2 critic updates, each with the
penalty, per generator update). Both read the same `tf.data` pipeline.

Also timed: fit() with `steps_per_execution=4` (several steps per call into
TensorFlow) and, for the DCGAN, under the `mixed_bfloat16` policy (not a
default: it changes the numerics; shown because this CPU computes bfloat16
natively).

    python -m benchmarks gan_steps
"""

from benchmarks._timing import Table, alternate, fit_runner, jit_compile, quick, repeats

BATCH = 64  # the GAN families' batch when these timings were taken (#20 made it 32 for FCD per CPU-minute)
LATENT = 64
CRITIC_STEPS = 2  # families.gans: WGAN_GP.FULL.critic_steps


def _dataset(x, steps, seed=0):
    from dlkit import data

    return data.make_image_dataset(x[: steps * BATCH], batch_size=BATCH, value_range="symmetric",
                                   seed=seed, drop_remainder=True)


def build_fit_side(kind, steps_per_execution=1):
    """dlkit's loop, built as the GAN families build it, compiled with the loop's default optimizers.

    (The families' own learning rate would not change a step's cost.)
    """
    from dlkit.families import FAMILIES, gans

    model = gans.build(FAMILIES[kind].FULL.replace(latent_dim=LATENT), seed=None)
    model.compile(steps_per_execution=steps_per_execution, jit_compile=jit_compile())
    return model


def hand_written_step(kind, generator, second):
    """A `tf.function` training step written the way the TensorFlow/keras-io examples write it.

    Returns `(step, optimizers)`; `step(real)` returns `(d_loss, g_loss)`.
    """
    import keras
    import tensorflow as tf

    if kind == "dcgan":
        d_opt, g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    else:
        d_opt = keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)
        g_opt = keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)
    if keras.mixed_precision.global_policy().compute_dtype == "float16":
        # Like for like: dlkit's loops scale their losses under float16, so this one does too.
        d_opt, g_opt = keras.optimizers.LossScaleOptimizer(d_opt), keras.optimizers.LossScaleOptimizer(g_opt)
    # Built before tracing, as dlkit's compile() does (variables cannot be made inside an XLA trace).
    d_opt.build(second.trainable_variables)
    g_opt.build(generator.trainable_variables)

    def bce(logits, label):
        logits = tf.cast(logits, tf.float32)
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(logits), label),
                                                                      logits=logits))

    def critic_loss(real):
        batch = tf.shape(real)[0]
        fake = tf.cast(generator(tf.random.normal((batch, LATENT)), training=True), real.dtype)
        with tf.GradientTape() as tape:
            if kind == "dcgan":
                loss = bce(second(real, training=True), 1.0) + bce(second(fake, training=True), 0.0)
            else:
                loss = tf.reduce_mean(second(fake, training=True)) - tf.reduce_mean(second(real, training=True))
                alpha = tf.random.uniform((batch, 1, 1, 1))
                mixed = real + alpha * (fake - real)
                with tf.GradientTape() as inner:
                    inner.watch(mixed)
                    scores = second(mixed, training=True)
                grads = inner.gradient(scores, mixed)
                norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-10)
                loss += 10.0 * tf.reduce_mean(tf.square(norm - 1.0))
            scaled = d_opt.scale_loss(loss)
        d_opt.apply_gradients(zip(tape.gradient(scaled, second.trainable_weights), second.trainable_weights,
                                  strict=True))
        return loss

    @tf.function(jit_compile=jit_compile())
    def step(real):
        for _ in range(1 if kind == "dcgan" else CRITIC_STEPS):
            d_loss = critic_loss(real)
        with tf.GradientTape() as tape:
            scores = second(generator(tf.random.normal((tf.shape(real)[0], LATENT)), training=True),
                            training=True)
            g_loss = bce(scores, 1.0) if kind == "dcgan" else -tf.reduce_mean(scores)
            scaled = g_opt.scale_loss(g_loss)
        g_opt.apply_gradients(zip(tape.gradient(scaled, generator.trainable_weights),
                                  generator.trainable_weights, strict=True))
        return d_loss, g_loss

    return step, (d_opt, g_opt)


def _hand_runner(step, ds):
    def run():
        for real in ds:
            losses = step(real)
        float(losses[0])  # wait for the last step
        return None

    return run


def measure(kind, x, steps, repetitions, table):
    import keras

    from dlkit.precision import policy_blocker
    from dlkit.seed import set_seed

    set_seed(0)
    ds = _dataset(x, steps)
    fit_model = build_fit_side(kind)
    second = list(fit_model.networks.values())[1]
    generator = keras.models.clone_model(fit_model.generator)
    clone = keras.models.clone_model(second)
    step, _ = hand_written_step(kind, generator, clone)
    variants = {
        "hand-written tf.function loop": _hand_runner(step, ds),
        "dlkit fit()": fit_runner(fit_model, ds),
        "dlkit fit(), steps_per_execution=4": fit_runner(build_fit_side(kind, 4), ds),
    }
    blocker = policy_blocker("mixed_bfloat16")
    if blocker:
        print(f"  (no mixed_bfloat16 row: {blocker})")
    if kind == "dcgan" and keras.mixed_precision.global_policy().name == "float32" and not blocker:
        previous = keras.mixed_precision.global_policy()
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        try:
            variants["dlkit fit(), mixed_bfloat16"] = fit_runner(build_fit_side(kind), ds)
        finally:
            keras.mixed_precision.set_global_policy(previous)
    times = alternate(variants, repetitions)
    group = kind.upper()
    for name, seconds in times.items():
        table.add(group, name, seconds, work=steps * BATCH,
                  baseline=None if name.startswith("hand") else "hand-written tf.function loop")


def main(argv=None):
    from dlkit import data

    (x, _), _ = data.load_fashion_mnist()
    table = Table(f"GAN training steps, batch {BATCH} (ratio = images/s against the hand-written loop)")
    small = quick()
    measure("dcgan", x, 4 if small else 16, repeats(5), table)
    measure("wgan-gp", x, 2 if small else 10, repeats(5), table)
    return table.record()


if __name__ == "__main__":
    main()
