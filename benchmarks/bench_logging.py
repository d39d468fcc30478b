"""5. Logging: latency of one durable append, and throughput with two processes at once."""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from backrelief_analysis.log.store import LogStore, PainEntry, load_log

from .common import Row, median, percentile

ROWS = 1_000


def _entry(index: int) -> PainEntry:
    return PainEntry(datetime.now(UTC), index % 11, "check_in", note=f"row {index}, a short note")


def _writer(directory: str, count: int, ready, go) -> None:
    store = LogStore(directory)
    ready.set()
    go.wait()
    for index in range(count):
        store.append_pain(_entry(index))


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        store = LogStore(Path(folder) / "one")
        latencies = []
        for index in range(ROWS):
            entry = _entry(index)
            start = time.perf_counter()
            store.append_pain(entry)
            latencies.append(time.perf_counter() - start)
        ms = [s * 1000 for s in latencies]

        context = multiprocessing.get_context("spawn")
        two = Path(folder) / "two"
        go = context.Event()
        readies = [context.Event() for _ in range(2)]
        writers = [context.Process(target=_writer, args=(str(two), ROWS, r, go)) for r in readies]
        for process in writers:
            process.start()
        for ready in readies:
            ready.wait()
        start = time.perf_counter()
        go.set()
        for process in writers:
            process.join()
        elapsed = time.perf_counter() - start
        written = len(load_log(two).pain)
    rate = written / elapsed
    return [
        Row("logging", f"append one row (lock, write, fsync), {ROWS} rows", median(ms),
            percentile(ms, 99), "ms (median / p99)", "no goal set", None,
            f"worst {max(ms):.2f} ms"),
        Row("logging", "two processes appending at once", rate, rate, "rows/s", "no goal set",
            None, f"{written} of {2 * ROWS} rows present after the run"),
    ]
