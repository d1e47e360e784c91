"""Offline mode's template summaries of a result, in the question's language (Django gettext, `chat/locale`)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, ngettext

from chat.language import question_language


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "NULL" if value is None else str(value)


def summarize(question: str, result) -> str:
    """A template summary of `result` in the question's language."""
    with translation.override(question_language(question)):
        return _summary(result)


def _summary(result) -> str:
    columns, rows = list(result.columns), list(result.rows)
    count = result.row_count
    if count == 0:
        return gettext("No rows matched the question.")
    if count == 1 and len(columns) == 1:
        return gettext("The answer is %(value)s (%(column)s).") % {"value": _format(rows[0][0]), "column": columns[0]}
    first = ", ".join(f"{column} {_format(value)}" for column, value in list(zip(columns, rows[0], strict=False))[:4])
    values = {"count": f"{count:,}", "first": first}
    if result.truncated:
        return (
            ngettext(
                "Found %(count)s row (the result was cut at the row limit). The first is: %(first)s.",
                "Found %(count)s rows (the result was cut at the row limit). The first is: %(first)s.",
                count,
            )
            % values
        )
    return (
        ngettext(
            "Found %(count)s row. The first is: %(first)s.", "Found %(count)s rows. The first is: %(first)s.", count
        )
        % values
    )
