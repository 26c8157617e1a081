"""Whether a Keras mixed-precision policy can run on this machine's CPU."""

import os

# oneDNN's instruction sets, lowest first (the names ONEDNN_MAX_CPU_ISA takes).
_ISAS = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI",
         "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512", "AVX512_CORE_AMX", "AVX10_1_512_AMX",
         "AVX512_CORE_AMX_FP16", "AVX10_1_512_AMX_FP16", "ALL", "DEFAULT")

# The lowest instruction set with oneDNN kernels for each 16-bit compute type.
# With its ISA capped below that (ONEDNN_MAX_CPU_ISA) on a CPU that has the
# instructions, TensorFlow still hands the 16-bit matmuls to oneDNN, which
# throws, and the process aborts (`dnnl::error`, no Python exception).
# Measured on an Intel Xeon with AMX (a DCGAN step): bfloat16 aborts at AVX2
# and AVX2_VNNI_2 and runs from AVX512_CORE; float16 aborts up to
# AVX512_CORE_BF16 and runs at AVX512_CORE_FP16; both run with
# TF_ENABLE_ONEDNN_OPTS=0 (Eigen's kernels).
_LOWEST_ISA = {"mixed_bfloat16": "AVX512_CORE", "mixed_float16": "AVX512_CORE_FP16"}


def policy_blocker(policy, environ=None):
    """Why `policy` would abort this process on the CPU, or `None` if it can run.

    Args:
        policy: A Keras dtype policy name, e.g. `"mixed_bfloat16"`.
        environ: Environment to read. Defaults to `None`: `os.environ`.

    Returns:
        A sentence naming the setting that stops it, or `None`.
    """
    environ = os.environ if environ is None else environ
    lowest = _LOWEST_ISA.get(policy)
    onednn = environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() not in ("0", "false", "no")
    isa = environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if lowest is None or not onednn or isa not in _ISAS:
        return None
    if _ISAS.index(isa) < _ISAS.index(lowest):
        return (f"ONEDNN_MAX_CPU_ISA={isa} leaves oneDNN without {policy.split('_')[1]} kernels "
                f"(they start at {lowest}), and TensorFlow would abort; unset it, or set "
                "TF_ENABLE_ONEDNN_OPTS=0, or use float32")
    return None
