"""``deeplake.read``: a file as a lazily loaded :class:`~deeplake_core.core.sample.Sample`."""

from __future__ import annotations

import os
from typing import Any

from deeplake_core.core.sample import Sample


def read(
    path: str | os.PathLike[str],
    verify: bool = False,
    creds: dict | None = None,
    compression: str | None = None,
    storage: Any = None,
    timeout: float | None = None,
) -> Sample:
    """Read a file (local path, http(s) URL or any registered storage URL) as a sample.

    Nothing is fetched until the sample is used. Appended to a tensor whose
    ``sample_compression`` is the file's format, the file's bytes are stored as they
    are (only the header is parsed, for the shape); otherwise it is decoded and
    recompressed if the tensor's htype allows.

    Args:
        path: the file. Its format comes from ``compression``, else its extension,
            else its first bytes.
        verify: decode the whole file when it is first loaded and check that the
            decoded shape matches the header (catches truncated or corrupt files).
        creds: credentials for the storage provider of ``path`` (or ``{"headers":
            {...}}`` for http). Used for fetching only; never stored.
        compression: the file's format, for paths without a known extension.
        storage: a storage provider to read ``path`` from (a key under its root);
            reuse one for many files of one bucket.
        timeout: seconds to wait for an http(s) response (default 60,
            ``DEEPLAKE_CORE_FETCH_TIMEOUT``).

    Example:
        >>> ds.create_tensor("images", htype="image", sample_compression="jpeg")  # doctest: +SKIP
        >>> ds.images.append(deeplake.read("path/to/cat.jpg"))  # doctest: +SKIP
    """
    return Sample(
        path=path,
        verify=verify,
        creds=creds,
        compression=compression,
        storage=storage,
        timeout=timeout,
    )
