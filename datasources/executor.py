"""The one way to run SQL on a datasource: guarded, read-only, capped and timed.

Interface (kept stable for the chat pipeline):

    execute(datasource, sql, *, max_rows=None, timeout=None) -> QueryResult

raises `GuardRejected`, `QueryFailed`, `QueryTimeout` or `DatasourceUnavailable`
(see `datasources.errors`). Not implemented yet.
"""

from dataclasses import dataclass, field


@dataclass
class QueryResult:
    """Rows of one guarded query, JSON-safe, with what actually ran."""

    sql: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    elapsed_ms: int = 0


def execute(datasource, sql: str, *, max_rows: int | None = None, timeout: float | None = None) -> QueryResult:
    """Check `sql` with the guard and run the regenerated statement read-only on `datasource`."""
    raise NotImplementedError
