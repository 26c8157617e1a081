"""Mixed precision: bfloat16 compute with float32 outputs and losses for every family,
loss scaling of both GAN optimizers under float16, and the CLI's --precision/--strategy."""

import keras
import numpy as np
import pytest

import dlkit
from dlkit import cli, losses, precision
from dlkit.models import cnn, gan, rnn

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile

LATENT = 8
BATCH = 4

# Running 16-bit ops aborts the process where oneDNN's ISA is capped below the
# kernels for them (e.g. CI's second pass under ONEDNN_MAX_CPU_ISA=AVX2).
needs_bfloat16 = pytest.mark.skipif(precision.policy_blocker("mixed_bfloat16") is not None,
                                    reason=str(precision.policy_blocker("mixed_bfloat16")))
needs_float16 = pytest.mark.skipif(precision.policy_blocker("mixed_float16") is not None,
                                   reason=str(precision.policy_blocker("mixed_float16")))


@pytest.fixture
def policy():
    """Sets a global dtype policy for one test and always restores float32."""

    def set_policy(name):
        keras.mixed_precision.set_global_policy(name)

    try:
        yield set_policy
    finally:
        keras.mixed_precision.set_global_policy("float32")


def _assert_mixed(model, hidden_type):
    *body, output = model.layers
    hidden = [layer for layer in body if isinstance(layer, hidden_type)]
    assert hidden, f"no {hidden_type.__name__} in {model.name}"
    for layer in hidden:
        assert layer.compute_dtype == "bfloat16", layer.name
        assert all(w.dtype == "float32" for w in layer.weights), layer.name  # float32 master weights
    assert output.compute_dtype == "float32", output.name
    assert all(str(t.dtype) == "float32" for t in keras.tree.flatten(model.outputs)), model.name


def _images(n=BATCH, low=0.0):
    return np.random.default_rng(0).uniform(low, 1, (n, 28, 28, 1)).astype(np.float32)


def test_every_builder_keeps_bfloat16_hidden_layers_and_a_float32_output(policy):
    policy("mixed_bfloat16")
    _assert_mixed(cnn.build_cnn_classifier(preset="default"), keras.layers.Conv2D)
    _assert_mixed(cnn.build_dense_classifier(hidden_units=(8,)), keras.layers.Dense)
    _assert_mixed(rnn.build_rnn_classifier((6, 3), 4, cell="simple", units=4), keras.layers.SimpleRNN)
    _assert_mixed(rnn.build_rnn_forecaster(6, 3, 2, cell="gru", units=4), keras.layers.GRU)
    _assert_mixed(rnn.build_char_language_model(12, cell="gru", units=4), keras.layers.GRU)
    _assert_mixed(rnn.build_conv_rnn_classifier((28, 28, 1), 10, (4,), units=4), keras.layers.LSTM)
    _assert_mixed(rnn.build_text_classifier(["spam", "ham"], sequence_length=5, units=4), keras.layers.Bidirectional)
    _assert_mixed(gan.build_dcgan_generator(LATENT), keras.layers.Conv2DTranspose)
    _assert_mixed(gan.build_dcgan_discriminator(), keras.layers.Conv2D)
    _assert_mixed(gan.build_wgan_critic(), keras.layers.Conv2D)
    _assert_mixed(gan.build_conditional_generator(LATENT), keras.layers.Conv2DTranspose)
    _assert_mixed(gan.build_conditional_critic(), keras.layers.Conv2D)


@needs_bfloat16
@pytest.mark.parametrize("family", ["cnn", "rnn"])
def test_bfloat16_training_step_has_finite_loss_and_float32_predictions(policy, family):
    policy("mixed_bfloat16")
    dlkit.set_seed(0)
    if family == "cnn":
        model, x = cnn.build_cnn_classifier(preset="tiny"), _images()
    else:
        model = rnn.build_rnn_classifier((6, 3), 4, cell="lstm", units=8)
        x = np.random.default_rng(0).normal(size=(BATCH, 6, 3)).astype("float32")
    y = np.arange(BATCH)
    assert model.predict(x, verbose=0).dtype == np.float32
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


def _gan(kind):
    g = gan.build_dcgan_generator(LATENT, filters=(16, 8))
    if kind == "dcgan":
        return gan.DCGAN(g, gan.build_dcgan_discriminator(filters=(8, 16)), LATENT)
    return gan.WGAN(g, gan.build_wgan_critic(filters=(8, 16)), LATENT, critic_steps=1)


@needs_bfloat16
@pytest.mark.parametrize("kind", ["dcgan", "wgan-gp"])
def test_gan_loops_under_bfloat16_train_with_float32_images_scores_and_losses(policy, kind):
    policy("mixed_bfloat16")
    dlkit.set_seed(0)
    model = _gan(kind)
    second = model.discriminator if kind == "dcgan" else model.critic
    _assert_mixed(model.generator, keras.layers.Conv2DTranspose)
    _assert_mixed(second, keras.layers.Conv2D)
    model.compile()
    # bfloat16 has float32's range: no loss scaling.
    assert not isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(_images(low=-1.0), batch_size=BATCH, epochs=1, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert {"d_loss", "g_loss", "loss"} <= set(logs)
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert model.generate(2, seed=0).dtype == np.float32


@needs_float16
@pytest.mark.parametrize("kind", ["dcgan", "wgan-gp"])
def test_float16_wraps_both_gan_optimizers_and_survives_a_keras_round_trip(policy, kind, tmp_path):
    policy("mixed_float16")
    dlkit.set_seed(0)
    model = _gan(kind)
    model.compile()
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        assert optimizer.built
    history = model.fit(_images(low=-1.0), batch_size=BATCH, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values()), history.history
    # Each optimizer either applied its step, or found float16 gradients that
    # overflowed at the initial scale (2**15), skipped the step and halved the
    # scale: which one depends on the latent draws, both are loss scaling working.
    for optimizer in (model.d_optimizer, model.g_optimizer):
        applied = int(optimizer.iterations) == 1
        assert applied or float(optimizer.dynamic_scale) == 2.0**14, (int(optimizer.iterations),
                                                                       float(optimizer.dynamic_scale))
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for mine, theirs in ((model.d_optimizer, loaded.d_optimizer), (model.g_optimizer, loaded.g_optimizer)):
        assert isinstance(theirs, keras.optimizers.LossScaleOptimizer)
        assert int(theirs.iterations) == int(mine.iterations)
        assert float(theirs.dynamic_scale) == float(mine.dynamic_scale)
    np.testing.assert_allclose(loaded.generate(2, seed=3), model.generate(2, seed=3), atol=1e-3)


def test_float32_gan_optimizers_are_not_wrapped():
    model = _gan("dcgan")
    model.compile()
    assert isinstance(model.d_optimizer, keras.optimizers.Adam)
    assert isinstance(model.g_optimizer, keras.optimizers.Adam)


def test_gradient_penalty_divides_its_loss_scale_back_out():
    # A linear critic w . x with ||w|| = 5: the penalty is (5 - 1)^2 at any scale.
    inputs = keras.Input((2, 2, 1))
    dense = keras.layers.Dense(1, use_bias=False)
    critic = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([np.array([3.0, 0.0, 4.0, 0.0], np.float32).reshape(4, 1)])
    real = np.random.default_rng(0).normal(size=(3, 2, 2, 1)).astype(np.float32)
    fake = np.random.default_rng(1).normal(size=(3, 2, 2, 1)).astype(np.float32)
    for scale in (None, 1.0, 2.0**15):
        penalty = losses.gradient_penalty(critic, real, fake, loss_scale=scale)
        assert float(penalty) == pytest.approx(16.0, rel=1e-5), scale


@needs_bfloat16
def test_cli_trains_inside_the_strategy_scope_under_the_precision_policy(monkeypatch, tmp_path, capsys):
    import dataclasses

    import tensorflow as tf

    from dlkit import families

    seen = {}

    def fake_fit(settings, run):
        seen["policy"] = keras.mixed_precision.global_policy().name
        seen["strategy"] = tf.distribute.get_strategy()
        model = rnn.build_rnn_classifier((6, 3), 2, cell=settings.cell, units=4)
        seen["hidden"] = model.get_layer(index=1).compute_dtype
        metrics = {"cell": settings.cell, "validation_accuracy": 0.5, "chance_accuracy": 0.19}
        return families.Fitted(model, {}, metrics, examples_per_epoch=1)

    memory = dataclasses.replace(families.FAMILIES["memory"], fit=fake_fit)
    monkeypatch.setitem(families.FAMILIES, "memory", memory)
    argv = ["train", "memory", "--set", "cell=gru", "--fast", "--out", str(tmp_path),
            "--strategy", "mirrored", "--precision", "mixed_bfloat16"]
    assert cli.main(argv) == 0
    assert isinstance(seen["strategy"], tf.distribute.MirroredStrategy)
    assert seen["policy"] == "mixed_bfloat16" and seen["hidden"] == "bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"  # restored
    assert (tmp_path / "memory.keras").exists()


def test_cli_strategy_that_cannot_be_created_is_a_one_line_error(monkeypatch, capsys):
    import tensorflow as tf

    def no_tpu(*args, **kwargs):
        raise ValueError("Please provide a TPU Name to connect to.")

    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver", no_tpu)
    assert cli.main(["train", "cnn", "--fast", "--strategy", "tpu"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dlkit: error: cannot create the 'tpu' strategy: no TPU found")
    assert "Please provide a TPU Name" in err and len(err.splitlines()) == 1
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize("argv, fragment", [
    (["--strategy", "horovod"], "invalid choice: 'horovod'"),
    (["--precision", "float16"], "invalid choice: 'float16'"),
])
def test_cli_rejects_unknown_strategy_and_precision(argv, fragment, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "cnn", *argv])
    assert info.value.code == 2
    assert fragment in capsys.readouterr().err


@pytest.mark.parametrize("policy, environ, blocked", [
    ("mixed_bfloat16", {}, False),
    ("mixed_bfloat16", {"ONEDNN_MAX_CPU_ISA": "AVX2"}, True),
    ("mixed_bfloat16", {"ONEDNN_MAX_CPU_ISA": "avx2_vnni_2"}, True),
    ("mixed_bfloat16", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, False),
    ("mixed_bfloat16", {"ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "0"}, False),
    ("mixed_float16", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, True),
    ("mixed_float16", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_FP16"}, False),
    ("float32", {"ONEDNN_MAX_CPU_ISA": "SSE41"}, False),
])
def test_policy_blocker_names_the_setting_that_would_abort(policy, environ, blocked):
    reason = precision.policy_blocker(policy, environ)
    assert (reason is not None) == blocked
    if blocked:
        assert f"ONEDNN_MAX_CPU_ISA={environ['ONEDNN_MAX_CPU_ISA'].upper()}" in reason


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_cli_refuses_16_bit_policies_where_they_would_abort_in_one_line(monkeypatch, capsys, policy):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert cli.main(["train", "cnn", "--fast", "--precision", policy]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"dlkit: error: --precision {policy}: ONEDNN_MAX_CPU_ISA=AVX2")
    assert len(err.splitlines()) == 1
