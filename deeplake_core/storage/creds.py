"""Credentials kept out of pickles and reprs.

A provider that needs credentials stores a :class:`CredsHandle` instead of the
secret itself. The secret lives in a process-local table; the handle pickles as an
opaque random token. Unpickled in the same process or in a forked child, the handle
still resolves; in a fresh process it raises and asks for the credentials again.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from deeplake_core.exceptions import CredentialsUnavailableError

_TABLE: dict[str, Any] = {}
_LOCK = threading.Lock()


class CredsHandle:
    """Opaque reference to credentials held in this process's memory."""

    __slots__ = ("_token",)

    def __init__(self, creds: Any):
        self._token = secrets.token_hex(16)
        with _LOCK:
            _TABLE[self._token] = creds

    def get(self) -> Any:
        """The credentials; ``CredentialsUnavailableError`` if this process lacks them."""
        try:
            return _TABLE[self._token]
        except KeyError:
            raise CredentialsUnavailableError(
                "the credentials of this storage are not available in this process "
                "(credentials are never pickled); open the storage again with creds=..."
            ) from None

    def __getstate__(self) -> str:
        return self._token

    def __setstate__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "CredsHandle(***)"
