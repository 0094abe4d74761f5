"""RFC 9162 Merkle tree hashing: leaf and node hashes, roots, inclusion and consistency proofs.

Pure functions over leaf hashes (bytes); the log (app/history/log.py) reads them from the database.
"""

import hashlib
from collections.abc import Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def entry_leaf_hash(entry_hash: str) -> str:
    """The leaf of a history entry (hex): the leaf hash of its chain hash's bytes."""
    return leaf_hash(bytes.fromhex(entry_hash)).hex()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


class Frontier:
    """The roots of the perfect subtrees covering leaves 0..size-1, largest first: a tree's compact state.

    Appending a leaf costs O(1) on average and the root folds the frontier from the right, so the root of a
    grown tree needs only the leaves added since (how checkpoints and `verify --since-checkpoint` stay cheap).
    """

    def __init__(self, subtrees: Iterable[tuple[int, bytes]] = ()) -> None:
        self.subtrees: list[tuple[int, bytes]] = list(subtrees)

    @property
    def size(self) -> int:
        """How many leaves the frontier covers."""
        return sum(count for count, _ in self.subtrees)

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        count, digest = 1, leaf
        while self.subtrees and self.subtrees[-1][0] == count:
            left_count, left = self.subtrees.pop()
            count, digest = left_count + count, node_hash(left, digest)
        self.subtrees.append((count, digest))

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """The Merkle tree hash of the leaves so far (RFC 9162 MTH)."""
        if not self.subtrees:
            return EMPTY_ROOT
        digest = self.subtrees[-1][1]
        for _, left in reversed(self.subtrees[:-1]):
            digest = node_hash(left, digest)
        return digest

    def to_json(self) -> list[str]:
        """The subtree roots as hex, largest first (their sizes follow from the tree size's binary digits)."""
        return [digest.hex() for _, digest in self.subtrees]

    @classmethod
    def from_json(cls, size: int, roots: Sequence[str]) -> "Frontier":
        """The frontier of a tree of `size` leaves from its subtree roots as hex."""
        counts = [1 << bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
        if len(counts) != len(roots):
            raise ValueError(f"a tree of {size} leaves has {len(counts)} subtrees, not {len(roots)}")
        return cls(zip(counts, (bytes.fromhex(root) for root in roots), strict=True))


def tree_root(leaves: Sequence[bytes], start: int = 0, end: int | None = None) -> bytes:
    """MTH of leaves[start:end]."""
    frontier = Frontier()
    frontier.extend(leaves[index] for index in range(start, len(leaves) if end is None else end))
    return frontier.root()


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` in the tree of all `leaves` (RFC 9162, 2.1.3.1)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    proof: list[bytes] = []
    start, end = 0, len(leaves)
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(tree_root(leaves, start + k, end))
            end = start + k
        else:
            proof.append(tree_root(leaves, start, start + k))
            start += k
    return proof[::-1]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Proof that the first `old_size` leaves' tree is a prefix of the whole tree (RFC 9162, 2.1.4.1)."""
    size = len(leaves)
    if not 0 <= old_size <= size:
        raise ValueError(f"a tree of {old_size} leaves is not a prefix of one of {size}")
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(tree_root(leaves, start + k, end))
            end = start + k
        else:
            proof.append(tree_root(leaves, start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(tree_root(leaves, start, end))
    return proof[::-1]
