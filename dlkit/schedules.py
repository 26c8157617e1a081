"""Learning-rate schedules: a warm-up and cosine decay whose length can be planned from a time budget.

`WarmupCosine` raises the rate linearly to its peak, then lets it fall along
a cosine to 0 at `total_steps`, the schedule `compile_and_fit` gives every
family trained with `cosine_decay` (equal to Keras's `CosineDecay` with
`warmup_target`, tests/test_schedules.py). Its total is a variable, so that
`PlanToBudget` can fit the whole run, decay included, into so many seconds of
training: a 10-minute recipe then ends its schedule in 10 minutes on a slow
laptop and on a fast workstation alike, instead of being cut off mid-decay.

Example:

>>> schedule = WarmupCosine(2e-3, total_steps=40 * 430, warmup_steps=430)
>>> model.compile(keras.optimizers.Adam(schedule), ...)
>>> model.fit(train, epochs=40, callbacks=[PlanToBudget(schedule, 600, steps_per_epoch=430)])
"""

from __future__ import annotations

import math
import time
from typing import Any

import keras
from keras import ops

_clock = time.perf_counter  # the planner's clock (a test gives it a fake one)


@keras.saving.register_keras_serializable(package="dlkit")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `peak` over `warmup_steps`, then a cosine decay to 0 at `total_steps`.

    Args:
        peak: The highest learning rate, positive.
        total_steps: Steps at which the rate reaches 0 (warm-up included);
            `total_steps` (a variable) can be reassigned during training.
        warmup_steps: Steps of the linear warm-up. Defaults to `0`.
    """

    def __init__(self, peak: float, total_steps: int, warmup_steps: int = 0) -> None:
        if isinstance(peak, bool) or not isinstance(peak, (int, float)) or not 0 < peak < math.inf:
            raise ValueError(f"Expected a positive `peak` learning rate. Received: peak={peak!r}")
        for name, value in (("total_steps", total_steps), ("warmup_steps", warmup_steps)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
                raise ValueError(f"Expected a whole number of `{name}` >= 0. Received: {name}={value!r}")
        self.peak = float(peak)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = keras.Variable(float(total_steps), trainable=False, name="total_steps")

    def __call__(self, step: Any) -> Any:
        step = ops.cast(step, "float32")
        warmup = float(self.warmup_steps)
        total = ops.cast(ops.convert_to_tensor(self.total_steps), "float32")
        rising = self.peak * step / max(warmup, 1.0)
        progress = ops.clip((step - warmup) / ops.maximum(total - warmup, 1.0), 0.0, 1.0)
        falling = 0.5 * self.peak * (1.0 + ops.cos(math.pi * progress))
        return ops.where(step < warmup, rising, falling)

    def get_config(self) -> dict[str, Any]:
        return {"peak": self.peak, "total_steps": int(ops.convert_to_numpy(self.total_steps)),
                "warmup_steps": self.warmup_steps}


class PlanToBudget(keras.callbacks.Callback):
    """Plans how many epochs fit in `seconds` of training, and ends the schedule and the run there.

    After every epoch it divides the seconds `fit` has run so far (tracing,
    validation and callbacks included: what `train_seconds` measures) by the
    epochs done, and plans as many more epochs as the rest of the budget
    holds at that pace, never more than `fit`'s `epochs`. The schedule's
    `total_steps` moves to the planned end, and `fit` stops there. Planned
    again after each epoch, the run follows a machine that slows down or
    speeds up; the first epoch's tracing makes the first plan cautious.

    The pace is the mean over the epochs so far, the first one's tracing
    included: a machine that slows down late can overrun the budget by part
    of an epoch. The warm-up keeps its length: a budget that holds no more
    epochs than the warm-up ends the run at the peak rate. A run resumed from
    a backup plans again from its own start (the seconds spent before the
    interruption are not counted), following the full-length schedule until
    its first epoch ends. Across several workers each would plan from its
    own clock, so the plan is refused there.

    Attributes:
        planned_epochs: The latest plan (`None` before the first epoch ends).

    Args:
        schedule: The `WarmupCosine` the optimizer follows.
        seconds: The budget, positive.
        steps_per_epoch: Batches in an epoch.
    """

    def __init__(self, schedule: WarmupCosine, seconds: float, steps_per_epoch: int) -> None:
        super().__init__()
        if not isinstance(schedule, WarmupCosine):
            raise ValueError(f"Expected a WarmupCosine schedule to plan. Received: {type(schedule).__name__}")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < math.inf:
            raise ValueError(f"Expected a positive number of seconds. Received: seconds={seconds!r}")
        if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or steps_per_epoch < 1:
            raise ValueError(f"Expected a positive integer `steps_per_epoch`. "
                             f"Received: steps_per_epoch={steps_per_epoch!r}")
        self.schedule, self.seconds, self.steps_per_epoch = schedule, float(seconds), steps_per_epoch
        self.planned_epochs: int | None = None
        self._start = 0.0
        self._first_epoch: int | None = None

    def on_train_begin(self, logs=None):
        from dlkit import (
            distribute,  # imports TensorFlow's distribute module: here, as the callbacks do
        )

        if distribute.across_workers(self.model.distribute_strategy):
            raise ValueError("Expected one process for a training-time budget: across workers each would "
                             f"plan its epochs from its own clock. Received: {distribute.worker_count(self.model.distribute_strategy)} workers. "
                             "Leave `time_budget` unset there")
        self._start, self._first_epoch, self.planned_epochs = _clock(), None, None

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch is None:
            self._first_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        elapsed = _clock() - self._start
        done = epoch + 1 - (self._first_epoch or 0)
        more = int((self.seconds - elapsed) // (elapsed / done))
        limit = self.params.get("epochs") or epoch + 1
        self.planned_epochs = max(epoch + 1, min(limit, epoch + 1 + more))
        self.schedule.total_steps.assign(float(self.planned_epochs * self.steps_per_epoch))
        if epoch + 1 >= self.planned_epochs:
            self.model.stop_training = True
