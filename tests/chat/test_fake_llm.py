"""The fake OpenAI-compatible server other suites rely on: SDK compatibility, default replies, standalone mode."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openai
import pytest

from chat import prompts
from tests.fake_llm import FakeLLM, Reply

ROOT = Path(__file__).resolve().parents[2]


def sql_messages(question: str) -> list[dict]:
    return [
        {"role": "system", "content": prompts.stage_tag(prompts.STAGE_SQL) + " write SQL"},
        {
            "role": "user",
            "content": f"{prompts.SCHEMA_HEADING}\nCREATE TABLE orders (\n  id INTEGER\n);\n\n"
            f"{prompts.QUESTION_HEADING}\n{question}",
        },
    ]


@pytest.fixture
def client(fake_llm_server):
    fake_llm_server.reset()
    yield openai.OpenAI(base_url=fake_llm_server.base_url, api_key="k", max_retries=0, timeout=5)
    fake_llm_server.reset()


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        ("How many orders?", "SELECT COUNT(*) AS count FROM orders"),
        ("Run `SELECT 2 AS two` please", "SELECT 2 AS two"),
        ("SQL: SELECT id FROM orders", "SELECT id FROM orders"),
    ],
)
def test_default_sql_replies(client, fake_llm_server, question, sql):
    reply = client.chat.completions.create(model="m", messages=sql_messages(question))
    assert reply.choices[0].message.content == f"```sql\n{sql}\n```"
    assert reply.usage.total_tokens > 0
    assert fake_llm_server.requests[0].stage == "sql" and fake_llm_server.requests[0].question == question


def test_default_summary_speaks_the_questions_language_and_streams(client):
    def summary(question):
        messages = [
            {"role": "system", "content": prompts.stage_tag(prompts.STAGE_SUMMARY)},
            {"role": "user", "content": f"{prompts.ROW_COUNT_LABEL} 7\n\n{prompts.QUESTION_HEADING}\n{question}"},
        ]
        stream = client.chat.completions.create(
            model="m", messages=messages, stream=True, stream_options={"include_usage": True}
        )
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    assert summary("How many?") == "The query returned 7 rows."
    assert summary("몇 개야?") == "결과는 7개 행입니다."


def test_scripted_replies_wait_for_their_stage(client, fake_llm_server):
    fake_llm_server.enqueue(Reply.text("summary text"), stage="summary")
    fake_llm_server.enqueue(Reply.sql("SELECT 42"))
    first = client.chat.completions.create(model="m", messages=sql_messages("q"))
    assert first.choices[0].message.content == "```sql\nSELECT 42\n```"
    assert fake_llm_server.pending == 1
    fake_llm_server.enqueue(Reply.error(429))
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="m", messages=sql_messages("q"))


def test_latency_and_hang(client, fake_llm_server):
    fake_llm_server.latency = 0.3
    started = time.monotonic()
    client.models.list()  # models are not delayed
    client.chat.completions.create(model="m", messages=sql_messages("q"))
    assert 0.3 <= time.monotonic() - started < 3
    fake_llm_server.enqueue(Reply.hang(3))
    short = client.with_options(timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        short.chat.completions.create(model="m", messages=sql_messages("q"))


def test_runs_standalone():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_llm", "--port", str(port), "--latency", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in process.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=5) as response:
            assert json.load(response)["data"][0]["id"]
        own = FakeLLM(port=0)  # another instance on its own port does not clash
        assert own.port != port
        own._server.server_close()
    finally:
        process.terminate()
        process.wait(timeout=5)
