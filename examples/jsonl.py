"""Examples as JSON Lines: one `{"question", "sql", "source"}` object per line, out and in."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.utils.translation import gettext as _

from examples import services
from examples.errors import ImportInvalid
from examples.models import Example
from examples.serializers import ExampleWriteSerializer


def export_text(examples: Iterable[Example]) -> str:
    """The examples as JSON Lines (UTF-8 text, Korean as is)."""
    return "".join(json.dumps(services.example_export_line(e), ensure_ascii=False) + "\n" for e in examples)


def parse_jsonl(text: str) -> list[services.ImportLine]:
    """Read JSON Lines of `{question, sql}` into import lines; every bad line is reported by number."""
    lines: list[services.ImportLine] = []
    errors: dict[int, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            errors[number] = [_("Not a JSON object.")]
            continue
        if not isinstance(record, dict):
            errors[number] = [_("Not a JSON object.")]
            continue
        serializer = ExampleWriteSerializer(data={"question": record.get("question"), "sql": record.get("sql")})
        if not serializer.is_valid():
            errors[number] = [f"{field}: {messages[0]}" for field, messages in serializer.errors.items()]
            continue
        lines.append(services.ImportLine(number=number, **serializer.validated_data))
    if errors:
        raise ImportInvalid(errors)
    if not lines:
        raise ImportInvalid({0: [_("The file holds no examples.")]})
    return lines
