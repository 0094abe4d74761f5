"""A bound on documents rendered at once per server: more wait their turn as a 429, not as a pile-up."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.errors import TooManyRequests

RETRY_AFTER_SECONDS = 10


class RenderSlots:
    """A few slots for whole-document renders (XLSX, DOCX); beyond them, 429 with Retry-After."""

    DOCUMENTS = (
        "This server is rendering as many documents as it can; ask again in a few seconds, "
        "or take the CSV or JSON, which stream."
    )

    def __init__(self, slots: int, busy: str = DOCUMENTS) -> None:
        self._free = threading.BoundedSemaphore(slots)
        self._busy = busy

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a slot while rendering; 429 at once when none is free."""
        if not self._free.acquire(blocking=False):
            raise TooManyRequests(
                self._busy,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        try:
            yield
        finally:
            self._free.release()
