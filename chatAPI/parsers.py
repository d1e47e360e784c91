"""The API's one request parser: JSON, refusing text that is not valid Unicode."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A `\ud800`-`\udfff` escape: the only way JSON text can carry a surrogate code point.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_surrogate(key) or _has_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body with an unpaired surrogate is a 400, since it cannot be stored or echoed as UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        data = super().parse(_Replay(raw), media_type, parser_context)
        if _SURROGATE_ESCAPE.search(raw) and _has_surrogate(data):
            raise ParseError(_("The body contains an unpaired surrogate escape (\\ud800-\\udfff), which is not text."))
        return data


class _Replay:
    """A stream over bytes already read."""

    def __init__(self, raw: bytes):
        self.raw = raw

    def read(self, *args) -> bytes:
        raw, self.raw = self.raw, b""
        return raw
