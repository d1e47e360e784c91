"""Offline mode's template summaries of a result, in the question's language."""

from __future__ import annotations

from chat.language import is_korean


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "NULL" if value is None else str(value)


def summarize(question: str, result) -> str:
    """A template summary of `result` in the question's language."""
    korean = is_korean(question)
    columns, rows = list(result.columns), list(result.rows)
    count = result.row_count
    if count == 0:
        return "조건에 맞는 결과가 없습니다." if korean else "No rows matched the question."
    if count == 1 and len(columns) == 1:
        value = _format(rows[0][0])
        return f"결과는 {value}입니다 ({columns[0]})." if korean else f"The answer is {value} ({columns[0]})."
    first = ", ".join(f"{column} {_format(value)}" for column, value in list(zip(columns, rows[0], strict=False))[:4])
    more = result.truncated
    if korean:
        cut = " (표시 한도까지만 가져왔습니다)" if more else ""
        return f"{count:,}개의 행을 찾았습니다{cut}. 첫 번째 행: {first}."
    cut = " (the result was cut at the row limit)" if more else ""
    return f"Found {count:,} row{'s' if count != 1 else ''}{cut}. The first is: {first}."
