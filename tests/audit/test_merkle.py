"""Known-answer tests of the RFC 6962/9162 Merkle hashing, inclusion and consistency proofs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proxy.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    Tree,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

V = json.loads((Path(__file__).parent / "rfc6962_vectors.json").read_text())
LEAVES = [leaf_hash(bytes.fromhex(x)) for x in V["leaves"]]
ROOTS = [bytes.fromhex(r) for r in V["roots"]]
TREE = Tree(LEAVES)
SOME = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hx(proof: list[str]) -> list[bytes]:
    return [bytes.fromhex(p) for p in proof]


@pytest.mark.parametrize("size", range(9))
def test_root_at_every_size_matches_vector(size: int) -> None:
    assert root_of(LEAVES[:size]) == ROOTS[size]
    assert TREE.root(size) == ROOTS[size]
    f = Frontier()
    for lh in LEAVES[:size]:
        f.append(lh)
    assert f.root() == ROOTS[size]
    assert Frontier(f.size, f.hashes).root() == ROOTS[size]


def test_node_hashes_match_vector_levels() -> None:
    for level, hashes in enumerate(V["node_hashes"]):
        assert [h.hex() for h in TREE.levels[level]] == hashes


def test_empty_root() -> None:
    assert EMPTY_ROOT.hex() == V["roots"][0]


@pytest.mark.parametrize("vec", V["inclusion"], ids=lambda v: f"{v['leaf']}of{v['size']}")
def test_inclusion_proof_matches_vector_and_verifies(vec: dict) -> None:
    index, size, proof = vec["leaf"] - 1, vec["size"], _hx(vec["proof"])
    assert TREE.inclusion_proof(index, size) == proof
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(
    "vec", [v for v in V["inclusion"] if v["proof"]], ids=lambda v: f"{v['leaf']}of{v['size']}"
)
def test_corrupted_inclusion_proofs_fail(vec: dict) -> None:
    i, n, proof, root, lh = (
        vec["leaf"] - 1,
        vec["size"],
        _hx(vec["proof"]),
        ROOTS[vec["size"]],
        LEAVES[vec["leaf"] - 1],
    )
    probes = [
        (i - 1, n, root, lh, proof),
        (i + 1, n, root, lh, proof),
        (i ^ 2, n, root, lh, proof),
        (i, n * 2, root, lh, proof),
        (i, n // 2, root, lh, proof),
        (i, n, root, b"WrongLeaf", proof),
        (i, n, EMPTY_ROOT, lh, proof),
        (i, n, SOME, lh, proof),
        (i, n, root, lh, [*proof, b""]),
        (i, n, root, lh, [*proof, root]),
        (i, n, root, lh, [b"", *proof]),
        (i, n, root, lh, [root, *proof]),
        (i, n, root, lh, proof[:-1]),
    ]
    for k in range(len(proof)):
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 8]) + bad[k][1:]
        probes.append((i, n, root, lh, bad))
    for pi, pn, pr, pl, pp in probes:
        if pi < 0:
            continue
        assert not verify_inclusion(pl, pi, pn, pp, pr), (pi, pn)


@pytest.mark.parametrize("vec", V["consistency"], ids=lambda v: f"{v['size1']}to{v['size2']}")
def test_consistency_proof_matches_vector_and_verifies(vec: dict) -> None:
    m, n, proof = vec["size1"], vec["size2"], _hx(vec["proof"])
    assert TREE.consistency_proof(m, n) == proof
    assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


@pytest.mark.parametrize(
    "vec", [v for v in V["consistency"] if v["proof"]], ids=lambda v: f"{v['size1']}to{v['size2']}"
)
def test_corrupted_consistency_proofs_fail(vec: dict) -> None:
    m, n, proof = vec["size1"], vec["size2"], _hx(vec["proof"])
    r1, r2 = ROOTS[m], ROOTS[n]
    probes = [
        (m - 1, n, r1, r2, proof),
        (m + 1, n, r1, r2, proof),
        (m ^ 2, n, r1, r2, proof),
        (m, n * 2, r1, r2, proof),
        (m, n // 2, r1, r2, proof),
        (m, n, b"WrongRoot", r2, proof),
        (m, n, r1, b"WrongRoot", proof),
        (m, n, r2, r1, proof),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*proof, b""]),
        (m, n, r1, r2, [*proof, r1]),
        (m, n, r1, r2, [*proof, r2]),
        (m, n, r1, r2, [b"", *proof]),
        (m, n, r1, r2, [r1, *proof]),
        (m, n, r1, r2, [r2, *proof]),
        (m, n, r1, r2, [proof[0], *proof]),
        (m, n, r1, r2, proof[:-1]),
    ]
    for k in range(len(proof)):
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 16]) + bad[k][1:]
        probes.append((m, n, r1, r2, bad))
    for a, b, x, y, p in probes:
        assert not verify_consistency(a, b, x, y, p), (a, b)


@pytest.mark.parametrize(
    ("m", "n", "r1", "r2", "proof", "ok"),
    [
        (0, 0, b"r1", b"r1", [], True),
        (0, 1, b"r1", b"r2", [], True),
        (1, 1, b"r2", b"r2", [], True),
        (0, 0, b"r1", b"r2", [], False),
        (1, 1, b"r1", b"r2", [], False),
        (1, 0, b"r1", b"r2", [], False),
        (2, 1, b"r1", b"r2", [], False),
        (1, 2, b"r1", b"r2", [], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ],
)
def test_consistency_edge_cases(
    m: int, n: int, r1: bytes, r2: bytes, proof: list, ok: bool
) -> None:
    assert verify_consistency(m, n, r1, r2, proof) is ok


def test_proofs_on_larger_trees_roundtrip() -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(67)]
    tree = Tree(leaves)
    for n in (1, 2, 5, 16, 33, 67):
        root = tree.root(n)
        assert root == root_of(leaves[:n])
        for i in range(n):
            assert verify_inclusion(leaves[i], i, n, tree.inclusion_proof(i, n), root)
        for m in range(1, n + 1):
            assert verify_consistency(m, n, tree.root(m), root, tree.consistency_proof(m, n))
