"""Shared plumbing of the algorithms: progress lines, a small thread pool that
runs blocks of work lazily, and block-wise maps over users.

numpy, scipy's sparse kernels and BLAS release the GIL, so threads run the
blocks in parallel without copying the inputs into other processes.
"""
from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext

import numpy as np
from threadpoolctl import threadpool_limits

Progress = Callable[[str], None]

#: Seconds between progress lines (the brief asks for at most 10).
PROGRESS_EVERY_S = 5.0
#: Score entries (users x artists) per block of a dense score matrix.
DENSE_BLOCK_ENTRIES = 8_000_000


class ProgressReporter:
    """Time-throttled progress lines: '<label>: x/y <unit> (z%), t s elapsed, ~r s remaining'."""

    def __init__(self, callback: Progress | None, label: str, total_users: int, every: float = PROGRESS_EVERY_S,
                 unit: str = "users"):
        self.callback, self.label, self.total, self.every, self.unit = callback, label, total_users, every, unit
        self.start = self.last = time.perf_counter()

    def update(self, users_done: int, fraction: float, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.start
        fraction = min(max(fraction, 0.0), 1.0)
        remaining = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        rem = f"~{remaining:.0f} s remaining" if math.isfinite(remaining) else "remaining unknown"
        self.callback(
            f"{self.label}: {users_done:,}/{self.total:,} {self.unit} ({100 * fraction:.0f}% of the work), "
            f"{elapsed:.0f} s elapsed, {rem}"
        )

    def finish(self, detail: str = "") -> None:
        if self.callback is not None:
            elapsed = time.perf_counter() - self.start
            self.callback(f"{self.label}: {self.total:,}/{self.total:,} {self.unit} done in {elapsed:.1f} s{detail}")


def run_tasks(
    executor: Executor | None,
    tasks: Iterable[Callable[[], object]],
    on_result: Callable[[object], None],
    max_inflight: int,
) -> None:
    """Run zero-argument ``tasks`` (lazily, at most ``max_inflight`` queued) and
    hand each result to ``on_result`` in the calling thread."""
    if executor is None:
        for task in tasks:
            on_result(task())
        return
    it = iter(tasks)
    inflight: set[Future] = set()

    def fill() -> None:
        while len(inflight) < max_inflight:
            task = next(it, None)
            if task is None:
                return
            inflight.add(executor.submit(task))

    fill()
    try:
        while inflight:
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                inflight.remove(fut)
                on_result(fut.result())
            fill()
    finally:
        for fut in inflight:
            fut.cancel()


def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def even_blocks(total: int, size: int) -> list[tuple[int, int]]:
    """[start, end) blocks of ``size`` rows covering range(total)."""
    if size < 1:
        raise ValueError(f"block size: expected an integer >= 1, found {size}")
    return [(start, min(total, start + size)) for start in range(0, total, size)]


def dense_blocks(n_users: int, n_columns: int) -> list[tuple[int, int]]:
    """Blocks of users whose dense (users x ``n_columns``) score matrix holds
    at most DENSE_BLOCK_ENTRIES entries."""
    return even_blocks(n_users, max(1, DENSE_BLOCK_ENTRIES // max(1, n_columns)))


def blocks_by_cost(cost: np.ndarray, budget: float) -> list[tuple[int, int]]:
    """Consecutive [start, end) blocks of rows whose summed ``cost`` stays
    within ``budget`` (a row costlier than the budget gets a block alone), so
    that every block's work (e.g. the entries of a sparse product) is bounded."""
    total = len(cost)
    if total == 0:
        return []
    # block i ends before the first row whose cumulative cost passes i * budget
    cumulative = np.cumsum(np.asarray(cost, dtype=np.float64))
    bounds = [0]
    while bounds[-1] < total:
        start = bounds[-1]
        before = cumulative[start - 1] if start else 0.0
        end = int(np.searchsorted(cumulative, before + budget, side="right"))
        bounds.append(min(total, max(end, start + 1)))
    return list(zip(bounds[:-1], bounds[1:]))


def map_blocks(
    work: Callable[[int, int], object],
    blocks: Sequence[tuple[int, int]],
    *,
    label: str = "",
    unit: str = "users",
    progress: Progress | None = None,
    n_threads: int | None = None,
) -> list:
    """``[work(start, end) for (start, end) in blocks]``, in block order, run
    on ``n_threads`` threads (default: every core) with BLAS single-threaded
    inside each, with progress lines under ``label`` (``unit`` done of all).

    ``work`` must be thread-safe: it reads shared arrays and returns new ones.
    """
    return list(iter_blocks(work, blocks, label=label, unit=unit, progress=progress, n_threads=n_threads))


def iter_blocks(
    work: Callable[[int, int], object],
    blocks: Sequence[tuple[int, int]],
    *,
    label: str = "",
    unit: str = "users",
    progress: Progress | None = None,
    n_threads: int | None = None,
) -> Iterator:
    """map_blocks as a generator: each ``work(start, end)`` yielded in block
    order as soon as it and the blocks before it are done, with at most
    2 x ``n_threads`` blocks computed ahead, so that a consumer that writes
    each result away holds a few blocks in memory, never all."""
    n_threads = n_threads or default_threads()
    total = sum(end - start for start, end in blocks)
    report = ProgressReporter(progress if label else None, label, total, unit=unit)
    executor = ThreadPoolExecutor(n_threads) if n_threads > 1 else None
    # BLAS's thread count is process-wide: one thread each while blocks run side by side
    limits = threadpool_limits(1, "blas") if n_threads > 1 else nullcontext()
    pending: deque[tuple[int, int, Future | object]] = deque()
    todo = iter(blocks)
    done = 0
    try:
        with limits:
            while True:
                while len(pending) < 2 * n_threads and (block := next(todo, None)) is not None:
                    start, end = block
                    pending.append((start, end, executor.submit(work, start, end) if executor else work(start, end)))
                if not pending:
                    break
                start, end, value = pending.popleft()
                value = value.result() if executor else value
                done += end - start
                report.update(done, done / max(total, 1))
                yield value
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    report.finish()
