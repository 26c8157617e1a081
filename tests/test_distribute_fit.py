"""dlkit.distribute.fit's own loop in this process: a MirroredStrategy over the one CPU."""

import keras
import numpy as np

import dlkit
from dlkit import distribute


class _Steps(keras.callbacks.Callback):
    """What the progress bar is told an epoch holds."""

    def on_train_begin(self, logs=None):
        self.steps = self.params.get("steps")


def test_replicated_loop_tells_the_callbacks_the_epoch_total_and_logs_like_fit():
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(33, 4)).astype(np.float32)
    y = np.arange(33) % 3
    histories, totals = [], []
    for strategy in (tf.distribute.get_strategy(), tf.distribute.MirroredStrategy(["/cpu:0"])):
        dlkit.set_seed(0)
        with strategy.scope():
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
            model.compile(optimizer=keras.optimizers.SGD(0.1),
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
            steps = _Steps()
            histories.append(distribute.fit(model, x, y, batch_size=8, validation_data=(x, y), epochs=2,
                                            callbacks=[steps], verbose=0, shuffle=False).history)
            totals.append(steps.steps)
    # 33 examples in batches of 8: 5 steps, known before the first one, to model.fit and to the loop alike.
    assert totals == [5, 5]
    assert sorted(histories[0]) == sorted(histories[1]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    # One replica computes what one device does, on the same batches. Measured on
    # a 2-core Intel Xeon with AMX: identical logs (difference 0.0) with oneDNN's
    # default kernels, ONEDNN_MAX_CPU_ISA=AVX2 and TF_ENABLE_ONEDNN_OPTS=0. The
    # tolerance, 1e-6 relative (about 8 float32 ulps), leaves room for a CPU where
    # the two traced step functions pick different kernels; leaving out the last
    # batch moved the loss by 1.8e-2 relative, a gradient twice too large by 4.0e-2.
    for key in histories[0]:
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-6, err_msg=key)
