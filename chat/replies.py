"""Parsing model replies before anything trusts them: SQL from a fenced block, bare SQL or JSON."""

from __future__ import annotations

import json
import re

from chat.errors import LLMBadOutput
from datasources import engines

# Reasoning models served through OpenAI-compatible servers often prefix their answer with a think block.
THINKING = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
# Code fences whose body is SQL: unlabelled, "sql", or named after an engine or its dialect.
SQL_FENCE_LABELS = {"", "sql"} | {n for e in engines.ENGINES.values() for n in (e.name, e.sqlglot_dialect)}
FENCED = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\n(.*?)```", re.DOTALL)
# Bare replies must look like a statement; what kind of statement is the guard's decision, not ours.
QUERY_START = re.compile(
    r"^\s*(SELECT|WITH|VALUES|\(\s*SELECT|INSERT|UPDATE|DELETE|REPLACE|MERGE|DROP|CREATE|ALTER|TRUNCATE|PRAGMA|"
    r"ATTACH|DETACH|COPY|SET|GRANT|REVOKE|CALL|EXEC|EXECUTE|LOAD|VACUUM|BEGIN|COMMIT|SHOW|EXPLAIN)\b",
    re.IGNORECASE,
)
QUERY_LINE = re.compile(r"^[ \t]*(SELECT|WITH)\b", re.IGNORECASE | re.MULTILINE)


def _from_json(text: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("sql"), str):
        return value["sql"]
    return None


def strip_thinking(reply: str) -> str:
    """The reply without a leading `<think>…</think>` block."""
    return THINKING.sub("", reply or "").strip()


_TAGS = {tag: re.compile(re.escape(tag), re.IGNORECASE) for tag in ("<think>", "</think>")}


class ThinkingFilter:
    """Streamed text without its `<think>…</think>` blocks, even when a tag is split across pieces.

    What it passes on adds up to `strip_thinking` of the whole reply (bar trailing whitespace).
    """

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self):
        self.pending = ""
        self.inside = False
        self.started = False

    def feed(self, piece: str) -> str:
        """The visible text that `piece` completes."""
        self.pending += piece
        visible = []
        while True:
            tag = self.CLOSE if self.inside else self.OPEN
            found = _TAGS[tag].search(self.pending)  # on the text itself: lower() may change its length
            if found is None:
                break
            if not self.inside:
                visible.append(self.pending[: found.start()])
            self.pending = self.pending[found.end() :]
            self.inside = not self.inside
        # Hold back what may be the start of a tag; the next piece decides.
        held = next((k for k in range(len(tag) - 1, 0, -1) if self.pending[-k:].lower() == tag[:k]), 0)
        if not self.inside:
            visible.append(self.pending[: len(self.pending) - held])
        self.pending = self.pending[len(self.pending) - held :]
        return self._started("".join(visible))

    def flush(self) -> str:
        """Whatever was held back when the reply ends."""
        rest, self.pending = ("" if self.inside else self.pending), ""
        return self._started(rest)

    def _started(self, text: str) -> str:
        if not self.started:
            text = text.lstrip()
            self.started = bool(text)
        return text


def parse_sql(reply: str) -> str:
    """The one SQL query in a model reply, or `LLMBadOutput`.

    Accepted: a ```sql (or unlabelled) fenced block, JSON with a `sql` key (bare or
    fenced as ```json), or bare text that starts like a SQL statement. Whether the
    statement may run is decided by the guard, so a write is returned here too.
    """
    text = strip_thinking(reply)
    candidate = None
    if text.startswith("{"):
        candidate = _from_json(text)
    if candidate is None:
        for label, body in FENCED.findall(text):
            label = label.lower()
            if label == "json":
                candidate = _from_json(body.strip())
            elif label in SQL_FENCE_LABELS:
                candidate = body
            if candidate is not None:
                break
    if candidate is None and QUERY_START.match(text):
        candidate = text
    if candidate is None:
        match = QUERY_LINE.search(text)
        if match:
            candidate = text[match.start() :]
    sql = (candidate or "").strip().rstrip(";").strip()
    if not sql:
        raise LLMBadOutput()
    return sql


def parse_tables(reply: str, known: list[str]) -> list[str]:
    """Table names picked by the model, limited to `known` (JSON `{"tables": [...]}`, a list, or plain names)."""
    text = (reply or "").strip()
    fenced = FENCED.search(text)
    if fenced:
        text = fenced.group(2).strip()
    names: list = []
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        value = value.get("tables")
    if isinstance(value, list):
        names = [str(item) for item in value]
    else:
        names = re.findall(r"[A-Za-z_][\w.$]*", text)
    lookup = {name.lower(): name for name in known}
    picked: list[str] = []
    for name in names:
        real = lookup.get(name.strip().strip('"`').lower())
        if real and real not in picked:
            picked.append(real)
    return picked
