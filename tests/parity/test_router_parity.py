"""The Rust router, the Python trie walk and the trie compiled into a regular expression
agree on every path of a large, awkward route table."""

from __future__ import annotations

import itertools
import uuid
from types import ModuleType
from typing import Any

import pytest

from gobstopper.routing import Router, Rule
from gobstopper.routing.compiled import MOST_GROUPS, CompiledTrie
from gobstopper.routing.converters import CONVERTERS, Converter
from gobstopper.routing.trie import Node, child_of, walk

UUID = "12345678-1234-5678-1234-567812345678"


class HexConverter(Converter):
    """A converter the Rust trie does not know: it must be called back in Python."""

    priority = 15

    def to_python(self, value: str) -> int:
        return int(value, 16)


RULES = [
    "/",
    "/about",
    "/about/",
    "/users",
    "/users/",
    "/users/<int:user_id>",
    "/users/<int:user_id>/",
    "/users/<name>",
    "/users/me",
    "/users/<int:user_id>/posts/<slug>",
    "/users/<user>/posts/<int:post_id>",
    "/prices/<float:amount>",
    "/prices/<amount>",
    "/things/<uuid:thing_id>",
    "/things/<thing>",
    "/files/<path:rest>",
    "/files/<path:rest>/meta",
    "/files/special",
    "/docs/<path:page>/edit/<int:rev>",
    "/report.<ext>",
    "/report-<int:year>.<fmt>",
    "/img/<name>.<ext>",
    "/hex/<hex:value>",
    "/hex/<word>",
    "/café/<element>",
    "/a/<x>",
    "/a/<y>/b",
    "/deep/<a>/<b>/<c>/<d>/<e>",
    "/deep/<int:a>/<int:b>/<int:c>/<int:d>/<int:e>",
    "/mixed/<int:n>-<slug>",
    "/trail/<path:tail>/",
]
RULES += [f"/api/v{version}/resource{index}" for version in (1, 2) for index in range(60)]
RULES += [f"/api/v{major}/resource{index}/<int:item>" for major in (1, 2) for index in range(60)]
RULES += [f"/api/v1/resource{index}/<int:item>/<sub>" for index in range(40)]
RULES += [f"/shop/{index}/<path:rest>" for index in range(20)]
# A mixed segment is tried before a plain placeholder at the same position.
RULES += ["/tags/<int:year>-<slug>", "/tags/<name>"]

VALUES = [
    "",
    "7",
    "0042",
    "12345678901234567890123",
    "-1",
    "1.5",
    "1.",
    ".5",
    "3.14159265358979323846",
    UUID,
    UUID.upper(),
    "12345678123456781234567812345678----",
    "abc",
    "me",
    "special",
    "ff",
    "zz",
    "%2F",
    "a%20b",
    "é",
    "日本",
    "٣",
    "a.b",
    "2024.csv",
    "x-y",
    "3-bolts",
    "meta",
    "edit",
]


def _paths() -> list[str]:
    paths = {"", "/", "//", "///", "no-leading-slash", "/about", "/about/", "/about//"}
    stems = [
        "/users/{}",
        "/users/{}/",
        "/users/{}/posts/{}",
        "/prices/{}",
        "/things/{}",
        "/files/{}",
        "/files/{}/{}",
        "/files/{}/meta",
        "/files/{}/{}/meta",
        "/docs/{}/edit/{}",
        "/docs/{}/{}/edit/{}",
        "/report.{}",
        "/report-{}.{}",
        "/img/{}.{}",
        "/hex/{}",
        "/café/{}",
        "/a/{}",
        "/a/{}/b",
        "/deep/{}/{}/{}/{}/{}",
        "/mixed/{}-{}",
        "/trail/{}/",
        "/trail/{}/{}/",
        "/api/v1/resource59/{}",
        "/api/v2/resource0/{}",
        "/api/v1/resource39/{}/{}",
        "/shop/19/{}/{}",
        "/tags/{}",
        "/tags/{}-{}",
    ]
    for stem in stems:
        holes = stem.count("{}")
        combos = itertools.product(VALUES[:14], repeat=holes) if holes > 1 else ()
        for value in VALUES:
            paths.add(stem.format(*([value] * holes)))
        for combo in itertools.islice(combos, 200):
            paths.add(stem.format(*combo))
    paths.add("/users/\udcff")
    paths.add("/deep/1/2/3/4/x")
    return sorted(paths)


PATHS = _paths()


@pytest.fixture(scope="module")
def routers(rust_core: ModuleType) -> tuple[Router[str], Router[str]]:
    CONVERTERS["hex"] = HexConverter
    try:
        built = []
        for accelerated in (False, True):
            router: Router[str] = Router(accelerated=accelerated)
            for index, pattern in enumerate(RULES):
                router.add(Rule(pattern), ["GET"], f"rule{index}")
                if index % 3 == 0:
                    router.add(Rule(pattern), ["POST"], f"post{index}")
            built.append(router)
    finally:
        del CONVERTERS["hex"]
    python, rust = built
    assert not python.accelerated
    assert rust.accelerated
    return python, rust


def _typed(found: tuple[dict[str, str], dict[str, Any]] | None) -> object:
    if found is None:
        return None
    endpoints, params = found
    return endpoints, [(name, type(value), value) for name, value in params.items()]


def test_the_table_is_large_and_the_paths_many() -> None:
    assert len(RULES) > 300
    assert len(PATHS) > 1000


def test_every_path_matches_the_same_rule_with_the_same_parameters(
    routers: tuple[Router[str], Router[str]],
) -> None:
    python, rust = routers
    mismatches = [
        (path, _typed(python.match(path)), _typed(rust.match(path)))
        for path in PATHS
        if _typed(python.match(path)) != _typed(rust.match(path))
    ]
    assert mismatches == []
    matched = sum(python.match(path) is not None for path in PATHS)
    assert 0.3 * len(PATHS) < matched < len(PATHS)


@pytest.mark.parametrize(
    ("path", "endpoint", "params"),
    [
        ("/users/0042", "rule5", {"user_id": 42}),
        ("/users/12345678901234567890123", "rule5", {"user_id": 12345678901234567890123}),
        ("/users/me", "rule8", {}),
        ("/users/abc", "rule7", {"name": "abc"}),
        ("/users/7/posts/x", "rule9", {"user_id": 7, "slug": "x"}),
        ("/users/bob/posts/3", "rule10", {"user": "bob", "post_id": 3}),
        ("/prices/1.5", "rule11", {"amount": 1.5}),
        ("/prices/1.", "rule12", {"amount": "1."}),
        (f"/things/{UUID}", "rule13", {"thing_id": uuid.UUID(UUID)}),
        ("/files/a/b/meta", "rule16", {"rest": "a/b"}),
        ("/files/special", "rule17", {}),
        ("/docs/a/b/edit/3", "rule18", {"page": "a/b", "rev": 3}),
        ("/report-2024.csv", "rule20", {"year": 2024, "fmt": "csv"}),
        ("/hex/ff", "rule22", {"value": 255}),
        ("/hex/zz", "rule23", {"word": "zz"}),
        ("/café/日本", "rule24", {"element": "日本"}),
        ("/a/q/b", "rule26", {"y": "q"}),
        ("/deep/1/2/3/4/5", "rule28", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
        ("/api/v2/resource59/9", "rule270", {"item": 9}),
        ("/tags/2024-gobstopper", "rule331", {"year": 2024, "slug": "gobstopper"}),
        ("/tags/gobstopper", "rule332", {"name": "gobstopper"}),
        # Past Python's 4,300 digits int() refuses: the next rule takes the text.
        ("/users/" + "9" * 5000, "rule7", {"name": "9" * 5000}),
        ("/files/" + "a/" * 2000 + "meta", "rule16", {"rest": "a/" * 1999 + "a"}),
        ("/files/" + "a//" * 2000 + "z", "rule15", {"rest": "a//" * 2000 + "z"}),
    ],
)
def test_known_paths_reach_the_expected_rule(
    routers: tuple[Router[str], Router[str]], path: str, endpoint: str, params: dict[str, Any]
) -> None:
    for router in routers:
        found = router.match(path)
        assert found is not None, path
        assert found[0]["GET"] == endpoint
        assert found[1] == params


@pytest.mark.parametrize("path", ["/users/", "/users//", "/files/", "/report.", "/deep/1/2/3/4"])
def test_empty_segments_do_not_fill_placeholders(
    routers: tuple[Router[str], Router[str]], path: str
) -> None:
    python, rust = routers
    assert _typed(python.match(path)) == _typed(rust.match(path))
    found = rust.match(path)
    assert found is None or not any(value == "" for value in found[1].values())


def test_a_converter_error_other_than_value_error_propagates_from_both(
    rust_core: ModuleType,
) -> None:
    class Broken(Converter):
        def to_python(self, value: str) -> str:
            raise RuntimeError("converter bug")

    CONVERTERS["broken"] = Broken
    try:
        for accelerated in (False, True):
            router: Router[str] = Router(accelerated=accelerated)
            router.add(Rule("/b/<broken:x>"), ["GET"], "b")
            with pytest.raises(RuntimeError, match="converter bug"):
                router.match("/b/1")
    finally:
        del CONVERTERS["broken"]


def test_the_segment_kinds_are_the_rust_cores_and_name_the_built_in_converters(
    rust_core: ModuleType,
) -> None:
    kinds = rust_core.Router.SEGMENT_KINDS
    assert set(kinds) == {"static", "string", "int", "float", "path", "callback", "mixed"}
    assert len(set(kinds.values())) == len(kinds)
    assert {"string", "int", "float", "path"} <= set(CONVERTERS)


def test_a_converter_registered_under_a_built_in_name_is_called_back_in_python(
    rust_core: ModuleType,
) -> None:
    class EvenConverter(Converter):
        """Takes the name ``int`` but only even numbers: the Rust trie must not run its
        own ``int`` for it."""

        regex = r"\d+"
        priority = 10

        def to_python(self, value: str) -> int:
            if not value.isdigit() or int(value) % 2:
                raise ValueError(f"{value!r} is not even")
            return int(value)

    built_in = CONVERTERS["int"]
    CONVERTERS["int"] = EvenConverter
    try:
        for accelerated in (False, True):
            router: Router[str] = Router(accelerated=accelerated)
            router.add(Rule("/n/<int:n>"), ["GET"], "even")
            router.add(Rule("/n/<word>"), ["GET"], "other")
            assert router.match("/n/4") == ({"GET": "even"}, {"n": 4})
            assert router.match("/n/3") == ({"GET": "other"}, {"word": "3"})
    finally:
        CONVERTERS["int"] = built_in


class _Walked:
    """The trie walk of ``RULES``, counting the paths it is asked to answer."""

    def __init__(self, root: Node[str]) -> None:
        self.root = root
        self.asked: list[str] = []

    def __call__(self, path: str) -> tuple[dict[str, str], dict[str, Any]] | None:
        self.asked.append(path)
        if not path.startswith("/"):
            return None
        params: dict[str, Any] = {}
        endpoints = walk(self.root, path[1:].split("/"), 0, params)
        return None if endpoints is None else (endpoints, params)


@pytest.fixture(scope="module")
def compiled() -> tuple[CompiledTrie[str], _Walked]:
    CONVERTERS["hex"] = HexConverter
    try:
        root: Node[str] = Node()
        for index, pattern in enumerate(RULES):
            node = root
            for segment in Rule(pattern).segments:
                node = child_of(node, segment)
            node.endpoints = {"GET": f"rule{index}"}
    finally:
        del CONVERTERS["hex"]
    walked = _Walked(root)
    return CompiledTrie(root, walked, most_groups=10_000), walked


def test_the_compiled_trie_answers_as_the_walk_does_and_walks_only_on_refusals(
    compiled: tuple[CompiledTrie[str], _Walked],
) -> None:
    trie, walked = compiled
    expected = {}
    for path in PATHS:
        expected[path] = _typed(walked(path))
    walked.asked.clear()
    mismatches = [
        (path, _typed(trie.match(path)), expected[path])
        for path in PATHS
        if _typed(trie.match(path)) != expected[path]
    ]
    assert mismatches == []
    # Only a converter refusing a text its pattern accepted sends the match to the walk:
    # here the hex converter (any segment), a UUID-length text that is no UUID, and a
    # non-ASCII digit in a mixed segment, whose pattern takes any digit.
    refused = set(walked.asked)
    assert refused
    assert [p for p in refused if not p.startswith(("/hex/", "/things/")) and "٣" not in p] == []
    assert len(refused) < 0.02 * len(PATHS)


@pytest.mark.parametrize(
    ("path", "endpoint", "params"),
    [
        ("/users/" + "9" * 5000, "rule7", {"name": "9" * 5000}),
        ("/users/٣", "rule7", {"name": "٣"}),
        ("/files/a\nb/meta", "rule16", {"rest": "a\nb"}),
        ("/files/a//meta", "rule16", {"rest": "a/"}),
        ("/report-2024.csv", "rule20", {"year": 2024, "fmt": "csv"}),
        ("/report.tar.gz", "rule19", {"ext": "tar.gz"}),
        ("/img/a.b.c", "rule21", {"name": "a.b", "ext": "c"}),
        ("/hex/ff", "rule22", {"value": 255}),
        (f"/things/{UUID.upper()}", "rule13", {"thing_id": uuid.UUID(UUID)}),
    ],
)
def test_texts_at_the_edge_of_a_pattern_match_as_the_walk_does(
    compiled: tuple[CompiledTrie[str], _Walked], path: str, endpoint: str, params: dict[str, Any]
) -> None:
    trie, walked = compiled
    found = trie.match(path)
    assert found == ({"GET": endpoint}, params)
    assert _typed(found) == _typed(walked(path))


def test_a_trie_needing_more_groups_than_pays_is_walked(
    compiled: tuple[CompiledTrie[str], _Walked],
) -> None:
    _, walked = compiled
    trie = CompiledTrie(walked.root, walked)
    assert len(RULES) * 2 > MOST_GROUPS
    walked.asked.clear()
    assert trie.match("/users/7") == ({"GET": "rule5"}, {"user_id": 7})
    assert trie.match("/nowhere/7") is None
    assert walked.asked == ["/users/7", "/nowhere/7"]
