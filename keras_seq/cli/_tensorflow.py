"""Importing TensorFlow for a subcommand without its start-up log lines."""

import os
import re
import sys
import tempfile

# Lines of TensorFlow's C++ log below ERROR ("I0000 00:00:1796061381.211441 5150 port.cc:153]
# oneDNN custom operations are on...") and absl's banner before them.
_NOISE = re.compile(r"^([IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] |WARNING: All log messages before absl::)")


def import_tensorflow():
    """Imports TensorFlow, keeping its INFO and WARNING start-up lines off stderr.

    TensorFlow 2.21 writes them (oneDNN, CUDA drivers) before absl's logging starts,
    where `TF_CPP_MIN_LOG_LEVEL` does not reach, so they are filtered from the file
    descriptor while TensorFlow loads; every other line is written back to stderr. Does
    nothing more than `import tensorflow` when the user set `TF_CPP_MIN_LOG_LEVEL` to 0
    or 1, asking for those lines.

    Returns:
        The `tensorflow` module.
    """
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") not in ("2", "3"):
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            sys.stderr.writelines(line for line in captured if not _NOISE.match(line))
    return tensorflow
