"""Server-sent events for an ask (DESIGN.md §3.6).

The turn runs in a worker thread that feeds a queue; the response generator only
reads from it. A client that goes away closes the generator, not the pipeline,
so the turn still completes and is stored.
"""

from __future__ import annotations

import json
import logging
import queue
import threading

from django.db import connections
from django.http import StreamingHttpResponse

from chat.errors import TurnDiscarded
from chat.models import Message
from chat.pipeline import run_turn
from chat.serializers import message_data

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15
_FINISHED = object()
_running: set[threading.Thread] = set()
_running_lock = threading.Lock()


def _quality(accept: str, media_type: str) -> float:
    """The q-value `accept` gives `media_type` exactly (0 when it is not named)."""
    best = 0.0
    for part in accept.split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        if name.lower() != media_type:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_stream(request) -> bool:
    """Whether the client asked for server-sent events (preferred at least as much as JSON)."""
    accept = request.META.get("HTTP_ACCEPT", "")
    stream_q = _quality(accept, "text/event-stream")
    return stream_q > 0 and stream_q >= _quality(accept, "application/json")


def sse(event: str, data: dict) -> bytes:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def running_turns() -> list[threading.Thread]:
    """Worker threads of turns still being answered (for graceful shutdown and tests)."""
    with _running_lock:
        return [thread for thread in _running if thread.is_alive()]


def _work(message: Message, events: queue.Queue, kwargs: dict) -> None:
    try:
        run_turn(message, emit=lambda event, data: events.put((event, data)), **kwargs)
    except TurnDiscarded as exc:
        events.put(("error", {"code": exc.code, "message": exc.message}))
    except Exception:  # noqa: BLE001 - run_turn has logged it and stored the turn as failed
        logger.debug("streamed turn %s ended with an unexpected error", message.pk)
    finally:
        events.put(_FINISHED)
        connections.close_all()
        with _running_lock:
            _running.discard(threading.current_thread())


def stream_turn(request, message: Message, *, question: str, sql: str, summarize: bool) -> StreamingHttpResponse:
    """Answer a stored pending turn as a stream of events; `done` or `error` closes it."""
    events: queue.Queue = queue.Queue()
    kwargs = {"question": question, "sql": sql, "summarize_result": summarize}
    worker = threading.Thread(target=_work, args=(message, events, kwargs), name=f"turn-{message.pk}")
    with _running_lock:
        _running.add(worker)
    worker.start()

    def generate():
        yield b": stream open\n\n"
        while True:
            try:
                item = events.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                yield b": keepalive\n\n"
                continue
            if item is _FINISHED:
                break
            yield sse(*item)
            if item[0] == "error":  # the turn is gone: there is nothing stored to send
                return
        turn = message_data(request, message)
        if message.status == Message.Status.OK:
            yield sse("done", turn)
        else:
            yield sse("error", {"code": message.error_code, "message": message.error_message, "turn": turn})

    response = StreamingHttpResponse(generate(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
