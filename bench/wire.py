"""A minimal keep-alive HTTP/1.1 client for the timed runs.

httpx spends about 1.2 ms of CPU per request on our 2-core machines, ten times what uvicorn spends
answering the bare endpoint, so a timing taken with it measures httpx. This client spends ~30 µs.
It speaks only what our server sends: Content-Length or chunked bodies, to 127.0.0.1.
"""

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"


class WireError(Exception):
    """The connection broke or the server said something this client does not understand."""


@dataclass
class Reply:
    """A response: status, lower-cased headers, body (empty when discarded)."""

    status: int
    headers: dict[str, str]
    body: bytes
    size: int

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class Connection:
    """One keep-alive connection to 127.0.0.1:port, reopened when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        keep_body: bool = True,
        sink: Callable[[bytes], None] | None = None,
    ) -> Reply:
        """Send one request and read the whole response; `keep_body=False` counts bytes (and feeds `sink`)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 20)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        try:
            return await self._read(keep_body, sink)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as error:
            await self.close()
            raise WireError(f"{type(error).__name__}: {error}") from error

    async def _read(self, keep_body: bool, sink: Callable[[bytes], None] | None) -> Reply:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        chunks: list[bytes] = []
        size = 0
        if "content-length" in headers:
            size = int(headers["content-length"])
            data = await self.reader.readexactly(size)
            chunks.append(data)
            if sink is not None:
                sink(data)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                length = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data = await self.reader.readexactly(length + 2)
                size += length
                if keep_body:
                    chunks.append(data[:-2])
                if sink is not None:
                    sink(data[:-2])
                if length == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, b"".join(chunks) if keep_body else b"", size)

    async def close(self) -> None:
        """Close the connection; the next request opens a new one."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None
