"""Fetching the bytes of one file named by a path or URL (``deeplake.read``, links).

* local paths and ``file://`` URLs: read directly; exactly the file named, nothing
  else (directories and missing files are refused);
* ``http://`` / ``https://``: ``urllib`` with a timeout and a size limit; redirects are
  followed only to other http(s) URLs;
* any other scheme (``s3://``, ``gcs://``, ``mem://`` ...): the registered storage
  provider for that scheme, opened on the URL's first segment (the bucket) with the
  given creds; only the one key named is read.

Limits: ``DEEPLAKE_CORE_FETCH_TIMEOUT`` (seconds, default 60) when no timeout is
given, and ``DEEPLAKE_CORE_MAX_FETCH_BYTES`` (default 1 GiB). Credentials are only
passed on to the provider: never logged, stored or included in messages.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

from deeplake_core.exceptions import LinkedSampleError, UnableToReadFromUrlError

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 1 << 30
_PROVIDER_CACHE_SIZE = 16
_providers: OrderedDict[tuple[str, int], Any] = OrderedDict()
_lock = threading.Lock()


def scheme_of(path: str) -> str:
    """``"s3"`` for ``s3://b/k``; ``""`` for plain paths."""
    from deeplake_core.storage import url_scheme

    return url_scheme(path)


def default_timeout() -> float:
    value = os.environ.get("DEEPLAKE_CORE_FETCH_TIMEOUT")
    return float(value) if value else DEFAULT_TIMEOUT


def max_bytes() -> int:
    value = os.environ.get("DEEPLAKE_CORE_MAX_FETCH_BYTES")
    return int(value) if value else DEFAULT_MAX_BYTES


def _too_big(path: str, size: int | None = None) -> LinkedSampleError:
    got = f" ({size} bytes)" if size is not None else ""
    return LinkedSampleError(
        f"{path!r} is larger than the fetch limit of {max_bytes()} bytes{got}; raise "
        "DEEPLAKE_CORE_MAX_FETCH_BYTES if the file is expected to be that large."
    )


def local_path(path: str) -> str:
    """The filesystem path of a plain path or ``file://`` URL."""
    if path.startswith("file://"):
        path = path[len("file://") :]
    return os.path.expanduser(path)


def read_local(path: str) -> bytes:
    p = local_path(path)
    try:
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes():
                raise _too_big(path, size)
            return f.read()
    except IsADirectoryError:
        raise LinkedSampleError(f"{path!r} is a directory; link or read a file") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"No such file: {path!r}") from None


def _opener() -> Any:
    import urllib.request

    class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if scheme_of(newurl) not in ("http", "https"):
                raise LinkedSampleError(
                    f"{req.full_url!r} redirects to a non-http(s) URL, which is not followed"
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(_HttpOnlyRedirects())


def read_http(url: str, timeout: float | None = None, creds: dict | None = None) -> bytes:
    import urllib.error
    import urllib.request

    headers = {"User-Agent": "deeplake-core"}
    if creds and isinstance(creds.get("headers"), dict):
        headers.update({str(k): str(v) for k, v in creds["headers"].items()})
    req = urllib.request.Request(url, headers=headers)
    limit = max_bytes()
    try:
        with _opener().open(req, timeout=timeout or default_timeout()) as resp:
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise _too_big(url, int(length))
            data = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # urllib refuses redirects to other schemes this way
            raise LinkedSampleError(
                f"{url!r} redirects to a non-http(s) URL, which is not followed"
            ) from None
        raise UnableToReadFromUrlError(url, exc.code) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LinkedSampleError(f"Reading {url!r} failed: {reason}") from None
    if len(data) > limit:
        raise _too_big(url)
    return data


def _provider(parent: str, creds: Any) -> Any:
    from deeplake_core.storage import open_storage

    key = (parent, id(creds))
    with _lock:
        hit = _providers.get(key)
        if hit is not None and hit[1] is creds:
            _providers.move_to_end(key)
            return hit[0]
    storage = open_storage(parent, creds=creds, read_only=True, memory_cache_size=0)
    with _lock:
        _providers[key] = (storage, creds)
        while len(_providers) > _PROVIDER_CACHE_SIZE:
            _providers.popitem(last=False)
    return storage


def read_from_storage(path: str, creds: Any = None, storage: Any = None) -> bytes:
    """Bytes at ``path`` through a storage provider (``storage``, or one opened on the
    URL's bucket). With ``storage``, ``path`` is a key under its root, or a URL inside it."""
    if storage is not None:
        root = str(getattr(storage, "root", "") or "").rstrip("/")
        key = path[len(root) + 1 :] if root and path.startswith(root + "/") else path
        return bytes(storage[key])
    scheme, _, rest = path.partition("://")
    root, _, key = rest.partition("/")
    if not root or not key or key.endswith("/"):
        raise LinkedSampleError(f"{path!r} does not name a file")
    data = _provider(f"{scheme}://{root}", creds).get(key)
    if len(data) > max_bytes():
        raise _too_big(path, len(data))
    return bytes(data)


def fetch_bytes(
    path: str, creds: Any = None, storage: Any = None, timeout: float | None = None
) -> bytes:
    """The bytes of the file at ``path``; see the module doc."""
    path = os.fspath(path)
    if storage is not None:
        return read_from_storage(path, storage=storage)
    scheme = scheme_of(path)
    if scheme in ("", "file"):
        return read_local(path)
    if scheme in ("http", "https"):
        return read_http(path, timeout, creds)
    try:
        return read_from_storage(path, creds=creds)
    except KeyError:
        raise FileNotFoundError(f"No such file: {path!r}") from None
