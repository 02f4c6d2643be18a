"""Every exception deeplake-core raises.

All derive from :class:`DeepLakeCoreError`. Names follow the reference API
(``deeplake.util.exceptions``); where the reference spells a name two ways, both names
refer to one class. Messages say what went wrong and what to do about it.
"""

from __future__ import annotations


class DeepLakeCoreError(Exception):
    """Base class of every deeplake-core error."""


class InvalidBytesRequestedError(DeepLakeCoreError):
    """A byte range with a negative bound or start after end."""


class ReadOnlyModeError(DeepLakeCoreError):
    """A write was attempted on a read-only dataset, view or storage."""

    def __init__(self, custom_message: str | None = None):
        super().__init__(
            custom_message
            or "Modification when in read-only mode is not supported; "
            "open the dataset with read_only=False."
        )


ReadOnlyError = ReadOnlyModeError
