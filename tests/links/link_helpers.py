"""Helpers for link tests: generated images, a local http server, a provider that
checks credentials."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from deeplake_core.plugins import PLUGIN_API, hookimpl
from deeplake_core.plugins.specs import PluginInfo, StorageProviderSpec
from deeplake_core.storage.memory import MemoryProvider

SECRET = "sEcReT-9f8e7d6c5b4a"
SCHEME = "linktest"


def image_bytes(shape: tuple[int, ...], fmt: str = "PNG", seed: int = 0) -> tuple[bytes, Any]:
    """An encoded image of ``shape`` and its pixels (PNG is lossless)."""
    from PIL import Image

    arr = np.random.default_rng(seed).integers(0, 255, shape, dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(arr).save(out, format=fmt)
    return out.getvalue(), arr


class SecretProvider(MemoryProvider):
    """A read-only ``linktest://bucket`` store that only opens with the right token."""

    opened: list[Any] = []

    @classmethod
    def from_url(cls, url: str, creds: Any = None, **options: Any) -> SecretProvider:
        cls.opened.append(creds)
        if not isinstance(creds, dict) or creds.get("token") != SECRET:
            # A careless provider that echoes what it was given.
            raise PermissionError(f"access denied for creds {creds!r}")
        return cls(url.replace(f"{SCHEME}://", "linktest-store-"))


def put(bucket: str, key: str, data: bytes) -> str:
    """Store ``data`` where ``linktest://bucket/key`` reads it; returns the URL."""
    MemoryProvider(f"linktest-store-{bucket}").set(key, data)
    return f"{SCHEME}://{bucket}/{key}"


class SecretPlugin:
    @hookimpl
    def plugin_info(self) -> PluginInfo:
        return PluginInfo(api=PLUGIN_API, description="test provider needing a token")

    @hookimpl
    def register_storage_providers(self) -> list[StorageProviderSpec]:
        return [
            StorageProviderSpec(
                name="linktest",
                schemes=frozenset({SCHEME}),
                impl="link_helpers:SecretProvider",
                supports_writes=False,
            )
        ]


# ------------------------------------------------------------------ http server


class Server:
    """A threaded http server on 127.0.0.1 with a table of routes."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.seen_headers: dict[str, dict[str, str]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.seen_headers[path] = {k.lower(): v for k, v in self.headers.items()}
                server.hits[path] = server.hits.get(path, 0) + 1
                route = server.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                route(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def file(self, path: str, data: bytes) -> str:
        def send(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)

        self.routes[path] = send
        return self.url(path)

    def redirect(self, path: str, target: str) -> str:
        def send(h: BaseHTTPRequestHandler) -> None:
            h.send_response(302)
            h.send_header("Location", target)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.routes[path] = send
        return self.url(path)

    def trickle(self, path: str, delay: float, n: int = 100) -> str:
        def send(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Length", str(n))
            h.end_headers()
            try:
                for _ in range(n):
                    h.wfile.write(b"x")
                    h.wfile.flush()
                    time.sleep(delay)
            except OSError:
                pass

        self.routes[path] = send
        return self.url(path)

    def unbounded(self, path: str, size: int) -> str:
        """A response without Content-Length, larger than the limit under test."""

        def send(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.end_headers()
            with contextlib.suppress(OSError):
                h.wfile.write(b"y" * size)
            h.close_connection = True

        self.routes[path] = send
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
