"""`manage.py evaluate`: measure how many questions of a set the configured model (or offline mode) answers right."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat import prompts
from chat.evaluation import questions as question_sources
from chat.evaluation.report import Report
from chat.evaluation.runner import evaluate
from chat.llm import get_client
from datasources.models import DataSource

BAR_WIDTH = 30


def _datasource(value: str) -> DataSource:
    if value.isdigit():
        found = list(DataSource.objects.filter(pk=int(value)))
    else:
        found = list(DataSource.objects.filter(name=value).order_by("pk"))
    if not found:
        raise CommandError(f"No datasource has the id or name {value!r}.")
    if len(found) > 1:
        ids = ", ".join(str(d.pk) for d in found)
        raise CommandError(f"Several datasources are called {value!r} (ids {ids}); pass an id.")
    return found[0]


def _fraction(value: str) -> float:
    number = float(value)
    # "90" and "0.9" both mean 90%.
    return number / 100 if number > 1 else number


class Command(BaseCommand):
    """Ask a datasource every question of a set, compare each result with the gold SQL's, print the figures."""

    help = (
        "Evaluate the configured LLM (or offline mode) on question/gold-SQL pairs: "
        "accuracy, wrong, refused, errors, latency and tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("--datasource", required=True, help="the datasource's id or name")
        parser.add_argument(
            "--questions",
            help="a JSON Lines or CSV file of question, sql[, lang, supported]; without it, the datasource's "
            "verified examples are asked, each with itself left out",
        )
        parser.add_argument("--json", dest="json_out", help="write every question's outcome to this JSON file")
        parser.add_argument("--limit", type=int, help="ask only the first N questions")
        parser.add_argument(
            "--min-accuracy", type=_fraction, help="exit with status 1 below this accuracy (0.9 or 90 for 90%%)"
        )
        parser.add_argument("--max-wrong", type=int, help="exit with status 1 above this many wrong answers")
        parser.add_argument(
            "--accuracy-of",
            choices=("all", "supported"),
            default="all",
            help="what --min-accuracy is measured on: every question, or those marked as in a supported shape",
        )
        parser.add_argument("--no-summary", action="store_true", help="skip the summary stage (fewer tokens)")

    def handle(self, *args, **options):
        datasource = _datasource(str(options["datasource"]))
        items = self._questions(datasource, options["questions"])
        if options["limit"] is not None:
            if options["limit"] < 1:
                raise CommandError("--limit must be at least 1.")
            items = items[: options["limit"]]
        client = get_client()
        progress = self._progress(len(items)) if self.stderr.isatty() else None
        outcomes = evaluate(datasource, items, summarize=not options["no_summary"], on_progress=progress)
        if progress:
            self.stderr.write("")
        report = Report(outcomes)
        model = client.model_for(prompts.STAGE_SQL)
        title = f"{datasource.name} (#{datasource.pk}, {datasource.engine}) — {client.mode}: {model}"
        self.stdout.write(report.table(title=title))
        if options["json_out"]:
            meta = {
                "datasource": {"id": datasource.pk, "name": datasource.name, "engine": datasource.engine},
                "llm": {"mode": client.mode, "model": model},
                "questions": options["questions"] or "",
            }
            report.write_json(options["json_out"], meta=meta)
        self._check(report, options)

    def _questions(self, datasource: DataSource, path: str | None) -> list:
        if path:
            try:
                return question_sources.load_file(Path(path))
            except question_sources.QuestionFileError as exc:
                raise CommandError(str(exc))
        items = question_sources.from_sources(datasource)
        if not items:
            raise CommandError(
                f"{datasource.name} has no verified examples to evaluate with; pass --questions FILE "
                f"(the demo sets' questions are in {Path(settings.BASE_DIR, 'chat', 'evaluation', 'sets')})."
            )
        return items

    def _progress(self, total: int):
        def show(done: int, outcome) -> None:
            filled = BAR_WIDTH * done // max(total, 1)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stderr.write(f"\r[{bar}] {done}/{total} {outcome.outcome:<8}", ending="")
            self.stderr.flush()

        return show

    def _check(self, report: Report, options: dict) -> None:
        failures = []
        minimum = options["min_accuracy"]
        if minimum is not None:
            measured = report.accuracy
            if options["accuracy_of"] == "supported":
                measured = report.supported_accuracy or 0.0
            if measured < minimum:
                failures.append(f"accuracy {measured:.1%} is below {minimum:.1%}")
        wrong = report.figures()["wrong"]
        if options["max_wrong"] is not None and wrong > options["max_wrong"]:
            failures.append(f"{wrong} wrong answer(s), more than {options['max_wrong']}")
        if failures:
            raise CommandError("; ".join(failures), returncode=1)
