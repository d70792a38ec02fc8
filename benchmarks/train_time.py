"""How long `rasa train` takes for this project on this machine.

Trains from scratch (`--force`, no cache reuse) into a temporary folder, so the
project's own model is left alone, and prints JSON with the wall time.

    python benchmarks/train_time.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="bench-train-"))
    command = [
        sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
        "--data", "data", "--out", str(out), "--force", "--quiet",
    ]
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"})
    seconds = time.perf_counter() - started
    print(json.dumps({
        "benchmark": "rasa_train",
        "seconds": round(seconds, 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "model_bytes": sum(p.stat().st_size for p in out.glob("*.tar.gz")),
    }, indent=2))


if __name__ == "__main__":
    main()
