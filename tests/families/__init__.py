"""Shared by the family tests."""

import keras


class CrashAfterFirstEpoch(keras.callbacks.Callback):
    """Raises at the end of the first epoch, as a crash would: the run's backup holds that epoch."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise RuntimeError("simulated crash after epoch 1")
