"""Errors of the answer pipeline; each maps onto the API's error shape and a turn's `error_code`."""

from django.utils.translation import gettext
from rest_framework import status

from chat import prompts
from chatAPI.exceptions import DomainError


class LLMError(DomainError):
    """Base for everything that can go wrong while asking the language model."""

    status_code = status.HTTP_502_BAD_GATEWAY
    code = "llm_error"


class LLMTimeout(LLMError):
    """The model did not answer within `LLM_TIMEOUT`."""

    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    code = "llm_timeout"
    default_message = "The language model did not answer in time. Please try again."


class LLMUnavailable(LLMError):
    """The model's server refused the connection, failed or rate-limited us."""

    code = "llm_unavailable"
    default_message = "The language model is unavailable right now. Please try again shortly."


class LLMBadOutput(LLMError):
    """The model's reply held no usable SQL (or was not a readable completion at all)."""

    code = "llm_bad_output"
    default_message = "The language model's reply did not contain a usable SQL query. Try rephrasing the question."


class OfflineUnsupported(LLMError):
    """Offline mode has no template for this question."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "offline_unsupported"
    default_message = prompts.OFFLINE_UNSUPPORTED


class TurnDiscarded(DomainError):
    """The turn, or its conversation, was deleted while it was being answered: nothing is stored."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_message = "This question was deleted (or its conversation was) before the answer was ready."


class StorageQuotaExceeded(DomainError):
    """The user's stored history has no room left for another turn's result (`USER_STORAGE_QUOTA_BYTES`)."""

    status_code = status.HTTP_409_CONFLICT
    code = "storage_quota_exceeded"

    def __init__(self, *, quota_bytes: int):
        megabytes = f"{quota_bytes / (1024 * 1024):.3g}"
        super().__init__(
            gettext(
                "Your saved history has reached its storage limit (%(megabytes)s MB). "
                "Delete conversations you no longer need to make room, then ask again."
            )
            % {"megabytes": megabytes}
        )


class TurnFailed(DomainError):
    """A stored turn that ended in a 5xx/422 outcome: the error shape plus `"turn"`."""

    def __init__(self, *, status_code: int, code: str, message: str, turn: dict):
        super().__init__(message, code=code)
        self.status_code = status_code
        self.extra = {"turn": turn}


# HTTP status of an ask per stored `error_code`; anything else is 201 (see DESIGN.md §3.5).
TURN_HTTP_STATUS = {
    "datasource_unavailable": status.HTTP_502_BAD_GATEWAY,
    # The datasource's settings broke the connection rules when it was opened (checked at every connect).
    "datasource_refused": status.HTTP_502_BAD_GATEWAY,
    LLMTimeout.code: LLMTimeout.status_code,
    LLMUnavailable.code: LLMUnavailable.status_code,
    LLMBadOutput.code: LLMBadOutput.status_code,
    OfflineUnsupported.code: OfflineUnsupported.status_code,
    # The outcome could not be stored (a bug on our side); the turn is kept as failed.
    "server_error": status.HTTP_500_INTERNAL_SERVER_ERROR,
}


def http_status_for(error_code: str) -> int:
    """The HTTP status an ask answers with for a turn that ended with `error_code`."""
    return TURN_HTTP_STATUS.get(error_code, status.HTTP_201_CREATED)
