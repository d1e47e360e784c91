"""Offline mode's refusals: what it could not understand, then how to configure a real model.

Texts are Django gettext messages (the app's Korean catalogue is in
`chat/locale/ko`), translated into the active language: the translator and the
summary switch to the question's language (`translation.override`) whatever
language the request came with.
"""

from __future__ import annotations

from django.utils.translation import gettext

from chat import prompts
from chat.errors import OfflineUnsupported

# The guidance after every refusal; prompts keeps the English text.
GUIDANCE = prompts.OFFLINE_UNSUPPORTED


def unsupported(message: str = "", **values) -> OfflineUnsupported:
    """A refusal giving `message` (a gettext msgid, %-formatted with `values`) as the reason, then the guidance."""
    guidance = gettext(GUIDANCE)
    reason = (gettext(message) % values if values else gettext(message)) if message else ""
    error = OfflineUnsupported(f"{reason} {guidance}" if reason else guidance)
    error.specific = bool(reason)  # says what was not understood, not only the guidance
    return error
