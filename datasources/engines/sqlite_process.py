"""The parent's side of a SQLite worker: start it, read its frames until the deadline, kill it.

See `sqlite_worker` for why a statement runs in a process of its own and for the
frame protocol. The parent never waits past the deadline for a frame, never reads
a frame larger than the budget allows, and always kills and reaps the worker when
the result is left (read to the end, abandoned early, or failed).
"""

from __future__ import annotations

import marshal
import os
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from datasources.engines.base import Blob, RowStream, too_many_columns
from datasources.errors import DatasourceError, DatasourceUnavailable, QueryFailed, QueryTimeout

WORKER = str(Path(__file__).with_name("sqlite_worker.py"))
BLOB_TAG = "\x00blob"
# How long past the statement's own deadline the worker may take to stop by itself before it is killed.
KILL_GRACE_SECONDS = 0.5
# A frame holds a batch of rows of at most 64 KB of values plus one row; one row is at most the byte budget.
_FRAME_SLACK = 1024 * 1024
_HEADER = struct.Struct(">I")

_stats_lock = threading.Lock()
#: counters for tests and the bench: workers started, killed, and CPU seconds the finished ones used
stats = {"started": 0, "killed": 0, "cpu_seconds": 0.0, "max_rss_kb": 0}


def python_executable() -> str:
    """A Python interpreter to run the worker with (under uwsgi, `sys.executable` is uwsgi itself)."""
    for candidate in (
        sys.executable,
        os.path.join(sys.prefix, "bin", "python3"),
        os.path.join(sys.base_prefix, "bin", "python3"),
    ):
        if candidate and Path(candidate).name.startswith("python") and os.access(candidate, os.X_OK):
            return candidate
    return "python3"


class Worker:
    """One running worker process and the frames it sends."""

    def __init__(self, process: subprocess.Popen, deadline: float, max_frame: int):
        self.process = process
        self.deadline = deadline
        self.max_frame = max_frame
        self._fd = process.stdout.fileno()
        self._pending: list = []
        self.max_columns = 0

    @classmethod
    @contextmanager
    def start(cls, request: dict, *, deadline: float) -> Iterator[Worker]:
        """Start a worker for `request`; it is killed and reaped when the context ends."""
        try:
            process = _take_process()
        except OSError:
            raise DatasourceUnavailable()
        worker = cls(process, deadline, request["max_bytes"] + _FRAME_SLACK)
        worker.max_columns = request["max_columns"]
        try:
            try:
                process.stdin.write(marshal.dumps(request))
                process.stdin.close()
            except OSError:
                raise DatasourceUnavailable()
            yield worker
        finally:
            worker.stop()

    def stop(self) -> None:
        """Kill the worker if it still runs, and reap it (its CPU time is then counted in `stats`)."""
        killed = False
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            killed = True
        with_rusage = _reap(self.process)
        with _stats_lock:
            stats["killed"] += int(killed)
            if with_rusage is not None:
                stats["cpu_seconds"] += with_rusage.ru_utime + with_rusage.ru_stime
                stats["max_rss_kb"] = max(stats["max_rss_kb"], with_rusage.ru_maxrss)
        self.process.stdout.close()

    def _read_exactly(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout()
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                raise QueryTimeout()
            chunk = os.read(self._fd, min(left, 1024 * 1024))
            if not chunk:
                raise _worker_gone(self.process)
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _frame(self) -> tuple:
        (size,) = _HEADER.unpack(self._read_exactly(_HEADER.size))
        if size > self.max_frame:
            raise QueryFailed("A row in the result is too large to return.")
        return marshal.loads(self._read_exactly(size))  # noqa: S302 - written by our own worker

    def columns(self) -> list[str]:
        """The result's column names (or the error the statement raised)."""
        frame = self._frame()
        if frame[0] == "columns":
            return [str(name) for name in frame[1]]
        raise _frame_error(frame, self.max_columns)

    def rows(self) -> RowStream:
        """The result's rows as they arrive; `cut` is set when the worker stopped at the byte budget."""
        stream = RowStream(())
        stream._rows = self._iter_rows(stream)
        return stream

    def _iter_rows(self, stream: RowStream) -> Iterator[tuple]:
        while True:
            frame = self._frame()
            kind = frame[0]
            if kind == "rows":
                for row in frame[1]:
                    yield tuple(Blob(v[1]) if isinstance(v, tuple) and v and v[0] == BLOB_TAG else v for v in row)
            elif kind == "end":
                stream.cut = bool(frame[1])
                return
            else:
                raise _frame_error(frame, self.max_columns)


def _spawn() -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and file, no shell
        [python_executable(), "-I", "-S", WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        close_fds=True,
        cwd="/",
    )
    with _stats_lock:
        stats["started"] += 1
    return process


# One worker started ahead and waiting for its request, so a query does not wait for an interpreter
# to start (about 15-40 ms). It belongs to the process that started it (uwsgi forks workers).
_spare: tuple[int, subprocess.Popen] | None = None
_spare_lock = threading.Lock()


def _take_process() -> subprocess.Popen:
    """A waiting worker (the spare, when it is ours and alive), with a new spare started behind it."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare[0] == os.getpid() and spare[1].poll() is None:
        process = spare[1]
    else:
        process = _spawn()
    # Off the query's path: starting a process costs a fork and an exec.
    threading.Thread(target=_refill, name="sqlite-worker-spare", daemon=True).start()
    return process


def _refill() -> None:
    """Start a spare worker unless one is waiting already."""
    global _spare
    try:
        process = _spawn()
    except OSError:
        return
    with _spare_lock:
        if _spare is None or _spare[0] != os.getpid() or _spare[1].poll() is not None:
            _spare, process = (os.getpid(), process), None
    if process is not None:  # another query's refill won: this one is not needed
        process.kill()
        _reap(process)


def _reap(process: subprocess.Popen):
    """Wait for a killed or finished worker; its resource usage, or None when it was reaped elsewhere."""
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except ChildProcessError:
        process.wait()
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage


def _worker_gone(process: subprocess.Popen) -> DatasourceError:
    """The error for a worker that closed its output without finishing: its own limits ended it."""
    code = process.wait()
    if code in (-signal.SIGALRM, -signal.SIGXCPU, -signal.SIGKILL):
        return QueryTimeout()
    return QueryFailed("The query needed more memory than a result may use.")


def _frame_error(frame: tuple, max_columns: int) -> DatasourceError:
    from datasources.engines.sqlite import translate

    kind = frame[0]
    if kind != "error":
        return QueryFailed()
    error_kind, message = frame[1], frame[2]
    if error_kind == "unavailable":
        return DatasourceUnavailable()
    if error_kind == "memory":
        return QueryFailed("A value in the result is too large to return.")
    if error_kind == "columns":
        return too_many_columns(int(message), max_columns)
    exc_class = getattr(sqlite3, str(error_kind), sqlite3.OperationalError)
    if not (isinstance(exc_class, type) and issubclass(exc_class, sqlite3.Error)):
        exc_class = sqlite3.OperationalError
    return translate(exc_class(message))
