"""What a turn's JSON shows of learning: its feedback, the examples it used, and links to rate it.

The chat selectors load both records with the turn (`select_related(*TURN_RELATED)`,
one LEFT JOIN each), so a page of turns costs no extra query.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, IntegrityError, transaction

from chat.models import Message
from chatAPI.links import link
from examples import services

logger = logging.getLogger(__name__)

TURN_RELATED = ("feedback", "examples_used_record")


def _related(message: Message, name: str):
    try:
        return getattr(message, name)
    except ObjectDoesNotExist:
        return None


def _forget(message: Message, name: str) -> None:
    """Record that `message` has no `name` row, so reading it costs no query."""
    Message._meta.get_field(name).set_cached_value(message, None)


def mark_fresh(message: Message) -> None:
    """A turn just created has neither feedback nor examples used yet."""
    for name in TURN_RELATED:
        if not Message._meta.get_field(name).is_cached(message):
            _forget(message, name)


def remember_examples_used(message: Message, example_ids: list[int]) -> None:
    """Store the examples a finished turn used and keep them on the instance for its JSON."""
    record = None
    if example_ids:
        try:
            with transaction.atomic():
                record = services.turn_examples_record(message=message, example_ids=example_ids)
        except IntegrityError:
            # The turn was deleted while it was being answered; there is nothing to record on.
            logger.info("Turn %s is gone; its examples were not recorded.", message.pk)
        except DatabaseError:
            logger.exception("Turn %s: could not record the examples it used", message.pk)
    if record is None:
        _forget(message, "examples_used_record")
    else:
        message.examples_used_record = record
    if not Message._meta.get_field("feedback").is_cached(message):
        _forget(message, "feedback")


def forget_feedback(message: Message) -> None:
    """After a withdrawal: the turn has no feedback."""
    _forget(message, "feedback")


def _timestamp(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def turn_learning_data(message: Message) -> dict:
    """`feedback` (null or `{rating, comment, created_at, example}`) and `examples_used` (ids) of a turn."""
    feedback = _related(message, "feedback")
    record = _related(message, "examples_used_record")
    return {
        "feedback": None
        if feedback is None
        else {
            "rating": feedback.rating,
            "comment": feedback.comment,
            "created_at": _timestamp(feedback.created_at),
            "example": feedback.example_id,
        },
        "examples_used": list(record.example_ids) if record is not None else [],
    }


def turn_learning_links(request, message: Message) -> list:
    """Links to rate the turn (and withdraw the rating), and to the example its thumbs-up saved."""
    kwargs = {"pk": message.pk}
    links = [link(request, "rate", "Rate this answer (up or down)", "message-feedback", kwargs=kwargs, method="POST")]
    if Message._meta.get_field("conversation").is_cached(message):
        datasource = {"pk": message.conversation.datasource_id}
        links.append(
            link(request, "examples", "Your verified examples on this database", "example-list", kwargs=datasource)
        )
    feedback = _related(message, "feedback")
    if feedback is not None:
        links.append(
            link(request, "unrate", "Withdraw your rating", "message-feedback", kwargs=kwargs, method="DELETE")
        )
        if feedback.example_id:
            links.append(
                link(
                    request,
                    "example",
                    "The example this answer was saved as",
                    "example-detail",
                    kwargs={"pk": feedback.example_id},
                )
            )
    return links
