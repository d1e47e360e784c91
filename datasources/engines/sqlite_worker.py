"""Runs SQLite statements in a process of its own, one at a time, so that a statement can be killed mid-call.

SQLite checks its progress handler (our deadline) only between VM steps, and one
step can run for minutes (`trim` with a long character set, `instr` with a long
near-miss needle, `printf` with a huge width). So statements run here, in a
child started with `python -I -S` (the standard library only), which the parent
kills when a deadline passes. The child also ends itself: for each statement,
SIGALRM (default action: terminate) after `timeout + 2` s of wall time and
RLIMIT_CPU at `timeout + 1` s more CPU than it had used, so it stops even if the
parent is gone.

A child serves one statement after another (see `sqlite_process` for when the
parent keeps it and when it kills it). Nothing survives a statement but the
interpreter: each opens its own read-only connection and closes it, and sets
its own limits and deadline (SQLite's heap limit can only be lowered in a process,
so the parent hands a worker only statements with the heap limit it started with).

Protocol: the parent writes a request (4-byte big-endian length, then a
marshal'd dict) to stdin; the child answers on stdout with frames (the same
length header, then a marshal'd tuple): `("columns", [names])`, then
`("rows", [row, ...])` batches, then `("end", cut)` or `("error", kind,
message)`, and waits for the next request; it exits when stdin closes, or when
no request came for the last request's `idle_exit_seconds` (the parent stops
handing it requests before that). A BLOB
is sent as `("\\x00blob", size)`: the API shows only its size, so its bytes
never cross. Text is cut to `value_max_chars` characters, and no more than
`max_bytes` of values are sent (`cut` says so).

This file imports nothing from the project and runs on its own.
"""

import marshal
import math
import os
import resource
import select
import signal
import sqlite3
import struct
import sys
import time

BLOB_TAG = "\x00blob"
FRAME_BYTES = 64 * 1024
TEMP_FILE_MAX_BYTES = 1024 * 1024 * 1024
_PRAGMAS_READ = {"read_uncommitted"}
_HEADER = struct.Struct(">I")
# A worker started ahead waits this long for its first request, then ends itself (the parent hands
# requests only to workers idle for less: sqlite_process.IDLE_SECONDS).
FIRST_REQUEST_SECONDS = 90.0


def _send(out, message) -> None:
    data = marshal.dumps(message)
    out.write(_HEADER.pack(len(data)))
    out.write(data)


def _soft_limit(kind: int, value: int) -> None:
    """Set `kind`'s soft limit, leaving the hard one where it is (a later statement may need a higher soft one)."""
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _bound_process(timeout: float, max_memory: int) -> None:
    """Limits for the next statement that the kernel enforces even if this process never runs another line of Python."""
    signal.alarm(max(1, math.ceil(timeout) + 2))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft_limit(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime) + max(1, math.ceil(timeout) + 1))
    _soft_limit(resource.RLIMIT_AS, max_memory)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Sorts and DISTINCT spill to temporary files; none may grow past this (the database itself is read-only).
    resource.setrlimit(resource.RLIMIT_FSIZE, (TEMP_FILE_MAX_BYTES, TEMP_FILE_MAX_BYTES))


def _authorizer(denied_functions: frozenset):
    def authorize(action, arg1, arg2, dbname, source):
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            return sqlite3.SQLITE_DENY if str(arg2).lower() in denied_functions else sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and str(arg1).lower() in _PRAGMAS_READ and arg2 is None:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize


def _open(request: dict) -> sqlite3.Connection:
    conn = sqlite3.connect(request["uri"], uri=True, timeout=2, isolation_level=None)
    try:
        # The heap limit is process-wide: it bounds everything SQLite allocates for this one statement.
        conn.execute(f"PRAGMA hard_heap_limit = {int(request['heap_limit'])}")
        for limit, value in request["limits"].items():
            conn.setlimit(getattr(sqlite3, limit), value)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
    except sqlite3.Error:
        conn.close()
        raise
    conn.set_authorizer(_authorizer(frozenset(request["denied_functions"])))
    deadline = time.monotonic() + request["timeout"]
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
    return conn


def _value(value, max_chars: int):
    """A value as it crosses to the parent, and what it costs in bytes there."""
    if isinstance(value, str):
        if len(value) > max_chars:
            value = value[:max_chars]
        return value, len(value) + 2
    if isinstance(value, bytes):
        return (BLOB_TAG, len(value)), 16
    return value, 16


def run(request: dict, out) -> None:
    """Run the request's statement and write its frames to `out`."""
    try:
        conn = _open(request)
    except sqlite3.Error:
        _send(out, ("error", "unavailable", ""))
        return
    try:
        cursor = conn.execute(request["sql"])
        names = [d[0] for d in cursor.description or ()]
        if len(names) > request["max_columns"]:
            _send(out, ("error", "columns", str(len(names))))
            return
        _send(out, ("columns", names))
        budget, max_chars = request["max_bytes"], request["value_max_chars"]
        batch, batch_bytes, cut = [], 0, False
        while True:
            raw = cursor.fetchone()
            if raw is None:
                break
            row, size = [], 16
            for value in raw:
                value, cost = _value(value, max_chars)
                row.append(value)
                size += cost
            del raw
            budget -= size
            if budget < 0:
                cut = True
                break
            batch.append(row)
            batch_bytes += size
            if batch_bytes >= FRAME_BYTES or len(batch) >= 500:
                _send(out, ("rows", batch))
                out.flush()
                batch, batch_bytes = [], 0
        if batch:
            _send(out, ("rows", batch))
        _send(out, ("end", cut))
    except sqlite3.Error as exc:
        kind = type(exc).__name__
        _send(out, ("error", kind, str(exc)[:1000]))
    except MemoryError:
        _send(out, ("error", "memory", ""))
    finally:
        conn.close()


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`, or None when it closed first."""
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_request(fd: int, idle_seconds: float) -> dict | None:
    """The next request; None when the parent closed stdin, sent half of one, or sent none for `idle_seconds`."""
    ready, _, _ = select.select([fd], [], [], idle_seconds)
    if not ready:
        return None
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    data = _read_exactly(fd, size)
    if data is None:
        return None
    return marshal.loads(data)  # noqa: S302 - written by the parent, our own code


def main() -> None:
    # Unbuffered: `select` then sees every byte the parent wrote that was not read yet.
    fd = sys.stdin.fileno()
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=FRAME_BYTES * 2, closefd=False)
    idle_seconds = FIRST_REQUEST_SECONDS
    while (request := _read_request(fd, idle_seconds)) is not None:
        _bound_process(request["timeout"], request["max_memory"])
        try:
            run(request, out)
            out.flush()
        except BrokenPipeError:
            break  # the parent stopped reading: nothing left to do
        signal.alarm(0)
        idle_seconds = request["idle_exit_seconds"]
    os._exit(0)


if __name__ == "__main__":
    main()
