"""A small, thread-safe LRU of finished results, one per app instance (on app.state)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """At most `size` results, least recently used evicted first; one computation per key at a time.

    Values are shared between requests: callers must treat them as read-only.
    """

    def __init__(self, size: int):
        if size < 1:
            raise ValueError("an LRU cache holds at least one entry")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for the key, or compute, store and return it."""
        with self._lock:
            if key in self._items:
                return self._hit(key)
            computing = self._computing.setdefault(key, threading.Lock())
        # Concurrent misses on one key wait for the first computation instead of repeating it
        # (a cold scorecard at 300,000 recommendations takes seconds on two cores).
        with computing:
            with self._lock:
                if key in self._items:
                    return self._hit(key)
            try:
                value = compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            with self._lock:
                self.misses += 1
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value

    def _hit(self, key: Hashable) -> V:
        self.hits += 1
        self._items.move_to_end(key)
        return self._items[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()
