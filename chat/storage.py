"""What a turn keeps, and how much one user may keep in all.

- `fit_result(columns, rows, owner_id=...)`: the leading rows that fit in `RESULT_STORE_MAX_BYTES`
  of JSON (and in the room the owner's quota leaves); the turn says `stored_truncated` when it cut.
- `turn_bytes(message)`: a turn's stored size, its result as JSON plus its texts.
- `preview(columns, rows)`: the few leading rows, cut short, that list pages show of a result.
- `ensure_room(owner_id=...)`: refuses an ask (`StorageQuotaExceeded`, 409) once less than one
  full stored result is left under `USER_STORAGE_QUOTA_BYTES`.

A user's use is the sum of their conversations' `stored_bytes` counters (kept by chat.services and
chat.pipeline as turns are added and deleted), one indexed sum; deleting anything frees its bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Sum

from chat.errors import StorageQuotaExceeded
from chat.models import Conversation, Message

# List-page previews: whatever a turn holds, its list item stays a few KB.
PREVIEW_MAX_ROWS = 20
PREVIEW_MAX_COLUMNS = 50
PREVIEW_MAX_BYTES = 4096
PREVIEW_NAME_CHARS = 64
PREVIEW_CELL_CHARS = 200
# Column names kept when even the names alone do not fit the stored result's budget.
STORED_NAME_CHARS = 64
CUT_MARK = "…"


def json_bytes(value) -> int:
    """Bytes `value` takes as UTF-8 JSON, as the API sends it and the app database stores it."""
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _text_bytes(text: str) -> int:
    return len((text or "").encode("utf-8", "surrogatepass"))


def user_stored_bytes(*, owner_id: int) -> int:
    """Bytes the user's history keeps now."""
    total = Conversation.objects.filter(owner_id=owner_id).aggregate(total=Sum("stored_bytes"))["total"]
    return int(total or 0)


def room_left(*, owner_id: int) -> int | None:
    """Bytes the user may still store, or None when there is no quota (`USER_STORAGE_QUOTA_BYTES=0`)."""
    quota = settings.USER_STORAGE_QUOTA_BYTES
    if quota <= 0:
        return None
    return max(quota - user_stored_bytes(owner_id=owner_id), 0)


def ensure_room(*, owner_id: int) -> None:
    """Refuse an ask unless one full stored result still fits under the user's quota."""
    room = room_left(owner_id=owner_id)
    if room is not None and room < settings.RESULT_STORE_MAX_BYTES:
        raise StorageQuotaExceeded(quota_bytes=settings.USER_STORAGE_QUOTA_BYTES)


@dataclass
class Fitted:
    """A result as it will be stored: maybe fewer rows (and shorter column names) than it came with."""

    columns: list
    rows: list
    cut: bool


def fit_result(columns: list, rows: list, *, owner_id: int) -> Fitted:
    """The leading rows whose JSON, with the columns, fits the stored result's budget.

    The budget is `RESULT_STORE_MAX_BYTES`, or the room left under the owner's quota when that is
    less (asks that run at the same time can each find the last room: it is checked here again).
    """
    budget = settings.RESULT_STORE_MAX_BYTES
    room = room_left(owner_id=owner_id)
    if room is not None:
        budget = min(budget, room)
    used = json_bytes(columns)
    if used > budget:
        names = [name[:STORED_NAME_CHARS] if isinstance(name, str) else name for name in columns]
        return Fitted(columns=names, rows=[], cut=bool(rows) or names != columns)
    if used + json_bytes(rows) <= budget:
        return Fitted(columns=columns, rows=rows, cut=False)
    kept: list = []
    used += 2  # the brackets of the row list
    for row in rows:
        size = json_bytes(row) + 1  # and the comma before it
        if used + size > budget:
            break
        kept.append(row)
        used += size
    return Fitted(columns=columns, rows=kept, cut=True)


def turn_bytes(message: Message) -> int:
    """Bytes a turn keeps: its columns and rows as JSON, plus its question, SQL, summary and error text."""
    texts = (message.question, message.sql, message.summary, message.error_message)
    return json_bytes(message.columns) + json_bytes(message.rows) + sum(_text_bytes(t) for t in texts)


def _cut_text(text: str, limit: int) -> tuple[str, bool]:
    return (text[:limit] + CUT_MARK, True) if len(text) > limit else (text, False)


def _preview_cell(value) -> tuple[object, bool]:
    if isinstance(value, str):
        return _cut_text(value, PREVIEW_CELL_CHARS)
    if isinstance(value, list | dict):  # JSON values from the database: shown as text when long
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > PREVIEW_CELL_CHARS:
            return _cut_text(text, PREVIEW_CELL_CHARS)
    return value, False


def preview(columns: list, rows: list) -> dict:
    """The leading rows of a result, cut short, for list pages: `{"columns", "rows", "complete"}`.

    Column names take at most half of `PREVIEW_MAX_BYTES`, rows the rest. `complete` is true when
    the preview is the whole stored result, nothing left out or cut.
    """
    complete = True
    names: list = []
    used = 2
    for name in columns[:PREVIEW_MAX_COLUMNS]:
        cut = False
        if isinstance(name, str):
            name, cut = _cut_text(name, PREVIEW_NAME_CHARS)
        size = json_bytes(name) + 1
        if used + size > PREVIEW_MAX_BYTES // 2:
            break
        complete = complete and not cut
        names.append(name)
        used += size
    complete = complete and len(names) == len(columns)
    shown: list = []
    for row in rows[:PREVIEW_MAX_ROWS]:
        cells = []
        for value in row[: len(names)]:
            value, cut = _preview_cell(value)
            complete = complete and not cut
            cells.append(value)
        size = json_bytes(cells) + 1
        if used + size > PREVIEW_MAX_BYTES:
            break
        shown.append(cells)
        used += size
    complete = complete and len(shown) == len(rows)
    return {"columns": names, "rows": shown, "complete": complete}


def record_turn(message: Message) -> None:
    """Size a finished turn and build its preview (before it is saved)."""
    message.stored_bytes = turn_bytes(message)
    message.result_preview = preview(message.columns, message.rows)


def count_turn(message: Message, *, previous_bytes: int = 0) -> None:
    """Add a saved turn's bytes to its conversation's counter (inside the transaction that saved it)."""
    delta = message.stored_bytes - previous_bytes
    if delta:
        Conversation.objects.filter(pk=message.conversation_id).update(stored_bytes=F("stored_bytes") + delta)
