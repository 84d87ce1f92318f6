"""Password hashing (argon2id via argon2-cffi) and random secrets for tokens and sessions."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile defaults of argon2-cffi

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (salted; never the password itself)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_secret(prefix: str) -> str:
    """A random secret of 256 bits, URL-safe, with a readable prefix (``fsv_…`` tokens)."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def secret_sha256(secret: str) -> str:
    """Hex SHA-256 of a random secret (what the database keeps)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A random one-time password (about 120 bits)."""
    return secrets.token_urlsafe(15)
