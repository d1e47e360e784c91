"""Fernet encryption of stored datasource passwords (key from FIELD_ENCRYPTION_KEY)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    """Return the Fernet for the configured key; in development the key is derived from SECRET_KEY."""
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"chatapi-datasource-passwords:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


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
