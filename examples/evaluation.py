"""Verified examples as `manage.py evaluate` questions: leave-one-out, each asked as its owner.

Registered as a question source (`chat.evaluation.questions.register_source`) when the app is
ready. Each example becomes a question whose gold SQL is the example's; it is asked as the
example's owner, with that owner's other examples in play and this one left out
(`examples.retrieval.leaving_out`), so the figure says how well the rest of what a user
taught carries over. On a shared demo set every user's examples are asked, each as its owner.
"""

from __future__ import annotations

from chat.evaluation.questions import EvalQuestion
from chat.language import question_language
from datasources.models import DataSource
from examples.models import Example


def evaluation_questions(datasource: DataSource) -> list[EvalQuestion]:
    """The datasource's examples (its owner's, or everyone's on a demo set) as leave-one-out questions."""
    examples = Example.objects.filter(datasource=datasource).defer("embedding").order_by("owner_id", "id")
    if datasource.owner_id is not None:
        examples = examples.filter(owner_id=datasource.owner_id)
    return [
        EvalQuestion(
            question=example.question,
            sql=example.sql,
            lang=question_language(example.question),
            example_id=example.pk,
            owner_id=example.owner_id,
        )
        for example in examples
    ]
