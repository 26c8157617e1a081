#!/usr/bin/env bash
# The performance suite on one GPU, sized for under eight minutes: every comparison of
# `make bench` with XLA off and on, float32 against mixed_float16, and the
# LSTM/GRU rows (where the fused cuDNN kernel exists, the default options use
# it and the "options" rows fall back to the step-by-step loop).
#
#     bash benchmarks/gpu_check.sh [OUT_DIR]      # default: gpu-bench
#
# Needs TensorFlow with CUDA (`pip install "tensorflow[and-cuda]"`) and the
# Fashion-MNIST files (see the README). Writes one JSON record per setting and
# prints every ratio; `python -m benchmarks.compare OUT_DIR/*.json` puts the
# settings side by side. Paste that table into benchmarks/README.md with the
# GPU's name.
set -uo pipefail
out="$(realpath -m "${1:-gpu-bench}")"  # relative to where the script was called from
cd "$(dirname "$0")/.."
mkdir -p "$out"
unset DLKIT_BENCH_QUICK  # real sizes, whatever the caller exported
python="${PYTHON:-python}"

if ! "$python" -c "import sys, tensorflow as tf; sys.exit(0 if tf.config.list_physical_devices('GPU') else 1)" 2>/dev/null; then
    echo "gpu_check: TensorFlow sees no GPU here; nothing to measure." >&2
    exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"

status=0
run() {  # run NAME ENV... -- BENCHMARKS...
    local name=$1; shift
    local envs=()
    while [[ $1 != "--" ]]; do envs+=("$1"); shift; done
    shift
    echo "== $name"
    if ! env "${envs[@]}" timeout 300 "$python" -m benchmarks "$@" --json "$out/$name.json"; then
        echo "gpu_check: $name failed or ran out of time" >&2
        status=1
    fi
}

run float32     DLKIT_BENCH_JIT=0 DLKIT_BENCH_POLICY=float32       -- cnn_fit machine_limit gan_steps rnn_cells
run float32-xla DLKIT_BENCH_JIT=1 DLKIT_BENCH_POLICY=float32       -- cnn_fit gan_steps rnn_cells
run mixed16     DLKIT_BENCH_JIT=0 DLKIT_BENCH_POLICY=mixed_float16 -- cnn_fit gan_steps
run mixed16-xla DLKIT_BENCH_JIT=1 DLKIT_BENCH_POLICY=mixed_float16 -- cnn_fit gan_steps
run scaling     DLKIT_BENCH_JIT=0 DLKIT_BENCH_POLICY=float32       -- scaling

"$python" -m benchmarks.compare "$out"/float32.json "$out"/float32-xla.json "$out"/mixed16.json \
    "$out"/mixed16-xla.json || status=1
exit $status
