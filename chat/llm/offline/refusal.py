"""Offline mode's refusals: what it could not understand, then how to configure a real model."""

from chat import prompts
from chat.errors import OfflineUnsupported


def unsupported(reason: str = "") -> OfflineUnsupported:
    """A refusal that says what was not understood before the usual guidance."""
    return OfflineUnsupported(f"{reason} {prompts.OFFLINE_UNSUPPORTED}" if reason else None)
