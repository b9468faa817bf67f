"""The Rust core's nesting check of JSON bodies answers as the Python one on every
vector: strings, escapes, unbalanced brackets, the exact limit and arbitrary bytes."""

from __future__ import annotations

import itertools
import random
from types import ModuleType

import pytest

from gobstopper.http.jsonbody import exceeds_depth

VECTORS = [
    b"",
    b"{}",
    b"[[]]",
    b"[[[]]]",
    b'{"a": {"b": {"c": [1, 2, {"d": null}]}}}',
    b'{"a": "[[[[[[[[[["}',
    b'["\\"[[[[", [[]]]',
    b'["\\\\", [[[]]]]',
    b'["\\\\\\"[[[[", []]',
    b'"unterminated [[[[[[',
    b"]]]]][[[[[",
    b"[" * 70,
    b"[" * 64 + b"]" * 64,
    b"[" * 65 + b"]" * 65,
    b"{" * 33 + b"[" * 32,
    b'{"\xff\xfe": [[["\x00"]]]}',
    b"\\[[[\\]]]",
]


def _random_bodies() -> list[bytes]:
    """Short bodies drawn from the bytes that matter, fixed by the seed."""
    generator = random.Random(25)
    alphabet = b'[]{}"\\ a,:'
    return [
        bytes(generator.choice(alphabet) for _ in range(generator.randrange(1, 60)))
        for _ in range(2000)
    ]


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 32, 64])
def test_the_rust_nesting_check_answers_as_python(rust_core: ModuleType, limit: int) -> None:
    for body in itertools.chain(VECTORS, _random_bodies()):
        expected = exceeds_depth(body, limit)
        assert rust_core.json_nests_deeper(body, limit) is expected, (body, limit)


def test_the_vectors_cover_both_answers() -> None:
    answers = {exceeds_depth(body, 2) for body in VECTORS}
    assert answers == {True, False}
