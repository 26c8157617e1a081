"""Whether a Keras dtype policy can run on this machine's CPU."""

import os

# oneDNN has bfloat16 kernels from AVX512_CORE up. With its ISA capped below
# that (ONEDNN_MAX_CPU_ISA) on a CPU that reports bfloat16, TensorFlow still
# hands bfloat16 matmuls to oneDNN, which throws, and the process aborts
# (`dnnl::error`, no Python exception). Measured on an Intel Xeon with AMX:
# AVX2 and AVX2_VNNI_2 abort; AVX512_CORE, AVX512_CORE_BF16 and
# TF_ENABLE_ONEDNN_OPTS=0 (Eigen's kernels) run.
_ISAS_WITHOUT_BFLOAT16 = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2")


def bfloat16_blocker(environ=None):
    """Why `mixed_bfloat16` would abort this process on the CPU, or `None` if it can run.

    Args:
        environ: Environment to read. Defaults to `None`: `os.environ`.

    Returns:
        A sentence naming the setting that stops it, or `None`.
    """
    environ = os.environ if environ is None else environ
    onednn = environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() not in ("0", "false", "no")
    isa = environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if onednn and isa in _ISAS_WITHOUT_BFLOAT16:
        return (f"ONEDNN_MAX_CPU_ISA={isa} leaves oneDNN without bfloat16 kernels, and TensorFlow "
                "would abort; unset it, or set TF_ENABLE_ONEDNN_OPTS=0, or use float32")
    return None
