"""Fetching link targets, under an access policy (links may come from datasets the
user did not write).

* *Local files.* A local link is stored as a normalised absolute path (relative paths
  resolve against the working directory at append). A stored path that is not
  absolute and normalised is refused. A local file is read only if the user allowed
  it: it was linked in this process, or it lies (after resolving symlinks) under a
  root listed in ``DEEPLAKE_CORE_LINK_LOCAL_ROOTS`` (``os.pathsep``-separated; ``*``
  allows every file) or given to :func:`allow_local_roots`. So a dataset opened from
  elsewhere never reads local files silently; the error names the setting. Only
  regular files are read (no devices, FIFOs or directories).
* *http(s).* Every address the host resolves to must be public: loopback
  (127.0.0.0/8, ::1), link-local (169.254.0.0/16 with the cloud metadata address
  169.254.169.254, fe80::/10), private, shared, reserved, multicast and unspecified
  addresses are refused unless ``DEEPLAKE_CORE_LINK_ALLOW_HOSTS`` (comma-separated host
  names, addresses or networks, ``*`` for all) or :func:`allow_hosts` allows them. The
  connection goes to the address that was checked (no second DNS lookup, so no DNS
  rebinding), directly (environment proxies are not used for links). Redirects are
  followed only to http(s) (at most 5), each checked the same way; headers from creds
  are dropped when a redirect leaves the original host. Each socket operation and the
  whole transfer are bounded by ``DEEPLAKE_CORE_FETCH_TIMEOUT`` (seconds) and the size
  by ``DEEPLAKE_CORE_MAX_FETCH_BYTES``.
* *Other schemes* go through the registered storage provider with the populated creds.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import threading
import time
from collections.abc import Iterable
from typing import Any

from deeplake_core.core.sample import redact
from deeplake_core.exceptions import LinkedSampleError

LOCAL_ROOTS_ENV = "DEEPLAKE_CORE_LINK_LOCAL_ROOTS"
ALLOW_HOSTS_ENV = "DEEPLAKE_CORE_LINK_ALLOW_HOSTS"
#: Schemes read without a creds key.
FREE_SCHEMES = frozenset({"", "file", "http", "https", "mem"})
_MAX_REDIRECTS = 5

_lock = threading.Lock()
_linked_files: set[str] = set()
_local_roots: list[str] = []
_host_rules: list[str] = []


# ------------------------------------------------------------------ policy


def allow_local_roots(*roots: str | os.PathLike[str]) -> None:
    """Allow link reads of local files under ``roots`` in this process (see the
    module doc); ``"*"`` allows every local file."""
    with _lock:
        for r in roots:
            r = os.fspath(r)
            _local_roots.append(r if r == "*" else os.path.realpath(os.path.expanduser(r)))


def allow_hosts(*rules: str) -> None:
    """Allow link fetches from non-public addresses: host names, addresses or networks
    (``"10.0.0.0/8"``), or ``"*"`` for all, in this process."""
    with _lock:
        _host_rules.extend(str(r).strip().lower() for r in rules if str(r).strip())


def reset_policy() -> None:
    """Forget the files linked and the roots and hosts allowed in this process."""
    with _lock:
        _linked_files.clear()
        _local_roots.clear()
        _host_rules.clear()


def remember_local(path: str) -> None:
    with _lock:
        _linked_files.add(path)
        _linked_files.add(os.path.realpath(path))


def _roots() -> list[str]:
    env = [
        r if r == "*" else os.path.realpath(os.path.expanduser(r))
        for r in os.environ.get(LOCAL_ROOTS_ENV, "").split(os.pathsep)
        if r.strip()
    ]
    with _lock:
        return [*env, *_local_roots]


def _under(path: str, root: str) -> bool:
    return root == "*" or path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_local(path: str) -> str:
    """The real path of a stored local link, if the policy allows reading it."""
    if "\x00" in path or not os.path.isabs(path) or os.path.normpath(path) != path:
        raise LinkedSampleError(
            f"the stored local link {path!r} is not a normalised absolute path; it is "
            "refused (links to local files are stored absolute)"
        )
    real = os.path.realpath(path)
    with _lock:
        if path in _linked_files or real in _linked_files:
            return real
    if any(_under(real, root) for root in _roots()):
        return real
    raise LinkedSampleError(
        f"reading the local file {path!r} through a link is not allowed: it was not "
        f"linked in this process. If you trust this dataset's links, allow the directory "
        f"with the environment variable {LOCAL_ROOTS_ENV} (paths separated by "
        f"{os.pathsep!r}, '*' for any file) or deeplake_core.core.link_fetch.allow_local_roots()"
    )


def _host_allowed(host: str, ip: Any) -> bool:
    rules = [r.strip().lower() for r in os.environ.get(ALLOW_HOSTS_ENV, "").split(",")]
    with _lock:
        rules += _host_rules
    host = host.lower().strip("[]")
    for rule in rules:
        if not rule:
            continue
        if rule == "*" or rule == host:
            return True
        try:
            if ip in ipaddress.ip_network(rule, strict=False):
                return True
        except ValueError:
            continue
    return False


def _public(ip: Any) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def check_address(host: str, address: str) -> None:
    """Refuse a non-public address unless allowed (see the module doc)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if _public(ip) or _host_allowed(host, ip):
        return
    raise LinkedSampleError(
        f"link host {host!r} resolves to the non-public address {ip}; links may not reach "
        f"loopback, link-local (cloud metadata) or private networks unless allowed with "
        f"the environment variable {ALLOW_HOSTS_ENV} (e.g. '{ip}' or '*') or "
        "deeplake_core.core.link_fetch.allow_hosts()"
    )


# ------------------------------------------------------------------ http


def _guarded_create_connection(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None, *args: Any
) -> socket.socket:
    """``socket.create_connection`` that checks every resolved address first and then
    connects to one of those same addresses."""
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise LinkedSampleError(f"cannot resolve link host {host!r}: {exc}") from None
    for info in infos:
        check_address(host, info[4][0])
    error: OSError | None = None
    for family, kind, proto, _name, addr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None and timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(addr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"no address for {host!r}")


def _opener(creds_headers: dict[str, str]) -> Any:
    import http.client
    import urllib.parse
    import urllib.request

    class _HTTP(http.client.HTTPConnection):
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(*a, **k)
            self._create_connection = _guarded_create_connection

    class _HTTPS(http.client.HTTPSConnection):
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(*a, **k)
            self._create_connection = _guarded_create_connection

    class _HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(_HTTP, req)

    class _HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(_HTTPS, req, context=self._context)

    class _Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = _MAX_REDIRECTS

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            from deeplake_core.core.fetch import scheme_of

            if scheme_of(newurl) not in ("http", "https"):
                raise LinkedSampleError(
                    f"{redact(req.full_url)!r} redirects to a non-http(s) URL, which links "
                    "never follow"
                )
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            old_host = urllib.parse.urlsplit(req.full_url).netloc.lower()
            if new is not None and urllib.parse.urlsplit(newurl).netloc.lower() != old_host:
                for name in creds_headers:
                    new.remove_header(name.capitalize())
                    new.remove_header(name)
            return new

    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _HTTPHandler(), _HTTPSHandler(), _Redirects()
    )


def _scrub(text: str, creds: Any) -> str:
    """``text`` with every credential string replaced by ``***``."""
    for value in _secret_strings(creds):
        text = text.replace(value, "***")
    return text


def _secret_strings(creds: Any) -> Iterable[str]:
    if isinstance(creds, str):
        if len(creds) >= 4:
            yield creds
    elif isinstance(creds, dict):
        for v in creds.values():
            yield from _secret_strings(v)
    elif isinstance(creds, list | tuple):
        for v in creds:
            yield from _secret_strings(v)


def read_http(url: str, creds: Any = None, timeout: float | None = None) -> bytes:
    """Bytes of an http(s) link under the policy of the module doc."""
    import urllib.error
    import urllib.request

    from deeplake_core.core.fetch import _too_big, default_timeout, max_bytes
    from deeplake_core.exceptions import UnableToReadFromUrlError

    headers: dict[str, str] = {}
    if isinstance(creds, dict) and isinstance(creds.get("headers"), dict):
        headers = {str(k): str(v) for k, v in creds["headers"].items()}
    req = urllib.request.Request(url, headers={"User-Agent": "deeplake-core", **headers})
    limit = max_bytes()
    timeout = timeout or default_timeout()
    deadline = time.monotonic() + timeout
    shown = redact(url)
    parts: list[bytes] = []
    try:
        with _opener(headers).open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise _too_big(str(shown), int(length))
            got = 0
            while True:
                if time.monotonic() > deadline:
                    raise LinkedSampleError(
                        f"reading {shown!r} took longer than {timeout:g} s; raise "
                        "DEEPLAKE_CORE_FETCH_TIMEOUT if the server is just slow"
                    )
                block = resp.read1(1 << 16)
                if not block:
                    break
                got += len(block)
                if got > limit:
                    raise _too_big(str(shown))
                parts.append(block)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            from deeplake_core.core.fetch import scheme_of

            target = str((exc.headers or {}).get("Location") or "")
            why = (
                f"more than {_MAX_REDIRECTS} times"
                if scheme_of(target) in ("http", "https", "")
                else "to a non-http(s) URL, which links never follow"
            )
            raise LinkedSampleError(f"{shown!r} redirects {why}") from None
        raise UnableToReadFromUrlError(str(shown), exc.code) from None
    except LinkedSampleError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, LinkedSampleError):
            raise reason from None
        raise LinkedSampleError(f"reading {shown!r} failed: {_scrub(str(reason), creds)}") from None
    return b"".join(parts)


# ------------------------------------------------------------------ fetching


def read_local(path: str) -> bytes:
    """Bytes of a stored local link (policy checked; regular files only)."""
    from deeplake_core.core.fetch import _too_big, max_bytes

    real = check_local(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        raise LinkedSampleError(f"the linked file {path!r} does not exist") from None
    except OSError as exc:
        raise LinkedSampleError(f"cannot open the linked file {path!r}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LinkedSampleError(f"the link {path!r} does not name a regular file")
        if st.st_size > max_bytes():
            raise _too_big(path, st.st_size)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        return f.read(max_bytes() + 1)


def fetch(state: Any, path: str, creds_key: str | None) -> bytes:
    """Bytes of one link target, under the access policy."""
    from deeplake_core.core.fetch import read_from_storage, scheme_of
    from deeplake_core.core.link_creds import get_creds

    scheme = scheme_of(path)
    creds = get_creds(state, creds_key) if creds_key is not None else None
    if scheme in ("", "file"):
        return read_local(path)
    if scheme in ("http", "https"):
        return read_http(path, creds)
    if creds_key is None and scheme not in FREE_SCHEMES:
        raise LinkedSampleError(
            f"the link {redact(path)!r} has no creds key; links to {scheme}:// need one"
        )
    try:
        return read_from_storage(path, creds=creds)
    except KeyError:
        raise LinkedSampleError(f"the linked file {redact(path)!r} does not exist") from None
    except LinkedSampleError:
        raise
    except Exception as exc:
        raise LinkedSampleError(
            f"reading the link {redact(path)!r} failed: {type(exc).__name__}: "
            f"{_scrub(str(exc), creds)}"
        ) from None
