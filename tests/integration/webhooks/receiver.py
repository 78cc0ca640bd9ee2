"""A bank's webhook receiver for the tests: a real HTTP server on 127.0.0.1 in a thread, answering as told (fail the
first n requests, sleep, answer 200), keeping every request it got with the time it came, and verifying signatures
the way docs/webhooks.md tells a bank to."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify_signature(secret: str, *, body: bytes, timestamp: str, signature_header: str,
                     tolerance: int = 300) -> bool:
    """The procedure of docs/webhooks.md, written out as a bank would (no platform code)."""
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    for part in signature_header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


@dataclass
class Received:
    """One request the receiver got."""

    at: float
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """What the receiver does and what it got."""

    fail_first: int = 0  # answer 500 to this many requests first
    always_fail: bool = False
    sleep: float = 0.0
    got: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            seen = len(self.got)
        if self.always_fail or seen < self.fail_first:
            return 500
        return 200

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.got) >= count:
                    return list(self.got)
            time.sleep(0.02)
        raise AssertionError(f"the receiver got {len(self.got)} requests, not {count}")


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    """Serve `receiver` on 127.0.0.1 (a free port) for the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if receiver.sleep:
                time.sleep(receiver.sleep)
            status = receiver.answer()
            with receiver.lock:
                receiver.got.append(Received(at=time.monotonic(), headers=dict(self.headers.items()), body=body,
                                             answered=status))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
