"""A small RFC 9162 verifier for the tests, written from the RFC alone: it shares no code with the app.

`merkle_root` is the Merkle Tree Hash of section 2.1.1 (recursive, by its definition), `verify_inclusion`
the algorithm of 2.1.3.2 and `verify_consistency` that of 2.1.4.2, step by step.
"""

import hashlib
from collections.abc import Sequence


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_of(data: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return _sha256(b"\x00" + data)


def interior(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right)


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaves already hashed: k is the largest power of two smaller than n."""
    n = len(leaf_hashes)
    if n == 0:
        return _sha256(b"")
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return interior(merkle_root(leaf_hashes[:k]), merkle_root(leaf_hashes[k:]))


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162, 2.1.3.2: does `path` prove the leaf hash `leaf` at `leaf_index` in the tree of `root`?"""
    if leaf_index >= tree_size or leaf_index < 0:
        return False
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = interior(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = interior(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162, 2.1.4.2 (with the trivial cases: an empty tree is a prefix of any; a tree of itself)."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not path and first_hash == _sha256(b"")
    if first == second:
        return not path and first_hash == second_hash
    if not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:  # an exact power of 2
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = interior(c, fr)
            sr = interior(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = interior(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0
