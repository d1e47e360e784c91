"""When two results are the same answer: multisets of rows, columns matched by value, order only for a top N."""

import pytest

from chat.evaluation.compare import orders_and_limits, same_result


@pytest.mark.parametrize(
    ("gold", "predicted", "ordered", "same"),
    [
        ([[1, "a"], [2, "b"]], [[2, "b"], [1, "a"]], False, True),  # row order ignored
        ([[1, "a"], [2, "b"]], [["a", 1], ["b", 2]], False, True),  # column order ignored
        ([["a"], ["b"]], [[1, "a", 9.5], [2, "b", 3.0]], False, True),  # SELECT * still answers
        ([[1.0 / 3]], [[0.33333]], False, True),  # small relative tolerance
        ([[100.0]], [[101.0]], False, False),  # a different number
        ([[1], [1], [2]], [[1], [2], [2]], False, False),  # multisets, not sets
        ([[1], [2]], [[1], [2], [3]], False, False),  # a row too many
        ([[1, "a"], [2, "b"]], [[1, "b"], [2, "a"]], False, False),  # same columns, rows paired differently
        ([[3], [2], [1]], [[1], [2], [3]], True, False),  # a top N in the wrong order
        ([[3], [2], [1]], [[3], [2], [1]], True, True),
        ([["x", 1]], [["x"]], False, False),  # a gold column missing
        ([[None]], [[None]], False, True),
        ([], [], False, True),
    ],
)
def test_same_result(gold, predicted, ordered, same):
    assert same_result(gold, predicted, ordered=ordered) is same


@pytest.mark.parametrize(
    ("sql", "ordered"),
    [
        ("SELECT * FROM t ORDER BY price DESC LIMIT 5", True),
        ("SELECT * FROM t ORDER BY price DESC", False),
        ("SELECT * FROM t LIMIT 5", False),
        ("SELECT * FROM (SELECT * FROM t ORDER BY a LIMIT 3) AS s", False),
    ],
)
def test_order_matters_only_when_the_gold_sql_orders_and_limits(sql, ordered):
    assert orders_and_limits(sql, "sqlite") is ordered
