"""The one way to run SQL on a datasource: guarded, read-only, capped and timed.

Interface (kept stable for the chat pipeline):

    execute(datasource, sql, *, max_rows=None, timeout=None) -> QueryResult

raises `GuardRejected`, `QueryFailed`, `QueryTimeout` or `DatasourceUnavailable`
(see `datasources.errors`); `RegistrationRefused` when the stored connection
settings no longer pass the registration rules.
"""

import datetime
import decimal
import math
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings

from datasources import connectors, sql_guard


@dataclass
class QueryResult:
    """Rows of one guarded query, JSON-safe, with what actually ran."""

    sql: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    elapsed_ms: int = 0


def json_safe(value):
    """Turn one database value into something `json.dumps` writes faithfully."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        # NUMERIC(10,2) 30.00 stays a decimal number (30.0); SUM() of integers stays a whole number.
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 and abs(value) < 2**53 else float(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return str(value)


def execute(datasource, sql: str, *, max_rows: int | None = None, timeout: float | None = None) -> QueryResult:
    """Check `sql` with the guard and run the regenerated statement read-only on `datasource`."""
    max_rows = int(max_rows or settings.RESULT_MAX_ROWS)
    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    checked = sql_guard.check(sql, datasource.engine)
    capped = sql_guard.apply_row_cap(checked, datasource.engine, max_rows + 1)
    started = time.monotonic()
    columns, raw_rows = connectors.run_query(datasource, capped, fetch_limit=max_rows + 1, timeout=timeout)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    truncated = len(raw_rows) > max_rows
    rows = [[json_safe(value) for value in row] for row in raw_rows[:max_rows]]
    return QueryResult(
        sql=checked,
        columns=[str(name) for name in columns],
        rows=rows,
        row_count=len(rows),
        truncated=truncated,
        elapsed_ms=elapsed_ms,
    )
