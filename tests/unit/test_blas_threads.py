"""The servers' BLAS thread limit: read from BLAS_THREADS, applied to the loaded OpenBLAS."""

from __future__ import annotations

import logging
from typing import Iterator

import numpy as np  # noqa: F401  (loads OpenBLAS, the library being limited)
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from bot.blas_threads import blas_threads, limit_blas_threads


@pytest.fixture(autouse=True)
def restore_limits() -> Iterator[None]:
    original = threadpool_limits(limits=None)  # records the current limits, changes nothing
    yield
    original.restore_original_limits()


def blas_thread_counts() -> set:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 1), ("", 1), (" 2 ", 2), ("0", 1), ("-3", 1), ("many", 1)]
)
def test_the_number_comes_from_blas_threads_and_is_at_least_one(value: object, expected: int) -> None:
    environ = {} if value is None else {"BLAS_THREADS": value}
    assert blas_threads(environ) == expected  # type: ignore[arg-type]


def test_a_bad_value_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.blas_threads"):
        assert blas_threads({"BLAS_THREADS": "many"}) == 1
    assert "BLAS_THREADS" in caplog.text


def test_the_limit_reaches_the_loaded_blas_library() -> None:
    assert blas_thread_counts(), "numpy's BLAS should be visible to threadpoolctl"
    threadpool_limits(limits=2, user_api="blas")
    assert limit_blas_threads({}) == 1
    assert blas_thread_counts() == {1}
