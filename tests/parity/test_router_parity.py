"""The Rust and Python routers agree on every path of a large, awkward route table."""

from __future__ import annotations

import itertools
import uuid
from types import ModuleType
from typing import Any

import pytest

from gobstopper.routing import Router, Rule
from gobstopper.routing.converters import CONVERTERS, Converter

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
