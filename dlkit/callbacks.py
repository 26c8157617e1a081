"""Keras callbacks shared by the families."""

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch in `epoch_seconds`.

    Example:

    >>> timer = EpochTimer()
    >>> model.fit(x, y, epochs=3, callbacks=[timer])
    >>> timer.epoch_seconds        # three floats
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._start is not None:
            self.epoch_seconds.append(time.perf_counter() - self._start)
