"""The shipped evaluation sets: offline mode on the four demo datasources answers no question wrong."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from chat.evaluation.questions import load_file

SETS = Path(__file__).resolve().parents[3] / "chat" / "evaluation" / "sets"
DEMOS = ["ecommerce", "hr", "edu", "ad"]


@pytest.mark.parametrize("demo", DEMOS)
def test_each_set_covers_both_languages_and_both_kinds_of_question(demo):
    questions = load_file(SETS / f"{demo}.jsonl")
    assert len(questions) >= 25
    assert {q.lang for q in questions} == {"en", "ko"}
    assert any(q.supported for q in questions) and any(q.supported is False for q in questions)


def evaluate_offline(datasources: dict, tmp_path) -> None:
    """Zero wrong answers, and at least 90% of the questions in supported shapes answered right."""
    for demo in DEMOS:
        report = tmp_path / f"{demo}.json"
        call_command(
            "evaluate",
            "--datasource",
            str(datasources[demo].pk),
            "--questions",
            str(SETS / f"{demo}.jsonl"),
            "--json",
            str(report),
            "--max-wrong",
            "0",
            "--min-accuracy",
            "0.9",
            "--accuracy-of",
            "supported",
            stdout=io.StringIO(),
        )
        document = json.loads(report.read_text(encoding="utf-8"))
        figures = document["figures"]
        failed = [o for o in document["outcomes"] if o["outcome"] in ("wrong", "error")]
        assert not failed, (demo, failed)
        assert figures["supported_accuracy"] >= 0.9, (demo, figures)
        # What offline mode does not claim, it refuses.
        unsupported = [o for o in document["outcomes"] if o["supported"] is False]
        assert {o["outcome"] for o in unsupported} == {"refused"}, demo


@pytest.mark.django_db
def test_offline_mode_on_every_demo_set(demo_datasources, tmp_path):
    evaluate_offline(demo_datasources, tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db
def test_offline_mode_on_every_demo_set_on_postgres(postgres_database, tmp_path):
    """The same sets on the PostgreSQL demo schemas: offline SQL and gold SQL are both portable."""
    from datasources.models import DataSource

    call_command("seed_demo", "--url", postgres_database()["url"], "--scale", "0.02", stdout=io.StringIO())
    datasources = {ds.schema: ds for ds in DataSource.objects.filter(engine="postgresql", is_demo=True)}
    evaluate_offline(datasources, tmp_path)
