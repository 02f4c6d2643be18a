"""``deeplake.link``: a reference to an external file for ``link[...]`` tensors."""

from __future__ import annotations

import os

from deeplake_core.core.sample import LinkedSample


def link(path: str | os.PathLike[str], creds_key: str | None = None) -> LinkedSample:
    """A link to the file at ``path``, stored in a ``link[...]`` tensor instead of its data.

    Local paths and http(s) URLs need no ``creds_key``; cloud URLs (``s3://``,
    ``gcs://`` ...) name one added with ``ds.add_creds_key`` and filled with
    ``ds.populate_creds``. The file is read when the sample is read (and at append
    time for its shape when the tensor verifies links).

    Example:
        >>> ds.create_tensor("images", htype="link[image]", sample_compression="jpeg")  # doctest: +SKIP
        >>> ds.images.append(deeplake.link("https://example.com/cat.jpg"))  # doctest: +SKIP
    """
    return LinkedSample(path, creds_key)
