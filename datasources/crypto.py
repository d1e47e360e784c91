"""Fernet encryption of stored datasource passwords (key from FIELD_ENCRYPTION_KEY)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core import checks


def _fernet() -> Fernet:
    """Return the Fernet for the configured key; in development the key is derived from SECRET_KEY."""
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"chatapi-datasource-passwords:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def check_field_encryption_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: FIELD_ENCRYPTION_KEY makes a Fernet, so a bad key stops `check`/`migrate`, not a request."""
    try:
        _fernet()
    except (ValueError, TypeError):
        return [
            checks.Error(
                "FIELD_ENCRYPTION_KEY is not a valid Fernet key.",
                hint=(
                    "It must be 32 url-safe base64-encoded bytes; make one with "
                    '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
                ),
                id="chatAPI.E001",
            )
        ]
    return []


def encrypt(plaintext: str) -> str:
    """Encrypt a password for storage; an empty password stays empty."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a stored password; raises `InvalidToken` when it was made with another key."""
    if not token:
        return ""
    return _fernet().decrypt(token.encode()).decode()


__all__ = ["InvalidToken", "decrypt", "encrypt"]
