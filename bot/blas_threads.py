"""The servers run BLAS (under numpy and scikit-learn) on one thread.

Why: OpenBLAS starts a thread per core and, after every matrix product big enough to
split, keeps them spinning for a while in case another comes. In a server that does
one small product per message (the intent SVM, the sentiment model) on a machine
whose cores are shared with the other servers, that spinning is pure waste: one
conversation at a time, the Rasa server's CPU per message was 27.3-28.1 ms with
OpenBLAS's default threads and 24.0 ms with one (`benchmarks/cpu_per_message.py`,
embedded profile, 2026-12-03). ONNX Runtime (the sentence encoder) has its own
single-thread setting and is not affected.

`BLAS_THREADS` overrides the number (an integer; empty or unset: 1).
"""

from __future__ import annotations

import logging
import os
from typing import Mapping

from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)


def blas_threads(environ: Mapping[str, str] = os.environ) -> int:
    """The configured number of BLAS threads (at least 1; a bad value counts as 1)."""
    value = (environ.get("BLAS_THREADS") or "").strip()
    try:
        return max(int(value), 1) if value else 1
    except ValueError:
        logger.warning("BLAS_THREADS=%r is not a whole number; using 1.", value)
        return 1


def limit_blas_threads(environ: Mapping[str, str] = os.environ) -> int:
    """Limit every loaded BLAS library of this process to `blas_threads()`; returns the number."""
    threads = blas_threads(environ)
    threadpool_limits(limits=threads, user_api="blas")
    return threads
