"""The parent's side of the SQLite workers: hand a statement to one, read its frames until the deadline.

See `sqlite_worker` for why statements run in processes of their own and for the
frame protocol. The parent never waits past the deadline for a frame and never
reads a frame larger than the budget allows. A worker that answered its whole
statement in time (its `end` frame, or an SQL error) goes back to this process's
idle workers for the next statement (a result read only in part, up to a row cap,
is read to its end for a moment first); a statement that is killed at the
deadline, abandoned with more to send, or fails any other way takes its worker
with it (killed and reaped). Idle workers are kept up to `SQLITE_IDLE_WORKERS`, for at most
`IDLE_SECONDS` each, and retired after `MAX_STATEMENTS` statements or once
they hold more than `KEEP_MAX_RSS_BYTES` of memory.
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
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from datasources.engines.base import Blob, RowStream, too_many_columns
from datasources.errors import DatasourceError, DatasourceUnavailable, QueryFailed, QueryTimeout

WORKER = str(Path(__file__).with_name("sqlite_worker.py"))
BLOB_TAG = "\x00blob"
# How long past the statement's own deadline the worker may take to stop by itself before it is killed.
KILL_GRACE_SECONDS = 0.5
# A frame holds a batch of rows of at most 64 KB of values plus one row; one row is at most the byte budget.
_FRAME_SLACK = 1024 * 1024
_HEADER = struct.Struct(">I")
# An idle worker older than this is not handed statements any more, and it ends itself half as long
# again after its last statement (`idle_exit_seconds`), so a burst's workers are gone a minute or so
# after it, queries or not. Below sqlite_worker.FIRST_REQUEST_SECONDS, what a spare waits for its first.
IDLE_SECONDS = 60.0
IDLE_EXIT_FACTOR = 1.5
# A worker is retired after this many statements, or when a statement left it holding more memory
# than this (a big sort or result it allocated and has not given back), so no idle worker sits on it.
MAX_STATEMENTS = 500
KEEP_MAX_RSS_BYTES = 48 * 1024 * 1024
# How long a result whose reader stopped early is read on, to keep its worker (see Worker._finish).
FINISH_SECONDS = 0.05
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")

_stats_lock = threading.Lock()
#: counters for tests and the bench: workers started and killed, statements run, and CPU seconds the reaped ones used
stats = {"started": 0, "killed": 0, "statements": 0, "cpu_seconds": 0.0, "max_rss_kb": 0}


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


@dataclass(eq=False)
class Child:
    """A worker process, owned by the process that started it (uwsgi forks its workers)."""

    process: subprocess.Popen
    owner: int = field(default_factory=os.getpid)
    statements: int = 0
    idle_since: float = 0.0
    # SQLite's heap limit as its first statement set it: `PRAGMA hard_heap_limit` can lower it, never
    # raise it, so a worker only serves statements with the same limit.
    heap_limit: int | None = None

    def usable(self, now: float, heap_limit: int) -> bool:
        return (
            self.owner == os.getpid()
            and self.process.poll() is None
            and now - self.idle_since < IDLE_SECONDS
            and self.heap_limit in (None, heap_limit)
        )


class Worker:
    """One statement on a worker process, and the frames it sends."""

    def __init__(self, child: Child, deadline: float, max_frame: int):
        self.child = child
        self.process = child.process
        self.deadline = deadline
        self.max_frame = max_frame
        self._fd = child.process.stdout.fileno()
        self._pending: list = []
        self.max_columns = 0
        # Set once the worker sent its last frame for the statement and is waiting for the next one.
        self.answered = False
        # False while a frame is half read (a failed read leaves the pipe mid-frame).
        self.between_frames = True

    @classmethod
    @contextmanager
    def start(cls, request: dict, *, deadline: float) -> Iterator[Worker]:
        """Hand `request` to a worker; when the context ends the worker goes back idle, or is killed and reaped."""
        data = marshal.dumps({**request, "idle_exit_seconds": IDLE_SECONDS * IDLE_EXIT_FACTOR})
        child = _hand_over(_HEADER.pack(len(data)) + data, request["heap_limit"])
        worker = cls(child, deadline, request["max_bytes"] + _FRAME_SLACK)
        worker.max_columns = request["max_columns"]
        try:
            yield worker
        finally:
            child.statements += 1
            with _stats_lock:
                stats["statements"] += 1
            worker._finish()
            if not (worker.answered and _give_back(child)):
                _retire(child)

    def _finish(self) -> None:
        """Read, for at most `FINISH_SECONDS`, what is left of a result its reader stopped short of.

        A capped query (`LIMIT` one past the cap, or a first row only) usually has its `end` frame
        waiting: reading it keeps the worker. A statement with more to say is killed instead.
        """
        if self.answered or not self.between_frames or self.process.poll() is not None:
            return
        self.deadline = min(self.deadline, time.monotonic() + FINISH_SECONDS)
        try:
            while not self.answered:
                frame = self._frame()
                if frame[0] != "rows":
                    self._last(frame)
        except DatasourceError:
            pass

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
        self.between_frames = False
        (size,) = _HEADER.unpack(self._read_exactly(_HEADER.size))
        if size > self.max_frame:
            raise QueryFailed("A row in the result is too large to return.")
        frame = marshal.loads(self._read_exactly(size))  # noqa: S302 - written by our own worker
        self.between_frames = True
        return frame

    def columns(self) -> list[str]:
        """The result's column names (or the error the statement raised)."""
        frame = self._frame()
        if frame[0] == "columns":
            return [str(name) for name in frame[1]]
        self._last(frame)
        raise _frame_error(frame, self.max_columns)

    def _last(self, frame: tuple) -> None:
        """The statement's last frame: the worker waits for the next one, unless it ran out of memory."""
        self.answered = frame[0] == "end" or (frame[0] == "error" and frame[1] != "memory")

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
                self._last(frame)
                stream.cut = bool(frame[1])
                return
            else:
                self._last(frame)
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


# This process's idle workers, the most recently used last. A query takes one instead of waiting for an
# interpreter to start (about 13 ms of CPU and 15-40 ms of wall time); when none is left, one more is
# started ahead in the background for the next query.
_idle: list[Child] = []
_idle_lock = threading.Lock()
_refilling = False


def _take(heap_limit: int) -> Child:
    """An idle worker of this process for `heap_limit`, or a new one; retires idle workers it cannot use."""
    now = time.monotonic()
    child, stale = None, []
    with _idle_lock:
        while _idle and not _idle[0].usable(now, heap_limit):
            stale.append(_idle.pop(0))
        while _idle and child is None:
            candidate = _idle.pop()
            if candidate.usable(now, heap_limit):
                child = candidate
            else:
                stale.append(candidate)
        refill = not _idle
    for old in stale:
        _retire(old)
    if child is None:
        child = Child(_spawn())
    if refill and settings.SQLITE_IDLE_WORKERS > 0:
        _start_refill()
    return child


def _hand_over(request: bytes, heap_limit: int) -> Child:
    """A worker that has `request`: an idle one (if it died while waiting, a new one instead), or a new one."""
    for attempt in range(2):
        try:
            child = _take(heap_limit) if attempt == 0 else Child(_spawn())
        except OSError:
            raise DatasourceUnavailable()
        try:
            child.process.stdin.write(request)
            child.process.stdin.flush()
            child.heap_limit = heap_limit
            return child
        except OSError:
            _retire(child)
    raise DatasourceUnavailable()


def _give_back(child: Child) -> bool:
    """Put a worker that answered its statement back among the idle ones; False when it is not kept."""
    if child.statements >= MAX_STATEMENTS or child.owner != os.getpid() or _resident_bytes(child) > KEEP_MAX_RSS_BYTES:
        return False
    child.idle_since = time.monotonic()
    with _idle_lock:
        # Idle workers that ended themselves (sqlite_worker's idle exit) are reaped here at the latest.
        ended = [idle for idle in _idle if idle.process.poll() is not None]
        _idle[:] = [idle for idle in _idle if idle not in ended]
        kept = len(_idle) < settings.SQLITE_IDLE_WORKERS
        if kept:
            _idle.append(child)
    for idle in ended:
        _retire(idle)
    return kept


def _resident_bytes(child: Child) -> int:
    """The worker's resident memory now (0 where /proc cannot tell)."""
    try:
        with open(f"/proc/{child.process.pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def _start_refill() -> None:
    """Start one worker ahead in the background (off the query's path: a fork and an exec)."""
    global _refilling
    with _idle_lock:
        if _refilling:
            return
        _refilling = True
    threading.Thread(target=_refill, name="sqlite-worker-spare", daemon=True).start()


def _refill() -> None:
    global _refilling
    try:
        child = Child(_spawn())
    except OSError:
        child = None
    finally:
        with _idle_lock:
            _refilling = False
    if child is not None and not _give_back(child):
        _retire(child)


def _retire(child: Child) -> None:
    """Kill the worker if it still runs, and reap it (its CPU time is then counted in `stats`)."""
    process = child.process
    if child.owner != os.getpid():
        return  # another process's child (this one was forked after it started): not ours to reap
    killed = False
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        killed = True
    with_rusage = _reap(process)
    with _stats_lock:
        stats["killed"] += int(killed)
        if with_rusage is not None:
            stats["cpu_seconds"] += with_rusage.ru_utime + with_rusage.ru_stime
            stats["max_rss_kb"] = max(stats["max_rss_kb"], with_rusage.ru_maxrss)
    for pipe in (process.stdin, process.stdout):
        try:
            pipe.close()
        except OSError:
            pass


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
    return QueryFailed(_("The query needed more memory than a result may use."))


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
