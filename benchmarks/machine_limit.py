"""The machine's limit: the CNN training step's achieved FLOP/s against a large float32 matrix multiply's.

The step's floating-point operations are counted by TensorFlow's graph
profiler on the traced step (forward pass, loss, backward pass: every
Conv2D, its backward convolutions, MatMul and element-wise op with a
registered cost; ops whose result nothing uses are left out, as TensorFlow
prunes them), plus the Adam update (about 10 operations per weight). The
matrix multiply is 2·n³ operations for n×n matrices. Both are timed
alternately in one process, median of the repetitions. (On NVIDIA GPUs
since Ampere, TensorFlow runs float32 matmuls and convolutions as
TensorFloat-32 by default: there both sides are TF32.)

    python -m benchmarks machine_limit
"""

from benchmarks._timing import Table, alternate, quick, repeats

BATCH = 128
ADAM_FLOPS_PER_WEIGHT = 10


def count_step_flops(model, batch=BATCH):
    """Floating-point operations of one training step of a compiled Keras classifier on `batch` images."""
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    spec = [tf.TensorSpec((batch, *model.input_shape[1:]), tf.float32), tf.TensorSpec((batch,), tf.int32)]

    @tf.function(input_signature=spec)
    def forward_backward(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return tape.gradient(loss, model.trainable_weights)

    graph = forward_backward.get_concrete_function().graph
    # Ops whose result nothing reads (the first layer's gradient with respect
    # to the images) are pruned before the step runs: leave them out.
    returned = {t.name for t in graph.outputs}
    dead = {op.name for op in graph.get_operations()
            if op.outputs and not any(out.consumers() or out.name in returned for out in op.outputs)}
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph, options=options)

    def counted(node):
        own = 0 if node.name in dead else node.float_ops
        return own + sum(counted(child) for child in node.children)

    return int(counted(profile)) + ADAM_FLOPS_PER_WEIGHT * model.count_params()


def matmul_runner(n):
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))

    def run():
        float(product())
        return None

    return run


def main(argv=None):
    from benchmarks._timing import fit_runner
    from benchmarks.cnn_fit import build_model
    from dlkit import data
    from dlkit.seed import set_seed

    set_seed(0)
    (x, y), _ = data.load_fashion_mnist()
    steps = 2 if quick() else 24
    x, y = x[: steps * BATCH], y[: steps * BATCH]
    n = 512 if quick() else 4096
    model = build_model()
    flops = count_step_flops(model)
    table = Table("The machine's limit: achieved float32 FLOP/s (ratio = against the matrix multiply)")
    times = alternate({
        f"matmul {n}x{n}": matmul_runner(n),
        "CNN training step": fit_runner(model, data.make_image_dataset(x, y, BATCH, seed=0)),
    }, repeats(5))
    matmul = table.add("FLOP/s", f"matmul {n}x{n}", times[f"matmul {n}x{n}"], work=2 * n**3 / 1e9,
                       unit="GFLOP/s")
    step = table.add("FLOP/s", "CNN training step", times["CNN training step"], work=steps * flops / 1e9,
                     unit="GFLOP/s", baseline=f"matmul {n}x{n}")
    table.note(f"one CNN step (batch {BATCH}) = {flops / 1e9:.2f} GFLOP counted; it reaches "
               f"{step['rate']:.1f} GFLOP/s = {step['rate'] / matmul['rate']:.0%} of the matmul's "
               f"{matmul['rate']:.1f} GFLOP/s")
    return table.record()


if __name__ == "__main__":
    main()
