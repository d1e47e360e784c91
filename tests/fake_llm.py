"""A small OpenAI-compatible HTTP server for tests, browser runs and benchmarks.

Endpoints: `POST /v1/chat/completions` (plain JSON, or server-sent event chunks
with `"stream": true`, ending in `data: [DONE]`), `POST /v1/embeddings` and
`GET /v1/models`.

Embeddings are deterministic: each text's character bigrams (lowered, spaces
dropped) hashed into `EMBEDDING_DIMENSIONS` counts, so texts sharing many
bigrams are close, in Korean as in English. Each request's `input` list is kept
in `fake.embedding_requests`; `fake.fail_embeddings = True` answers them with 503.

Use from Python::

    fake = FakeLLM(latency=0.0).start()      # fake.base_url == "http://127.0.0.1:<port>/v1"
    fake.enqueue(Reply.sql("SELECT 1"))       # next request, whatever its stage
    fake.enqueue(Reply.text("Two."), stage="summary")  # next summary request only
    fake.enqueue(Reply.error(503), Reply.garbage(), Reply.malformed(), Reply.hang())
    fake.requests[-1].messages, fake.requests[-1].model, fake.requests[-1].stage
    fake.reset(); fake.stop()

or standalone: `python -m tests.fake_llm --port 9999 --latency 1`.

Scripted replies are consumed first-in first-out; a reply queued with `stage=`
waits for a request of that stage (`sql`, `repair`, `tables`, `summary`, see
`chat.prompts`), one without a stage answers the next request of any stage.

With nothing scripted, the default responder answers deterministically:

- `sql` and `repair` stages: a ```sql fenced block. The SQL is the text inside
  the first pair of backticks in the question if there is one; otherwise the
  text after `SQL:` in the question; otherwise `SELECT COUNT(*) AS count FROM <t>`
  where `<t>` is the first `CREATE TABLE` in the schema context; otherwise
  `SELECT 1 AS one`.
- `tables` stage: `{"tables": [...]}` with every table listed in the request.
- `summary` stage: one sentence with the row count from the request, in Korean
  when the question contains Hangul ("결과는 N개 행입니다."), else English
  ("The query returned N rows.").
- anything else: "OK".

The stage is read from the tag at the start of the system prompt and the
question from the text after the last `### Question` heading of the last user
message (constants in `chat.prompts`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chat import prompts

HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass
class Reply:
    """One scripted answer: text, an HTTP error, a garbage body or a hang."""

    kind: str = "text"  # text | error | malformed | hang
    content: str = ""
    status: int = 200
    delay: float = 0.0
    stage: str | None = None
    chunk_delay: float = 0.0

    @staticmethod
    def text(content: str, *, delay: float = 0.0, chunk_delay: float = 0.0) -> Reply:
        """A plain completion with this content; streamed, each word waits `chunk_delay` seconds."""
        return Reply(kind="text", content=content, delay=delay, chunk_delay=chunk_delay)

    @staticmethod
    def sql(sql: str, *, delay: float = 0.0) -> Reply:
        """A ```sql fenced block, as a well-behaved model writes it."""
        return Reply(kind="text", content=f"```sql\n{sql}\n```", delay=delay)

    @staticmethod
    def error(status: int = 500, message: str = "upstream error", *, delay: float = 0.0) -> Reply:
        """An OpenAI-style JSON error with this HTTP status."""
        return Reply(kind="error", status=status, content=message, delay=delay)

    @staticmethod
    def garbage(*, delay: float = 0.0) -> Reply:
        """A well-formed completion whose content is no SQL at all."""
        return Reply(kind="text", content="I am not sure what you mean. ¯\\_(ツ)_/¯", delay=delay)

    @staticmethod
    def malformed(*, delay: float = 0.0) -> Reply:
        """HTTP 200 with a body that is not JSON."""
        return Reply(kind="malformed", content="<html>not json", delay=delay)

    @staticmethod
    def hang(seconds: float = 60.0) -> Reply:
        """Accept the request and answer nothing for `seconds` (or until the server stops)."""
        return Reply(kind="hang", delay=seconds)


@dataclass
class RecordedRequest:
    """What the server received: model, messages, stream flag and the stage it recognised."""

    model: str
    messages: list[dict]
    stream: bool
    stage: str | None
    body: dict = field(default_factory=dict)

    @property
    def system(self) -> str:
        return next((m.get("content") or "" for m in self.messages if m.get("role") == "system"), "")

    @property
    def user(self) -> str:
        """The last user message."""
        users = [m.get("content") or "" for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else ""

    @property
    def question(self) -> str:
        return question_of(self.user)


def question_of(user_message: str) -> str:
    """The text after the last question heading, or the whole message."""
    heading = prompts.QUESTION_HEADING + "\n"
    index = user_message.rfind(heading)
    return user_message[index + len(heading) :].strip() if index >= 0 else user_message.strip()


def default_sql(question: str, context: str) -> str:
    """The SQL the default responder writes for `question` (rules in the module docstring)."""
    backticked = re.search(r"`([^`]+)`", question)
    if backticked:
        return backticked.group(1).strip()
    after = re.search(r"SQL:\s*(.+)", question, re.DOTALL)
    if after:
        return after.group(1).strip()
    table = re.search(r"CREATE TABLE\s+([^\s(]+)", context)
    if table:
        return f"SELECT COUNT(*) AS count FROM {table.group(1)}"
    return "SELECT 1 AS one"


def default_reply(request: RecordedRequest) -> str:
    """Deterministic answer for a request nothing was scripted for."""
    context = "\n".join(m.get("content") or "" for m in request.messages)
    question = request.question
    if request.stage in (prompts.STAGE_SQL, prompts.STAGE_REPAIR):
        return f"```sql\n{default_sql(question, context)}\n```"
    if request.stage == prompts.STAGE_TABLES:
        names = re.findall(r"^- ([^:\n]+):", request.user, re.MULTILINE)
        return json.dumps({"tables": names})
    if request.stage == prompts.STAGE_SUMMARY:
        count = re.search(re.escape(prompts.ROW_COUNT_LABEL) + r"\s*(\d+)", request.user)
        rows = int(count.group(1)) if count else 0
        if HANGUL.search(question):
            return f"결과는 {rows}개 행입니다."
        return f"The query returned {rows} row{'s' if rows != 1 else ''}."
    return "OK"


EMBEDDING_DIMENSIONS = 64


def fake_embedding(text: str) -> list[float]:
    """The fake server's embedding of `text` (character bigrams hashed into buckets; see the module docstring)."""
    import zlib

    squeezed = "".join(str(text).lower().split())
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for index in range(max(len(squeezed) - 1, 1)):
        bigram = squeezed[index : index + 2]
        vector[zlib.crc32(bigram.encode()) % EMBEDDING_DIMENSIONS] += 1.0
    return vector


class _Server(ThreadingHTTPServer):
    """Threaded server with a listen backlog for bursts of concurrent requests (the default is 5)."""

    daemon_threads = True
    request_queue_size = 256


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class FakeLLM:
    """An OpenAI-compatible server on 127.0.0.1 with scripted replies, latency and a request log."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, model: str = "fake-model"):
        self.latency = latency
        self.model = model
        self.requests: list[RecordedRequest] = []
        self.embedding_requests: list[list[str]] = []
        self.fail_embeddings = False
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counter = 0
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> FakeLLM:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget scripted replies and recorded requests; latency back to zero."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.embedding_requests.clear()
        self.fail_embeddings = False
        self.latency = 0.0

    def enqueue(self, *replies: Reply, stage: str | None = None) -> None:
        """Script the next replies (for `stage` only, when given)."""
        with self._lock:
            for reply in replies:
                if stage is not None:
                    reply = dataclasses.replace(reply, stage=stage)
                self._queue.append(reply)

    def requests_for(self, stage: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.stage == stage]

    @property
    def pending(self) -> int:
        """Scripted replies not consumed yet."""
        return len(self._queue)

    # -- serving -------------------------------------------------------------------
    def _take(self, stage: str | None) -> Reply | None:
        with self._lock:
            for index, reply in enumerate(self._queue):
                if reply.stage is None or reply.stage == stage:
                    return self._queue.pop(index)
        return None

    def _record(self, body: dict) -> RecordedRequest:
        messages = body.get("messages") or []
        system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
        request = RecordedRequest(
            model=str(body.get("model", "")),
            messages=messages,
            stream=bool(body.get("stream")),
            stage=prompts.stage_of(system if isinstance(system, str) else ""),
            body=body,
        )
        with self._lock:
            self.requests.append(request)
            self._counter += 1
        return request

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, delayed ACKs add ~40 ms per reply.
            disable_nagle_algorithm = True

            def log_message(self, format, *args):  # noqa: A002 - stdlib signature
                pass

            def _send_json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - stdlib name
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(
                        200,
                        {
                            "object": "list",
                            "data": [{"id": fake.model, "object": "model", "created": 0, "owned_by": "fake-llm"}],
                        },
                    )
                else:
                    self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

            def do_POST(self):  # noqa: N802 - stdlib name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path.rstrip("/").endswith("/embeddings"):
                    self._embeddings(raw)
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._send_json(400, {"error": {"message": "invalid JSON", "type": "invalid_request_error"}})
                    return
                request = fake._record(body)
                reply = fake._take(request.stage) or Reply(kind="text", content=default_reply(request))
                fake._wait(fake.latency)
                if reply.kind == "hang":
                    fake._wait(reply.delay)
                    self.close_connection = True
                    return
                fake._wait(reply.delay)
                try:
                    self._answer(request, reply)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _embeddings(self, raw: bytes) -> None:
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._send_json(400, {"error": {"message": "invalid JSON", "type": "invalid_request_error"}})
                    return
                texts = body.get("input")
                texts = [texts] if isinstance(texts, str) else list(texts or [])
                with fake._lock:
                    fake.embedding_requests.append(texts)
                fake._wait(fake.latency)
                if fake.fail_embeddings:
                    self._send_json(503, {"error": {"message": "embeddings down", "type": "server_error"}})
                    return
                self._send_json(
                    200,
                    {
                        "object": "list",
                        "model": str(body.get("model", "")),
                        "data": [
                            {"object": "embedding", "index": i, "embedding": fake_embedding(text)}
                            for i, text in enumerate(texts)
                        ],
                        "usage": {"prompt_tokens": sum(_tokens(t) for t in texts), "total_tokens": 0},
                    },
                )

            def _answer(self, request: RecordedRequest, reply: Reply) -> None:
                if reply.kind == "error":
                    headers = {"retry-after": "0"} if reply.status == 429 else {}
                    data = json.dumps(
                        {"error": {"message": reply.content, "type": "server_error", "code": str(reply.status)}}
                    ).encode()
                    self.send_response(reply.status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if reply.kind == "malformed":
                    data = reply.content.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                prompt_tokens = sum(_tokens(str(m.get("content") or "")) for m in request.messages)
                completion_tokens = _tokens(reply.content)
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                }
                ident = f"chatcmpl-fake-{fake._counter}"
                model = request.model or fake.model
                if request.stream:
                    self._stream(ident, model, reply.content, usage, request.body, reply.chunk_delay)
                    return
                self._send_json(
                    200,
                    {
                        "id": ident,
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply.content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": usage,
                    },
                )

            def _stream(self, ident: str, model: str, text: str, usage: dict, body: dict, chunk_delay: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

                def chunk(delta: dict, finish: str | None = None, with_usage: dict | None = None) -> None:
                    payload = {
                        "id": ident,
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [] if with_usage else [{"index": 0, "delta": delta, "finish_reason": finish}],
                    }
                    if with_usage:
                        payload["usage"] = with_usage
                    self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                    self.wfile.flush()

                chunk({"role": "assistant", "content": ""})
                for piece in re.findall(r"\S+\s*|\s+", text):
                    fake._wait(chunk_delay)
                    chunk({"content": piece})
                chunk({}, finish="stop")
                if (body.get("stream_options") or {}).get("include_usage"):
                    chunk({}, with_usage=usage)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def main(argv: list[str] | None = None) -> None:
    """Run the server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible LLM server for chatAPI tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9999)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before every reply")
    args = parser.parse_args(argv)
    fake = FakeLLM(host=args.host, port=args.port, latency=args.latency)
    print(f"fake LLM listening on {fake.base_url} (latency {args.latency}s)", flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main()
