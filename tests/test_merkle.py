"""The app's Merkle functions (app/history/merkle.py) against the independent verifier of tests/rfc9162.py.

No database: trees of every size up to 70 with every index and every earlier size, and one of 5,000 leaves.
The verifier is shown to refuse wrong proofs first, so its agreement means something.
"""

import hashlib
import random

import pytest

from app.history import merkle
from tests import rfc9162

LARGE = 5_000


def _leaves(count: int, seed: int = 9162) -> list[bytes]:
    generator = random.Random(seed)
    return [rfc9162.leaf_of(generator.randbytes(32)) for _ in range(count)]


def _flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 1]) + node[1:]


def test_the_verifier_refuses_wrong_inclusion_proofs():
    leaves = _leaves(13)
    root = rfc9162.merkle_root(leaves)
    path = merkle.inclusion_proof(6, leaves)
    assert rfc9162.verify_inclusion(6, 13, leaves[6], path, root)
    for position in range(len(path)):
        wrong_sibling = [_flip(node) if at == position else node for at, node in enumerate(path)]
        assert not rfc9162.verify_inclusion(6, 13, leaves[6], wrong_sibling, root)
    for index in (5, 7, 12, 13, -1):
        assert not rfc9162.verify_inclusion(index, 13, leaves[6], path, root)
    assert not rfc9162.verify_inclusion(6, 13, leaves[6], path, _flip(root))
    assert not rfc9162.verify_inclusion(6, 13, leaves[7], path, root)
    for wrong_size in (7, 8, 17):  # sizes whose audit path for leaf 6 has another length
        assert not rfc9162.verify_inclusion(6, wrong_size, leaves[6], path, root)
    assert not rfc9162.verify_inclusion(6, 13, leaves[6], path[:-1], root)
    assert not rfc9162.verify_inclusion(6, 13, leaves[6], [*path, root], root)


def test_the_verifier_refuses_wrong_consistency_proofs():
    leaves = _leaves(13)
    old, new = rfc9162.merkle_root(leaves[:5]), rfc9162.merkle_root(leaves)
    proof = merkle.consistency_proof(5, leaves)
    assert rfc9162.verify_consistency(5, 13, old, new, proof)
    for position in range(len(proof)):
        wrong_node = [_flip(node) if at == position else node for at, node in enumerate(proof)]
        assert not rfc9162.verify_consistency(5, 13, old, new, wrong_node)
    assert not rfc9162.verify_consistency(5, 13, _flip(old), new, proof)
    assert not rfc9162.verify_consistency(5, 13, old, _flip(new), proof)
    assert not rfc9162.verify_consistency(4, 13, old, new, proof)
    for wrong_size in (8, 17):  # sizes whose proof from 5 has another shape
        assert not rfc9162.verify_consistency(5, wrong_size, old, new, proof)
    assert not rfc9162.verify_consistency(13, 5, new, old, proof)
    assert not rfc9162.verify_consistency(5, 13, old, new, [])
    assert not rfc9162.verify_consistency(5, 13, old, new, proof[:-1])
    # A rewritten prefix: the old root of other leaves is not consistent with this tree.
    other = rfc9162.merkle_root([_flip(leaves[0]), *leaves[1:5]])
    assert not rfc9162.verify_consistency(5, 13, other, new, proof)


def test_leaf_and_node_hashing_follow_rfc_9162():
    entry_hash = hashlib.sha256(b"an entry").hexdigest()
    assert merkle.entry_leaf_hash(entry_hash) == rfc9162.leaf_of(bytes.fromhex(entry_hash)).hex()
    assert merkle.Frontier().root() == hashlib.sha256(b"").digest()
    left, right = _leaves(2)
    assert merkle.node_hash(left, right) == rfc9162.interior(left, right)


@pytest.mark.parametrize("size", range(1, 71))
def test_every_proof_of_a_small_tree_verifies(size):
    leaves = _leaves(size, seed=size)
    root = rfc9162.merkle_root(leaves)
    assert merkle.tree_root(leaves) == root
    for index in range(size):
        path = merkle.inclusion_proof(index, leaves)
        assert rfc9162.verify_inclusion(index, size, leaves[index], path, root), index
    for old_size in range(size + 1):
        old_root = rfc9162.merkle_root(leaves[:old_size])
        proof = merkle.consistency_proof(old_size, leaves)
        assert rfc9162.verify_consistency(old_size, size, old_root, root, proof), old_size


def test_proofs_of_a_large_tree_verify():
    leaves = _leaves(LARGE)
    root = rfc9162.merkle_root(leaves)
    frontier = merkle.Frontier()
    frontier.extend(leaves)
    assert frontier.root() == root
    picks = random.Random(1).sample(range(LARGE), 12)
    for index in [0, 1, 2047, 2048, 4095, 4096, LARGE - 2, LARGE - 1, *picks]:
        path = merkle.inclusion_proof(index, leaves)
        assert rfc9162.verify_inclusion(index, LARGE, leaves[index], path, root), index
        assert not rfc9162.verify_inclusion(index, LARGE, _flip(leaves[index]), path, root)
    for old_size in [1, 2, 3, 1024, 1025, 4095, 4096, 4097, LARGE - 1, LARGE, *picks]:
        old_root = rfc9162.merkle_root(leaves[:old_size])
        proof = merkle.consistency_proof(old_size, leaves)
        assert rfc9162.verify_consistency(old_size, LARGE, old_root, root, proof), old_size


def test_a_frontier_saved_at_one_size_grows_to_the_same_root():
    leaves = _leaves(300)
    for saved_size in (0, 1, 7, 64, 255, 300):
        saved = merkle.Frontier()
        saved.extend(leaves[:saved_size])
        restored = merkle.Frontier.from_json(saved_size, saved.to_json())
        assert restored.root() == rfc9162.merkle_root(leaves[:saved_size])
        restored.extend(leaves[saved_size:])
        assert restored.root() == rfc9162.merkle_root(leaves)
    with pytest.raises(ValueError):
        merkle.Frontier.from_json(7, ["00" * 32])


def test_proofs_outside_the_tree_are_refused():
    leaves = _leaves(5)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(5, leaves)
    with pytest.raises(ValueError):
        merkle.consistency_proof(6, leaves)
