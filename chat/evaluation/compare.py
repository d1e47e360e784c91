"""Whether a predicted result answers like the gold one.

Results compare as multisets of rows; order matters only when the gold SQL both
orders and limits (a "top N"). Column names and order are ignored: each gold
column must match a distinct predicted column value for value, and the
prediction may carry extra columns (a `SELECT *` answer still answers).
Numbers compare with a small relative tolerance, so `AVG` on two engines or a
`NUMERIC` against a float agree.
"""

from __future__ import annotations

import itertools
import math

import sqlglot

from datasources import sql_guard

REL_TOLERANCE = 1e-4
ABS_TOLERANCE = 1e-9
# Column assignments tried before giving up (each gold column usually fits exactly one predicted column).
MAX_ASSIGNMENTS = 2000


def orders_and_limits(sql: str, engine: str) -> bool:
    """Whether the outermost query has both ORDER BY and LIMIT: only then is row order part of the answer."""
    try:
        tree = sqlglot.parse_one(sql, read=sql_guard.dialect_for(engine))
    except sqlglot.errors.SqlglotError:
        return False
    return bool(tree.args.get("order")) and bool(tree.args.get("limit"))


def _number(value) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def same_value(a, b) -> bool:
    """Equal as values: numbers within the tolerance, anything else exactly."""
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)
    return a == b


def _sort_key(value):
    """A key that sorts any JSON value, numbers rounded so near-equal ones sort together."""
    number = _number(value)
    if value is None:
        return (0, 0, "")
    if number is not None:
        return (1, float(f"{number:.4g}") if math.isfinite(number) else 0.0, "")
    return (2, 0, str(value))


def _same_rows(gold: list[list], predicted: list[list], ordered: bool) -> bool:
    if len(gold) != len(predicted):
        return False
    if not ordered:
        gold = sorted(gold, key=lambda row: [_sort_key(v) for v in row])
        predicted = sorted(predicted, key=lambda row: [_sort_key(v) for v in row])
    if all(all(same_value(a, b) for a, b in zip(g, p, strict=True)) for g, p in zip(gold, predicted, strict=True)):
        return True
    if ordered or len(gold) > 500:
        return False
    # Rounded sort keys can order near-equal numbers differently: match row by row instead.
    unused = list(predicted)
    for row in gold:
        match = next((i for i, other in enumerate(unused) if all(map(same_value, row, other))), None)
        if match is None:
            return False
        unused.pop(match)
    return True


def _same_column(gold: list, predicted: list, ordered: bool) -> bool:
    return _same_rows([[v] for v in gold], [[v] for v in predicted], ordered)


def same_result(gold_rows: list[list], predicted_rows: list[list], *, ordered: bool) -> bool:
    """Whether `predicted_rows` hold the same answer as `gold_rows` (see the module's rules)."""
    if len(gold_rows) != len(predicted_rows):
        return False
    if not gold_rows:
        return True
    width, pwidth = len(gold_rows[0]), len(predicted_rows[0])
    if pwidth < width:
        return False
    gold_columns = [[row[j] for row in gold_rows] for j in range(width)]
    predicted_columns = [[row[k] for row in predicted_rows] for k in range(pwidth)]
    # For each gold column, the predicted columns holding the same values (in any row order).
    candidates = [
        [k for k in range(pwidth) if _same_column(gold_columns[j], predicted_columns[k], False)] for j in range(width)
    ]
    if not all(candidates):
        return False
    for tried, assignment in enumerate(itertools.product(*candidates)):
        if tried >= MAX_ASSIGNMENTS:
            return False
        if len(set(assignment)) < width:
            continue
        projected = [[row[k] for k in assignment] for row in predicted_rows]
        if _same_rows(gold_rows, projected, ordered):
            return True
    return False
