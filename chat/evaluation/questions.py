"""Where evaluation questions come from: a file of question/gold-SQL pairs, or another registered source.

A file is JSON Lines (one object per line) or CSV with a header, each record
holding `question`, gold `sql` and optionally `lang` (`en`/`ko`; read from the
question when missing) and `supported` (whether offline mode claims the
question's shape; blank when unknown). Lines starting with `#` and blank lines
of a JSON Lines file are skipped.

Without a file the command asks the datasource's own question source.
`QUESTION_SOURCES` maps a name to a function `(datasource) -> list[EvalQuestion]`;
an app holding verified examples registers one there (`register_source`), each
question naming the example it came from (`example_id`) so it can be asked
with that example left out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chat.language import question_language


class QuestionFileError(ValueError):
    """A question file that cannot be read: which line, and what is wrong with it."""


@dataclass(frozen=True)
class EvalQuestion:
    """One question with the SQL whose result is the right answer."""

    question: str
    sql: str
    lang: str = "en"
    supported: bool | None = None  # whether offline mode claims this question's shape
    example_id: int | None = None  # the verified example it came from, left out when it is asked
    owner_id: int | None = None  # whose question it is: asked as them (with their other examples)


_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n"}


def _flag(value, where: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise QuestionFileError(f"{where}: 'supported' must be true or false, not {value!r}.")


def _record(data, where: str) -> EvalQuestion:
    if not isinstance(data, dict):
        raise QuestionFileError(f"{where}: expected an object with 'question' and 'sql'.")
    question, sql = str(data.get("question") or "").strip(), str(data.get("sql") or "").strip()
    if not question or not sql:
        raise QuestionFileError(f"{where}: both 'question' and 'sql' are required.")
    lang = str(data.get("lang") or "").strip().lower() or question_language(question)
    return EvalQuestion(question=question, sql=sql, lang=lang, supported=_flag(data.get("supported"), where))


def load_file(path: Path | str) -> list[EvalQuestion]:
    """The questions of a JSON Lines (`.jsonl`, `.json`) or CSV (`.csv`) file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot be read ({exc.__class__.__name__}).") from exc
    questions = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames or not {"question", "sql"} <= set(reader.fieldnames):
            raise QuestionFileError(f"{path}: the CSV header must name 'question' and 'sql' columns.")
        for number, row in enumerate(reader, start=2):
            questions.append(_record(row, f"{path}:{number}"))
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QuestionFileError(f"{path}:{number}: not JSON ({exc.msg}).") from exc
            questions.append(_record(data, f"{path}:{number}"))
    if not questions:
        raise QuestionFileError(f"{path}: holds no questions.")
    return questions


QuestionSource = Callable[[object], list[EvalQuestion]]
QUESTION_SOURCES: dict[str, QuestionSource] = {}


def register_source(name: str, source: QuestionSource) -> None:
    """Make `source` what `manage.py evaluate` asks when no `--questions` file is given."""
    QUESTION_SOURCES[name] = source


def from_sources(datasource) -> list[EvalQuestion]:
    """Every question the registered sources hold for `datasource` (none when no source is registered)."""
    return [question for source in QUESTION_SOURCES.values() for question in source(datasource)]
