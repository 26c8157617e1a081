"""Training across several workers: one `fit` for every family, and who writes what.

Keras 3's own `fit()` fails under `tf.distribute.MultiWorkerMirroredStrategy`
as soon as a batch holds more than one tensor, `(x, y)` or
`(images, labels)`: before the first step it averages the first batch over
the workers with `strategy.reduce`, which takes one tensor, not a tuple
(the error is "Attempt to convert a value (PerReplica...)", reported as
keras-team/keras#20585); under `MirroredStrategy` (several GPUs on one
machine) the same averaging fails on a batch of strings (the text
classifier's). `fit` here is `model.fit` on one device (and on TPUs), and
under those two strategies a loop of its own that uses only the public
pieces of the same machinery:

* the model's own `train_step` and `test_step`, run on every replica by
  `strategy.run` over a distributed dataset (the batches are *global*
  batches, split between the replicas in order, as Keras splits them);
* the metrics read back with `model.get_metrics_result()` in cross-replica
  context, inside the same `tf.function`: Keras keeps a metric's totals per
  replica and sums them when read there, so every worker logs the same
  global numbers (what `train_step` returns is the replica's own share);
* the same callbacks (`keras.callbacks.CallbackList`: progress bar,
  `History`, early stopping, `dlkit.callbacks.ResumableBackup` and its
  resume), called at the same points as `fit` calls them.

Only the chief writes into the run's output directory (`is_chief`); the
other workers run the same code, so that their collective operations match
the chief's, but write into a temporary directory of their own
(`worker_directory`), removed when they finish.
"""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from dlkit.validation import check_positive_int


def _strategy(strategy: Any = None) -> Any:
    return tf.distribute.get_strategy() if strategy is None else strategy


def worker_count(strategy: Any = None) -> int:
    """How many worker processes `strategy` (default: the current one) spans; 1 outside a multi-worker cluster."""
    strategy = _strategy(strategy)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return 1
    cluster = strategy.cluster_resolver.cluster_spec().as_dict()
    return max(1, sum(len(cluster.get(job, [])) for job in ("chief", "worker")))


def across_workers(strategy: Any = None) -> bool:
    """Whether `strategy` (default: the current one) trains across more than one worker process."""
    return worker_count(strategy) > 1


def is_chief(strategy: Any = None) -> bool:
    """Whether this process is the one that writes: the `chief` task, else worker 0; always outside a cluster.

    TensorFlow's convention (`TF_CONFIG`): a cluster with a `chief` job has
    its chief write; one made of `worker`s alone has worker 0 write.
    """
    strategy = _strategy(strategy)
    if not across_workers(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type == "chief":
        return True
    has_chief = bool(resolver.cluster_spec().as_dict().get("chief"))
    return not has_chief and resolver.task_type == "worker" and int(resolver.task_id) == 0


def loopback_cluster(workers: int = 2) -> list[str]:
    """`TF_CONFIG` values for a cluster of `workers` processes on this machine, one per worker, in task order.

    Each worker gets a free port on 127.0.0.1; start one process per value
    with `TF_CONFIG` set to it (worker 0 is the chief). This is how the tests
    and `benchmarks.multiworker` run a cluster; it is also a way to try a
    multi-worker command before taking it to several machines.

    Example:

    >>> for index, config in enumerate(dlkit.distribute.loopback_cluster(2)):
    ...     subprocess.Popen(["dlkit", "train", "cnn", "--strategy", "multiworker", "--out", "runs/cnn"],
    ...                      env={**os.environ, "TF_CONFIG": config})
    """
    check_positive_int("workers", workers)
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(workers)]
    try:
        for s in sockets:  # all bound at once: no port handed out twice
            s.bind(("127.0.0.1", 0))
        ports = [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}) for i in range(workers)]


def fit(model: Any, x: Any, y: Any = None, *, batch_size: int | None = None, validation_data: Any = None,
        epochs: int = 1, callbacks: Sequence[Any] = (), verbose: int | str = "auto", shuffle: bool = True,
        seed: int | None = None) -> Any:
    """`model.fit(...)`, which also trains across workers; returns the `History` callback.

    On one device and on TPUs this is `model.fit` with the same arguments.
    Under `MirroredStrategy` and `MultiWorkerMirroredStrategy` it is the loop
    of the module docstring, with
    `model.fit`'s meaning for each argument, and two differences said here:

    * arrays are made into a dataset shuffled each epoch with `seed` (the
      same order on every worker, which each then splits; `seed=None` draws
      it from Python's `random`, which `dlkit.set_seed` seeds on every worker alike);
    * a last batch smaller than the number of replicas is left out (a
      replica with no example would average over nothing): at most
      `replicas - 1` examples per epoch.

    Args:
        model: A compiled Keras model (a family's network or a GAN loop).
        x: Arrays, or a `tf.data.Dataset` of *global* batches (with `y=None`).
        y: Targets for arrays `x`. Defaults to `None`.
        batch_size: Global batch for arrays. Defaults to `None` (32, as Keras).
        validation_data: `(x, y)` arrays or a dataset of global batches. Defaults to `None`.
        epochs: Epochs to train up to (a resumed run starts after its backup). Defaults to `1`.
        callbacks: Keras callbacks. Defaults to `()`.
        verbose: As `model.fit`'s. Defaults to `"auto"` (a progress bar).
        shuffle: Shuffle arrays each epoch (a dataset shuffles itself). Defaults to `True`.
        seed: Seed of that shuffle across workers. Defaults to `None`.
    """
    strategy = model.distribute_strategy
    if not _replicated(strategy):
        return model.fit(x, y, batch_size=batch_size, validation_data=validation_data, epochs=epochs,
                         callbacks=list(callbacks), verbose=verbose, shuffle=shuffle)
    check = getattr(model, "check_fit_inputs", None)  # what the GAN loops' fit refuses before any step
    if check is not None:
        check(x, y)
    if seed is None:
        seed = random.getrandbits(31)
    replicas = strategy.num_replicas_in_sync
    train, steps = _global_batches(x, y, batch_size, shuffle, seed, replicas)
    validation = None
    if validation_data is not None:
        vx, vy = (validation_data, None) if isinstance(validation_data, tf.data.Dataset) else validation_data
        validation, _ = _global_batches(vx, vy, batch_size, False, seed, replicas)
    return _ReplicatedLoop(model, strategy).fit(train, steps, validation, epochs, list(callbacks), verbose)


def _replicated(strategy: Any) -> bool:
    """Whether `fit` runs its own loop: under the mirrored strategies, on one machine or several."""
    return isinstance(strategy, (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy))


def _global_batches(x: Any, y: Any, batch_size: int | None, shuffle: bool, seed: int,
                    replicas: int) -> tuple[Any, int | None]:
    """The dataset of global batches the loop distributes, and its batches per epoch (`None` if unknown).

    The progress bar's total: counted for arrays; for a dataset, its
    cardinality before a too-small last batch is filtered out (the filter
    leaves the cardinality unknown), so it may count that batch.
    """
    if isinstance(x, tf.data.Dataset):
        if y is not None:
            raise ValueError(f"Expected `y=None` with a dataset `x` (its elements hold the targets). "
                             f"Received: y of type {type(y).__name__}")
        dataset = x
        steps = int(dataset.cardinality())
    else:
        n, size = len(x), batch_size or 32
        steps = n // size + (n % size >= replicas)
        dataset = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
        if shuffle:
            dataset = dataset.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(size)

    def enough(*batch: Any) -> Any:
        return tf.shape(tf.nest.flatten(batch)[0])[0] >= replicas

    # Every worker reads the whole dataset and keeps its replicas' part of each
    # global batch: no file-level sharding, whatever the source.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.filter(enough).with_options(options), steps if steps > 0 else None


class _ReplicatedLoop:
    """`fit` under the mirrored strategies: `train_step`/`test_step` under `strategy.run`, callbacks as `model.fit` calls them."""

    def __init__(self, model: Any, strategy: Any) -> None:
        self.model = model
        self.strategy = strategy

    def _build(self, dataset: Any) -> None:
        # What Keras does before the first step, on this worker's first global
        # batch and in cross-replica context: variables (the compiled loss and
        # metrics' totals, the optimizers' slots) must not be created inside
        # `strategy.run`.
        from dlkit.callbacks import _build_optimizers

        model = self.model
        with self.strategy.scope():
            # The loss given to compile() (the GAN loops compute theirs in train_step).
            if model.__dict__.get("loss") is not None:
                batch = next(iter(dataset))
                x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
                y_pred = model(x, training=False)
                model.compute_loss(x, y, y_pred, sample_weight)
                model.compute_metrics(x, y, y_pred, sample_weight)
            _build_optimizers(model)
        model.reset_metrics()

    def _function(self, step: Any) -> Any:
        strategy, model = self.strategy, self.model

        @tf.function(reduce_retracing=True)
        def run(batch: Any) -> Any:
            strategy.run(step, args=(batch,))
            return model.get_metrics_result()

        return run

    def _evaluate(self, dataset: Any, test: Any) -> dict[str, float]:
        self.model.reset_metrics()
        logs: dict[str, Any] = {}
        for batch in self.strategy.experimental_distribute_dataset(dataset):
            logs = test(batch)
        return _floats(logs)

    def fit(self, train: Any, steps: int | None, validation: Any, epochs: int, callbacks: list[Any],
            verbose: int | str) -> Any:
        model = self.model
        self._build(train)
        verbose = 1 if verbose == "auto" else int(verbose)
        callback_list = keras.callbacks.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                                     verbose=verbose, epochs=epochs, steps=steps, model=model)
        train_function = self._function(model.train_step)
        test_function = self._function(model.test_step) if validation is not None else None
        distributed = self.strategy.experimental_distribute_dataset(train)
        model.stop_training = False
        callback_list.on_train_begin()
        # A resumed run: dlkit.callbacks.ResumableBackup (as keras.callbacks.BackupAndRestore)
        # sets the epoch to start from in on_train_begin, as model.fit reads it.
        initial_epoch = getattr(model, "_initial_epoch", None) or 0
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            for step, batch in enumerate(distributed):
                callback_list.on_train_batch_begin(step)
                logs = _floats(train_function(batch))
                callback_list.on_train_batch_end(step, logs)
                if model.stop_training:
                    break
            epoch_logs = dict(logs)
            if test_function is not None:
                epoch_logs.update({f"val_{k}": v for k, v in self._evaluate(validation, test_function).items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if model.stop_training:
                break
        callback_list.on_train_end(logs)
        model._initial_epoch = None  # as model.fit leaves it
        return model.history


def _floats(logs: Any) -> dict[str, float]:
    return {name: float(np.asarray(value).reshape(-1)[0]) for name, value in dict(logs).items()}
