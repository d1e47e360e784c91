"""The one way to run SQL on a datasource: guarded, read-only, capped and timed.

Interface (kept stable for the chat pipeline):

    execute(datasource, sql, *, max_rows=None, max_bytes=None, timeout=None) -> QueryResult

A result holds at most `max_rows` rows (`RESULT_MAX_ROWS`) and about `max_bytes`
of JSON (`RESULT_MAX_BYTES`); rows past either bound are left out and the result
says `truncated`. Text values longer than `VALUE_MAX_CHARS` are cut. It
raises `GuardRejected`, `QueryFailed`, `QueryTimeout` or `DatasourceUnavailable`
(see `datasources.errors`); `RegistrationRefused` when the stored connection
settings no longer pass the registration rules.
"""

import datetime
import decimal
import json
import math
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings

from datasources import engines, sql_guard
from datasources.engines.base import VALUE_MAX_CHARS, Blob, Budget

CUT_MARK = "…"


@dataclass
class QueryResult:
    """Rows of one guarded query, JSON-safe, with what actually ran."""

    sql: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    elapsed_ms: int = 0


def safe_text(text: str, max_chars: int = VALUE_MAX_CHARS) -> str:
    """`text` cut to `max_chars`, with NUL (which PostgreSQL cannot store in text or jsonb) as U+FFFD."""
    if len(text) > max_chars:
        text = text[:max_chars] + CUT_MARK
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def json_safe(value, max_chars: int = VALUE_MAX_CHARS):
    """Turn one database value into something `json.dumps` writes faithfully and PostgreSQL can store."""
    if isinstance(value, Blob):
        return f"<{value.size} bytes>"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return safe_text(value, max_chars)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        # NUMERIC(10,2) 30.00 stays a decimal number (30.0); SUM() of integers stays a whole number.
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0 and abs(value) < 2**53:
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else str(value)  # past a double's range: exact, as text
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(item, max_chars) for item in value]
    if isinstance(value, dict):
        return {safe_text(str(key), max_chars): json_safe(item, max_chars) for key, item in value.items()}
    return safe_text(str(value), max_chars)


def _json_size(value) -> int:
    """Bytes `value` takes as UTF-8 JSON (how the API sends it and the app database stores it)."""
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _collect(raw_rows, *, max_rows: int, max_bytes: int, max_chars: int) -> tuple[list[list], bool]:
    """Convert rows as they are fetched until `max_rows` or `max_bytes` is reached; True when rows were left out."""
    rows: list[list] = []
    used = 0
    for raw in raw_rows:
        if len(rows) >= max_rows:
            return rows, True
        row = [json_safe(value, max_chars) for value in raw]
        used += _json_size(row) + 1
        if used > max_bytes:
            return rows, True
        rows.append(row)
    return rows, False


def execute(
    datasource,
    sql: str,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> QueryResult:
    """Check `sql` with the guard and run the regenerated statement read-only on `datasource`."""
    max_rows = int(max_rows or settings.RESULT_MAX_ROWS)
    max_bytes = int(max_bytes or settings.RESULT_MAX_BYTES)
    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    checked = sql_guard.check(sql, datasource.engine)
    capped = sql_guard.apply_row_cap(checked, datasource.engine, max_rows + 1)
    budget = Budget.from_settings(max_bytes)
    started = time.monotonic()
    with engines.stream_query(datasource, capped, timeout=timeout, budget=budget) as (names, raw_rows):
        columns = [safe_text(str(name)) for name in names]
        # Text is cut to its column's share of the budget (at most VALUE_MAX_CHARS), as the engine capped it.
        max_chars = budget.value_chars(len(columns))
        rows, truncated = _collect(
            raw_rows, max_rows=max_rows, max_bytes=max_bytes - _json_size(columns), max_chars=max_chars
        )
        truncated = truncated or raw_rows.cut
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return QueryResult(
        sql=checked,
        columns=columns,
        rows=rows,
        row_count=len(rows),
        truncated=truncated,
        elapsed_ms=elapsed_ms,
    )
