"""Rows of a table, filtered and sorted as asked: "list voyages to Busan", "list products by price"."""

from __future__ import annotations

from chat.llm.offline.refusal import unsupported
from chat.llm.offline.shapes.plan import Plan
from chat.llm.offline.vocabulary import LIST_WORDS


def sql(plan: Plan) -> str:
    if not (plan.where or LIST_WORDS.search(plan.question.lowered) or plan.limit):
        raise unsupported()
    source = plan.source
    # "all" means all: without a number asked for, the executor's row cap is the only limit (and says so).
    limit = f" LIMIT {plan.limit}" if plan.limit else ""
    order = f" ORDER BY {source.col(plan.order_by)} {plan.direction}" if plan.order_by is not None else ""
    return f"SELECT {source.star} FROM {source.sql()}{plan.where}{order}{limit}"
